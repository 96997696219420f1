// Kiosk sessions and the server-side face check.
//
// A visit at a kiosk: the device opens a session (server nonce), identifies the enterprise and
// the applicant (its legal representative, or an agent with a valid authorisation), then sends
// 3-5 camera frames with the current nonce. The server runs the real face engine (one per process,
// loaded on first use), decides with the person's encrypted reference descriptor, records the
// attempt, rotates the nonce, and on a pass issues a single-use assertion (./assertion.ts).
// Frames, descriptors and the reference never leave this module, and never reach a log.
import { randomBytes } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import { MAX_CLAIMS_BYTES, parseCompactJws, tokenFromScan } from "../../../protocol/codes/token-format.ts";
import type { Config } from "../config.ts";
import { ConfigError } from "../config.ts";
import type pg from "pg";
import { withTransaction, type Queryable } from "../db/database.ts";
import { badRequest, conflict, forbidden, notFound, tooManyRequests, unavailable, unprocessable } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { createFaceEngine, type Analysis, type FaceEngine } from "./engine.ts";
import { ImageDecodeError } from "./image.ts";
import { decryptReference, FaceReferenceError } from "./reference.ts";
import { decideFaceCheck, DEFAULT_THRESHOLDS, type FaceDecision, type FaceThresholds } from "./verify.ts";
import { issueAssertion, resolveCapacity, type Capacity } from "./assertion.ts";

// ---------------------------------------------------------------------------------------------
// Settings

export interface FaceSettings extends FaceThresholds {
  /** frames per attempt */
  minFrames: number;
  maxFrames: number;
  /** refused attempts in one session before it locks (too_many_attempts) */
  maxFailuresPerSession: number;
  /** refused attempts for one person, over all kiosks, within personWindowSeconds */
  maxFailuresPerPerson: number;
  personWindowSeconds: number;
  /** lifetime of a kiosk session */
  sessionTtlSeconds: number;
  /** lifetime of a face assertion (time to pick records and sign the commitment) */
  assertionTtlSeconds: number;
  /** key id written in new reference JWEs */
  referenceKid: string;
}

export const DEFAULT_FACE_SETTINGS: Readonly<FaceSettings> = Object.freeze({
  ...DEFAULT_THRESHOLDS,
  minFrames: 3,
  maxFrames: 5,
  maxFailuresPerSession: 3,
  maxFailuresPerPerson: 5,
  personWindowSeconds: 15 * 60,
  sessionTtlSeconds: 15 * 60,
  assertionTtlSeconds: 5 * 60,
  referenceKid: "face-1",
});

type Env = Record<string, string | undefined>;

function envNumber(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * Face settings: defaults, then environment (FACE_MIN_SIMILARITY, FACE_MIN_ANTISPOOF,
 * FACE_MIN_LIVENESS, FACE_MAX_FAILURES_PER_SESSION, FACE_MAX_FAILURES_PER_PERSON,
 * FACE_PERSON_WINDOW_SECONDS, KIOSK_SESSION_TTL_SECONDS, FACE_ASSERTION_TTL_SECONDS,
 * FACE_REFERENCE_KID), then `config.face` when the configuration carries one (tests).
 * Read once when the face routes register, so a bad value stops the boot.
 */
export function faceSettings(config: Config, env: Env = process.env): FaceSettings {
  const fromEnv: FaceSettings = {
    minSimilarity: envNumber(env, "FACE_MIN_SIMILARITY", DEFAULT_FACE_SETTINGS.minSimilarity, 0, 1, false),
    minAntispoof: envNumber(env, "FACE_MIN_ANTISPOOF", DEFAULT_FACE_SETTINGS.minAntispoof, 0, 1, false),
    minLiveness: envNumber(env, "FACE_MIN_LIVENESS", DEFAULT_FACE_SETTINGS.minLiveness, 0, 1, false),
    minFrames: DEFAULT_FACE_SETTINGS.minFrames,
    maxFrames: DEFAULT_FACE_SETTINGS.maxFrames,
    maxFailuresPerSession: envNumber(env, "FACE_MAX_FAILURES_PER_SESSION", DEFAULT_FACE_SETTINGS.maxFailuresPerSession, 1, 100, true),
    maxFailuresPerPerson: envNumber(env, "FACE_MAX_FAILURES_PER_PERSON", DEFAULT_FACE_SETTINGS.maxFailuresPerPerson, 1, 1000, true),
    personWindowSeconds: envNumber(env, "FACE_PERSON_WINDOW_SECONDS", DEFAULT_FACE_SETTINGS.personWindowSeconds, 60, 7 * 86400, true),
    sessionTtlSeconds: envNumber(env, "KIOSK_SESSION_TTL_SECONDS", DEFAULT_FACE_SETTINGS.sessionTtlSeconds, 60, 86400, true),
    assertionTtlSeconds: envNumber(env, "FACE_ASSERTION_TTL_SECONDS", DEFAULT_FACE_SETTINGS.assertionTtlSeconds, 10, 3600, true),
    referenceKid: env.FACE_REFERENCE_KID || DEFAULT_FACE_SETTINGS.referenceKid,
  };
  const override = (config as Config & { face?: Partial<FaceSettings> }).face ?? {};
  return { ...fromEnv, ...override };
}

// ---------------------------------------------------------------------------------------------
// The engine: one per process, loaded on first use

let enginePromise: Promise<FaceEngine> | null = null;

/** The process-wide face engine; loads the models on first call (a failed load is retried next time). */
export function getFaceEngine(): Promise<FaceEngine> {
  enginePromise ??= createFaceEngine().catch((error: unknown) => {
    enginePromise = null;
    throw error;
  });
  return enginePromise;
}

export async function faceEngineOrUnavailable(): Promise<FaceEngine> {
  try {
    return await getFaceEngine();
  } catch {
    throw unavailable("face_engine_unavailable", "The face check is not available right now; please try again later.");
  }
}

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

interface SessionRow {
  id: string;
  device: string;
  nonce: string;
  enterprise_id: string | null;
  person_id: string | null;
  capacity: Capacity | null;
  authorisation_id: string | null;
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
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

export async function createSession(
  db: Queryable,
  input: { device: string; now: Date; ttlSeconds: number },
): Promise<KioskSession> {
  const expires = new Date(input.now.getTime() + input.ttlSeconds * 1000);
  const { rows } = await db.query<SessionRow>(
    `INSERT INTO kiosk_sessions (device, nonce, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING *`,
    [input.device, newNonce(), input.now, expires],
  );
  return toSession(rows[0]!);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Loads a session that this device may use now: it exists, belongs to the device, has not
 * ended and has not expired. `lock` takes a row lock (inside a transaction).
 */
export async function openSession(
  db: Queryable,
  input: { sessionId: string; device: string; now: Date; lock?: boolean },
): Promise<KioskSession> {
  if (!UUID.test(input.sessionId)) throw notFound("session_not_found", "No such kiosk session");
  const { rows } = await db.query<SessionRow>(
    `SELECT * FROM kiosk_sessions WHERE id = $1${input.lock ? " FOR UPDATE" : ""}`,
    [input.sessionId],
  );
  const row = rows[0];
  // Another device's session is reported as absent: a kiosk cannot probe others' sessions.
  if (!row || row.device !== input.device) throw notFound("session_not_found", "No such kiosk session");
  if (row.ended_at) throw conflict("session_ended", "This kiosk session has ended; please start again.");
  if (row.expires_at.getTime() <= input.now.getTime()) throw conflict("session_expired", "This kiosk session has expired; please start again.");
  return toSession(row);
}

/** Ends a session (idle timer, finish, cancel): its unused assertions stop working at once. */
export async function endSession(db: Queryable, input: { sessionId: string; device: string; now: Date }): Promise<void> {
  if (!UUID.test(input.sessionId)) throw notFound("session_not_found", "No such kiosk session");
  const { rows } = await db.query<{ id: string }>(
    `UPDATE kiosk_sessions SET ended_at = COALESCE(ended_at, $3) WHERE id = $1 AND device = $2 RETURNING id`,
    [input.sessionId, input.device, input.now],
  );
  if (!rows[0]) throw notFound("session_not_found", "No such kiosk session");
  await db.query(`UPDATE face_assertions SET expires_at = LEAST(expires_at, $2) WHERE session_id = $1 AND used_at IS NULL`, [
    input.sessionId,
    input.now,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Identifying the enterprise and the applicant

const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 32100-2015 check: 18 characters of the 31-letter alphabet, last one the check character. */
export function isValidUscc(value: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(value[i]!) * USCC_WEIGHTS[i]!;
  const c = (31 - (sum % 31)) % 31;
  return USCC_ALPHABET[c] === value[17];
}

/**
 * The code id in what a kiosk scanned: the bare 32-hex code id, or a OneCode token (the QR's
 * "OC1:/" numeric text or the compact JWS, see kiosk/lib/code-format.ts) whose `sub` names the code.
 * The signature is not checked here: identifying the enterprise is not the security boundary (a
 * USCC is public too); the face check of its legal representative or authorised agent is. The
 * code must still be the enterprise's current, active code in the database.
 */
export function scannedCodeId(scanned: string): string | null {
  const text = scanned.trim();
  if (/^[0-9a-f]{32}$/i.test(text)) return text.toLowerCase();
  try {
    const jws = parseCompactJws(tokenFromScan(text));
    const claims = JSON.parse(new TextDecoder().decode(inflateRawSync(jws.payload, { maxOutputLength: MAX_CLAIMS_BYTES }))) as { sub?: unknown };
    return typeof claims.sub === "string" && /^[0-9a-f]{32}$/.test(claims.sub) ? claims.sub : null;
  } catch {
    return null;
  }
}

export interface EnterpriseRow {
  id: string;
  display_name: string;
  legal_rep_id: string | null;
  commitment: Buffer;
}

/** Finds an enterprise by its USCC or by a scanned enterprise code. */
export async function findEnterprise(db: Queryable, scanned: string): Promise<EnterpriseRow> {
  const text = scanned.trim().toUpperCase();
  if (/^[0-9A-Z]{18}$/.test(text)) {
    if (!isValidUscc(text)) throw badRequest("uscc_invalid", "This is not a valid Unified Social Credit Code (check character wrong).");
    const { rows } = await db.query<EnterpriseRow>(
      `SELECT id, display_name, legal_rep_id, commitment FROM subjects WHERE kind = 'enterprise' AND identifier = $1`,
      [text],
    );
    if (!rows[0]) throw notFound("enterprise_not_found", "No enterprise with this code is registered.");
    return rows[0];
  }
  const codeId = scannedCodeId(scanned);
  if (!codeId) throw badRequest("enterprise_code_unreadable", "Enter an 18-character USCC or scan the enterprise code.");
  const { rows } = await db.query<EnterpriseRow>(
    `SELECT s.id, s.display_name, s.legal_rep_id, s.commitment
       FROM codes c JOIN subjects s ON s.id = c.subject_id
      WHERE c.code_id = $1 AND c.status = 'active' AND s.kind = 'enterprise'`,
    [codeId],
  );
  if (!rows[0]) throw notFound("enterprise_not_found", "This enterprise code is not current; enter the USCC instead.");
  return rows[0];
}

export interface Applicant {
  enterpriseId: string;
  enterpriseName: string;
  personId: string;
  personName: string;
  capacity: Capacity;
  authorisation: { id: string; reference: string; validUntil: Date } | null;
  faceEnrolled: boolean;
}

/**
 * Identifies who applies for the enterprise: its legal representative, or the person with this
 * resident ID number if they hold a valid authorisation for it. Binds both to the session.
 */
export async function identifyApplicant(
  db: Queryable,
  input: {
    session: KioskSession;
    enterprise: string;
    capacity: Capacity;
    idNumber?: string;
    now: Date;
  },
): Promise<Applicant> {
  const enterprise = await findEnterprise(db, input.enterprise);
  let personId: string;
  if (input.capacity === "legal_representative") {
    if (!enterprise.legal_rep_id) {
      throw conflict("no_legal_representative", "No legal representative is registered for this enterprise; please go to the service counter.");
    }
    personId = enterprise.legal_rep_id;
    if (input.idNumber) {
      const { rows } = await db.query<{ identifier: string }>(`SELECT identifier FROM subjects WHERE id = $1`, [personId]);
      if (rows[0]?.identifier !== input.idNumber.trim().toUpperCase()) {
        throw forbidden("not_legal_representative", "This person is not the registered legal representative of the enterprise.");
      }
    }
  } else {
    const idNumber = input.idNumber?.trim().toUpperCase();
    if (!idNumber) throw badRequest("id_number_required", "An authorised agent must give their resident ID number.");
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM subjects WHERE kind = 'person' AND identifier = $1`, [idNumber]);
    if (!rows[0]) throw forbidden("not_authorised", "This person holds no valid authorisation for the enterprise.");
    personId = rows[0].id;
  }
  const capacity = await resolveCapacity(db, { enterpriseId: enterprise.id, personId, now: input.now });
  if (!capacity || capacity.capacity !== input.capacity) {
    throw forbidden(
      input.capacity === "legal_representative" ? "not_legal_representative" : "not_authorised",
      input.capacity === "legal_representative"
        ? "This person is not the registered legal representative of the enterprise."
        : "This person holds no valid authorisation for the enterprise.",
    );
  }
  await db.query(
    `UPDATE kiosk_sessions SET enterprise_id = $2, person_id = $3, capacity = $4, authorisation_id = $5 WHERE id = $1`,
    [input.session.id, enterprise.id, personId, capacity.capacity, capacity.authorisationId],
  );
  const person = await db.query<{ display_name: string; enrolled: boolean }>(
    `SELECT s.display_name, EXISTS (SELECT 1 FROM face_references r WHERE r.person_id = s.id) AS enrolled FROM subjects s WHERE s.id = $1`,
    [personId],
  );
  let authorisation: Applicant["authorisation"] = null;
  if (capacity.authorisationId) {
    const a = await db.query<{ id: string; reference: string; valid_until: Date }>(
      `SELECT id, reference, valid_until FROM authorisations WHERE id = $1`,
      [capacity.authorisationId],
    );
    authorisation = { id: a.rows[0]!.id, reference: a.rows[0]!.reference, validUntil: a.rows[0]!.valid_until };
  }
  return {
    enterpriseId: enterprise.id,
    enterpriseName: enterprise.display_name,
    personId,
    personName: person.rows[0]!.display_name,
    capacity: capacity.capacity,
    authorisation,
    faceEnrolled: person.rows[0]!.enrolled,
  };
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

async function failureCounts(
  db: Queryable,
  input: { sessionId: string; personId: string; since: Date },
): Promise<{ session: number; person: number }> {
  const { rows } = await db.query<{ session: number; person: number }>(
    `SELECT count(*) FILTER (WHERE session_id = $1)::int AS session,
            count(*) FILTER (WHERE person_id = $2 AND created_at > $3)::int AS person
       FROM face_attempts
      WHERE verdict = 'refused' AND (session_id = $1 OR (person_id = $2 AND created_at > $3))`,
    [input.sessionId, input.personId, input.since],
  );
  return rows[0] ?? { session: 0, person: 0 };
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
  if (lockedOut(await failureCounts(deps.pool, { sessionId: session.id, personId: input.personId, since }), settings)) throw TOO_MANY();

  const ref = await deps.pool.query<{ reference: string }>(`SELECT reference FROM face_references WHERE person_id = $1`, [input.personId]);
  if (!ref.rows[0]) {
    throw conflict("face_not_enrolled", "No reference photo is enrolled for this person; please go to the service counter.");
  }
  let reference: number[];
  try {
    reference = await decryptReference(ref.rows[0].reference, deps.config.faceKey, { subject: input.personId });
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
    const locked = await openSession(client, { sessionId: session.id, device: input.device, now, lock: true });
    // Two attempts raced with the same nonce: only the first is recorded.
    if (locked.nonce !== input.nonce) throw conflict("nonce_stale", "This face check was already sent; please take a new one.");
    const nextNonce = newNonce();
    await client.query(`UPDATE kiosk_sessions SET nonce = $2 WHERE id = $1`, [session.id, nextNonce]);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const attempt = await client.query<{ id: number }>(
      `INSERT INTO face_attempts (session_id, person_id, verdict, reason, similarity, antispoof, liveness, frames, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [session.id, input.personId, decision.verdict, decision.reason ?? null, decision.similarity, decision.antispoof, decision.liveness, decision.frames, now],
    );
    const attemptId = attempt.rows[0]!.id;
    const person = await client.query<{ commitment: Buffer }>(`SELECT commitment FROM subjects WHERE id = $1`, [input.personId]);
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
      subjectRef: person.rows[0]!.commitment.toString("hex"),
      at: now,
    });
    const counts = await failureCounts(client, { sessionId: session.id, personId: input.personId, since });
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
