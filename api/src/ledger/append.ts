// Appending to the hash-chained ledger. Call inside the transaction that writes
// the domain rows (and the outbox row): the entry exists exactly when they do.
import type { Queryable } from "../db/database.ts";
import { canonicalJson, entryHash } from "../../../protocol/ledger/entry.ts";

export interface NewEntry {
  /** What happened, e.g. "subject.enrolled", "code.issued", "record.published", "repair.decided". */
  type: string;
  /** Facts of the change. No personal data beyond what the database already holds in this row's feature. */
  payload: Record<string, unknown>;
  /** Who did it: operator subject ("registrar:alice"), "system:scheduler", … */
  actor: string;
  /** What the entry is about, for search: a code id, a subject commitment (hex), a record id. */
  subjectRef?: string | null;
  at?: Date;
}

const MAX_ROWS_PER_INSERT = 5000;

export interface AppendedEntry {
  seq: number;
  hash: Buffer;
}

/**
 * Appends entries in order and returns their sequence numbers and hashes.
 * Locks the chain head for the rest of the transaction, so concurrent writers
 * queue here and the chain has neither gaps nor forks.
 */
export async function appendEntries(client: Queryable, entries: readonly NewEntry[]): Promise<AppendedEntry[]> {
  if (entries.length === 0) return [];
  if (entries.length > MAX_ROWS_PER_INSERT) {
    // PostgreSQL takes at most 65,535 bind parameters in one statement.
    const out: AppendedEntry[] = [];
    for (let i = 0; i < entries.length; i += MAX_ROWS_PER_INSERT) {
      out.push(...(await appendEntries(client, entries.slice(i, i + MAX_ROWS_PER_INSERT))));
    }
    return out;
  }
  const head = await client.query<{ seq: number; hash: Buffer }>("SELECT seq, hash FROM ledger_head FOR UPDATE");
  let seq = head.rows[0]!.seq;
  let prev: Uint8Array = head.rows[0]!.hash;
  const appended: AppendedEntry[] = [];
  const columns: unknown[] = [];
  const rows: string[] = [];
  for (const entry of entries) {
    seq += 1;
    // Millisecond precision: the stored timestamp must print back exactly as hashed.
    const createdAt = new Date(Math.floor((entry.at ?? new Date()).getTime())).toISOString();
    const payload = canonicalJson(entry.payload);
    const subjectRef = entry.subjectRef ?? null;
    const hash = Buffer.from(entryHash(prev, { seq, type: entry.type, payload, subjectRef, actor: entry.actor, createdAt }));
    const base = columns.length;
    rows.push(`($${base + 1},$${base + 2},$${base + 3},$${base + 4},$${base + 5},$${base + 6},$${base + 7},$${base + 8})`);
    columns.push(seq, entry.type, payload, subjectRef, entry.actor, createdAt, Buffer.from(prev), hash);
    appended.push({ seq, hash });
    prev = hash;
  }
  await client.query(
    `INSERT INTO ledger (seq, type, payload, subject_ref, actor, created_at, prev_hash, hash) VALUES ${rows.join(",")}`,
    columns,
  );
  await client.query("UPDATE ledger_head SET seq = $1, hash = $2", [seq, Buffer.from(prev)]);
  return appended;
}

export async function appendEntry(client: Queryable, entry: NewEntry): Promise<AppendedEntry> {
  const [appended] = await appendEntries(client, [entry]);
  return appended!;
}
