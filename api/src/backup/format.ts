// The backup format shared by `npm run backup` on a stopped system (scripts/lib/backup.ts) and
// the running API's online backup (./online.ts), so that `npm run restore` reads both:
//   <backup>/manifest.json   what was copied (path, size, SHA-256 of every file), from where and
//                            when, and the state it holds (ledger head, subjects, anchors, chain block);
//   <backup>/data/           the files, laid out as in DATA_DIR.
// A backup is written into `<backup>.partial` and renamed when whole, so none is ever half-written.
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

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
  /** "stopped": copied from a stopped system; "online": taken by the running API with its writers paused. */
  taken?: "stopped" | "online";
  state: BackupState;
  /** The chain state is older than the database's chain writes (anvil was killed, not stopped). */
  chainBehindDatabase: boolean;
  files: BackupFile[];
  /** Every folder, empty ones included ("/"-separated, relative to data/). */
  dirs: string[];
  /** What the system uses outside DATA_DIR, not in this backup. */
  notIncluded: string[];
}

/** A refusal the user can act on: printed as it is (exit 1), or answered as a problem by the API. */
export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupRefused";
  }
}

/** Files at the top of DATA_DIR that belong to a running process, not to the data: locks and their leftovers. */
export const SKIP = [/^pg\.lock$/, /\.lock\.stale-\d+$/, /\.lock$/];

/** The files and the folders (empty ones too: PostgreSQL needs pg_notify/, pg_tblspc/, …) under `root`, relative to it. */
export function listTree(root: string, dir = root, out: { files: string[]; dirs: string[] } = { files: [], dirs: [] }): { files: string[]; dirs: string[] } {
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

export const toPosix = (p: string): string => p.split(sep).join("/");

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
    out.push({ path: toPosix(rel), size: statSync(target).size, sha256: sha256File(target) });
  }
  return out;
}

/** Writes `content` as the file `rel` of a backup's data folder, 0600, and lists it. */
export function writeBackupFile(to: string, rel: string, content: Buffer): BackupFile {
  const target = join(to, rel);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  writeFileSync(target, content, { mode: 0o600 });
  return { path: toPosix(rel), size: content.length, sha256: createHash("sha256").update(content).digest("hex") };
}

/** The state query: the caller runs it on the database being backed up (or restored) and passes its one row to stateOf. */
export const STATE_SQL = `SELECT (SELECT max(version) FROM schema_migrations)::int AS version,
              (SELECT count(*) FROM ledger)::int AS entries,
              (SELECT max(seq) FROM ledger)::int AS last_seq,
              (SELECT encode(hash, 'hex') FROM ledger ORDER BY seq DESC LIMIT 1) AS last_hash,
              (SELECT count(*) FROM subjects)::int AS subjects,
              (SELECT count(*) FROM anchors WHERE status = 'confirmed')::int AS anchors,
              (SELECT max(to_seq) FROM anchors WHERE status = 'confirmed')::int AS anchored_through,
              greatest(coalesce((SELECT max(block_number) FROM chain_outbox), 0), coalesce((SELECT max(block_number) FROM anchors), 0))::int AS db_block`;

export const HAS_LEDGER_SQL = "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'ledger'";

export interface StateRow {
  version: number | null;
  entries: number;
  last_seq: number | null;
  last_hash: string | null;
  subjects: number;
  anchors: number;
  anchored_through: number | null;
  db_block: number;
}

export function stateOf(s: StateRow, chainBlock: number | null): BackupState {
  return {
    schemaVersion: s.version,
    entries: s.entries,
    lastSeq: s.last_seq ?? 0,
    lastHash: s.last_hash,
    subjects: s.subjects,
    anchors: s.anchors,
    anchoredThrough: s.anchored_through ?? 0,
    databaseBlock: s.db_block,
    chainBlock,
  };
}

/** The block of an anvil state (its file, or the JSON of anvil_dumpState), or null. */
export function blockOfChainState(json: string): number | null {
  const state = JSON.parse(json) as { best_block_number?: number | string; block?: { number?: string } };
  const n = state.best_block_number ?? state.block?.number;
  return n === undefined ? null : Number(n);
}

/** The block anvil's state file was dumped at, or null without one. */
export function chainBlock(stateFile: string): number | null {
  return existsSync(stateFile) ? blockOfChainState(readFileSync(stateFile, "utf8")) : null;
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

/** The new backup folder under `outDir` for `now`, refused when it exists or lies inside the data folder. */
export function backupFolder(dataDir: string, outDir: string, now: Date): string {
  if (resolve(outDir) === resolve(dataDir) || resolve(outDir).startsWith(resolve(dataDir) + sep)) {
    throw new BackupRefused(`nothing backed up: the backup folder ${outDir} is inside the data folder`);
  }
  const folder = join(outDir, `onecode-backup-${now.toISOString().replace(/[:.]/g, "-")}`);
  if (existsSync(folder) || existsSync(`${folder}.partial`)) throw new BackupRefused(`nothing backed up: ${folder} exists`);
  return folder;
}

/** Writes the manifest into `partial` and renames it to `folder`: the backup appears whole or not at all. */
export function sealBackup(partial: string, folder: string, manifest: BackupManifest): void {
  writeFileSync(join(partial, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
  renameSync(partial, folder);
}

export function describeState(s: BackupState): string {
  return (
    `ledger ${s.entries} entries through seq ${s.lastSeq}${s.lastHash ? ` (hash ${s.lastHash.slice(0, 16)}…)` : ""}, ` +
    `${s.subjects} subjects, ${s.anchors} anchors through seq ${s.anchoredThrough}, ` +
    (s.chainBlock === null ? "no embedded chain" : `chain at block ${s.chainBlock}`) +
    `, schema ${s.schemaVersion ?? "?"}`
  );
}
