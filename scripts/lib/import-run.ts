// The import loop of `npm run import`, over either target:
//   direct  this process opens the database (nothing else runs on an embedded folder, or a
//           PostgreSQL server) and commits chunks itself (api/src/imports/jobs.ts);
//   api     the running system's import routes (api/src/imports/plugin.ts), found from its
//           lock file; the embedded database admits one process, so this is the only way in
//           while it runs.
// Both commit the same chunks in the same way: the file's SHA-256 names the job, a re-run
// resumes after the last committed line, a chunk sent twice is answered from the report.
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type pg from "pg";
import { commitChunk, finishJob, openJob, type ImportJob, type LineResult } from "../../api/src/imports/jobs.ts";
import { formatOf, splitLines } from "../../api/src/imports/parse.ts";

export interface ImportTarget {
  /** Where the lines go, for the user. */
  readonly describe: string;
  open(input: { fileHash: string; fileName: string; format: "csv" | "ndjson"; header?: string; totalLines: number }): Promise<ImportJob>;
  commit(jobId: string, from: number, lines: string[]): Promise<{ job: ImportJob; results: LineResult[] }>;
  finish(jobId: string): Promise<ImportJob>;
}

export interface ImportResult {
  lines: number;
  accepted: number;
  rejected: number;
  /** Last line committed before this run (0: a new job). */
  resumedFrom: number;
  rejectsFile: string;
  job: ImportJob;
}

export interface RunOptions {
  batch?: number;
  progress?: (done: number, total: number, ok: number, bad: number) => void;
}

export async function runImport(target: ImportTarget, file: string, options: RunOptions = {}): Promise<ImportResult> {
  const bytes = readFileSync(file);
  const fileHash = createHash("sha256").update(bytes).digest("hex");
  const format = formatOf(file);
  const lines = splitLines(bytes.toString("utf8"));
  const first = format === "csv" ? 2 : 1;
  const batch = Math.max(1, Math.min(options.batch ?? 500, 1000));
  const rejectsFile = `${file}.rejects.ndjson`;
  let job = await target.open({ fileHash, fileName: basename(file), format, ...(format === "csv" ? { header: lines[0] ?? "" } : {}), totalLines: lines.length });
  const resumedFrom = job.lastLine >= first ? job.lastLine : 0;
  let next = Math.max(job.nextLine, first);
  while (next <= lines.length) {
    const end = Math.min(next + batch - 1, lines.length);
    const before = job.lastLine;
    const answer = await target.commit(job.id, next, lines.slice(next - 1, end));
    job = answer.job;
    // Only lines committed now go to the rejects file (a chunk answered again is already there).
    const rejects = answer.results
      .filter((r): r is Extract<LineResult, { status: "refused" }> => r.status === "refused" && r.line > before)
      .map((r) => ({ line: r.line, code: r.code, reason: r.reason, ...(r.code === "unparseable" ? { text: lines[r.line - 1] } : {}) }));
    if (rejects.length > 0) appendFileSync(rejectsFile, rejects.map((r) => JSON.stringify(r)).join("\n") + "\n");
    next = Math.max(end, job.lastLine) + 1;
    options.progress?.(end, lines.length, job.accepted, job.rejected);
  }
  job = await target.finish(job.id);
  return { lines: lines.length - (first - 1), accepted: job.accepted, rejected: job.rejected, resumedFrom, rejectsFile, job };
}

/** This process writes the database itself. */
export function directTarget(pool: pg.Pool, subjectKey: Uint8Array, actor: string): ImportTarget {
  return {
    describe: "the database directly",
    open: async (input) => (await openJob(pool, { ...input, actor })).job,
    commit: (jobId, from, lines) => commitChunk(pool, { jobId, from, lines, subjectKey, actor, at: new Date() }),
    finish: (jobId) => finishJob(pool, jobId),
  };
}

/** A refusal from the API, with its problem+json code. */
export class ImportApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ImportApiError";
    this.status = status;
    this.code = code;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The running API's import routes. Outages, 503s and 429s are retried (a chunk is idempotent,
 * so re-sending one whose answer was lost commits nothing twice); other refusals stop the run.
 */
export function apiTarget(baseUrl: string, token: string, options: { retries?: number; retryMs?: number } = {}): ImportTarget {
  const retries = options.retries ?? 8;
  const retryMs = options.retryMs ?? 500;
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(new URL(path, baseUrl), {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(120_000),
        });
      } catch (error) {
        if (attempt >= retries) throw new ImportApiError(0, "unreachable", `the API at ${baseUrl} does not answer (${(error as Error).message})`);
        await sleep(retryMs * 2 ** Math.min(attempt, 4));
        continue;
      }
      if (response.ok) return (await response.json()) as T;
      const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string; title?: string };
      if ((response.status === 429 || response.status === 503) && attempt < retries) {
        const after = Number(response.headers.get("retry-after"));
        await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : retryMs * 2 ** Math.min(attempt, 4));
        continue;
      }
      throw new ImportApiError(response.status, problem.code ?? "http_error", `${response.status} ${problem.code ?? ""}: ${problem.detail ?? problem.title ?? response.statusText}`);
    }
  }
  return {
    describe: `the API at ${baseUrl}`,
    open: (input) => call<ImportJob>("POST", "/v1/imports", input),
    // A chunk that starts after the server's next line (import_out_of_order) stops the run: the
    // server has lost lines this client saw committed (a restore), and the user must look.
    commit: (jobId, from, lines) => call<{ job: ImportJob; results: LineResult[] }>("POST", `/v1/imports/${jobId}/lines`, { from, lines }),
    finish: (jobId) => call<ImportJob>("POST", `/v1/imports/${jobId}/finish`),
  };
}
