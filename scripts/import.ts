// `npm run import -- FILE [--batch N] [--actor registrar:NAME]`: bulk enrolment from CSV or NDJSON.
//   CSV header: kind,identifier,name,legal_representative   (legal_representative: the person's ID number)
//   NDJSON:     {"kind":"person","idNumber":"…","name":"…"}
//               {"kind":"enterprise","uscc":"…","name":"…","legalRepresentativeIdNumber":"…"}  (or legalRepresentativeId)
// Each batch of lines is one transaction, enrolled with a few set-based statements
// (api/src/subjects/enrol-batch.ts); a bad line is rejected alone; the last committed line is kept in import_jobs under the file's SHA-256, so a
// re-run resumes. Rejected lines go to FILE.rejects.ndjson with their reasons.
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../api/src/config.ts";
import { openDatabase } from "../api/src/db/database.ts";
import { FolderLockedError } from "../api/src/db/lock.ts";
import { migrate } from "../api/src/db/migrate.ts";
import { enrolBatch, type BatchRow } from "../api/src/subjects/enrol-batch.ts";
import { commandEnvironment, SetupError } from "./lib/data-dir.ts";
import type pg from "pg";

type Row = BatchRow;

export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** One line to a row, or a reason. */
export function parseLine(line: string, format: "csv" | "ndjson", header: string[] | null): Row | { error: string } {
  let rec: Record<string, unknown>;
  if (format === "ndjson") {
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { error: "not valid JSON" };
    }
  } else {
    const cells = parseCsvLine(line);
    rec = Object.fromEntries((header ?? []).map((h, i) => [h, cells[i] ?? ""]));
    if (rec.kind === "person") rec.idNumber = rec.identifier;
    if (rec.kind === "enterprise") {
      rec.uscc = rec.identifier;
      rec.legalRepresentativeIdNumber = rec.legal_representative;
    }
  }
  if (rec.kind === "person") return { kind: "person", idNumber: String(rec.idNumber ?? ""), name: String(rec.name ?? "") };
  if (rec.kind === "enterprise") {
    return {
      kind: "enterprise",
      uscc: String(rec.uscc ?? ""),
      name: String(rec.name ?? ""),
      legalRepresentativeId: rec.legalRepresentativeId ? String(rec.legalRepresentativeId) : undefined,
      legalRepresentativeIdNumber: rec.legalRepresentativeIdNumber ? String(rec.legalRepresentativeIdNumber) : undefined,
    };
  }
  return { error: `kind must be person or enterprise, got ${JSON.stringify(rec.kind ?? null)}` };
}

export interface ImportResult {
  lines: number;
  accepted: number;
  rejected: number;
  resumedFrom: number;
  rejectsFile: string;
}

export async function importFile(
  pool: pg.Pool,
  file: string,
  options: { subjectKey: Uint8Array; batch?: number; actor?: string; progress?: (done: number, total: number, ok: number, bad: number) => void },
): Promise<ImportResult> {
  const text = readFileSync(file);
  const hash = createHash("sha256").update(text).digest();
  const format = /\.csv$/i.test(file) ? "csv" : "ndjson";
  const lines = text.toString("utf8").split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  const header = format === "csv" ? parseCsvLine(lines[0] ?? "").map((h) => h.toLowerCase()) : null;
  const first = format === "csv" ? 2 : 1; // 1-based line numbers
  const batch = options.batch ?? 500;
  const actor = options.actor ?? "registrar:bulk-import";
  const rejectsFile = `${file}.rejects.ndjson`;

  await pool.query("INSERT INTO import_jobs (file_hash, file_name) VALUES ($1, $2) ON CONFLICT (file_hash) DO NOTHING", [hash, file]);
  const job = (await pool.query<{ last_line: number; accepted: number; rejected: number }>("SELECT last_line, accepted, rejected FROM import_jobs WHERE file_hash = $1", [hash])).rows[0]!;
  const resumedFrom = job.last_line;
  let accepted = job.accepted;
  let rejected = job.rejected;
  let lineNo = Math.max(job.last_line + 1, first);

  while (lineNo <= lines.length) {
    const end = Math.min(lineNo + batch - 1, lines.length);
    const rejects: { line: number; code: string; reason: string; text?: string }[] = [];
    const client = await pool.connect();
    let ok = 0;
    try {
      await client.query("BEGIN");
      const at = new Date();
      const parsed: { line: number; row: BatchRow }[] = [];
      for (let n = lineNo; n <= end; n++) {
        const line = lines[n - 1]!;
        if (line.trim() === "") continue;
        const row = parseLine(line, format, header);
        if ("error" in row) rejects.push({ line: n, code: "unparseable", reason: row.error, text: line });
        else parsed.push({ line: n, row });
      }
      const results = await enrolBatch(client, options.subjectKey, parsed.map((p) => p.row), actor, at);
      results.forEach((result, i) => {
        if (result.ok) ok++;
        else rejects.push({ line: parsed[i]!.line, code: result.code, reason: result.reason });
      });
      rejects.sort((a, b) => a.line - b.line);
      await client.query("UPDATE import_jobs SET last_line = $2, accepted = accepted + $3, rejected = rejected + $4, updated_at = now() WHERE file_hash = $1", [
        hash,
        end,
        ok,
        rejects.length,
      ]);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    if (rejects.length > 0) appendFileSync(rejectsFile, rejects.map((r) => JSON.stringify(r)).join("\n") + "\n");
    accepted += ok;
    rejected += rejects.length;
    lineNo = end + 1;
    options.progress?.(end, lines.length, accepted, rejected);
  }
  await pool.query("UPDATE import_jobs SET finished_at = now() WHERE file_hash = $1", [hash]);
  return { lines: lines.length - (first - 1), accepted, rejected, resumedFrom, rejectsFile };
}

function progressBar(start: number) {
  return (done: number, total: number, ok: number, bad: number) => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const rate = Math.round(ok / Math.max((Date.now() - start) / 1000, 0.001));
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} lines  ${ok} enrolled  ${bad} rejected  ${rate}/s   `);
  };
}

export async function main(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (!file) {
    console.error("usage: npm run import -- FILE.csv|FILE.ndjson [--batch 500] [--actor registrar:NAME]");
    return 2;
  }
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let config: ReturnType<typeof loadConfig>;
  try {
    const { env } = commandEnvironment("npm run import", ["SUBJECT_COMMITMENT_KEY", "OPERATOR_TOKEN_SECRET", "FACE_REFERENCE_KEY", "LEDGER_SIGNING_KEY"]);
    config = loadConfig(env);
    // The embedded database admits one process: while `npm start` runs on the same folder this
    // refuses, naming the running instance (api/src/db/lock.ts), and nothing is written.
    db = await openDatabase(config, 2);
  } catch (error) {
    if (error instanceof SetupError || error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof FolderLockedError) {
      console.error(`npm run import: nothing imported. ${error.message}`);
      return 1;
    }
    throw error;
  }
  try {
    await migrate(db.pool);
    const result = await importFile(db.pool, resolve(file), {
      subjectKey: config.subjectKey,
      batch: Number(flag("batch") ?? 500),
      actor: flag("actor"),
      progress: progressBar(Date.now()),
    });
    process.stderr.write("\n");
    console.log(
      `${result.accepted} enrolled, ${result.rejected} rejected` +
        (result.resumedFrom > 0 ? ` (resumed after line ${result.resumedFrom})` : "") +
        (result.rejected > 0 ? `; reasons in ${result.rejectsFile}` : ""),
    );
    return 0;
  } finally {
    await db.close();
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
