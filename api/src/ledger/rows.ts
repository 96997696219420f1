// Reading ledger rows back from PostgreSQL as LedgerEntry values (entry.ts): one
// column list and one conversion for the entry routes, the export and the audit.
import type { Queryable } from "../db/database.ts";
import type { LedgerEntry } from "../../../protocol/ledger/entry.ts";

export const LEDGER_COLUMNS = "seq, type, payload, subject_ref, actor, created_at, prev_hash, hash, signature";

export interface LedgerRow {
  seq: number;
  type: string;
  payload: string;
  subject_ref: string | null;
  actor: string;
  created_at: Date;
  prev_hash: Buffer;
  hash: Buffer;
  signature: string | null;
}

/** An entry as stored: the hashed entry and the ledger signature the last entry of each append carries. */
export type StoredEntry = LedgerEntry & { signature: string | null };

export function toLedgerEntry(r: LedgerRow): StoredEntry {
  return {
    seq: Number(r.seq),
    type: r.type,
    payload: r.payload,
    subjectRef: r.subject_ref,
    actor: r.actor,
    // Stored with millisecond precision, so this prints exactly what was hashed.
    createdAt: r.created_at.toISOString(),
    prevHash: r.prev_hash,
    hash: r.hash,
    signature: r.signature,
  };
}

/** The entry with this sequence number, or null. */
export async function readEntry(db: Queryable, seq: number): Promise<StoredEntry | null> {
  const { rows } = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq = $1`, [seq]);
  return rows[0] ? toLedgerEntry(rows[0]) : null;
}
