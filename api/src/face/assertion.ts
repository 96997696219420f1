// Face assertions: the proof that a face check passed at a kiosk, which a repair application
// from a kiosk must carry. A random 256-bit token, handed to the kiosk once and stored only as
// its SHA-256; bound to the kiosk session, the session nonce the passing attempt answered, the
// person and the enterprise; short-lived; single use (consumed inside the transaction that files
// the application, so a rolled-back application does not burn it and two cannot share it).
import { createHash, randomBytes } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import { badRequest, ProblemError } from "../errors.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { createFaceRepository, type Capacity, type NewAssertion } from "./repository.ts";

export type { Capacity };

const PREFIX = "fa1_";

const hashOf = (assertion: string): Buffer => createHash("sha256").update(assertion, "utf8").digest();

/**
 * In what capacity `personId` may act for `enterpriseId` at `now`: its registered legal
 * representative, or an agent with an authorisation valid now and not revoked. Null: neither.
 */
export async function resolveCapacity(
  db: Queryable,
  input: { enterpriseId: string; personId: string; now: Date },
): Promise<{ capacity: Capacity; authorisationId: string | null } | null> {
  const enterprise = await createSubjectRepository(db).find(input.enterpriseId);
  // A person acts for themself only (Order 36 art. 2: every credit subject may apply).
  if (enterprise?.kind === "person") return enterprise.id === input.personId ? { capacity: "self", authorisationId: null } : null;
  if (!enterprise || enterprise.kind !== "enterprise") return null;
  if (enterprise.legal_rep_id === input.personId) return { capacity: "legal_representative", authorisationId: null };
  const authorisation = await createFaceRepository(db).validAuthorisation({ enterpriseId: input.enterpriseId, agentId: input.personId, at: input.now });
  return authorisation ? { capacity: "authorised_agent", authorisationId: authorisation.id } : null;
}

export interface IssuedAssertion {
  assertion: string;
  expiresAt: Date;
}

/** Issues an assertion for a passed attempt (called by the face check, in its transaction). */
export async function issueAssertion(
  db: Queryable,
  input: Omit<NewAssertion, "tokenHash" | "issuedAt" | "expiresAt"> & { now: Date; ttlSeconds: number },
): Promise<IssuedAssertion> {
  const assertion = PREFIX + randomBytes(32).toString("base64url");
  const expiresAt = new Date(input.now.getTime() + Math.floor(input.ttlSeconds * 1000));
  await createFaceRepository(db).insertAssertion({ ...input, tokenHash: hashOf(assertion), issuedAt: input.now, expiresAt });
  return { assertion, expiresAt };
}

export interface ConsumedAssertion {
  sessionId: string;
  personId: string;
  enterpriseId: string;
  capacity: Capacity;
  authorisationId: string | null;
  /** the face attempt that passed (face_attempts.id; its ledger entry is face.checked) */
  attemptId: number;
  issuedAt: Date;
}

export interface ConsumeInput {
  /** the assertion string the kiosk received from POST /v1/kiosk/sessions/:id/face */
  assertion: string;
  /** the person who applies: must be the one whose face passed */
  personId: string;
  /** when given, the assertion must come from this kiosk session */
  sessionId?: string;
  /** when given, the assertion's kiosk session must belong to this device (kiosk operator sub) */
  device?: string;
  /** when given, the assertion must have been issued for this enterprise */
  enterpriseId?: string;
  /** when given, must match the capacity the applicant was checked in */
  capacity?: Capacity;
  /** what consumes it (e.g. the repair application id), recorded on the assertion row */
  usedFor?: string;
  /** the request's clock (ctx.clock.now()); default: the system time */
  now?: Date;
}

const refuse = (code: string, detail: string) => new ProblemError(403, code, "Forbidden", detail);

/**
 * Checks and burns a face assertion inside the caller's transaction. Throws a 403 ProblemError
 * with code face_assertion_invalid (unknown or malformed), face_assertion_used (replayed),
 * face_assertion_expired (too old, or its kiosk session ended or expired),
 * face_assertion_mismatch (another person, session, device, enterprise or capacity), or
 * applicant_not_authorised (the person is no longer the legal representative, or the
 * authorisation was revoked or ran out since the check).
 */
export async function consumeFaceAssertion(client: Queryable, input: ConsumeInput): Promise<ConsumedAssertion> {
  const now = input.now ?? new Date();
  if (typeof input.assertion !== "string" || !input.assertion.startsWith(PREFIX) || input.assertion.length > 100) {
    throw refuse("face_assertion_invalid", "The face check proof is missing or not valid; please do the face check again.");
  }
  if (typeof input.personId !== "string" || input.personId.length === 0) throw badRequest("person_required", "personId is required");
  const repository = createFaceRepository(client);
  const tokenHash = hashOf(input.assertion);
  const row = await repository.assertionForUpdate(tokenHash);
  if (!row) throw refuse("face_assertion_invalid", "The face check proof is not valid; please do the face check again.");
  if (row.used_at) throw refuse("face_assertion_used", "This face check was already used; please do the face check again.");
  if (row.expires_at.getTime() <= now.getTime() || row.session_ended || row.session_expires.getTime() <= now.getTime()) {
    throw refuse("face_assertion_expired", "The face check has expired; please do the face check again.");
  }
  if (
    row.person_id !== input.personId ||
    (input.sessionId !== undefined && row.session_id !== input.sessionId) ||
    (input.device !== undefined && row.device !== input.device) ||
    (input.enterpriseId !== undefined && row.enterprise_id !== input.enterpriseId) ||
    (input.capacity !== undefined && row.capacity !== input.capacity)
  ) {
    throw refuse("face_assertion_mismatch", "The face check was made for another person or enterprise.");
  }
  // The right to act may have ended between the check and the application.
  const current = await resolveCapacity(client, { enterpriseId: row.enterprise_id, personId: row.person_id, now });
  if (!current || current.capacity !== row.capacity) {
    throw refuse("applicant_not_authorised", "The applicant may no longer act for this enterprise.");
  }
  await repository.markAssertionUsed(tokenHash, now, input.usedFor ?? null);
  return {
    sessionId: row.session_id,
    personId: row.person_id,
    enterpriseId: row.enterprise_id,
    capacity: row.capacity,
    authorisationId: current.authorisationId,
    attemptId: row.attempt_id,
    issuedAt: row.issued_at,
  };
}
