// The credit agency's bulk feed (POST /v1/records:batch): many records, one result per line.
// Publishing one record per transaction paid a commit and a ledger append (head lock, head
// check, signature) per line: 80 lines/s without the browser. Here the lines go in chunks, one
// transaction per chunk: each line's checks and row as for a single record (./records.ts
// writeRecord), then the chunk's ledger entries in one append (one INSERT, one signature) and its
// chain writes in one statement. A refused line writes nothing (writeRecord throws before its
// first write) and the others go on; anything else rolls the whole chunk back (no half-written
// chunk) and the chunk is published again one line per transaction, so one bad line cannot cost
// the others their exact result. The subjects of a chunk are locked in id order first, so two
// batches never wait for each other in a cycle.
// Re-uploading a line already published names the existing record (200 already_published): no
// duplicate, and the same report; the same decision number with other content is a conflict.
import type pg from "pg";
import { withTransaction, type Queryable } from "../db/database.ts";
import { appendEntries, appendEntry, type NewEntry } from "../ledger/append.ts";
import { enqueueChainWrite, enqueueChainWrites, type ChainWrite } from "../chain/outbox.ts";
import { ProblemError } from "../errors.ts";
import type { Policy } from "./policy/types.ts";
import { sameDecision, writeRecord, type NewRecord } from "./records.ts";
import { createCreditRepository } from "./repository.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";

/** Lines per transaction: a few hundred keep a chunk's locks short and its append far below MAX_ROWS_PER_INSERT. */
export const BATCH_CHUNK = 250;

export interface BatchLine {
  line: number;
  value: unknown;
  /** A line that could not be read (malformed JSON). */
  error?: string;
}

export interface BatchResult {
  line: number;
  status: number;
  code?: string;
  detail?: string;
  id?: string;
  chainId?: string;
  recordStatus?: string;
  policyVersion?: string;
  [extra: string]: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** PostgreSQL refuses NUL in text: a line carrying one would abort its chunk's transaction. */
function hasNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === "object") return Object.entries(value).some(([k, v]) => k.includes("\u0000") || hasNul(v));
  return false;
}

type Check = (value: unknown) => string | null;
type Log = (error: unknown, line: number) => void;

/** A line's own refusal before any database work: unreadable, or not a record the schema allows. */
function precheck(l: BatchLine, check: Check): BatchResult | null {
  if (l.error) return { line: l.line, status: 400, code: "malformed_json", detail: l.error };
  const invalid = check(l.value);
  if (invalid) return { line: l.line, status: 400, code: "invalid_request", detail: invalid };
  const v = l.value as NewRecord;
  if (!UUID.test(v.subjectId)) return { line: l.line, status: 400, code: "invalid_request", detail: "subjectId must be a uuid" };
  if (hasNul(v)) return { line: l.line, status: 400, code: "invalid_request", detail: "text must not contain NUL characters" };
  return null;
}

/** A refused line's result; a re-upload of a record already published names it instead. */
async function refusedLine(client: Queryable, line: number, input: NewRecord, error: ProblemError): Promise<BatchResult> {
  const existingId = error.code === "record_exists" ? (error.extra?.recordId as string | undefined) : undefined;
  if (existingId) {
    const row = await createCreditRepository(client).record(existingId);
    if (row && sameDecision(row, input)) {
      return { line, status: 200, code: "already_published", id: row.id, chainId: `0x${row.chain_id.toString("hex")}`, recordStatus: row.status, policyVersion: row.policy_version };
    }
  }
  return { line, status: error.status, code: error.code, detail: error.message, ...error.extra };
}

const published = (line: number, r: { id: string; chainId: string; status: string; policyVersion: string }): BatchResult => ({
  line,
  status: 201,
  id: r.id,
  chainId: r.chainId,
  recordStatus: r.status,
  policyVersion: r.policyVersion,
});

/** One chunk in one transaction: rows line by line, then one ledger append and one outbox insert. */
async function publishChunk(pool: pg.Pool, chunk: Array<{ line: number; input: NewRecord }>, actor: string, now: Date, policies: Policy[]): Promise<BatchResult[]> {
  return withTransaction(pool, async (client) => {
    const ids = [...new Set(chunk.map((l) => l.input.subjectId))].sort();
    // Locked in id order, once each (a line for a subject that does not exist is refused by writeRecord).
    const repository = createSubjectRepository(client);
    const subjects = new Map<string, SubjectRow>();
    for (const id of ids) {
      const row = await repository.find(id, { lock: true });
      if (row) subjects.set(id, row);
    }
    const entries: NewEntry[] = [];
    const writes: ChainWrite[] = [];
    const results: BatchResult[] = [];
    for (const { line, input } of chunk) {
      try {
        const written = await writeRecord(client, input, actor, now, policies, subjects.get(input.subjectId));
        entries.push(written.entry);
        if (written.chainWrite) writes.push(written.chainWrite);
        results.push(published(line, written.record));
      } catch (error) {
        if (!(error instanceof ProblemError)) throw error;
        results.push(await refusedLine(client, line, input, error));
      }
    }
    await appendEntries(client, entries);
    await enqueueChainWrites(client, writes);
    return results;
  });
}

/** The same chunk one line per transaction: after the chunk's transaction failed as a whole. */
async function publishOneByOne(pool: pg.Pool, chunk: Array<{ line: number; input: NewRecord }>, actor: string, now: Date, policies: Policy[], log: Log): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const { line, input } of chunk) {
    try {
      results.push(
        await withTransaction(pool, async (client) => {
          try {
            const written = await writeRecord(client, input, actor, now, policies);
            await appendEntry(client, written.entry);
            if (written.chainWrite) await enqueueChainWrite(client, written.chainWrite);
            return published(line, written.record);
          } catch (error) {
            if (!(error instanceof ProblemError)) throw error;
            return refusedLine(client, line, input, error);
          }
        }),
      );
    } catch (error) {
      // The line's transaction rolled back: nothing of it is kept, and the report says so
      // (the cause goes to the log, not to the caller).
      if (error instanceof ProblemError && error.status >= 500) throw error;
      log(error, line);
      results.push({ line, status: 500, code: "internal_error", detail: "This line could not be published (nothing of it was kept); send it again later" });
    }
  }
  return results;
}

/**
 * Publishes the lines, `chunk` per transaction (1: one transaction per line, as before chunking;
 * the benchmark's baseline). Results in line order, one per line.
 */
export async function publishBatch(
  pool: pg.Pool,
  lines: readonly BatchLine[],
  options: { actor: string; now: Date; policies: Policy[]; check: Check; chunk?: number; log?: Log },
): Promise<BatchResult[]> {
  const size = Math.max(1, options.chunk ?? BATCH_CHUNK);
  const log = options.log ?? (() => {});
  const results: BatchResult[] = [];
  const sendable: Array<{ line: number; input: NewRecord }> = [];
  for (const l of lines) {
    const refused = precheck(l, options.check);
    if (refused) results.push(refused);
    else sendable.push({ line: l.line, input: l.value as NewRecord });
  }
  for (let i = 0; i < sendable.length; i += size) {
    const chunk = sendable.slice(i, i + size);
    if (size === 1) {
      results.push(...(await publishOneByOne(pool, chunk, options.actor, options.now, options.policies, log)));
      continue;
    }
    try {
      results.push(...(await publishChunk(pool, chunk, options.actor, options.now, options.policies)));
    } catch (error) {
      // A failure of the service itself fails the request (earlier chunks stand; a re-upload finds them).
      if (error instanceof ProblemError && error.status >= 500) throw error;
      log(error, chunk[0]!.line);
      results.push(...(await publishOneByOne(pool, chunk, options.actor, options.now, options.policies, log)));
    }
  }
  return results.sort((a, b) => a.line - b.line);
}
