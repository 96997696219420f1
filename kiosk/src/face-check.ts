// The face check: open the camera, take a few frames, let the server decide (the kiosk is
// not trusted with the verdict), then fetch the enterprise's records once it passed.
import { ApiError } from "./api.ts";
import { captureFrame, sleep, startCamera, stopCamera } from "./camera.ts";
import { FACE_FRAMES, FRAME_GAP_MS, type Kiosk } from "./state.ts";
import { showError, step } from "./step.ts";

/** How long "passed" stays on screen before the records appear. */
const PASSED_PAUSE_MS = 700;

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

export async function runFaceCheck(k: Kiosk): Promise<void> {
  const s = k.state;
  if (s.face.phase !== "ready" && s.face.phase !== "refused") return;
  const gen = k.generation;
  s.error = null;
  s.face = { phase: "capturing", captured: 0, reason: null, attemptsLeft: s.face.attemptsLeft, scores: null };
  k.render();
  const frames: string[] = [];
  for (let i = 0; i < FACE_FRAMES; i++) {
    await sleep(FRAME_GAP_MS);
    if (gen !== k.generation) return;
    frames.push(captureFrame(k.video));
    s.face.captured = i + 1;
    k.render();
  }
  s.face.phase = "checking";
  k.render();
  try {
    const result = await k.api.face(s.sessionId!, { personId: s.applicant!.personId, nonce: s.nonce!, frames });
    if (gen !== k.generation) return;
    s.nonce = result.nonce;
    s.face.scores = result.scores;
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
    s.face.reason = result.reason ?? "not_same_person";
    s.face.attemptsLeft = result.attemptsLeft;
    s.face.phase = result.attemptsLeft > 0 ? "refused" : "locked";
    if (s.face.phase === "locked") s.face.reason = "too_many_attempts";
  } catch (error) {
    if (gen !== k.generation) return;
    if (error instanceof ApiError && error.code === "too_many_attempts") {
      s.face.phase = "locked";
      s.face.reason = "too_many_attempts";
    } else {
      s.face.phase = "refused";
      showError(k, error);
      if (error instanceof ApiError && error.code === "nonce_stale") s.face.phase = "ready";
    }
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
