// A private, throw-away PostgreSQL cluster (the real server binaries, not PGlite) on a
// loopback port of its own, for tests that stop, crash and restart the database: the
// shared server on 127.0.0.1:5432 is never touched. initdb refuses to run as root, so
// under root every server command runs as the `postgres` system user (runuser).
import { execFile as execFileCb } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./anvil.ts";

const execFile = promisify(execFileCb);

/** The newest PostgreSQL found under /usr/lib/postgresql (or PG_BIN). */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, "bin", "initdb"))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql (set PG_BIN)");
  return join(base, versions[0], "bin");
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** URL of another database on this cluster. */
  urlFor(database: string): string;
  /** Starts the server (again) on the same port and data. */
  start(): Promise<void>;
  /** pg_ctl stop: "fast" rolls back open transactions and closes connections; "immediate" is a crash (recovery at next start). */
  stop(mode?: "smart" | "fast" | "immediate"): Promise<void>;
  /** SIGKILL to the postmaster: the hardest crash. */
  kill(): Promise<void>;
  /** Stop then start; resolves once the server accepts connections again. */
  restart(mode?: "fast" | "immediate"): Promise<void>;
  running(): Promise<boolean>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  port?: number;
  /** Extra server settings, e.g. { max_connections: "50" }. */
  settings?: Record<string, string>;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const root = mkdtempSync(join(tmpdir(), "onecode-pg-"));
  const dataDir = join(root, "data");
  const socketDir = join(root, "sock");
  const logFile = join(root, "server.log");
  mkdirSync(socketDir);
  let uid = -1;
  let gid = -1;
  if (asRoot) {
    const { stdout } = await execFile("id", ["-u", "postgres"]);
    uid = Number(stdout.trim());
    gid = Number((await execFile("id", ["-g", "postgres"])).stdout.trim());
    chownSync(root, uid, gid);
    chownSync(socketDir, uid, gid);
  }
  chmodSync(root, 0o700);

  const run = async (cmd: string, args: string[], timeoutMs = 60_000) => {
    const file = join(bin, cmd);
    return asRoot ? execFile("runuser", ["-u", "postgres", "--", file, ...args], { timeout: timeoutMs }) : execFile(file, args, { timeout: timeoutMs });
  };

  await run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"], 120_000);
  const port = options.port ?? (await freePort());
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: socketDir,
    max_connections: "100",
    shared_buffers: "128MB",
    // Durable as a real server is: a crash must not lose committed rows.
    fsync: "on",
    synchronous_commit: "on",
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(" ");
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const pidOf = (): number | null => {
    try {
      return Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    } catch {
      return null;
    }
  };

  const running = async () => {
    try {
      await run("pg_ctl", ["status", "-D", dataDir], 10_000);
      return true;
    } catch {
      return false;
    }
  };

  const start = async () => {
    await run("pg_ctl", ["start", "-w", "-t", "60", "-D", dataDir, "-l", logFile, "-o", serverOptions], 90_000);
  };

  const stop = async (mode: "smart" | "fast" | "immediate" = "fast") => {
    if (!(await running())) return;
    await run("pg_ctl", ["stop", "-w", "-t", "60", "-m", mode, "-D", dataDir], 90_000);
  };

  const kill = async () => {
    const pid = pidOf();
    if (!pid) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return;
    }
    // Wait for the postmaster and its children to go away before anyone restarts it.
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // Backends notice the postmaster's death within a moment; a new postmaster refuses while they hold shared memory.
    await new Promise((r) => setTimeout(r, 500));
  };

  await start();
  return {
    url,
    port,
    dataDir,
    urlFor(database: string) {
      return `postgres://postgres@127.0.0.1:${port}/${database}`;
    },
    start,
    stop,
    kill,
    async restart(mode = "fast") {
      await stop(mode);
      await start();
    },
    running,
    async destroy() {
      await stop("immediate").catch(() => kill());
      rmSync(root, { recursive: true, force: true });
    },
  };
}

if (import.meta.main) {
  // Smoke check: start, stop, start, destroy.
  const pg = await startPrivatePostgres();
  console.log(`private PostgreSQL at ${pg.url} (${pg.dataDir})`);
  await pg.restart("immediate");
  console.log(`restarted: running=${await pg.running()}`);
  await pg.destroy();
}
