// Kiosk sessions and the server-side face check.
//
// A visit at a kiosk: the device opens a session (server nonce), identifies the enterprise and
// the applicant (./applicant.ts), then sends 3-5 camera frames with the current nonce. The
// server runs the real face engine, decides with the person's encrypted reference descriptor
// (./verify.ts), records the attempt, rotates the nonce, and on a pass issues a single-use
// assertion (./assertion.ts). Frames, descriptors and the reference never leave this module,
// and never reach a log.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { checkUscc } from "../../../protocol/identifiers.ts";
import type { Config } from "../config.ts";
import { withTransaction, type Queryable } from "../db/database.ts";
import { badRequest, conflict, notFound, tooManyRequests, unprocessable } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import type { Analysis, FaceEngine } from "./engine.ts";
import { ImageDecodeError } from "./image.ts";
import { decryptReference, FaceReferenceError } from "./reference.ts";
import { issueAssertion, type Capacity } from "./assertion.ts";
import { createFaceRepository, type SessionRow } from "./repository.ts";
import type { FaceSettings } from "./settings.ts";
import { decideFaceCheck, type FaceDecision } from "./verify.ts";

/** GB 32100 check (protocol/identifiers.ts checkUscc), kept for test/kiosk/face-api.test.ts. */
export const isValidUscc = (value: string): boolean => checkUscc(value).ok;

// ---------------------------------------------------------------------------------------------
// Sessions

export interface KioskSession {
  id: string;
  device: string;
  nonce: string;
  enterpriseId: string | null;
  personId: string | null;
  capacity: Capacity | null;
  authorisationId: string | null;
  createdAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
}

const toSession = (r: SessionRow): KioskSession => ({
  id: r.id,
  device: r.device,
  nonce: r.nonce,
  enterpriseId: r.enterprise_id,
  personId: r.person_id,
  capacity: r.capacity,
  authorisationId: r.authorisation_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  endedAt: r.ended_at,
});

export const newNonce = (): string => randomBytes(24).toString("base64url");

export async function createSession(db: Queryable, input: { device: string; now: Date; ttlSeconds: number }): Promise<KioskSession> {
  const expiresAt = new Date(input.now.getTime() + input.ttlSeconds * 1000);
  return toSession(await createFaceRepository(db).insertSession({ device: input.device, nonce: newNonce(), at: input.now, expiresAt }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const noSession = () => notFound("session_not_found", "No such kiosk session");

/**
 * Loads a session that this device may use now: it exists, belongs to the device, has not
 * ended and has not expired. `lock` takes a row lock (inside a transaction).
 */
export async function openSession(db: Queryable, input: { sessionId: string; device: string; now: Date; lock?: boolean }): Promise<KioskSession> {
  if (!UUID.test(input.sessionId)) throw noSession();
  const row = await createFaceRepository(db).session(input.sessionId, { lock: input.lock });
  // Another device's session is reported as absent: a kiosk cannot probe others' sessions.
  if (!row || row.device !== input.device) throw noSession();
  if (row.ended_at) throw conflict("session_ended", "This kiosk session has ended; please start again.");
  if (row.expires_at.getTime() <= input.now.getTime()) throw conflict("session_expired", "This kiosk session has expired; please start again.");
  return toSession(row);
}

/** Ends a session (idle timer, finish, cancel): its unused assertions stop working at once. */
export async function endSession(db: Queryable, input: { sessionId: string; device: string; now: Date }): Promise<void> {
  if (!UUID.test(input.sessionId)) throw noSession();
  if (!(await createFaceRepository(db).endSession({ id: input.sessionId, device: input.device, at: input.now }))) throw noSession();
}

// ---------------------------------------------------------------------------------------------
// The face check

export interface FaceCheckResult {
  verdict: "passed" | "refused";
  reason?: FaceDecision["reason"];
  similarity: number;
  antispoof: number;
  liveness: number;
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

function lockedOut(counts: { session: number; person: number }, settings: FaceSettings): boolean {
  return counts.session >= settings.maxFailuresPerSession || counts.person >= settings.maxFailuresPerPerson;
}

const TOO_MANY = () =>
  tooManyRequests("too_many_attempts", "Too many unsuccessful face checks. Please ask at the service counter or try again later.");

export interface FaceCheckDeps {
  pool: pg.Pool;
  config: Config;
  settings: FaceSettings;
  engine: () => Promise<FaceEngine>;
  now: () => Date;
}

/**
 * One face attempt: validate the session, nonce and person, refuse when locked out, run the
 * engine on the frames (outside any transaction), then record the attempt, rotate the nonce and,
 * on a pass, issue the assertion, in one transaction with its ledger entry.
 */
export async function checkFace(
  deps: FaceCheckDeps,
  input: { sessionId: string; device: string; personId: string; nonce: string; frames: readonly string[]; actor: string },
): Promise<FaceCheckResult> {
  const { settings } = deps;
  const t0 = deps.now();
  const session = await openSession(deps.pool, { sessionId: input.sessionId, device: input.device, now: t0 });
  if (!session.personId || !session.enterpriseId || !session.capacity) {
    throw conflict("applicant_not_identified", "Identify the enterprise and the applicant before the face check.");
  }
  if (session.personId !== input.personId) throw conflict("person_mismatch", "This person is not the applicant identified in this session.");
  if (session.nonce !== input.nonce) throw conflict("nonce_stale", "This face check was already sent; please take a new one.");
  if (input.frames.length < settings.minFrames || input.frames.length > settings.maxFrames) {
    throw badRequest("frame_count", `Send ${settings.minFrames} to ${settings.maxFrames} frames`);
  }
  const since = new Date(t0.getTime() - settings.personWindowSeconds * 1000);
  const face = createFaceRepository(deps.pool);
  if (lockedOut(await face.failureCounts({ sessionId: session.id, personId: input.personId, since }), settings)) throw TOO_MANY();

  const stored = await face.reference(input.personId);
  if (!stored) throw conflict("face_not_enrolled", "No reference photo is enrolled for this person; please go to the service counter.");
  let reference: number[];
  try {
    reference = await decryptReference(stored, deps.config.faceKey, { subject: input.personId });
  } catch (error) {
    if (error instanceof FaceReferenceError) {
      // Tampered row, wrong key, or a reference copied from another person: never a pass.
      throw conflict("face_reference_unusable", "The enrolled reference photo cannot be used; please go to the service counter.");
    }
    throw error;
  }

  const bytes = frameBytes(input.frames);
  const engine = await deps.engine();
  const analyses: Analysis[] = [];
  for (const [i, b] of bytes.entries()) {
    try {
      analyses.push(await engine.analyze(b));
    } catch (error) {
      if (error instanceof ImageDecodeError) throw unprocessable("frame_invalid", `Frame ${i + 1} is not a readable JPEG or PNG image`);
      throw error;
    }
  }
  const decision = decideFaceCheck(analyses, reference, settings);
  reference.fill(0);

  return withTransaction(deps.pool, async (client) => {
    const now = deps.now();
    const repository = createFaceRepository(client);
    const locked = await openSession(client, { sessionId: session.id, device: input.device, now, lock: true });
    // Two attempts raced with the same nonce: only the first is recorded.
    if (locked.nonce !== input.nonce) throw conflict("nonce_stale", "This face check was already sent; please take a new one.");
    const nextNonce = newNonce();
    await repository.setNonce(session.id, nextNonce);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const attemptId = await repository.insertAttempt({
      sessionId: session.id,
      personId: input.personId,
      verdict: decision.verdict,
      reason: decision.reason ?? null,
      similarity: decision.similarity,
      antispoof: decision.antispoof,
      liveness: decision.liveness,
      frames: decision.frames,
      at: now,
    });
    const person = await createSubjectRepository(client).get(input.personId);
    await appendEntry(client, {
      type: "face.checked",
      payload: {
        session: session.id,
        attempt: attemptId,
        verdict: decision.verdict,
        reason: decision.reason ?? null,
        similarity: round(decision.similarity),
        antispoof: round(decision.antispoof),
        liveness: round(decision.liveness),
        frames: decision.frames,
        capacity: locked.capacity,
      },
      actor: input.actor,
      subjectRef: subjectRef(person.commitment),
      at: now,
    });
    const counts = await repository.failureCounts({ sessionId: session.id, personId: input.personId, since });
    const attemptsLeft = Math.max(
      0,
      Math.min(settings.maxFailuresPerSession - counts.session, settings.maxFailuresPerPerson - counts.person),
    );
    const result: FaceCheckResult = {
      verdict: decision.verdict,
      ...(decision.reason ? { reason: decision.reason } : {}),
      similarity: round(decision.similarity),
      antispoof: round(decision.antispoof),
      liveness: round(decision.liveness),
      frames: decision.frames,
      attemptsLeft,
      nonce: nextNonce,
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
