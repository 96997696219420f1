// Backup and restore of an embedded system's data folder (DATA_DIR): the PGlite database
// (pg/), the embedded chain's state (chain/state.json, anvil's dump), the deployment, the code
// signing keys (code-keys/) and the secrets (secrets.env). One folder per backup, in the format
// of api/src/backup/format.ts (manifest.json + data/).
// Consistency: PGlite is one process per folder (api/src/db/lock.ts) and anvil writes its state
// on a clean stop. A stopped system is copied here, holding the folder's lock for the whole copy
// (a start in the meantime is refused). A running one is not opened here: the lock names it
// (SystemRunning) and `npm run backup` asks its API for an online backup (api/src/backup/). The database is opened once before the copy (which replays its log after a crash)
// and its state is read into the manifest; a restore reads the copy back and compares.
// A restore never writes over a running system, never half-writes (it copies into a staging
// folder and renames), and never deletes: a folder in the way is moved aside.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { describeHolder, FolderLockedError, lockFolder, type FolderLock, type LockInfo } from "../../api/src/db/lock.ts";
import {
  BACKUP_FORMAT,
  BackupRefused,
  backupFolder,
  chainBlock,
  copyFiles,
  HAS_LEDGER_SQL,
  listTree,
  outsideDataDir,
  pgliteVersion,
  sealBackup,
  sha256File,
  SKIP,
  STATE_SQL,
  stateOf,
  toPosix,
  type BackupManifest,
  type BackupState,
  type StateRow,
} from "../../api/src/backup/format.ts";

// One definition of the format for this and the API's online backup.
export { BACKUP_FORMAT, BackupRefused, chainBlock, copyFiles, describeState, outsideDataDir, pgliteVersion, sha256File } from "../../api/src/backup/format.ts";
export type { BackupFile, BackupManifest, BackupState } from "../../api/src/backup/format.ts";

/** The folder is locked by a running system: `holder` names it (its API URL once it listens). */
export class SystemRunning extends BackupRefused {
  readonly holder: LockInfo;
  constructor(message: string, holder: LockInfo) {
    super(message);
    this.name = "SystemRunning";
    this.holder = holder;
  }
}

/** anvil's processes that load or dump a state file under `folder` (Linux /proc; elsewhere none are found). */
export function anvilsOn(folder: string): number[] {
  const found: number[] = [];
  if (!existsSync("/proc")) return found;
  const prefix = resolve(folder) + sep;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const i = args.indexOf("--state");
    if (i >= 0 && /anvil$/.test(args[0] ?? "") && resolve(args[i + 1] ?? "").startsWith(prefix)) found.push(Number(pid));
  }
  return found;
}

/** The lock of `dataDir`'s database for this process, or a refusal naming who has it. */
export function lockForBackup(dataDir: string, what: string): FolderLock {
  try {
    return lockFolder(join(dataDir, "pg"), dataDir);
  } catch (error) {
    if (!(error instanceof FolderLockedError)) throw error;
    throw new SystemRunning(
      `${what}: the system is running on ${dataDir} (${describeHolder(error.holder)}).\n` +
        "An embedded system is backed up and restored while it is stopped: stop it (Ctrl-C in its terminal, so that the chain node " +
        `writes its state too), run the command again, then start it again. With a PostgreSQL server (DATABASE_URL), see README "Backup and restore".`,
      error.holder,
    );
  }
}

export function refuseRunningChain(dataDir: string, what: string): void {
  const pids = anvilsOn(dataDir);
  if (pids.length > 0) {
    throw new BackupRefused(
      `${what}: a chain node (anvil, pid ${pids.join(", ")}) still runs on the chain state in ${join(dataDir, "chain")}; ` +
        "it is left over from a system that was not stopped cleanly. Stop it (kill -INT <pid>: it writes its state first) and run the command again.",
    );
  }
}

/** The database's state, read with PGlite directly (the caller holds the folder's lock). */
export async function readState(dataDir: string): Promise<BackupState> {
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create(join(dataDir, "pg"));
  try {
    const hasLedger = (await db.query<{ n: number }>(HAS_LEDGER_SQL)).rows[0]!.n > 0;
    if (!hasLedger) throw new BackupRefused(`${dataDir} holds no OneCode database (no ledger table): start the system once first`);
    return stateOf((await db.query<StateRow>(STATE_SQL)).rows[0]!, chainBlock(join(dataDir, "chain", "state.json")));
  } finally {
    await db.close();
  }
}

/** The parts of the state a restore must give back exactly. */
export function sameData(a: BackupState, b: BackupState): string | null {
  for (const key of ["schemaVersion", "entries", "lastSeq", "lastHash", "subjects", "anchors", "anchoredThrough", "databaseBlock", "chainBlock"] as const) {
    if (a[key] !== b[key]) return `${key} is ${String(b[key])}, the backup says ${String(a[key])}`;
  }
  return null;
}

/** Takes a backup of the stopped system in `dataDir` into a new folder under `outDir`; returns its folder and manifest. */
export async function backup(dataDir: string, outDir: string, env: Record<string, string | undefined>, now = new Date()): Promise<{ folder: string; manifest: BackupManifest }> {
  if (!existsSync(join(dataDir, "pg"))) throw new BackupRefused(`nothing backed up: ${dataDir} has no embedded database (pg/)`);
  // The lock first: it names a running system; a chain node without one is a leftover.
  const lock = lockForBackup(dataDir, "nothing backed up");
  let partial: string | null = null;
  try {
    refuseRunningChain(dataDir, "nothing backed up");
    const folder = backupFolder(dataDir, outDir, now);
    partial = `${folder}.partial`;
    const state = await readState(dataDir);
    const tree = listTree(dataDir);
    const files = copyFiles(dataDir, join(partial, "data"), tree.files, tree.dirs);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: now.toISOString(),
      dataDir: resolve(dataDir),
      pglite: pgliteVersion(),
      taken: "stopped",
      state,
      chainBehindDatabase: state.chainBlock !== null && state.databaseBlock > state.chainBlock,
      files,
      dirs: tree.dirs.map(toPosix),
      notIncluded: outsideDataDir(dataDir, env),
    };
    sealBackup(partial, folder, manifest);
    return { folder, manifest };
  } catch (error) {
    if (partial) rmSync(partial, { recursive: true, force: true });
    throw error;
  } finally {
    lock.release();
  }
}

/** Reads a backup's manifest and checks every file against it; a refusal names the first difference. */
export function verifyBackup(folder: string): BackupManifest {
  const file = join(folder, "manifest.json");
  if (!existsSync(file)) throw new BackupRefused(`nothing restored: ${folder} is not a OneCode backup (no manifest.json)`);
  const manifest = JSON.parse(readFileSync(file, "utf8")) as BackupManifest;
  if (manifest.format !== BACKUP_FORMAT) throw new BackupRefused(`nothing restored: ${folder} is a backup of format ${String(manifest.format)}, this version reads ${BACKUP_FORMAT}`);
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const path = join(folder, "data", ...f.path.split("/"));
    if (f.path.split("/").includes("..")) throw new BackupRefused(`nothing restored: the manifest names ${f.path}, outside the backup`);
    if (!existsSync(path)) throw new BackupRefused(`nothing restored: ${f.path} is missing from the backup`);
    if (statSync(path).size !== f.size || sha256File(path) !== f.sha256) throw new BackupRefused(`nothing restored: ${f.path} differs from the backup's manifest (damaged or changed)`);
  }
  if (!Array.isArray(manifest.dirs) || manifest.dirs.some((d) => d.split("/").includes(".."))) throw new BackupRefused("nothing restored: the manifest's folder list is missing or names a folder outside the backup");
  const extra = listTree(join(folder, "data")).files.map((p) => p.split(sep).join("/")).filter((p) => !listed.has(p));
  if (extra.length > 0) throw new BackupRefused(`nothing restored: ${extra[0]} is in the backup but not in its manifest`);
  return manifest;
}

/**
 * Restores the backup in `folder` into `dataDir`. The system must be stopped there; a folder
 * with data is only replaced with `force`, and then moved aside (returned), never deleted.
 */
export async function restore(folder: string, dataDir: string, options: { force?: boolean; now?: Date } = {}): Promise<{ manifest: BackupManifest; movedAside: string | null; state: BackupState }> {
  const manifest = verifyBackup(folder);
  const target = resolve(dataDir);
  const exists = existsSync(target);
  const lock = exists ? lockForBackup(target, "nothing restored") : null;
  const staging = `${target}.restoring-${process.pid}`;
  let movedAside: string | null = null;
  try {
    if (exists) refuseRunningChain(target, "nothing restored");
    const present = exists ? readdirSync(target).filter((n) => !SKIP.some((p) => p.test(n))) : [];
    if (present.length > 0 && !options.force) {
      throw new BackupRefused(
        `nothing restored: ${target} holds data (${present.slice(0, 4).join(", ")}${present.length > 4 ? ", …" : ""}). ` +
          "Restore into an empty or new folder (DATA_DIR=…), or pass --force to replace it: the folder is then moved aside, never deleted.",
      );
    }
    rmSync(staging, { recursive: true, force: true });
    const copied = copyFiles(
      join(folder, "data"),
      staging,
      manifest.files.map((f) => f.path.split("/").join(sep)),
      manifest.dirs.map((d) => d.split("/").join(sep)),
    );
    for (const [i, f] of copied.entries()) {
      if (f.sha256 !== manifest.files[i]!.sha256) throw new BackupRefused(`nothing restored: ${f.path} changed while it was copied`);
    }
    // The copy must open and hold what the backup held, before it replaces anything.
    const state = await readState(staging);
    const difference = sameData(manifest.state, state);
    if (difference) throw new BackupRefused(`nothing restored: the restored database does not match the backup: ${difference}`);
    if (exists) {
      if (present.length > 0) {
        movedAside = `${target}.before-restore-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, "-")}`;
        renameSync(target, movedAside);
        rmSync(join(movedAside, "pg.lock"), { force: true }); // ours: the aside folder is not running
      } else {
        rmSync(target, { recursive: true, force: true }); // only our own lock file was in it
      }
    }
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
    chmodSync(target, 0o700);
    return { manifest, movedAside, state };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    lock?.release();
  }
}
