// The visit, step by step: start a session, identify the applicant (for an enterprise, or a
// person for themself: 本人办理, by their own ID number, no enterprise step), (face check in
// face-check.ts), choose records, sign, apply, show the decision and the fresh code, and
// end. Each step runs through step(): busy while it runs, a plain-words error when it
// fails, and its result dropped if the screen was wiped meanwhile (./step.ts).
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { switchLang } from "../i18n/index.ts";
import { ApiError } from "./api.ts";
import { stopCamera } from "./camera.ts";
import { readApplicant, readOwnIdNumber } from "./enterprise-input.ts";
import { openCamera } from "./face-check.ts";
import { freshFace, initialState, type Kiosk, type Mode, type State } from "./state.ts";
import { step } from "./step.ts";

export function changeLanguage(k: Kiosk): void {
  switchLang();
  k.render();
}

/** Starts a visit: for an enterprise (the enterprise screen) or for oneself (the ID number screen). */
export async function begin(k: Kiosk, mode: Mode = "enterprise"): Promise<void> {
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
    k.state.mode = mode;
    k.state.activeField = mode === "self" ? "idNumber" : "enterprise";
    k.state.screen = mode === "self" ? "self" : "enterprise";
  });
}

/** 本人办理: the person's own ID number; the face check that follows must be their own face. */
export async function submitSelf(k: Kiosk): Promise<void> {
  const s = k.state;
  const entry = readOwnIdNumber(s.idNumber);
  if (!entry.ok) {
    s.error = entry.error;
    k.render();
    return;
  }
  await toFace(k, () => k.api.identify(s.sessionId!, { capacity: "self", idNumber: entry.idNumber }));
}

export async function submitEnterprise(k: Kiosk): Promise<void> {
  const s = k.state;
  const entry = readApplicant({ enterprise: s.enterpriseInput, capacity: s.capacity, idNumber: s.idNumber });
  if (!entry.ok) {
    s.error = entry.error;
    k.render();
    return;
  }
  await toFace(k, () =>
    k.api.identify(s.sessionId!, {
      enterprise: entry.enterprise,
      capacity: entry.capacity,
      ...(entry.idNumber ? { idNumber: entry.idNumber } : {}),
    }),
  );
}

/** Identifies the applicant with the server, then the face check (only of an enrolled face). */
async function toFace(k: Kiosk, identify: () => ReturnType<Kiosk["api"]["identify"]>): Promise<void> {
  await step(k, async (gen) => {
    const applicant = await identify();
    if (gen !== k.generation) return;
    if (!applicant.faceEnrolled) throw new ApiError(409, "face_not_enrolled", "");
    k.state.applicant = applicant;
    k.state.face = freshFace();
    k.state.screen = "face";
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
      subjectId: who.subjectId,
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
      s.code = await k.api.code(who.subjectId);
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
