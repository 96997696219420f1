// SQL of the face feature (api/migrations/006_face.sql, 010_face_liveness.sql): kiosk sessions
// with their challenges, face attempts, encrypted references, single-use assertions and agents'
// authorisations. Call with the pool, or with the client of the transaction the caller is in.
// Never logs a row: the references are biometric data.
import type { Queryable } from "../db/database.ts";
import type { Direction } from "./challenge.ts";

/** self: a person applying for themself (the session's enterprise_id then holds their own subject id). */
export type Capacity = "legal_representative" | "authorised_agent" | "self";

export interface SessionRow {
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
  /** the challenge drawn for challenge_nonce (one per nonce) */
  challenge: Direction | null;
  challenge_nonce: string | null;
  challenge_issued_at: Date | null;
  challenge_expires_at: Date | null;
}

export interface AssertionRow {
  session_id: string;
  person_id: string;
  enterprise_id: string;
  capacity: Capacity;
  authorisation_id: string | null;
  attempt_id: number;
  issued_at: Date;
  expires_at: Date;
  used_at: Date | null;
  session_ended: Date | null;
  session_expires: Date;
  device: string;
}

export interface AuthorisationRow {
  id: string;
  enterprise_id: string;
  agent_id: string;
  reference: string;
  scope: string;
  valid_from: Date;
  valid_until: Date;
  revoked_at: Date | null;
  created_at: Date;
}

export interface NewAttempt {
  sessionId: string;
  personId: string;
  verdict: "passed" | "refused";
  reason: string | null;
  /** the challenge the attempt answered */
  challenge: Direction | null;
  /** median descriptor distance to the reference; null when the attempt stopped before identity */
  distance: number | null;
  antispoof: number | null;
  liveness: number | null;
  frames: number;
  at: Date;
}

export interface NewAssertion {
  tokenHash: Buffer;
  sessionId: string;
  personId: string;
  enterpriseId: string;
  capacity: Capacity;
  authorisationId: string | null;
  /** The session nonce the passing attempt answered. */
  nonce: string;
  attemptId: number;
  issuedAt: Date;
  expiresAt: Date;
}

export function createFaceRepository(db: Queryable) {
  return {
    // Kiosk sessions

    async insertSession(input: { device: string; nonce: string; at: Date; expiresAt: Date }): Promise<SessionRow> {
      const { rows } = await db.query<SessionRow>(
        "INSERT INTO kiosk_sessions (device, nonce, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING *",
        [input.device, input.nonce, input.at, input.expiresAt],
      );
      return rows[0]!;
    },

    /** `lock` takes the row lock (inside a transaction). */
    async session(id: string, options: { lock?: boolean } = {}): Promise<SessionRow | null> {
      const { rows } = await db.query<SessionRow>(`SELECT * FROM kiosk_sessions WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
      return rows[0] ?? null;
    },

    /** Ends the device's session (once) and cuts its unused assertions short; false when there is no such session. */
    async endSession(input: { id: string; device: string; at: Date }): Promise<boolean> {
      const { rows } = await db.query<{ id: string }>(
        "UPDATE kiosk_sessions SET ended_at = COALESCE(ended_at, $3) WHERE id = $1 AND device = $2 RETURNING id",
        [input.id, input.device, input.at],
      );
      if (!rows[0]) return false;
      await db.query("UPDATE face_assertions SET expires_at = LEAST(expires_at, $2) WHERE session_id = $1 AND used_at IS NULL", [input.id, input.at]);
      return true;
    },

    async bindApplicant(sessionId: string, applicant: { enterpriseId: string; personId: string; capacity: Capacity; authorisationId: string | null }): Promise<void> {
      await db.query("UPDATE kiosk_sessions SET enterprise_id = $2, person_id = $3, capacity = $4, authorisation_id = $5 WHERE id = $1", [
        sessionId,
        applicant.enterpriseId,
        applicant.personId,
        applicant.capacity,
        applicant.authorisationId,
      ]);
    },

    async setNonce(sessionId: string, nonce: string): Promise<void> {
      await db.query("UPDATE kiosk_sessions SET nonce = $2 WHERE id = $1", [sessionId, nonce]);
    },

    async setChallenge(sessionId: string, c: { direction: Direction; nonce: string; issuedAt: Date; expiresAt: Date }): Promise<void> {
      await db.query(
        "UPDATE kiosk_sessions SET challenge = $2, challenge_nonce = $3, challenge_issued_at = $4, challenge_expires_at = $5 WHERE id = $1",
        [sessionId, c.direction, c.nonce, c.issuedAt, c.expiresAt],
      );
    },

    // Face attempts

    /** Refused attempts in this session, and of this person (on any kiosk) since `since`. */
    async failureCounts(input: { sessionId: string; personId: string; since: Date }): Promise<{ session: number; person: number }> {
      const { rows } = await db.query<{ session: number; person: number }>(
        `SELECT count(*) FILTER (WHERE session_id = $1)::int AS session,
                count(*) FILTER (WHERE person_id = $2 AND created_at > $3)::int AS person
           FROM face_attempts
          WHERE verdict = 'refused' AND (session_id = $1 OR (person_id = $2 AND created_at > $3))`,
        [input.sessionId, input.personId, input.since],
      );
      return rows[0] ?? { session: 0, person: 0 };
    },

    /**
     * When the person's lockout ends: the time the `limit`-th most recent refusal within the
     * window leaves it (then fewer than `limit` remain). Null when fewer than `limit` refusals.
     */
    async personUnlockAt(input: { personId: string; since: Date; limit: number; windowSeconds: number }): Promise<Date | null> {
      const { rows } = await db.query<{ created_at: Date }>(
        `SELECT created_at FROM face_attempts WHERE person_id = $1 AND verdict = 'refused' AND created_at > $2
          ORDER BY created_at DESC OFFSET $3 LIMIT 1`,
        [input.personId, input.since, input.limit - 1],
      );
      return rows[0] ? new Date(rows[0].created_at.getTime() + input.windowSeconds * 1000) : null;
    },

    async insertAttempt(a: NewAttempt): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO face_attempts (session_id, person_id, verdict, reason, challenge, distance, antispoof, liveness, frames, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [a.sessionId, a.personId, a.verdict, a.reason, a.challenge, a.distance, a.antispoof, a.liveness, a.frames, a.at],
      );
      return rows[0]!.id;
    },

    // References (compact JWE, never the descriptor)

    async reference(personId: string): Promise<string | null> {
      const { rows } = await db.query<{ reference: string }>("SELECT reference FROM face_references WHERE person_id = $1", [personId]);
      return rows[0]?.reference ?? null;
    },

    async hasReference(personId: string): Promise<boolean> {
      const { rowCount } = await db.query("SELECT 1 FROM face_references WHERE person_id = $1", [personId]);
      return (rowCount ?? 0) > 0;
    },

    /** Stores or replaces the person's reference; true when one was replaced. */
    async upsertReference(input: { personId: string; reference: string; kid: string; model: string; at: Date; actor: string }): Promise<boolean> {
      const { rows } = await db.query<{ replaced: boolean }>(
        `INSERT INTO face_references (person_id, reference, kid, model, enrolled_at, enrolled_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (person_id) DO UPDATE SET reference = EXCLUDED.reference, kid = EXCLUDED.kid, model = EXCLUDED.model,
           enrolled_at = EXCLUDED.enrolled_at, enrolled_by = EXCLUDED.enrolled_by
         RETURNING (xmax <> 0) AS replaced`,
        [input.personId, input.reference, input.kid, input.model, input.at, input.actor],
      );
      return rows[0]!.replaced;
    },

    // Assertions (stored as the SHA-256 of the token)

    async insertAssertion(a: NewAssertion): Promise<void> {
      await db.query(
        `INSERT INTO face_assertions (token_hash, session_id, person_id, enterprise_id, capacity, authorisation_id, nonce, attempt_id, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [a.tokenHash, a.sessionId, a.personId, a.enterpriseId, a.capacity, a.authorisationId, a.nonce, a.attemptId, a.issuedAt, a.expiresAt],
      );
    },

    /** The assertion with its session's state, row-locked until the caller's transaction ends. */
    async assertionForUpdate(tokenHash: Buffer): Promise<AssertionRow | null> {
      const { rows } = await db.query<AssertionRow>(
        `SELECT a.session_id, a.person_id, a.enterprise_id, a.capacity, a.authorisation_id, a.attempt_id,
                a.issued_at, a.expires_at, a.used_at, s.ended_at AS session_ended, s.expires_at AS session_expires, s.device
           FROM face_assertions a JOIN kiosk_sessions s ON s.id = a.session_id
          WHERE a.token_hash = $1
          FOR UPDATE OF a`,
        [tokenHash],
      );
      return rows[0] ?? null;
    },

    async markAssertionUsed(tokenHash: Buffer, at: Date, usedFor: string | null): Promise<void> {
      await db.query("UPDATE face_assertions SET used_at = $2, used_for = $3 WHERE token_hash = $1", [tokenHash, at, usedFor]);
    },

    // Agents' authorisations (授权委托书)

    /** The agent's authorisation for credit repair valid at `at` and not revoked (the longest-running one). */
    async validAuthorisation(input: { enterpriseId: string; agentId: string; at: Date }): Promise<AuthorisationRow | null> {
      const { rows } = await db.query<AuthorisationRow>(
        `SELECT * FROM authorisations
          WHERE enterprise_id = $1 AND agent_id = $2 AND scope = 'credit_repair'
            AND revoked_at IS NULL AND valid_from <= $3 AND valid_until > $3
          ORDER BY valid_until DESC LIMIT 1`,
        [input.enterpriseId, input.agentId, input.at],
      );
      return rows[0] ?? null;
    },

    async authorisation(id: string, options: { lock?: boolean } = {}): Promise<AuthorisationRow | null> {
      const { rows } = await db.query<AuthorisationRow>(`SELECT * FROM authorisations WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
      return rows[0] ?? null;
    },

    async authorisationExists(enterpriseId: string, reference: string): Promise<boolean> {
      const { rowCount } = await db.query("SELECT 1 FROM authorisations WHERE enterprise_id = $1 AND reference = $2", [enterpriseId, reference]);
      return (rowCount ?? 0) > 0;
    },

    async insertAuthorisation(a: { enterpriseId: string; agentId: string; reference: string; validFrom: Date; validUntil: Date; at: Date; actor: string }): Promise<AuthorisationRow> {
      const { rows } = await db.query<AuthorisationRow>(
        `INSERT INTO authorisations (enterprise_id, agent_id, reference, valid_from, valid_until, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [a.enterpriseId, a.agentId, a.reference, a.validFrom, a.validUntil, a.at, a.actor],
      );
      return rows[0]!;
    },

    async revokeAuthorisation(id: string, at: Date, actor: string): Promise<AuthorisationRow> {
      const { rows } = await db.query<AuthorisationRow>("UPDATE authorisations SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING *", [id, at, actor]);
      return rows[0]!;
    },

    /** An enterprise's authorisations, newest first. */
    async authorisationsOf(enterpriseId: string): Promise<AuthorisationRow[]> {
      const { rows } = await db.query<AuthorisationRow>("SELECT * FROM authorisations WHERE enterprise_id = $1 ORDER BY created_at DESC, id", [enterpriseId]);
      return rows;
    },
  };
}

export type FaceRepository = ReturnType<typeof createFaceRepository>;
