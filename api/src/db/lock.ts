// One process per embedded data folder. PGlite is a single-process database: two processes
// on one folder (an `npm run import` while `npm start` runs) each believe they own it, and
// rows written by one vanish or collide in the other. The folder therefore has a lock file
// beside it (`<folder>.lock`, JSON: pid, host, when and how the holder started, its API URL
// once listening), created exclusively at open and removed at close or exit. A lock whose
// process is gone (or whose pid now belongs to another process) is stale and taken over.
//
// Each lock is also listed in a per-user folder of running instances (tmpdir), so a command
// that was not told DATA_DIR (`npm run token`) can find the running system's data folder
// instead of creating a second one.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";

export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  startedAt: string;
  /** The holder's start time as the kernel counts it (Linux /proc), to tell a reused pid apart. */
  processStart: string | null;
  /** The command line of the holder. */
  command: string;
  /** The locked folder. */
  folder: string;
  /** The data folder it belongs to (DATA_DIR). */
  dataDir: string;
  /** The API URL, once the holder listens. */
  url: string | null;
}

export interface FolderLock {
  readonly file: string;
  readonly info: LockInfo;
  /** Adds what the holder learns later (its URL) to the lock and the instance list. */
  update(fields: Partial<Pick<LockInfo, "url">>): void;
  release(): void;
}

export class FolderLockedError extends Error {
  readonly holder: LockInfo;
  readonly file: string;
  constructor(file: string, holder: LockInfo, message: string) {
    super(message);
    this.name = "FolderLockedError";
    this.holder = holder;
    this.file = file;
  }
}

function processStart(pid: number): string | null {
  try {
    // Field 22 of /proc/PID/stat, after the parenthesised command (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(info: LockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // The pid runs, but is it still the holder? (pids are reused after a reboot or a crash.)
  const now = processStart(info.pid);
  return info.processStart === null || now === null || now === info.processStart;
}

function readLock(file: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.host === "string" ? info : null;
  } catch {
    return null;
  }
}

/** Whether the holder is gone: only decidable on this host. */
function stale(info: LockInfo | null, file: string): boolean {
  if (!info) {
    // Unreadable: a holder died while writing it, or is writing it right now.
    try {
      return Date.now() - statSync(file).mtimeMs > 5000;
    } catch {
      return true;
    }
  }
  return info.host === hostname() && !alive(info);
}

function instancesDir(): string {
  let user = "user";
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {
    // no user database entry: one shared folder
  }
  return join(tmpdir(), `onecode-${user}`, "instances");
}

function instanceFile(folder: string): string {
  return join(instancesDir(), `${createHash("sha256").update(folder).digest("hex").slice(0, 16)}.json`);
}

/** Running instances on this host (their lock info), newest first; stale entries are removed. */
export function runningInstances(): LockInfo[] {
  const dir = instancesDir();
  if (!existsSync(dir)) return [];
  const out: LockInfo[] = [];
  for (const name of readdirSync(dir)) {
    const info = readLock(join(dir, name));
    if (info && !stale(info, join(dir, name)) && existsSync(`${info.folder}.lock`)) out.push(info);
    else rmSync(join(dir, name), { force: true });
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export function describeHolder(info: LockInfo): string {
  return `pid ${info.pid} on ${info.host}, started ${info.startedAt} (${info.command})${info.url ? `, API at ${info.url}` : ""}`;
}

/**
 * Takes the lock of `folder` for this process, or throws FolderLockedError naming the holder.
 * `dataDir` is the DATA_DIR the folder belongs to (listed for `npm run token`).
 */
export function lockFolder(folder: string, dataDir: string): FolderLock {
  const absolute = resolve(folder);
  const file = `${absolute}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    processStart: processStart(process.pid),
    command: process.argv.slice(1).map((a) => a.replace(/^.*\/(scripts|api|node_modules)\//, "$1/")).join(" ").slice(0, 200),
    folder: absolute,
    dataDir: resolve(dataDir),
    url: null,
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeFileSync(fd, JSON.stringify(info));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readLock(file);
    if (attempt < 2 && stale(holder, file)) {
      // Move the stale lock aside, check it is still the one judged stale, and try again.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue; // someone else moved it first
      }
      const moved = readLock(aside);
      if (holder && moved && (moved.pid !== holder.pid || moved.startedAt !== holder.startedAt)) {
        renameSync(aside, file); // a fresh lock slipped in: give it back
        continue;
      }
      rmSync(aside, { force: true });
      continue;
    }
    const who = holder ? describeHolder(holder) : "a process that left an unreadable lock";
    throw new FolderLockedError(
      file,
      holder ?? { ...info, pid: -1, command: "unknown" },
      `the embedded database in ${absolute} is in use by another process: ${who}.\n` +
        "Only one process may open an embedded data folder at a time. To change the data of the running system, go through its API, " +
        "or stop it first (Ctrl-C in its terminal) and run the command again; to run several processes on one database, " +
        "use a PostgreSQL server (DATABASE_URL)." +
        (holder && holder.host !== hostname() ? `\nThe lock was taken on another host; if that process is gone, remove ${file}.` : ""),
    );
  }
  const listed = instanceFile(absolute);
  const write = () => {
    writeFileSync(file, JSON.stringify(info), { mode: 0o600 });
    try {
      mkdirSync(dirname(listed), { recursive: true });
      writeFileSync(listed, JSON.stringify(info), { mode: 0o600 });
    } catch {
      // the list is a convenience for other commands; the lock is what counts
    }
  };
  write();
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.removeListener("exit", release);
    // Only our own lock: a stale-lock takeover by another process must not be undone.
    if (readLock(file)?.pid === process.pid && readLock(file)?.startedAt === info.startedAt) unlinkSync(file);
    rmSync(listed, { force: true });
  };
  process.once("exit", release);
  return {
    file,
    info,
    update(fields) {
      Object.assign(info, fields);
      if (held) write();
    },
    release,
  };
}
