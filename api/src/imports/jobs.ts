// Import jobs: a file of subjects, named by its SHA-256, committed in chunks of lines. Used by
// the API's import routes (./plugin.ts) and by the direct mode of `npm run import` (nothing
// else running), so both enrol through the same statements (enrolBatch) and keep the same
// per-line report.
//
// Exactly once per line: a chunk is one transaction that locks the job row, enrols the lines
// after the job's last committed line, stores each line's outcome and digest (import_chunks)
// and moves last_line. A chunk sent again (a client that lost the answer, a re-run of the
// same file) overlaps what is committed: those lines are answered from the stored outcomes,
// after checking they are the same text, and only the lines after last_line are enrolled. A
// chunk that starts after last_line + 1 would leave a hole and is refused.
import { createHash } from "node:crypto";
import type pg from "pg";
import { withTransaction, type Queryable } from "../db/database.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { enrolBatch, type BatchRow } from "../subjects/enrol-batch.ts";
import { parseCsvHeader, parseLine, type ImportFormat } from "./parse.ts";

/** Most lines in one chunk (one transaction: two ledger entries and one chain write per line). */
export const MAX_CHUNK_LINES = 1000;
/** Longest line accepted; a subject's line is ~100 characters. */
export const MAX_LINE_LENGTH = 2000;

export interface ImportJob {
  /** The file's SHA-256, hex: the job's id. */
  id: string;
  fileName: string;
  format: ImportFormat;
  /** Lines of the whole file (header included), when the client said so. */
  totalLines: number | null;
  /** Last line committed (1 for a CSV file's header before any data line). */
  lastLine: number;
  /** The next line to send. */
  nextLine: number;
  accepted: number;
  rejected: number;
  status: "open" | "finished";
  createdBy: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export type LineResult =
  | { line: number; status: "enrolled"; kind: "person" | "enterprise"; subjectId: string; codeId: string }
  | { line: number; status: "refused"; code: string; reason: string }
  | { line: number; status: "blank" };

interface StoredResult extends Record<string, unknown> {
  line: number;
  /** First 16 hex digits of the line's SHA-256. */
  digest: string;
}

interface JobRow {
  file_hash: Buffer;
  file_name: string;
  format: ImportFormat | null;
  header: string[] | null;
  total_lines: number | null;
  last_line: number;
  accepted: number;
  rejected: number;
  created_by: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const JOB_COLUMNS = "file_hash, file_name, format, header, total_lines, last_line, accepted, rejected, created_by, started_at, updated_at, finished_at";

function toJob(row: JobRow): ImportJob {
  return {
    id: row.file_hash.toString("hex"),
    fileName: row.file_name,
    format: row.format ?? "ndjson",
    totalLines: row.total_lines,
    lastLine: row.last_line,
    nextLine: row.last_line + 1,
    accepted: row.accepted,
    rejected: row.rejected,
    status: row.finished_at ? "finished" : "open",
    createdBy: row.created_by,
    startedAt: row.started_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export function lineDigest(line: string): string {
  return createHash("sha256").update(line, "utf8").digest("hex").slice(0, 16);
}

export function isJobId(id: string): boolean {
  return /^[0-9a-f]{64}$/.test(id);
}

const jobNotFound = () => notFound("import_not_found", "No import job with this id (the file's SHA-256)");

export interface OpenJobInput {
  fileHash: string;
  fileName: string;
  format: ImportFormat;
  /** A CSV file's header line (line 1), as sent. */
  header?: string | null;
  totalLines?: number | null;
  actor: string;
}

/**
 * Creates the job of a file, or returns the existing one (a re-run resumes it). The same file
 * with another format or header is refused: its lines would be read differently.
 */
export async function openJob(pool: pg.Pool, input: OpenJobInput): Promise<{ job: ImportJob; created: boolean }> {
  const hash = Buffer.from(input.fileHash, "hex");
  const header = input.format === "csv" ? (input.header ?? "") : null;
  if (input.format === "csv" && header === "") throw unprocessable("import_header_missing", "A CSV import needs its header line (kind,identifier,name,legal_representative)");
  const headerCells = header === null ? null : parseCsvHeader(header);
  return withTransaction(pool, async (client) => {
    const inserted = await client.query<JobRow>(
      `INSERT INTO import_jobs (file_hash, file_name, format, header, total_lines, last_line, created_by)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) ON CONFLICT (file_hash) DO NOTHING RETURNING ${JOB_COLUMNS}`,
      [hash, input.fileName, input.format, headerCells ? JSON.stringify(headerCells) : null, input.totalLines ?? null, input.format === "csv" ? 1 : 0, input.actor],
    );
    if (inserted.rows[0]) return { job: toJob(inserted.rows[0]), created: true };
    const existing = (await client.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_jobs WHERE file_hash = $1 FOR UPDATE`, [hash])).rows[0]!;
    // Jobs from before the import route (the CLI's own) have no format yet: adopt the caller's.
    if (existing.format === null) {
      const adopted = await client.query<JobRow>(
        `UPDATE import_jobs SET format = $2, header = $3::jsonb, total_lines = COALESCE(total_lines, $4), last_line = GREATEST(last_line, $5)
          WHERE file_hash = $1 RETURNING ${JOB_COLUMNS}`,
        [hash, input.format, headerCells ? JSON.stringify(headerCells) : null, input.totalLines ?? null, input.format === "csv" ? 1 : 0],
      );
      return { job: toJob(adopted.rows[0]!), created: false };
    }
    if (existing.format !== input.format || JSON.stringify(existing.header) !== JSON.stringify(headerCells)) {
      throw conflict("import_format_mismatch", "This file's import job was started with another format or CSV header");
    }
    return { job: toJob(existing), created: false };
  });
}

export async function getJob(client: Queryable, id: string): Promise<ImportJob | null> {
  if (!isJobId(id)) return null;
  const row = (await client.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_jobs WHERE file_hash = $1`, [Buffer.from(id, "hex")])).rows[0];
  return row ? toJob(row) : null;
}

/** Stored outcomes of lines from..to (inclusive), in line order. */
async function storedResults(client: Queryable, hash: Buffer, from: number, to: number): Promise<StoredResult[]> {
  const chunks = await client.query<{ results: StoredResult[] }>(
    "SELECT results FROM import_chunks WHERE file_hash = $1 AND last_line >= $2 AND first_line <= $3 ORDER BY first_line",
    [hash, from, to],
  );
  return chunks.rows.flatMap((c) => c.results.filter((r) => r.line >= from && r.line <= to));
}

function publicResult(stored: StoredResult): LineResult {
  const { digest: _digest, ...result } = stored;
  return result as unknown as LineResult;
}

export interface ChunkInput {
  jobId: string;
  /** Line number (in the file) of lines[0]. */
  from: number;
  lines: readonly string[];
  subjectKey: Uint8Array;
  actor: string;
  at: Date;
}

export interface ChunkOutcome {
  job: ImportJob;
  /** One per line sent (blank lines included), in line order. */
  results: LineResult[];
  /** Lines of this chunk committed now (not answered from an earlier commit). */
  committed: number;
}

/** Commits one chunk of a job's lines (see the head of this file). */
export async function commitChunk(pool: pg.Pool, input: ChunkInput): Promise<ChunkOutcome> {
  if (!isJobId(input.jobId)) throw jobNotFound();
  const hash = Buffer.from(input.jobId, "hex");
  const to = input.from + input.lines.length - 1;
  return withTransaction(pool, async (client) => {
    const row = (await client.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_jobs WHERE file_hash = $1 FOR UPDATE`, [hash])).rows[0];
    if (!row) throw jobNotFound();
    const format = row.format ?? "ndjson";
    const first = format === "csv" ? 2 : 1;
    if (input.from < first) throw unprocessable("import_line_out_of_range", `The first data line of this ${format} file is line ${first}`, { expectedLine: first });
    if (input.from > row.last_line + 1) {
      throw conflict("import_out_of_order", `Lines up to ${row.last_line} are committed: send line ${row.last_line + 1} next`, { expectedLine: row.last_line + 1 });
    }
    if (row.total_lines !== null && to > row.total_lines) {
      throw unprocessable("import_line_out_of_range", `The file has ${row.total_lines} lines`, { expectedLine: row.last_line + 1 });
    }
    // 1. Lines already committed: the same text must come back; their stored outcome is the answer.
    const results: LineResult[] = [];
    const committedTo = Math.min(to, row.last_line);
    if (committedTo >= input.from) {
      const stored = new Map((await storedResults(client, hash, input.from, committedTo)).map((r) => [r.line, r]));
      for (let n = input.from; n <= committedTo; n++) {
        const line = input.lines[n - input.from]!;
        const before = stored.get(n);
        // Lines committed by the CLI before the import route kept no per-line record.
        if (!before) {
          results.push(line.trim() === "" ? { line: n, status: "blank" } : { line: n, status: "refused", code: "import_result_unknown", reason: "Committed before per-line reports were kept" });
          continue;
        }
        if (before.digest !== lineDigest(line)) {
          throw conflict("import_line_mismatch", `Line ${n} differs from the line committed under this file and number`, { line: n });
        }
        results.push(publicResult(before));
      }
    }
    const start = committedTo + 1;
    if (start > to) return { job: toJob(row), results, committed: 0 };

    // 2. The new lines: parsed, enrolled together, each with its outcome.
    const fresh: StoredResult[] = [];
    const parsed: { at: number; row: BatchRow }[] = [];
    for (let n = start; n <= to; n++) {
      const line = input.lines[n - input.from]!;
      const digest = lineDigest(line);
      if (line.trim() === "") {
        fresh.push({ line: n, digest, status: "blank" });
        continue;
      }
      const rowOrError = line.length > MAX_LINE_LENGTH ? { error: `longer than ${MAX_LINE_LENGTH} characters` } : parseLine(line, format, row.header);
      if ("error" in rowOrError) fresh.push({ line: n, digest, status: "refused", code: "unparseable", reason: rowOrError.error });
      else {
        parsed.push({ at: fresh.length, row: rowOrError });
        fresh.push({ line: n, digest, status: "refused", code: "pending", reason: "" });
      }
    }
    const outcomes = await enrolBatch(client, input.subjectKey, parsed.map((p) => p.row), input.actor, input.at);
    let accepted = 0;
    let rejected = 0;
    outcomes.forEach((outcome, i) => {
      const slot = parsed[i]!;
      const base = fresh[slot.at]!;
      // The subject id comes from the row enrolled for this very line: its kind is the line's kind.
      fresh[slot.at] = outcome.ok
        ? { line: base.line, digest: base.digest, status: "enrolled", kind: slot.row.kind, subjectId: outcome.id, codeId: outcome.codeId }
        : { line: base.line, digest: base.digest, status: "refused", code: outcome.code, reason: outcome.reason };
    });
    for (const r of fresh) {
      if (r.status === "enrolled") accepted++;
      else if (r.status === "refused") rejected++;
    }
    await client.query("INSERT INTO import_chunks (file_hash, first_line, last_line, results) VALUES ($1, $2, $3, $4::jsonb)", [hash, start, to, JSON.stringify(fresh)]);
    const updated = await client.query<JobRow>(
      `UPDATE import_jobs SET last_line = $2, accepted = accepted + $3, rejected = rejected + $4, updated_at = now()
        WHERE file_hash = $1 RETURNING ${JOB_COLUMNS}`,
      [hash, to, accepted, rejected],
    );
    results.push(...fresh.map(publicResult));
    return { job: toJob(updated.rows[0]!), results, committed: fresh.length };
  });
}

/** The per-line report of a job: outcomes from line `from` on, at most `limit` lines. */
export async function jobReport(client: Queryable, id: string, from: number, limit: number): Promise<{ results: LineResult[]; next: number | null } | null> {
  const job = await getJob(client, id);
  if (!job) return null;
  const to = Math.min(job.lastLine, from + limit - 1);
  if (to < from) return { results: [], next: null };
  const results = (await storedResults(client, Buffer.from(id, "hex"), from, to)).map(publicResult);
  return { results, next: to < job.lastLine ? to + 1 : null };
}

/** Marks a job finished once every line of the file is committed (idempotent). */
export async function finishJob(pool: pg.Pool, id: string): Promise<ImportJob> {
  if (!isJobId(id)) throw jobNotFound();
  return withTransaction(pool, async (client) => {
    const row = (await client.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_jobs WHERE file_hash = $1 FOR UPDATE`, [Buffer.from(id, "hex")])).rows[0];
    if (!row) throw jobNotFound();
    if (row.total_lines !== null && row.last_line < row.total_lines) {
      throw conflict("import_incomplete", `Lines up to ${row.last_line} of ${row.total_lines} are committed`, { expectedLine: row.last_line + 1 });
    }
    if (row.finished_at) return toJob(row);
    const done = await client.query<JobRow>(`UPDATE import_jobs SET finished_at = now(), updated_at = now() WHERE file_hash = $1 RETURNING ${JOB_COLUMNS}`, [row.file_hash]);
    return toJob(done.rows[0]!);
  });
}
