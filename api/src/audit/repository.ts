// Reading the ledger for auditors, in seq order, by key ranges (no OFFSET, no long
// transaction): what GET /v1/ledger/export streams and what the entry browser searches.
import type { Queryable } from "../db/database.ts";
import type { CodeExportRow, ExportRow } from "../../../protocol/audit/ndjson.ts";
import { LEDGER_COLUMNS, toLedgerEntry, type LedgerRow } from "../ledger/rows.ts";

/** Rows with from <= seq <= to, in seq order, fetched `page` at a time. */
export async function* ledgerRows(db: Queryable, from = 1, to = Number.MAX_SAFE_INTEGER, page = 5000): AsyncGenerator<ExportRow> {
  let after = from - 1;
  for (;;) {
    const { rows } = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [after, to, page]);
    for (const r of rows) yield toLedgerEntry(r);
    if (rows.length < page) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

export interface EntrySearch {
  seq?: number;
  type?: string;
  subjectRef?: string;
  since?: string;
  until?: string;
  /** Keyset paging: entries with seq below this (newest first). */
  before?: number;
  limit: number;
}

/** The entry browser: newest first, filtered by seq, type, subject ref and time. */
export async function searchEntries(db: Queryable, q: EntrySearch): Promise<ExportRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replace("?", `$${args.length}`));
  };
  if (q.seq !== undefined) add("seq = ?", q.seq);
  if (q.type) add("type = ?", q.type);
  if (q.subjectRef) add("subject_ref = ?", q.subjectRef);
  if (q.since) add("created_at >= ?", q.since);
  if (q.until) add("created_at < ?", q.until);
  if (q.before !== undefined) add("seq < ?", q.before);
  args.push(q.limit);
  const { rows } = await db.query<LedgerRow>(
    `SELECT ${LEDGER_COLUMNS} FROM ledger ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT $${args.length}`,
    args,
  );
  return rows.map(toLedgerEntry);
}

/** Entry hashes of from..to in seq order (for an inclusion proof). */
export async function rangeHashes(db: Queryable, from: number, to: number): Promise<{ seq: number; hash: Buffer }[]> {
  const { rows } = await db.query<{ seq: number; hash: Buffer }>("SELECT seq, hash FROM ledger WHERE seq BETWEEN $1 AND $2 ORDER BY seq", [from, to]);
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash }));
}

interface CodeRowDb {
  code_id: string;
  commitment: Buffer | null;
  kind: "person" | "enterprise" | null;
  status: "active" | "suspended" | "revoked";
  attestation: Buffer;
  replaces: string | null;
  issued_at: Date;
  changed_at: Date;
}

/**
 * The codes table for auditors, read in ONE snapshot (the caller's REPEATABLE READ
 * transaction) together with the ledger head: `asOfSeq` is the last entry whose effect the
 * rows show, so an audit compares them with the ledger replayed up to exactly that seq.
 */
export async function ledgerHeadSeq(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ seq: string | number }>("SELECT seq FROM ledger_head");
  return Number(rows[0]?.seq ?? 0);
}

/** Code rows (with the subject's commitment and kind) in code id order, `page` at a time. */
export async function* codeRows(db: Queryable, page = 5000): AsyncGenerator<CodeExportRow> {
  let after = "";
  for (;;) {
    const { rows } = await db.query<CodeRowDb>(
      `SELECT c.code_id, s.commitment, s.kind, c.status, c.attestation, c.replaces, c.issued_at, c.changed_at
         FROM codes c LEFT JOIN subjects s ON s.id = c.subject_id
        WHERE c.code_id > $1 ORDER BY c.code_id LIMIT $2`,
      [after, page],
    );
    for (const r of rows) {
      yield {
        codeId: r.code_id,
        // A row whose subject_id names no subject (foreign keys lifted) still goes out.
        subject: r.commitment ?? new Uint8Array(32),
        kind: r.kind ?? "unknown",
        status: r.status,
        attestation: r.attestation,
        replaces: r.replaces,
        issuedAt: r.issued_at.toISOString(),
        changedAt: r.changed_at.toISOString(),
      };
    }
    if (rows.length < page) return;
    after = rows[rows.length - 1]!.code_id;
  }
}
