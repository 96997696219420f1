// SQL of the audit feature: the ledger read in seq order by key ranges (no OFFSET, no long
// transaction) for the export and the entry browser, the codes table for the audit's code
// check, and the published audit reports (api/migrations/007_audit.sql).
import type { Queryable } from "../db/database.ts";
import type { CodeExportRow, ExportRow } from "../../../protocol/audit/ndjson.ts";
import { LEDGER_COLUMNS, toLedgerEntry, type LedgerRow } from "../ledger/rows.ts";
import { subjectRefForms } from "../ledger/subject-ref.ts";

export interface EntrySearch {
  seq?: number;
  type?: string;
  /** A subject commitment or code id, in either hex form: entries stored in both are found. */
  subjectRef?: string;
  since?: string;
  until?: string;
  /** Keyset paging: entries with seq below this (newest first). */
  before?: number;
  limit: number;
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

export interface ReportSummary {
  id: number;
  publishedAt: string;
  publishedBy: string;
  ok: boolean;
  entries: number;
  findings: number;
}

export function createAuditRepository(db: Queryable) {
  return {
    /** Rows with from <= seq <= to, in seq order, fetched `page` at a time. */
    async *ledgerRows(from = 1, to = Number.MAX_SAFE_INTEGER, page = 5000): AsyncGenerator<ExportRow> {
      let after = from - 1;
      for (;;) {
        const { rows } = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [after, to, page]);
        for (const r of rows) yield toLedgerEntry(r);
        if (rows.length < page) return;
        after = Number(rows[rows.length - 1]!.seq);
      }
    },

    /** The entry browser: newest first, filtered by seq, type, subject ref (both hex forms) and time. */
    async searchEntries(q: EntrySearch): Promise<ExportRow[]> {
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        args.push(value);
        where.push(sql.replace("?", `$${args.length}`));
      };
      if (q.seq !== undefined) add("seq = ?", q.seq);
      if (q.type) add("type = ?", q.type);
      if (q.subjectRef) add("subject_ref = ANY(?::text[])", subjectRefForms(q.subjectRef));
      if (q.since) add("created_at >= ?", q.since);
      if (q.until) add("created_at < ?", q.until);
      if (q.before !== undefined) add("seq < ?", q.before);
      args.push(q.limit);
      const { rows } = await db.query<LedgerRow>(
        `SELECT ${LEDGER_COLUMNS} FROM ledger ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT $${args.length}`,
        args,
      );
      return rows.map(toLedgerEntry);
    },

    /** Entry hashes of from..to in seq order (for an inclusion proof). */
    async rangeHashes(from: number, to: number): Promise<{ seq: number; hash: Buffer }[]> {
      const { rows } = await db.query<{ seq: number; hash: Buffer }>("SELECT seq, hash FROM ledger WHERE seq BETWEEN $1 AND $2 ORDER BY seq", [from, to]);
      return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash }));
    },

    /**
     * The ledger head. Read in ONE snapshot (the caller's REPEATABLE READ transaction) with
     * codeRows: `asOfSeq` is the last entry whose effect the rows show, so an audit compares
     * them with the ledger replayed up to exactly that seq.
     */
    async ledgerHeadSeq(): Promise<number> {
      const { rows } = await db.query<{ seq: string | number }>("SELECT seq FROM ledger_head");
      return Number(rows[0]?.seq ?? 0);
    },

    /** Code rows (with the subject's commitment and kind) in code id order, `page` at a time. */
    async *codeRows(page = 5000): AsyncGenerator<CodeExportRow> {
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
    },

    /** The last published report, as the JSON text it was published with. */
    async latestReport(): Promise<string | null> {
      const { rows } = await db.query<{ report: string }>("SELECT report FROM audit_reports ORDER BY id DESC LIMIT 1");
      return rows[0]?.report ?? null;
    },

    /** Report summaries, newest first, with ids below `before`. */
    async reports(q: { before?: number; limit: number }): Promise<ReportSummary[]> {
      const { rows } = await db.query<{ id: string; published_at: Date; published_by: string; ok: boolean; entries: string; findings: number }>(
        `SELECT id, published_at, published_by, ok, entries, findings FROM audit_reports
          WHERE $1::bigint IS NULL OR id < $1 ORDER BY id DESC LIMIT $2`,
        [q.before ?? null, q.limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        publishedAt: r.published_at.toISOString(),
        publishedBy: r.published_by,
        ok: r.ok,
        entries: Number(r.entries),
        findings: r.findings,
      }));
    },

    async publishReport(r: { publishedAt: string; publishedBy: string; ok: boolean; entries: number; findings: number; report: string }): Promise<number> {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO audit_reports (published_at, published_by, ok, entries, findings, report)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [r.publishedAt, r.publishedBy, r.ok, r.entries, r.findings, r.report],
      );
      return Number(rows[0]!.id);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
