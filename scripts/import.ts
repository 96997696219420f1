// `npm run import -- FILE [--batch N] [--actor registrar:NAME] [--api URL]`: bulk enrolment from CSV or NDJSON
// (formats in api/src/imports/parse.ts). Each chunk of lines is one transaction, enrolled with a
// few set-based statements (api/src/subjects/enrol-batch.ts); a bad line is refused alone, with
// its reason in FILE.rejects.ndjson. The job is named by the file's SHA-256: a re-run resumes after
// the last committed line, and a line is never enrolled twice.
//
// While the system runs on its embedded database (one process per folder, api/src/db/lock.ts),
// the lines go through its API (POST /v1/imports, api/src/imports/plugin.ts), found from the lock
// file, with a registrar token signed by the system's own secret. Otherwise (nothing running, or
// a PostgreSQL server) this process commits the chunks itself; `--api URL` forces the API.
import { resolve } from "node:path";
import type pg from "pg";
import { mintOperatorToken } from "../api/src/auth/operators.ts";
import { ConfigError, loadConfig } from "../api/src/config.ts";
import { openDatabase } from "../api/src/db/database.ts";
import { describeHolder, FolderLockedError } from "../api/src/db/lock.ts";
import { migrate } from "../api/src/db/migrate.ts";
import { commandEnvironment, SetupError } from "./lib/data-dir.ts";
import { apiTarget, directTarget, ImportApiError, runImport, type ImportResult, type ImportTarget } from "./lib/import-run.ts";

export { parseCsvLine, parseLine } from "../api/src/imports/parse.ts";
export type { ImportResult } from "./lib/import-run.ts";

/** Direct mode on an open pool (tests, the enrol bench): the same chunks the API commits. */
export async function importFile(
  pool: pg.Pool,
  file: string,
  options: { subjectKey: Uint8Array; batch?: number; actor?: string; progress?: (done: number, total: number, ok: number, bad: number) => void },
): Promise<ImportResult> {
  return runImport(directTarget(pool, options.subjectKey, options.actor ?? "registrar:bulk-import"), file, { batch: options.batch, progress: options.progress });
}

function progressBar(start: number) {
  return (done: number, total: number, ok: number, bad: number) => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const rate = Math.round(ok / Math.max((Date.now() - start) / 1000, 0.001));
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} lines  ${ok} enrolled  ${bad} rejected  ${rate}/s   `);
  };
}

function summary(result: ImportResult, target: ImportTarget): string {
  return (
    `${result.accepted} enrolled, ${result.rejected} rejected` +
    (result.resumedFrom > 0 ? ` (resumed after line ${result.resumedFrom})` : "") +
    (result.rejected > 0 ? `; reasons in ${result.rejectsFile}` : "") +
    ` (through ${target.describe})`
  );
}

export async function main(args: string[]): Promise<number> {
  const file = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (!file) {
    console.error("usage: npm run import -- FILE.csv|FILE.ndjson [--batch 500] [--actor registrar:NAME] [--api URL]");
    return 2;
  }
  const actor = flag("actor") ?? "registrar:bulk-import";
  if (!/^registrar:[A-Za-z0-9._-]{1,64}$/.test(actor)) {
    console.error("npm run import: --actor must be registrar:NAME (letters, digits, . _ -)");
    return 2;
  }
  const batch = Number(flag("batch") ?? 500);
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000) {
    console.error("npm run import: --batch must be 1 to 1000 lines");
    return 2;
  }
  let config: ReturnType<typeof loadConfig> | null = null;
  let db: Awaited<ReturnType<typeof openDatabase>> | null = null;
  let apiUrl = flag("api") ?? null;
  try {
    const { env } = commandEnvironment("npm run import", ["SUBJECT_COMMITMENT_KEY", "OPERATOR_TOKEN_SECRET", "FACE_REFERENCE_KEY", "LEDGER_SIGNING_KEY"]);
    config = loadConfig(env);
    if (!apiUrl) db = await openDatabase(config, 2);
  } catch (error) {
    if (error instanceof SetupError || error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    if (!(error instanceof FolderLockedError)) throw error;
    // The embedded database is the running system's: its API is the way in.
    if (!error.holder.url) {
      console.error(`npm run import: nothing imported. The system is starting (${describeHolder(error.holder)}) and does not listen yet; run the command again in a moment.`);
      return 1;
    }
    apiUrl = error.holder.url;
  }
  if (!config) return 2; // unreachable: loadConfig threw and was answered above
  const progress = progressBar(Date.now());
  try {
    let target: ImportTarget;
    if (apiUrl) {
      const sub = actor.slice("registrar:".length);
      target = apiTarget(apiUrl, await mintOperatorToken(config.operatorTokenSecret, { role: "registrar", sub }, 24 * 3600));
      console.error(`npm run import: the system is running; importing through its API at ${apiUrl}`);
    } else {
      await migrate(db!.pool);
      target = directTarget(db!.pool, config.subjectKey, actor);
    }
    const result = await runImport(target, resolve(file), { batch, progress });
    process.stderr.write("\n");
    console.log(summary(result, target));
    return 0;
  } catch (error) {
    if (error instanceof ImportApiError) {
      process.stderr.write("\n");
      console.error(`npm run import: stopped (${error.message}). Lines committed so far stay; run the same command again to resume.`);
      return 1;
    }
    throw error;
  } finally {
    await db?.close();
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
