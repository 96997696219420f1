// Kiosk sessions: a visit at a kiosk. The device opens a session (server nonce), identifies the
// enterprise and the applicant (./applicant.ts), then makes face attempts (./attempt.ts), each
// answering a challenge drawn for the current nonce; every recorded attempt rotates the nonce.
import { randomBytes } from "node:crypto";
import { checkUscc } from "../../../protocol/identifiers.ts";
import type { Queryable } from "../db/database.ts";
import { conflict, notFound } from "../errors.ts";
import type { Capacity } from "./assertion.ts";
import type { Direction } from "./challenge.ts";
import { createFaceRepository, type SessionRow } from "./repository.ts";

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
  /** the challenge drawn for `challengeNonce`; it answers the current attempt only while challengeNonce === nonce */
  challenge: { direction: Direction; nonce: string; issuedAt: Date; expiresAt: Date } | null;
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
  challenge:
    r.challenge && r.challenge_nonce && r.challenge_issued_at && r.challenge_expires_at
      ? { direction: r.challenge, nonce: r.challenge_nonce, issuedAt: r.challenge_issued_at, expiresAt: r.challenge_expires_at }
      : null,
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
