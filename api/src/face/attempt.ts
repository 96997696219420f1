// The server-side face check of a kiosk session, in two requests:
//   1. requestChallenge: the engine must be loadable (else 503: the kiosk says the service is
//      unavailable, and never skips the check), the person not locked out; the server draws the
//      challenge for the session's current nonce (./challenge.ts) and tells the kiosk how many
//      frames to take how far apart.
//   2. checkFace: the frames, with that nonce, before the challenge expires. The server decodes
//      them within the limits, runs the engine and decides (./check.ts, ./verify.ts) against the
//      person's encrypted reference, records the attempt with its ledger entry, rotates the nonce
//      (and so the challenge), and on a pass issues the single-use assertion (./assertion.ts).
// Frames, descriptors and the reference never leave this module and never reach a log; the
// kiosk gets a verdict and a reason, never a score (scores would let a device tune an attack).
import type pg from "pg";
import type { Config } from "../config.ts";
import { withTransaction, type Queryable } from "../db/database.ts";
import { badRequest, conflict, ProblemError } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { issueAssertion } from "./assertion.ts";
import type { Challenge, DrawChallenge } from "./challenge.ts";
import { analyseFrames, checkFrameHeaders, FrameError } from "./check.ts";
import type { FaceEngine } from "./engine.ts";
import { decryptReference, FaceReferenceError } from "./reference.ts";
import { engineOrUnavailable } from "./reference-photo.ts";
import { createFaceRepository } from "./repository.ts";
import { newNonce, openSession, type KioskSession } from "./session.ts";
import type { FaceSettings } from "./settings.ts";
import type { FaceDecision, FaceRefusal } from "./verify.ts";

export interface FaceCheckDeps {
  pool: pg.Pool;
  config: Config;
  settings: FaceSettings;
  engine: () => Promise<FaceEngine>;
  drawChallenge: DrawChallenge;
  now: () => Date;
}

export interface FaceCheckResult {
  verdict: "passed" | "refused";
  reason?: FaceRefusal;
  frames: number;
  /** refused attempts this session may still make */
  attemptsLeft: number;
  /** the nonce for the next attempt */
  nonce: string;
  assertion?: string;
  assertionExpiresAt?: Date;
}

/** Decodes base64 (optionally a data: URL) frames; refuses anything that is not plausibly an image. */
export function frameBytes(frames: readonly string[]): Uint8Array[] {
  return frames.map((f, i) => {
    const b64 = f.replace(/^data:image\/(?:jpeg|png);base64,/, "");
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw badRequest("frame_invalid", `Frame ${i + 1} is not base64`);
    return new Uint8Array(Buffer.from(b64, "base64"));
  });
}

/** 429 too_many_attempts; retryAfterSeconds when the person's lock ends by itself (else the visit must start again). */
function tooMany(retryAfterSeconds: number | null): ProblemError {
  const wait = retryAfterSeconds === null ? "Please ask at the service counter." : `Please try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s) or ask at the service counter.`;
  return new ProblemError(429, "too_many_attempts", "Too many requests", `Too many unsuccessful face checks. ${wait}`, { retryAfterSeconds });
}

interface Lockout {
  locked: boolean;
  attemptsLeft: number;
  retryAfterSeconds: number | null;
}

async function lockoutOf(db: Queryable, settings: FaceSettings, input: { sessionId: string; personId: string; now: Date }): Promise<Lockout> {
  const since = new Date(input.now.getTime() - settings.personWindowSeconds * 1000);
  const face = createFaceRepository(db);
  const counts = await face.failureCounts({ sessionId: input.sessionId, personId: input.personId, since });
  const attemptsLeft = Math.max(0, Math.min(settings.maxFailuresPerSession - counts.session, settings.maxFailuresPerPerson - counts.person));
  if (attemptsLeft > 0) return { locked: false, attemptsLeft, retryAfterSeconds: null };
  // The person's lock lifts as old refusals leave the window; a locked session stays locked.
  if (counts.session >= settings.maxFailuresPerSession) return { locked: true, attemptsLeft, retryAfterSeconds: null };
  const until = await face.personUnlockAt({ personId: input.personId, since, limit: settings.maxFailuresPerPerson, windowSeconds: settings.personWindowSeconds });
  return { locked: true, attemptsLeft, retryAfterSeconds: until ? Math.max(1, Math.ceil((until.getTime() - input.now.getTime()) / 1000)) : null };
}

function identified(session: KioskSession, personId: string): void {
  if (!session.personId || !session.enterpriseId || !session.capacity) {
    throw conflict("applicant_not_identified", "Identify the enterprise and the applicant before the face check.");
  }
  if (session.personId !== personId) throw conflict("person_mismatch", "This person is not the applicant identified in this session.");
}

/**
 * Records an attempt (refused or passed) with its ledger entry and rotates the nonce, in the
 * caller's transaction, on the row-locked session. Returns the new nonce and the attempt id.
 */
async function recordAttempt(
  client: Queryable,
  input: { session: KioskSession; personId: string; decision: FaceDecision; direction: Challenge["direction"]; actor: string; now: Date },
): Promise<{ attemptId: number; nonce: string }> {
  const repository = createFaceRepository(client);
  const nonce = newNonce();
  await repository.setNonce(input.session.id, nonce);
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  const { metrics } = input.decision;
  const attemptId = await repository.insertAttempt({
    sessionId: input.session.id,
    personId: input.personId,
    verdict: input.decision.verdict,
    reason: input.decision.reason ?? null,
    challenge: input.direction,
    distance: round(metrics.medianDistance),
    antispoof: round(metrics.antispoof),
    liveness: round(metrics.liveness),
    frames: metrics.frames,
    at: input.now,
  });
  const person = await createSubjectRepository(client).get(input.personId);
  await appendEntry(client, {
    type: "face.checked",
    payload: {
      session: input.session.id,
      attempt: attemptId,
      verdict: input.decision.verdict,
      reason: input.decision.reason ?? null,
      challenge: input.direction,
      distance: round(metrics.medianDistance),
      turn: round(metrics.turn),
      antispoof: round(metrics.antispoof),
      liveness: round(metrics.liveness),
      frames: metrics.frames,
      capacity: input.session.capacity,
    },
    actor: input.actor,
    subjectRef: subjectRef(person.commitment),
    at: input.now,
  });
  return { attemptId, nonce };
}

const expired = (frames: number): FaceDecision => ({
  verdict: "refused",
  reason: "challenge_expired",
  metrics: { frames, meshResidual: null, pixelResidual: null, turn: null, medianDistance: null, maxDistance: null, antispoof: null, liveness: null },
});

/**
 * The challenge for the session's current nonce: the one already drawn, or a new one. A challenge
 * that expired unanswered is recorded as a refused attempt (challenge_expired; it counts towards
 * the lockout, so waiting out a challenge does not redraw it for free) and a new nonce and
 * challenge follow. Throws 503 face_engine_unavailable, 429 too_many_attempts, 409s.
 */
export async function requestChallenge(
  deps: FaceCheckDeps,
  input: { sessionId: string; device: string; personId: string; actor: string },
): Promise<{ nonce: string; challenge: Challenge; attemptsLeft: number }> {
  await engineOrUnavailable(deps.engine);
  const { settings } = deps;
  type Outcome = { locked: Lockout } | { locked?: undefined; nonce: string; challenge: Challenge; attemptsLeft: number };
  const outcome = await withTransaction(deps.pool, async (client): Promise<Outcome> => {
    const now = deps.now();
    let session = await openSession(client, { sessionId: input.sessionId, device: input.device, now, lock: true });
    identified(session, input.personId);
    const before = await lockoutOf(client, settings, { sessionId: session.id, personId: input.personId, now });
    if (before.locked) return { locked: before };
    const current = session.challenge;
    if (current && current.nonce === session.nonce) {
      const challenge: Challenge = { ...current, frames: settings.challengeFrames, intervalMs: settings.challengeIntervalMs };
      if (current.expiresAt.getTime() > now.getTime()) return { nonce: session.nonce, challenge, attemptsLeft: before.attemptsLeft };
      const { nonce } = await recordAttempt(client, { session, personId: input.personId, decision: expired(0), direction: current.direction, actor: input.actor, now });
      session = { ...session, nonce };
      const after = await lockoutOf(client, settings, { sessionId: session.id, personId: input.personId, now });
      if (after.locked) return { locked: after };
    }
    const issuedAt = now;
    const drawn = { direction: deps.drawChallenge(), nonce: session.nonce, issuedAt, expiresAt: new Date(issuedAt.getTime() + settings.challengeTtlSeconds * 1000) };
    await createFaceRepository(client).setChallenge(session.id, drawn);
    const left = await lockoutOf(client, settings, { sessionId: session.id, personId: input.personId, now });
    return { nonce: session.nonce, challenge: { ...drawn, frames: settings.challengeFrames, intervalMs: settings.challengeIntervalMs }, attemptsLeft: left.attemptsLeft };
  });
  // thrown after the transaction, so that a recorded expiry is kept
  if (outcome.locked) throw tooMany(outcome.locked.retryAfterSeconds);
  return { nonce: outcome.nonce, challenge: outcome.challenge, attemptsLeft: outcome.attemptsLeft };
}

/**
 * One face attempt: validate the session, nonce, challenge and person, refuse when locked out,
 * run the engine on the frames (outside any transaction), then record the attempt, rotate the
 * nonce and, on a pass, issue the assertion, in one transaction with its ledger entry.
 */
export async function checkFace(
  deps: FaceCheckDeps,
  input: { sessionId: string; device: string; personId: string; nonce: string; frames: readonly string[]; actor: string },
): Promise<FaceCheckResult> {
  const { settings } = deps;
  const t0 = deps.now();
  const session = await openSession(deps.pool, { sessionId: input.sessionId, device: input.device, now: t0 });
  identified(session, input.personId);
  if (session.nonce !== input.nonce) throw conflict("nonce_stale", "This face check was already sent; please take a new one.");
  const challenge = session.challenge;
  if (!challenge || challenge.nonce !== session.nonce) throw conflict("challenge_required", "Ask for a challenge before sending the frames.");
  if (input.frames.length < settings.minFrames || input.frames.length > settings.maxFrames) {
    throw badRequest("frame_count", `Send ${settings.minFrames} to ${settings.maxFrames} frames`);
  }
  const lock = await lockoutOf(deps.pool, settings, { sessionId: session.id, personId: input.personId, now: t0 });
  if (lock.locked) throw tooMany(lock.retryAfterSeconds);

  const face = createFaceRepository(deps.pool);
  const stored = await face.reference(input.personId);
  if (!stored) throw conflict("face_not_enrolled", "No reference photo is enrolled for this person; please go to the service counter.");
  let reference: number[];
  try {
    reference = await decryptReference(stored, deps.config.faceKey, { subject: input.personId });
  } catch (error) {
    if (error instanceof FaceReferenceError) {
      // Tampered row, wrong key, another person's reference, or one of the previous model: never a pass.
      throw conflict("face_reference_unusable", "The enrolled reference photo cannot be used; please go to the service counter.");
    }
    throw error;
  }

  let decision: FaceDecision;
  if (challenge.expiresAt.getTime() <= t0.getTime()) {
    decision = expired(input.frames.length);
  } else {
    const frames = frameBytes(input.frames);
    const limits = { maxFramePixels: settings.maxFramePixels, maxAttemptPixels: settings.maxAttemptPixels };
    const frameProblem = (error: unknown) =>
      error instanceof FrameError ? new ProblemError(error.code === "attempt_too_large" ? 413 : 422, error.code, "Unprocessable frames", error.message) : error;
    try {
      checkFrameHeaders(frames, limits); // before waiting for the engine: a bad upload is a 4xx even while it loads
    } catch (error) {
      throw frameProblem(error);
    }
    const engine = await engineOrUnavailable(deps.engine);
    try {
      decision = (await analyseFrames(engine, frames, limits, reference, challenge.direction, settings)).decision;
    } catch (error) {
      throw frameProblem(error);
    }
  }
  reference.fill(0);

  return withTransaction(deps.pool, async (client) => {
    const now = deps.now();
    const locked = await openSession(client, { sessionId: session.id, device: input.device, now, lock: true });
    // Two attempts raced with the same nonce: only the first is recorded.
    if (locked.nonce !== input.nonce) throw conflict("nonce_stale", "This face check was already sent; please take a new one.");
    const { attemptId, nonce } = await recordAttempt(client, { session: locked, personId: input.personId, decision, direction: challenge.direction, actor: input.actor, now });
    const after = await lockoutOf(client, settings, { sessionId: session.id, personId: input.personId, now });
    const result: FaceCheckResult = {
      verdict: decision.verdict,
      ...(decision.reason ? { reason: decision.reason } : {}),
      frames: decision.metrics.frames,
      attemptsLeft: after.attemptsLeft,
      nonce,
    };
    if (decision.verdict === "passed") {
      const issued = await issueAssertion(client, {
        sessionId: session.id,
        personId: input.personId,
        enterpriseId: locked.enterpriseId!,
        capacity: locked.capacity!,
        authorisationId: locked.authorisationId,
        nonce: input.nonce,
        attemptId,
        now,
        ttlSeconds: Math.min(settings.assertionTtlSeconds, Math.max(1, (locked.expiresAt.getTime() - now.getTime()) / 1000)),
      });
      result.assertion = issued.assertion;
      result.assertionExpiresAt = issued.expiresAt;
    }
    return result;
  });
}
