// SQL of the auth feature: sessions with their account, machine tokens, the access log.
import type { Queryable } from "../db/database.ts";
import type { Role } from "./operators.ts";

export interface SessionRow {
  id_hash: Buffer;
  account_id: string;
  method: "passkey" | "totp" | "oidc";
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  ended_reason: string | null;
  // the account's
  name: string;
  unit: string;
  roles: Role[];
  status: "active" | "disabled";
}

export interface MachineTokenRow {
  jti: string;
  name: string;
  role: Role;
  sub: string;
  issued_at: Date;
  expires_at: Date;
  issued_by: string | null;
  first_seen_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export interface AccessEntry {
  at: Date;
  actor: string | null;
  accountId: string | null;
  action: string;
  subjectId?: string | null;
  purpose?: string | null;
  status?: number | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

export type EndReason = "signed_out" | "signed_out_everywhere" | "idle" | "expired" | "disabled";

export function createAuthRepository(db: Queryable) {
  return {
    async insertSession(s: { idHash: Buffer; accountId: string; method: SessionRow["method"]; at: Date; expiresAt: Date }): Promise<void> {
      await db.query("INSERT INTO operator_sessions (id_hash, account_id, method, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)", [
        s.idHash,
        s.accountId,
        s.method,
        s.at,
        s.expiresAt,
      ]);
    },

    async session(idHash: Buffer): Promise<SessionRow | null> {
      const r = await db.query<SessionRow>(
        `SELECT s.*, a.name, a.unit, a.roles, a.status
           FROM operator_sessions s JOIN operator_accounts a ON a.id = s.account_id
          WHERE s.id_hash = $1`,
        [idHash],
      );
      return r.rows[0] ?? null;
    },

    async touchSession(idHash: Buffer, at: Date): Promise<void> {
      await db.query("UPDATE operator_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2", [idHash, at]);
    },

    async endSession(idHash: Buffer, at: Date, reason: EndReason): Promise<void> {
      await db.query("UPDATE operator_sessions SET ended_at = $2, ended_reason = $3 WHERE id_hash = $1 AND ended_at IS NULL", [idHash, at, reason]);
    },

    /** Ends every open session of an account; how many. */
    async endSessionsOf(accountId: string, at: Date, reason: EndReason): Promise<number> {
      const r = await db.query("UPDATE operator_sessions SET ended_at = $2, ended_reason = $3 WHERE account_id = $1 AND ended_at IS NULL", [accountId, at, reason]);
      return r.rowCount ?? 0;
    },

    async openSessionCount(accountId: string, now: Date): Promise<number> {
      const r = await db.query<{ n: string }>("SELECT count(*) AS n FROM operator_sessions WHERE account_id = $1 AND ended_at IS NULL AND expires_at > $2", [accountId, now]);
      return Number(r.rows[0]!.n);
    },

    async machineToken(jti: string): Promise<MachineTokenRow | null> {
      const r = await db.query<MachineTokenRow>("SELECT * FROM machine_tokens WHERE jti = $1", [jti]);
      return r.rows[0] ?? null;
    },

    /** A token's row: written when an admin issues it, or when the API first sees a token minted elsewhere. */
    async recordMachineToken(t: { jti: string; name: string; role: Role; sub: string; issuedAt: Date; expiresAt: Date; issuedBy: string | null; seenAt: Date | null }): Promise<void> {
      await db.query(
        `INSERT INTO machine_tokens (jti, name, role, sub, issued_at, expires_at, issued_by, first_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (jti) DO NOTHING`,
        [t.jti, t.name, t.role, t.sub, t.issuedAt, t.expiresAt, t.issuedBy, t.seenAt],
      );
    },

    async markTokenSeen(jti: string, at: Date): Promise<void> {
      await db.query("UPDATE machine_tokens SET first_seen_at = $2 WHERE jti = $1 AND first_seen_at IS NULL", [jti, at]);
    },

    async machineTokens(now: Date): Promise<MachineTokenRow[]> {
      // Expired tokens drop off the list after a week: they cannot be used anyway.
      const r = await db.query<MachineTokenRow>("SELECT * FROM machine_tokens WHERE expires_at > $1::timestamptz - interval '7 days' ORDER BY issued_at DESC LIMIT 500", [now]);
      return r.rows;
    },

    async revokeMachineToken(jti: string, at: Date, by: string): Promise<MachineTokenRow | null> {
      const r = await db.query<MachineTokenRow>(
        "UPDATE machine_tokens SET revoked_at = COALESCE(revoked_at, $2), revoked_by = COALESCE(revoked_by, $3) WHERE jti = $1 RETURNING *",
        [jti, at, by],
      );
      return r.rows[0] ?? null;
    },

    async logAccess(e: AccessEntry): Promise<void> {
      await db.query(
        "INSERT INTO access_log (at, actor, account_id, action, subject_id, purpose, status, detail, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [e.at, e.actor, e.accountId, e.action, e.subjectId ?? null, e.purpose ?? null, e.status ?? null, JSON.stringify(e.detail ?? {}), e.ip ?? null],
      );
    },
  };
}
