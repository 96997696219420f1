// `npm run backup -- [--out FOLDER]`: a backup of the embedded system in DATA_DIR (default .data):
// its database, chain state, deployment, code keys and secrets, into a new folder
// FOLDER/onecode-backup-<time>/ (default BACKUP_DIR, else ~/onecode-backups, outside the
// repository: it holds the secrets). A stopped system is copied here (scripts/lib/backup.ts).
// While the system runs, its folder's lock names its API, and the backup is taken by the API
// itself with its writers paused (POST /v1/admin/backups, api/src/backup/), into a folder on
// this machine: the CLI sends an admin token minted with the data folder's
// OPERATOR_TOKEN_SECRET, and no secret travels over HTTP. With a PostgreSQL server (DATABASE_URL) the database is the
// server's to back up: README "Backup and restore".
// Exit 0 done, 1 refused (nothing written), 2 usage.
import { homedir, hostname } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { mintOperatorToken } from "../api/src/auth/operators.ts";
import type { LockInfo } from "../api/src/db/lock.ts";
import { backup, BackupRefused, describeState, SystemRunning, verifyBackup, type BackupState } from "./lib/backup.ts";
import { REPO_ROOT } from "./lib/deployment.ts";
import { readSecrets } from "./lib/secrets.ts";

const USAGE = "usage: npm run backup -- [--out FOLDER]   (the data folder: DATA_DIR, default .data; FOLDER: default BACKUP_DIR, else ~/onecode-backups; while the system runs, its API takes the backup, under its BACKUP_DIR)";

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { out: { type: "string" }, help: { type: "boolean" } }, strict: true }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = resolve(env.DATA_DIR ?? join(REPO_ROOT, ".data"));
  const settings = { ...(readSecrets(join(dataDir, "secrets.env")) ?? {}), ...env };
  if (settings.DATABASE_URL) {
    console.error(
      "npm run backup: DATABASE_URL is set: the database is a PostgreSQL server's, backed up with its own tools " +
        '(pg_dump --format=custom, or a base backup), together with the secrets and keys: README "Backup and restore".',
    );
    return 2;
  }
  const chosen = values.out ?? settings.BACKUP_DIR;
  const outDir = resolve(chosen ?? join(homedir(), "onecode-backups"));
  try {
    const { folder, manifest, pausedMs } = await backup(dataDir, outDir, settings).then((made) => ({ ...made, pausedMs: null as number | null }), (error: unknown) => {
      if (error instanceof SystemRunning) return online(error, chosen ? outDir : undefined, settings);
      throw error;
    });
    console.log(`backed up ${dataDir} into ${folder}`);
    console.log(`  ${describeState(manifest.state)}`);
    console.log(`  ${manifest.files.length} files, ${(manifest.files.reduce((n, f) => n + f.size, 0) / 1e6).toFixed(1)} MB (SHA-256 of each in manifest.json)`);
    if (manifest.taken === "online") console.log(`  taken online by the running system, its writers paused for the copy (${pausedMs} ms)`);
    if (manifest.chainBehindDatabase) {
      console.log(
        `  WARNING: the chain state (block ${manifest.state.chainBlock}) is older than the database's chain writes (block ${manifest.state.databaseBlock}): ` +
          "the chain node was killed rather than stopped, so its last blocks were never written. The backup holds what the folder holds; the audit will name what is missing.",
      );
    }
    for (const item of manifest.notIncluded) console.log(`  not included (outside DATA_DIR): ${item}`);
    console.log("  It holds the secrets and keys: keep it as safe as they are. Restore with: npm run restore -- " + folder);
    return 0;
  } catch (error) {
    if (error instanceof BackupRefused) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

interface OnlineAnswer {
  folder: string;
  createdAt: string;
  state: BackupState;
  files: number;
  bytes: number;
  chainBehindDatabase: boolean;
  notIncluded: string[];
  pausedMs: number;
}

/** The running system's API takes the backup; refused (BackupRefused) with what to do when it cannot be asked. */
async function online(running: SystemRunning, folder: string | undefined, settings: Record<string, string | undefined>) {
  const holder: LockInfo = running.holder;
  if (holder.host !== hostname()) throw running; // another machine's system: its own operator backs it up
  if (!holder.url) throw new BackupRefused(`nothing backed up: the system on ${holder.dataDir} is starting (pid ${holder.pid}) and does not listen yet; run the command again in a moment.`);
  const secret = settings.OPERATOR_TOKEN_SECRET;
  if (!secret || !/^[0-9a-fA-F]{64}$/.test(secret)) throw new BackupRefused(`nothing backed up: no OPERATOR_TOKEN_SECRET in ${holder.dataDir}/secrets.env or the environment, so the running system cannot be asked`);
  const token = await mintOperatorToken(Buffer.from(secret, "hex"), { role: "admin", sub: "npm-run-backup" }, 600);
  let res: Response;
  try {
    res = await fetch(`${holder.url}/v1/admin/backups`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(folder ? { folder } : {}),
    });
  } catch (error) {
    throw new BackupRefused(`nothing backed up: the running system (pid ${holder.pid}) does not answer at ${holder.url}: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Partial<OnlineAnswer> & { detail?: string; code?: string };
  if (res.status !== 201) throw new BackupRefused(`nothing backed up: the running system answered ${res.status} ${body.code ?? ""}: ${body.detail ?? "(no detail)"}`);
  const answer = body as OnlineAnswer;
  // The files stayed on this machine: check every one against the manifest the server wrote.
  try {
    return { folder: answer.folder, manifest: verifyBackup(answer.folder), pausedMs: answer.pausedMs };
  } catch (error) {
    throw new BackupRefused(`the running system wrote ${answer.folder}, but it does not check out: ${(error as Error).message}`);
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
