// Backup and restore of an embedded system's data folder (DATA_DIR): the PGlite database
// (pg/), the embedded chain's state (chain/state.json, anvil's dump), the deployment, the code
// signing keys (code-keys/) and the secrets (secrets.env). One folder per backup:
//   manifest.json   what was copied (path, size, SHA-256 of every file), from where and when,
//                   and the state it holds (ledger head, subjects, anchors, chain block);
//   data/           the files, as they were in DATA_DIR.
// Consistency: PGlite is one process per folder (api/src/db/lock.ts) and anvil writes its state
// on a clean stop, so a backup is taken from a stopped system, holding the folder's lock for the
// whole copy (a start in the meantime is refused), and a running one is refused with a message
// naming it. The database is opened once before the copy (which replays its log after a crash)
// and its state is read into the manifest; a restore reads the copy back and compares.
// A restore never writes over a running system, never half-writes (it copies into a staging
// folder and renames), and never deletes: a folder in the way is moved aside.
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describeHolder, FolderLockedError, lockFolder, type FolderLock } from "../../api/src/db/lock.ts";

export const BACKUP_FORMAT = "onecode-backup/1";

export interface BackupState {
  /** Highest migration applied. */
  schemaVersion: number | null;
  entries: number;
  lastSeq: number;
  /** Hash of the last entry (hex), null for an empty ledger. */
  lastHash: string | null;
  subjects: number;
  /** Confirmed anchors and the last sequence they cover. */
  anchors: number;
  anchoredThrough: number;
  /** The highest block the database records a chain write in. */
  databaseBlock: number;
  /** anvil's block in chain/state.json (null: no embedded chain state). */
  chainBlock: number | null;
}

export interface BackupFile {
  path: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  dataDir: string;
  pglite: string;
  state: BackupState;
  /** The chain state is older than the database's chain writes (anvil was killed, not stopped). */
  chainBehindDatabase: boolean;
  files: BackupFile[];
  /** Every folder, empty ones included ("/"-separated, relative to data/). */
  dirs: string[];
  /** What the system uses outside DATA_DIR, not in this backup. */
  notIncluded: string[];
}

/** A refusal the user can act on: printed as it is, exit 1. */
export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupRefused";
  }
}

/** Files that belong to a running process, not to the data: locks and their leftovers. */
const SKIP = [/^pg\.lock$/, /\.lock\.stale-\d+$/, /\.lock$/];

/** The files and the folders (empty ones too: PostgreSQL needs pg_notify/, pg_tblspc/, …) under `root`, relative to it. */
function listTree(root: string, dir = root, out: { files: string[]; dirs: string[] } = { files: [], dirs: [] }): { files: string[]; dirs: string[] } {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const rel = relative(root, full);
    if (dir === root && SKIP.some((p) => p.test(name))) continue;
    const st = statSync(full, { throwIfNoEntry: false });
    if (!st) continue; // removed while listing: not data
    if (st.isDirectory()) {
      out.dirs.push(rel);
      listTree(root, full, out);
    } else if (st.isFile()) out.files.push(rel);
    else throw new BackupRefused(`${full} is neither a file nor a folder (${readlinkSafe(full)}); nothing backed up`);
  }
  return out;
}

function readlinkSafe(path: string): string {
  try {
    return `a link to ${readlinkSync(path)}`;
  } catch {
    return "a special file";
  }
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
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
    throw new BackupRefused(
      `${what}: the system is running on ${dataDir} (${describeHolder(error.holder)}).\n` +
        "An embedded system is backed up and restored while it is stopped: stop it (Ctrl-C in its terminal, so that the chain node " +
        `writes its state too), run the command again, then start it again. With a PostgreSQL server (DATABASE_URL), see README "Backup and restore".`,
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
    const one = async <T>(sql: string): Promise<T> => ((await db.query<T>(sql)).rows[0] as T);
    const hasLedger = (await one<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'ledger'")).n > 0;
    if (!hasLedger) throw new BackupRefused(`${dataDir} holds no OneCode database (no ledger table): start the system once first`);
    const s = await one<{
      version: number | null;
      entries: number;
      last_seq: number | null;
      last_hash: string | null;
      subjects: number;
      anchors: number;
      anchored_through: number | null;
      db_block: number;
    }>(`SELECT (SELECT max(version) FROM schema_migrations)::int AS version,
              (SELECT count(*) FROM ledger)::int AS entries,
              (SELECT max(seq) FROM ledger)::int AS last_seq,
              (SELECT encode(hash, 'hex') FROM ledger ORDER BY seq DESC LIMIT 1) AS last_hash,
              (SELECT count(*) FROM subjects)::int AS subjects,
              (SELECT count(*) FROM anchors WHERE status = 'confirmed')::int AS anchors,
              (SELECT max(to_seq) FROM anchors WHERE status = 'confirmed')::int AS anchored_through,
              greatest(coalesce((SELECT max(block_number) FROM chain_outbox), 0), coalesce((SELECT max(block_number) FROM anchors), 0))::int AS db_block`);
    return {
      schemaVersion: s.version,
      entries: s.entries,
      lastSeq: s.last_seq ?? 0,
      lastHash: s.last_hash,
      subjects: s.subjects,
      anchors: s.anchors,
      anchoredThrough: s.anchored_through ?? 0,
      databaseBlock: s.db_block,
      chainBlock: chainBlock(join(dataDir, "chain", "state.json")),
    };
  } finally {
    await db.close();
  }
}

/** The block anvil's state file was dumped at, or null without one. */
export function chainBlock(stateFile: string): number | null {
  if (!existsSync(stateFile)) return null;
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { best_block_number?: number | string; block?: { number?: string } };
  const n = state.best_block_number ?? state.block?.number;
  return n === undefined ? null : Number(n);
}

/** The parts of the state a restore must give back exactly. */
export function sameData(a: BackupState, b: BackupState): string | null {
  for (const key of ["schemaVersion", "entries", "lastSeq", "lastHash", "subjects", "anchors", "anchoredThrough", "databaseBlock", "chainBlock"] as const) {
    if (a[key] !== b[key]) return `${key} is ${String(b[key])}, the backup says ${String(a[key])}`;
  }
  return null;
}

/** Copies the folders and files of `from` listed into `to`, files 0600 and folders 0700 (they hold the keys). */
export function copyFiles(from: string, to: string, files: readonly string[], dirs: readonly string[]): BackupFile[] {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const rel of dirs) mkdirSync(join(to, rel), { recursive: true, mode: 0o700 });
  const out: BackupFile[] = [];
  for (const rel of files) {
    const target = join(to, rel);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    copyFileSync(join(from, rel), target);
    chmodSync(target, 0o600);
    out.push({ path: rel.split(sep).join("/"), size: statSync(target).size, sha256: sha256File(target) });
  }
  return out;
}

/** Paths the configuration points outside DATA_DIR: the operator backs them up with the key store. */
export function outsideDataDir(dataDir: string, env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  const inside = (p: string) => resolve(p).startsWith(resolve(dataDir) + sep);
  for (const name of ["LEDGER_SIGNING_KEY_FILE", "CODE_KEYS_DIR", "DEPLOYMENT_FILE"]) {
    const value = env[name];
    if (value && !inside(value)) out.push(`${name}=${value}`);
  }
  if (env.CHAIN_RPC_URL) out.push(`the chain at CHAIN_RPC_URL=${env.CHAIN_RPC_URL} (a network's nodes keep it; back up its deployment file)`);
  return out;
}

/** The installed PGlite's version: its data folder is only read by a PGlite of the same PostgreSQL major. */
export function pgliteVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
  while (dir !== dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/** Takes a backup of the stopped system in `dataDir` into a new folder under `outDir`; returns its folder and manifest. */
export async function backup(dataDir: string, outDir: string, env: Record<string, string | undefined>, now = new Date()): Promise<{ folder: string; manifest: BackupManifest }> {
  if (!existsSync(join(dataDir, "pg"))) throw new BackupRefused(`nothing backed up: ${dataDir} has no embedded database (pg/)`);
  // The lock first: it names a running system; a chain node without one is a leftover.
  const lock = lockForBackup(dataDir, "nothing backed up");
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const folder = join(outDir, `onecode-backup-${stamp}`);
  const partial = `${folder}.partial`;
  try {
    refuseRunningChain(dataDir, "nothing backed up");
    if (resolve(outDir).startsWith(resolve(dataDir) + sep)) throw new BackupRefused(`nothing backed up: the backup folder ${outDir} is inside the data folder`);
    if (existsSync(folder)) throw new BackupRefused(`nothing backed up: ${folder} exists`);
    const state = await readState(dataDir);
    const tree = listTree(dataDir);
    const files = copyFiles(dataDir, join(partial, "data"), tree.files, tree.dirs);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: now.toISOString(),
      dataDir: resolve(dataDir),
      pglite: pgliteVersion(),
      state,
      chainBehindDatabase: state.chainBlock !== null && state.databaseBlock > state.chainBlock,
      files,
      dirs: tree.dirs.map((d) => d.split(sep).join("/")),
      notIncluded: outsideDataDir(dataDir, env),
    };
    writeFileSync(join(partial, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
    renameSync(partial, folder); // the backup appears whole or not at all
    return { folder, manifest };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
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

export function describeState(s: BackupState): string {
  return (
    `ledger ${s.entries} entries through seq ${s.lastSeq}${s.lastHash ? ` (hash ${s.lastHash.slice(0, 16)}…)` : ""}, ` +
    `${s.subjects} subjects, ${s.anchors} anchors through seq ${s.anchoredThrough}, ` +
    (s.chainBlock === null ? "no embedded chain" : `chain at block ${s.chainBlock}`) +
    `, schema ${s.schemaVersion ?? "?"}`
  );
}
