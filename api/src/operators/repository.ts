// SQL of operator accounts, their passkeys and the challenges in flight.
import type { Queryable } from "../db/database.ts";
import { notFound } from "../errors.ts";
import type { Role } from "../auth/operators.ts";

export interface AccountRow {
  id: string;
  login: string;
  name: string;
  unit: string;
  roles: Role[];
  status: "active" | "disabled";
  password_hash: string | null;
  totp_secret: Buffer | null;
  totp_last_step: string | null;
  oidc_subject: string | null;
  enrolment_hash: Buffer | null;
  enrolment_expires: Date | null;
  failed_attempts: number;
  locked_until: Date | null;
  created_at: Date;
  created_by: string;
  changed_at: Date;
  changed_by: string;
}

export interface PasskeyRow {
  credential_id: string;
  account_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ChallengeRow {
  id: string;
  purpose: "sign_in" | "register" | "oidc";
  account_id: string | null;
  challenge: string;
  extra: Record<string, string>;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export function createOperatorRepository(db: Queryable) {
  async function find(id: string, options: { lock?: boolean } = {}): Promise<AccountRow | null> {
    const r = await db.query<AccountRow>(`SELECT * FROM operator_accounts WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
    return r.rows[0] ?? null;
  }

  return {
    find,

    async get(id: string, options: { lock?: boolean } = {}): Promise<AccountRow> {
      const row = await find(id, options);
      if (!row) throw notFound("operator_not_found", "No such operator account");
      return row;
    },

    async byLogin(login: string, options: { lock?: boolean } = {}): Promise<AccountRow | null> {
      const r = await db.query<AccountRow>(`SELECT * FROM operator_accounts WHERE login = $1${options.lock ? " FOR UPDATE" : ""}`, [login.toLowerCase()]);
      return r.rows[0] ?? null;
    },

    async byOidcSubject(sub: string): Promise<AccountRow | null> {
      const r = await db.query<AccountRow>("SELECT * FROM operator_accounts WHERE oidc_subject = $1", [sub]);
      return r.rows[0] ?? null;
    },

    async list(now: Date): Promise<(AccountRow & { passkeys: number; open_sessions: number; last_sign_in: Date | null })[]> {
      const r = await db.query<AccountRow & { passkeys: number; open_sessions: number; last_sign_in: Date | null }>(
        `SELECT a.*,
                (SELECT count(*)::int FROM operator_passkeys p WHERE p.account_id = a.id AND p.revoked_at IS NULL) AS passkeys,
                (SELECT count(*)::int FROM operator_sessions s WHERE s.account_id = a.id AND s.ended_at IS NULL AND s.expires_at > $1) AS open_sessions,
                (SELECT max(created_at) FROM operator_sessions s WHERE s.account_id = a.id) AS last_sign_in
           FROM operator_accounts a ORDER BY a.unit, a.name`,
        [now],
      );
      return r.rows;
    },

    async insert(a: { id: string; login: string; name: string; unit: string; roles: Role[]; oidcSubject: string | null; enrolmentHash: Buffer; enrolmentExpires: Date; at: Date; by: string }): Promise<void> {
      await db.query(
        `INSERT INTO operator_accounts (id, login, name, unit, roles, oidc_subject, enrolment_hash, enrolment_expires, created_at, created_by, changed_at, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10)`,
        [a.id, a.login, a.name, a.unit, a.roles, a.oidcSubject, a.enrolmentHash, a.enrolmentExpires, a.at, a.by],
      );
    },

    async update(id: string, change: { name?: string; unit?: string; roles?: Role[]; status?: AccountRow["status"] }, at: Date, by: string): Promise<void> {
      await db.query(
        `UPDATE operator_accounts SET name = COALESCE($2, name), unit = COALESCE($3, unit), roles = COALESCE($4, roles), status = COALESCE($5, status),
                failed_attempts = CASE WHEN $5 = 'active' THEN 0 ELSE failed_attempts END,
                locked_until = CASE WHEN $5 = 'active' THEN NULL ELSE locked_until END,
                changed_at = $6, changed_by = $7
          WHERE id = $1`,
        [id, change.name ?? null, change.unit ?? null, change.roles ?? null, change.status ?? null, at, by],
      );
    },

    async setEnrolment(id: string, hash: Buffer | null, expires: Date | null): Promise<void> {
      await db.query("UPDATE operator_accounts SET enrolment_hash = $2, enrolment_expires = $3 WHERE id = $1", [id, hash, expires]);
    },

    async setTotp(id: string, passwordHash: string, sealedSecret: Buffer): Promise<void> {
      await db.query("UPDATE operator_accounts SET password_hash = $2, totp_secret = $3, totp_last_step = NULL WHERE id = $1", [id, passwordHash, sealedSecret]);
    },

    async acceptTotpStep(id: string, step: number): Promise<void> {
      await db.query("UPDATE operator_accounts SET totp_last_step = $2, failed_attempts = 0, locked_until = NULL WHERE id = $1", [id, step]);
    },

    async bindOidc(id: string, sub: string): Promise<void> {
      await db.query("UPDATE operator_accounts SET oidc_subject = $2 WHERE id = $1 AND oidc_subject IS NULL", [id, sub]);
    },

    /** A wrong second factor: counts, and locks the account for `lockSeconds` at the limit. */
    async failedAttempt(id: string, at: Date, limit: number, lockSeconds: number): Promise<void> {
      await db.query(
        `UPDATE operator_accounts SET failed_attempts = failed_attempts + 1,
                locked_until = CASE WHEN failed_attempts + 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4) ELSE locked_until END
          WHERE id = $1`,
        [id, at, limit, lockSeconds],
      );
    },

    async clearFailures(id: string): Promise<void> {
      await db.query("UPDATE operator_accounts SET failed_attempts = 0, locked_until = NULL WHERE id = $1", [id]);
    },

    async passkeysOf(accountId: string): Promise<PasskeyRow[]> {
      const r = await db.query<PasskeyRow>("SELECT * FROM operator_passkeys WHERE account_id = $1 AND revoked_at IS NULL ORDER BY created_at", [accountId]);
      return r.rows;
    },

    async passkey(credentialId: string, options: { lock?: boolean } = {}): Promise<PasskeyRow | null> {
      const r = await db.query<PasskeyRow>(`SELECT * FROM operator_passkeys WHERE credential_id = $1${options.lock ? " FOR UPDATE" : ""}`, [credentialId]);
      return r.rows[0] ?? null;
    },

    async insertPasskey(p: { credentialId: string; accountId: string; publicKey: Uint8Array; counter: number; transports: string[]; label: string; at: Date }): Promise<void> {
      await db.query(
        "INSERT INTO operator_passkeys (credential_id, account_id, public_key, counter, transports, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [p.credentialId, p.accountId, Buffer.from(p.publicKey), p.counter, p.transports, p.label, p.at],
      );
    },

    async usePasskey(credentialId: string, counter: number, at: Date): Promise<void> {
      await db.query("UPDATE operator_passkeys SET counter = $2, last_used_at = $3 WHERE credential_id = $1", [credentialId, counter, at]);
    },

    async revokePasskey(accountId: string, credentialId: string, at: Date): Promise<boolean> {
      const r = await db.query("UPDATE operator_passkeys SET revoked_at = $3 WHERE account_id = $1 AND credential_id = $2 AND revoked_at IS NULL", [accountId, credentialId, at]);
      return (r.rowCount ?? 0) > 0;
    },

    async insertChallenge(c: { id: string; purpose: ChallengeRow["purpose"]; accountId: string | null; challenge: string; extra?: Record<string, string>; at: Date; expiresAt: Date }): Promise<void> {
      await db.query("INSERT INTO operator_challenges (id, purpose, account_id, challenge, extra, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)", [
        c.id,
        c.purpose,
        c.accountId,
        c.challenge,
        JSON.stringify(c.extra ?? {}),
        c.at,
        c.expiresAt,
      ]);
      // Old challenges go: they can never be used again anyway.
      await db.query("DELETE FROM operator_challenges WHERE expires_at < $1::timestamptz - interval '1 day'", [c.at]);
    },

    /**
     * Takes a challenge once: marks it used and returns it, or null when it is unknown, of
     * another purpose, used already (a replay) or expired.
     */
    async takeChallenge(id: string, purpose: ChallengeRow["purpose"], at: Date): Promise<ChallengeRow | null> {
      const r = await db.query<ChallengeRow>(
        "UPDATE operator_challenges SET used_at = $3 WHERE id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING *",
        [id, purpose, at],
      );
      return r.rows[0] ?? null;
    },
  };
}

export type OperatorRepository = ReturnType<typeof createOperatorRepository>;
