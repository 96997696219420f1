// SQL of the officer keys (api/migrations/008_officer_signatures.sql): each repair officer's
// opaque chain id and passkeys. Call with the pool, or the client of the caller's transaction.
import { randomBytes } from "node:crypto";
import type { Queryable } from "../db/database.ts";

export type KeyState = "requested" | "registering" | "revoking";

export interface OfficerKeyRow {
  key_id: Buffer;
  operator: string;
  officer_id: Buffer;
  credential_id: string;
  x: Buffer;
  y: Buffer;
  label: string | null;
  state: KeyState;
  requested_at: Date;
  requested_by: string;
  registered_at: Date | null;
  registered_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  outbox_id: number | null;
  /** Status and error of the last key write in the outbox. */
  outbox_status: "pending" | "sent" | "done" | "failed" | null;
  outbox_error: string | null;
}

const KEY_COLUMNS = `k.key_id, k.operator, o.officer_id, k.credential_id, k.x, k.y, k.label, k.state, k.requested_at, k.requested_by,
  k.registered_at, k.registered_by, k.revoked_at, k.revoked_by, k.outbox_id, w.status AS outbox_status, w.error AS outbox_error`;
const KEY_FROM = "officer_keys k JOIN officers o ON o.operator = k.operator LEFT JOIN chain_outbox w ON w.id = k.outbox_id";

export function createOfficerRepository(db: Queryable) {
  return {
    /** The officer's chain id, created (32 random bytes) the first time it is asked for. */
    async officerIdOf(operator: string, now: Date): Promise<Buffer> {
      await db.query("INSERT INTO officers (operator, officer_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (operator) DO NOTHING", [operator, randomBytes(32), now]);
      const r = await db.query<{ officer_id: Buffer }>("SELECT officer_id FROM officers WHERE operator = $1", [operator]);
      return r.rows[0]!.officer_id;
    },

    async findOfficerId(operator: string): Promise<Buffer | null> {
      const r = await db.query<{ officer_id: Buffer }>("SELECT officer_id FROM officers WHERE operator = $1", [operator]);
      return r.rows[0]?.officer_id ?? null;
    },

    /** operator of every officer id (the audit names officers; the chain knows only ids). */
    async operatorsByOfficerId(): Promise<Map<string, string>> {
      const r = await db.query<{ operator: string; officer_id: Buffer }>("SELECT operator, officer_id FROM officers");
      return new Map(r.rows.map((o) => [o.officer_id.toString("hex"), o.operator]));
    },

    /** Inserts a key; false when that key id or credential id is known already. */
    async insertKey(k: { keyId: Buffer; operator: string; credentialId: string; x: Buffer; y: Buffer; label: string | null; at: Date; by: string }): Promise<boolean> {
      const r = await db.query(
        `INSERT INTO officer_keys (key_id, operator, credential_id, x, y, label, state, requested_at, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7, $8) ON CONFLICT DO NOTHING`,
        [k.keyId, k.operator, k.credentialId, k.x, k.y, k.label, k.at, k.by],
      );
      return r.rowCount === 1;
    },

    async key(keyId: Buffer, options: { lock?: boolean } = {}): Promise<OfficerKeyRow | undefined> {
      const r = await db.query<OfficerKeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE k.key_id = $1 ${options.lock ? "FOR UPDATE OF k" : ""}`, [keyId]);
      return r.rows[0];
    },

    async keys(operator: string | null): Promise<OfficerKeyRow[]> {
      const r = await db.query<OfficerKeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE ($1::text IS NULL OR k.operator = $1) ORDER BY k.operator, k.requested_at`, [operator]);
      return r.rows;
    },

    async setRegistering(keyId: Buffer, input: { at: Date; by: string; outboxId: number | null }): Promise<void> {
      await db.query("UPDATE officer_keys SET state = 'registering', registered_at = $2, registered_by = $3, outbox_id = $4 WHERE key_id = $1", [
        keyId,
        input.at,
        input.by,
        input.outboxId,
      ]);
    },

    async setRevoking(keyId: Buffer, input: { at: Date; by: string; outboxId: number | null }): Promise<void> {
      await db.query("UPDATE officer_keys SET state = 'revoking', revoked_at = $2, revoked_by = $3, outbox_id = $4 WHERE key_id = $1", [
        keyId,
        input.at,
        input.by,
        input.outboxId,
      ]);
    },
  };
}
