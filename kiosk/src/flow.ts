// The visit, step by step: start a session, identify the applicant, (face check in
// face-check.ts), choose records, sign, apply, show the decision and the fresh code, and
// end. Each step runs through step(): busy while it runs, a plain-words error when it
// fails, and its result dropped if the screen was wiped meanwhile (./step.ts).
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { switchLang } from "../i18n/index.ts";
import { ApiError } from "./api.ts";
import { stopCamera } from "./camera.ts";
import { readApplicant } from "./enterprise-input.ts";
import { openCamera } from "./face-check.ts";
import { freshFace, initialState, type Kiosk, type State } from "./state.ts";
import { step } from "./step.ts";

export function changeLanguage(k: Kiosk): void {
  switchLang();
  k.render();
}

export async function begin(k: Kiosk): Promise<void> {
  if (!k.config.token) {
    k.state.error = "device";
    k.render();
    return;
  }
  await step(k, async (gen) => {
    const session = await k.api.startSession();
    if (gen !== k.generation) return;
    k.state.notice = null;
    k.state.sessionId = session.sessionId;
    k.state.nonce = session.nonce;
    k.state.screen = "enterprise";
  });
}

export async function submitEnterprise(k: Kiosk): Promise<void> {
  const s = k.state;
  const entry = readApplicant({ enterprise: s.enterpriseInput, capacity: s.capacity, idNumber: s.idNumber });
  if (!entry.ok) {
    s.error = entry.error;
    k.render();
    return;
  }
  await step(k, async (gen) => {
    const applicant = await k.api.identify(s.sessionId!, {
      enterprise: entry.enterprise,
      capacity: entry.capacity,
      ...(entry.idNumber ? { idNumber: entry.idNumber } : {}),
    });
    if (gen !== k.generation) return;
    if (!applicant.faceEnrolled) throw new ApiError(409, "face_not_enrolled", "");
    s.applicant = applicant;
    s.face = freshFace();
    s.screen = "face";
  });
  if (k.state.screen === "face") void openCamera(k);
}

export async function toCommitment(k: Kiosk): Promise<void> {
  await step(k, async (gen) => {
    const c = await k.api.commitment();
    if (gen !== k.generation) return;
    k.state.commitment = { version: c.version, text: c.text };
    k.state.accepted = false;
    k.state.screen = "commitment";
  });
}

export async function submitApplication(k: Kiosk): Promise<void> {
  const s = k.state;
  const signature = k.signature;
  if (!s.accepted || !signature || signature.isEmpty()) {
    s.error = "need_accept";
    k.render();
    return;
  }
  // The application keeps a digest of the signature image, not the image (no uploads).
  const png = signature.toDataUrl();
  const digest = `sha256:${bytesToHex(sha256(new TextEncoder().encode(png)))}`;
  const who = s.applicant!;
  await step(k, async (gen) => {
    const application = await k.api.apply({
      enterpriseId: who.enterpriseId,
      recordIds: [...s.selected],
      applicant: {
        personId: who.personId,
        capacity: who.capacity,
        ...(who.authorisation ? { authorisationRef: who.authorisation.reference } : {}),
      },
      commitment: { version: s.commitment!.version, accepted: true, signature: digest },
      faceAssertion: s.assertion,
    });
    if (gen !== k.generation) return;
    s.assertion = null; // single use
    s.application = application;
    s.screen = "decision";
    try {
      s.code = await k.api.code(who.enterpriseId);
    } catch {
      s.code = null; // the receipt still shows; the code can be fetched at the counter
    }
  });
}

export function showCode(k: Kiosk): void {
  k.state.screen = "code";
  k.render();
}

/** Ends the visit: the server session ends (its unused assertion dies with it), the screen is wiped. */
export async function finish(k: Kiosk, notice: State["notice"] = null): Promise<void> {
  const sessionId = k.state.sessionId;
  k.generation++;
  stopCamera();
  k.video.srcObject = null;
  k.signature = null;
  k.state = initialState();
  k.state.notice = notice;
  k.render();
  if (sessionId) await k.api.endSession(sessionId).catch(() => {});
}
