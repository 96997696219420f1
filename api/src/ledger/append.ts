// Appending to the hash-chained ledger. Call inside the transaction that writes
// the domain rows (and the outbox row): the entry exists exactly when they do.
//
// Every append is signed: the connection carries the API's ledger key (openDatabase puts it
// on every client of the pool it opens with `ledgerKeys`), and the last entry of each INSERT
// gets a signature over its hash (./signing.ts), which vouches for it and, through the hash
// chain, for every entry before it. Before chaining onto the head, the append checks that the
// head itself carries a valid signature: an entry that a database intruder appended is never
// covered by a signature of ours, and the API stops writing (503 ledger_head_unsigned) rather
// than vouch for it. Entries pass the personal-data guard (./personal-data.ts) first.
import type { Queryable } from "../db/database.ts";
import { ProblemError } from "../errors.ts";
import { canonicalJson, entryHash } from "../../../protocol/ledger/entry.ts";
import { refusePersonalData } from "./personal-data.ts";
import type { LedgerKeys } from "./signing.ts";

export interface NewEntry {
  /** What happened, e.g. "subject.enrolled", "code.issued", "record.published", "repair.decided". */
  type: string;
  /** Facts of the change: codes, ids, digests. Never personal data (refused with 422). */
  payload: Record<string, unknown>;
  /** Who did it: operator subject ("registrar:alice"), "system:scheduler", … */
  actor: string;
  /** What the entry is about, for search: a code id, a subject commitment (hex), a record id. */
  subjectRef?: string | null;
  at?: Date;
}

/** The key a connection appends with, and the last head it signed (so its own head needs no re-verification). */
export interface LedgerSigner {
  keys: LedgerKeys;
  lastSigned: { seq: number; hash: Buffer } | null;
}

/** A connection opened by openDatabase with ledger keys (see db/database.ts). */
export interface SigningConnection {
  readonly ledgerSigner?: LedgerSigner | null;
}

// One INSERT (one signature) holds at most this many rows: PostgreSQL takes at most 65,535
// bind parameters in one statement. The anchoring worker relies on it: a signature is never
// more than this many entries ahead of any entry it covers.
export const MAX_ROWS_PER_INSERT = 5000;

export interface AppendedEntry {
  seq: number;
  hash: Buffer;
}

export function signerOf(client: Queryable): LedgerSigner {
  const signer = (client as SigningConnection).ledgerSigner;
  if (!signer) {
    throw new Error("this connection has no ledger key: open the database with openDatabase({ ..., ledgerKeys }) to append to the ledger");
  }
  return signer;
}

interface Head {
  seq: number;
  hash: Buffer;
}

const ledgerHeadUnsigned = (seq: number, why: string) =>
  new ProblemError(
    503,
    "ledger_head_unsigned",
    "Service unavailable",
    `the ledger's last entry (seq ${seq}) ${why}: it was not written by this API, so nothing is appended after it; an operator must look at the ledger (GET /readyz, ledger_alerts)`,
  );

/** Refuses to chain onto a head that no signature of ours covers. */
async function checkHead(client: Queryable, signer: LedgerSigner, head: Head): Promise<void> {
  if (head.seq === 0) return;
  // The head this process wrote last: signed by us a moment ago.
  const mine = signer.lastSigned;
  if (mine && mine.seq === head.seq && mine.hash.equals(head.hash)) return;
  // Read after the head lock is held (its own statement, so it sees the entry committed with the head).
  const row = (await client.query<{ hash: Buffer; signature: string | null }>("SELECT hash, signature FROM ledger WHERE seq = $1", [head.seq])).rows[0];
  if (!row || !row.hash.equals(head.hash)) throw ledgerHeadUnsigned(head.seq, "does not match the head row");
  if (!row.signature) {
    throw ledgerHeadUnsigned(head.seq, "carries no ledger signature (a ledger written before ledger signatures starts signing at boot: see LEDGER_ADOPT_THROUGH)");
  }
  const verdict = signer.keys.verify(row.signature, row.hash);
  if (verdict !== "valid") throw ledgerHeadUnsigned(head.seq, `carries a ledger signature that is ${verdict.replace("_", " ")}`);
}

/**
 * Appends entries in order and returns their sequence numbers and hashes.
 * Locks the chain head for the rest of the transaction, so concurrent writers
 * queue here and the chain has neither gaps nor forks.
 */
export async function appendEntries(client: Queryable, entries: readonly NewEntry[]): Promise<AppendedEntry[]> {
  return appendSigned(client, entries, true);
}

/**
 * The append itself. `checkHeadSignature` false only for the one entry that starts signing on
 * a ledger written before signatures existed (./adopt.ts).
 */
export async function appendSigned(client: Queryable, entries: readonly NewEntry[], checkHeadSignature: boolean): Promise<AppendedEntry[]> {
  if (entries.length === 0) return [];
  if (entries.length > MAX_ROWS_PER_INSERT) {
    const out: AppendedEntry[] = [];
    for (let i = 0; i < entries.length; i += MAX_ROWS_PER_INSERT) {
      out.push(...(await appendSigned(client, entries.slice(i, i + MAX_ROWS_PER_INSERT), checkHeadSignature)));
    }
    return out;
  }
  const signer = signerOf(client);
  for (const entry of entries) refusePersonalData(entry);
  const head = (await client.query<Head>("SELECT seq, hash FROM ledger_head FOR UPDATE")).rows[0]!;
  if (checkHeadSignature) await checkHead(client, signer, head);
  let seq = head.seq;
  let prev: Uint8Array = head.hash;
  const appended: AppendedEntry[] = [];
  const columns: unknown[] = [];
  const rows: string[] = [];
  entries.forEach((entry, i) => {
    seq += 1;
    // Millisecond precision: the stored timestamp must print back exactly as hashed.
    const createdAt = new Date(Math.floor((entry.at ?? new Date()).getTime())).toISOString();
    const payload = canonicalJson(entry.payload);
    const subjectRef = entry.subjectRef ?? null;
    const hash = Buffer.from(entryHash(prev, { seq, type: entry.type, payload, subjectRef, actor: entry.actor, createdAt }));
    const signature = i === entries.length - 1 ? signer.keys.sign(hash) : null;
    const base = columns.length;
    rows.push(`($${base + 1},$${base + 2},$${base + 3},$${base + 4},$${base + 5},$${base + 6},$${base + 7},$${base + 8},$${base + 9})`);
    columns.push(seq, entry.type, payload, subjectRef, entry.actor, createdAt, Buffer.from(prev), hash, signature);
    appended.push({ seq, hash });
    prev = hash;
  });
  try {
    await client.query(
      `INSERT INTO ledger (seq, type, payload, subject_ref, actor, created_at, prev_hash, hash, signature) VALUES ${rows.join(",")}`,
      columns,
    );
  } catch (error) {
    // A row after the head that the head does not know about: someone wrote to the table directly.
    if ((error as { code?: string; constraint?: string }).code === "23505" && (error as { constraint?: string }).constraint === "ledger_pkey") {
      throw new ProblemError(503, "ledger_out_of_step", "Service unavailable", `the ledger holds an entry after its head (seq ${head.seq}) that this API did not write; nothing is appended until an operator has looked at it`);
    }
    throw error;
  }
  await client.query("UPDATE ledger_head SET seq = $1, hash = $2", [seq, Buffer.from(prev)]);
  // Remembered before the commit: a head that was rolled back is never read back as the head,
  // and a later head that equals it is this very entry.
  signer.lastSigned = appended[appended.length - 1]!;
  return appended;
}

export async function appendEntry(client: Queryable, entry: NewEntry): Promise<AppendedEntry> {
  const [appended] = await appendEntries(client, [entry]);
  return appended!;
}
