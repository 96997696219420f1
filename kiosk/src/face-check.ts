// The face check: open the camera; on "start", ask the server for the challenge (which way to
// turn the head, how many frames, how far apart), show it, record the frames while the person
// turns, and let the server decide (the kiosk is not trusted with the verdict); then fetch the
// enterprise's records once it passed. The server never sends scores, and none are shown.
//
// Outcomes a person can act on are worded (./screens/face.ts): a refusal with its reason and a
// retry; a network failure ("no result arrived", retry with the same nonce and challenge); the
// service unavailable (the engine could not load: never a skipped check); a lockout with the time
// to wait.
import { ApiError } from "./api.ts";
import { captureFrame, nextVideoFrame, sleep, startCamera, stopCamera } from "./camera.ts";
import type { Kiosk } from "./state.ts";
import { step } from "./step.ts";

/** How long "passed" stays on screen before the records appear. */
const PASSED_PAUSE_MS = 700;
/** Frames taken facing the camera before the turn is asked for (the server's baseline is the first 3). */
export const LOOK_STRAIGHT_FRAMES = 3;

export interface FaceChallenge {
  action: "turn_left" | "turn_right";
  frames: number;
  intervalMs: number;
}

interface ChallengeResponse {
  nonce: string;
  attemptsLeft: number;
  challenge: FaceChallenge & { expiresAt: string };
}

interface FaceResponse {
  verdict: "passed" | "refused";
  reason?: string;
  attemptsLeft: number;
  nonce: string;
  assertion?: string;
}

/**
 * The attempt in progress beside the kiosk's state (./state.ts keeps the phase, counts and
 * reason): the challenge on screen and, when locked out, the wait. Tied to the generation, so a
 * wipe (idle timer, back to start) drops it with the rest of the visit.
 */
let attempt: { generation: number; challenge: FaceChallenge | null; retryAfterSeconds: number | null } = { generation: -1, challenge: null, retryAfterSeconds: null };

export function currentAttempt(k: Kiosk): { challenge: FaceChallenge | null; retryAfterSeconds: number | null } {
  return attempt.generation === k.generation ? attempt : { challenge: null, retryAfterSeconds: null };
}

/** A JSON call to the face routes: ApiError with the problem's code (network: "network"), and the lockout's wait. */
async function faceCall<T>(k: Kiosk, path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${k.config.apiBase}/v1/kiosk/sessions/${k.state.sessionId}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${k.config.token ?? ""}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", "network error");
  }
  let json: Record<string, unknown> = {};
  try {
    json = (await response.json()) as Record<string, unknown>;
  } catch {
    if (response.ok) throw new ApiError(0, "network", "the response was cut off");
  }
  if (!response.ok) {
    if (typeof json.retryAfterSeconds === "number" || json.retryAfterSeconds === null) {
      attempt.retryAfterSeconds = (json.retryAfterSeconds as number | null) ?? null;
    }
    throw new ApiError(response.status, typeof json.code === "string" ? json.code : response.status === 401 ? "device" : "unknown", String(json.detail ?? ""));
  }
  return json as T;
}

export async function openCamera(k: Kiosk): Promise<void> {
  const gen = k.generation;
  try {
    await startCamera(k.video);
    if (gen !== k.generation || k.state.screen !== "face") return;
    k.state.face.phase = "ready";
  } catch {
    if (gen !== k.generation) return;
    k.state.error = "camera";
  }
  k.render();
}

/** Records the frames the challenge asks for, each a new camera frame, `intervalMs` apart. */
async function record(k: Kiosk, challenge: FaceChallenge, gen: number): Promise<string[] | null> {
  const frames: string[] = [];
  const start = performance.now();
  for (let i = 0; i < challenge.frames; i++) {
    await sleep(Math.max(0, start + i * challenge.intervalMs - performance.now()));
    await nextVideoFrame(k.video);
    if (gen !== k.generation) return null;
    frames.push(captureFrame(k.video));
    k.state.face.captured = i + 1;
    k.render();
  }
  return frames;
}

function refused(k: Kiosk, reason: string, attemptsLeft: number | null): void {
  const f = k.state.face;
  f.reason = reason;
  if (attemptsLeft !== null) f.attemptsLeft = attemptsLeft;
  f.phase = reason === "too_many_attempts" ? "locked" : "refused";
}

export async function runFaceCheck(k: Kiosk): Promise<void> {
  const s = k.state;
  if (s.face.phase !== "ready" && s.face.phase !== "refused") return;
  const gen = k.generation;
  s.error = null;
  s.face = { phase: "capturing", captured: 0, reason: null, attemptsLeft: s.face.attemptsLeft };
  attempt = { generation: gen, challenge: null, retryAfterSeconds: null };
  k.render();
  try {
    const c = await faceCall<ChallengeResponse>(k, "/face/challenge", { personId: s.applicant!.personId });
    if (gen !== k.generation) return;
    s.nonce = c.nonce;
    s.face.attemptsLeft = c.attemptsLeft;
    attempt.challenge = { action: c.challenge.action, frames: c.challenge.frames, intervalMs: c.challenge.intervalMs };
    k.render();
    const frames = await record(k, attempt.challenge, gen);
    if (!frames) return;
    s.face.phase = "checking";
    k.render();
    const result = await faceCall<FaceResponse>(k, "/face", { personId: s.applicant!.personId, nonce: c.nonce, frames });
    if (gen !== k.generation) return;
    s.nonce = result.nonce;
    if (result.verdict === "passed" && result.assertion) {
      s.assertion = result.assertion;
      s.face.phase = "passed";
      k.render();
      stopCamera();
      await sleep(PASSED_PAUSE_MS);
      if (gen !== k.generation) return;
      await showRecords(k);
      return;
    }
    refused(k, result.reason ?? "not_same_person", result.attemptsLeft);
    if (result.attemptsLeft === 0) refused(k, "too_many_attempts", 0);
  } catch (error) {
    if (gen !== k.generation) return;
    const code = error instanceof ApiError ? error.code : "unknown";
    if (!(error instanceof ApiError)) console.error(error);
    // a stale nonce: the attempt was recorded but its answer lost; the next challenge brings the new nonce
    refused(k, code === "nonce_stale" ? "network" : code, null);
  }
  k.render();
}

/** The enterprise's records, every one repairable now chosen to begin with. */
async function showRecords(k: Kiosk): Promise<void> {
  await step(k, async (gen) => {
    const records = await k.api.records(k.state.applicant!.enterpriseId);
    if (gen !== k.generation) return;
    k.state.records = records;
    k.state.selected = new Set(records.repairableNow.map((r) => r.id));
    k.state.screen = "records";
  });
}
