// One PostgreSQL code path for both modes: a server named by DATABASE_URL, or an
// embedded PGlite served on a local socket (pglite-socket) so `pg` talks to it
// exactly as it talks to a server. The embedded folder is locked for this process
// (./lock.ts): a second process on it is refused with a message naming the first.
//
// Opened with `ledgerKeys`, every connection of the pool carries the API's ledger key,
// and appends to the ledger are signed with it (api/src/ledger/append.ts): the key is
// the writer's, so it goes with the handle the writer writes through.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { Config } from "../config.ts";
import type { LedgerKeys } from "../ledger/signing.ts";
import type { LedgerSigner } from "../ledger/append.ts";
import { lockFolder, type FolderLock } from "./lock.ts";

// int8 (bigint) columns come back as JS numbers: sequence numbers stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface Database {
  pool: pg.Pool;
  /** "server" or "embedded"; embedded PGlite serves one connection, so transactions serialize. */
  mode: "server" | "embedded";
  url: string;
  /** The ledger keys appends are signed with and signatures are checked against; null: this handle cannot append. */
  ledgerKeys: LedgerKeys | null;
  /** Embedded: the lock of the data folder (its URL is added once the API listens). */
  lock: FolderLock | null;
  /** Embedded: runs `fn` with every writer paused (an online backup, api/src/backup/); null for a server. */
  pause: (<T>(fn: (paused: PausedDatabase) => Promise<T>) => Promise<T>) | null;
  close(): Promise<void>;
}

/**
 * The embedded database with every writer paused: `client` is the pool's only connection, so
 * every request and worker waits for it (none is inside a transaction: it was checked out
 * between them). `exclusive` also holds PGlite itself, so not even another socket connection
 * runs a statement while the data folder (`folder`) is copied.
 */
export interface PausedDatabase {
  client: pg.PoolClient;
  folder: string;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export interface DatabaseOptions extends Pick<Config, "databaseUrl" | "dataDir"> {
  ledgerKeys?: LedgerKeys | null;
}

export interface EmbeddedServer {
  url: string;
  lock: FolderLock;
  /** Runs `fn` holding PGlite's query lock: no statement of any connection runs meanwhile. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts PGlite with its data in `dir` and serves it on a loopback port; throws FolderLockedError while another process has `dir`. */
export async function startEmbeddedPostgres(dir: string, dataDir = join(dir, "..")): Promise<EmbeddedServer> {
  mkdirSync(dir, { recursive: true });
  const lock = lockFolder(dir, dataDir);
  try {
    return await serveEmbedded(dir, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function serveEmbedded(dir: string, lock: FolderLock): Promise<EmbeddedServer> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create(dir);
  // PGlite is single-session: the pool below keeps ONE connection in use, so no
  // client's statements can land inside another's transaction. The server still
  // accepts a few, because pg replaces a connection after an error before the
  // server has noticed that the old socket closed.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 8 });
  await server.start();
  // getServerConn() answers "host:port" once the server listens.
  const port = Number(server.getServerConn().split(":").pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    lock,
    exclusive: (fn) => db.runExclusive(fn),
    async stop() {
      try {
        await server.stop();
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * When the server ends connections (restart, failover), pg emits 'error' on idle
 * pool clients and on clients checked out by a request; unhandled, that would end
 * the process. The request in flight still gets its own error (answered 503), and
 * the pool replaces the connection.
 */
function survivesServerRestarts(pool: pg.Pool): void {
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
}

/** The pool's connection class: every connection carries the ledger signer (or none). */
function connectionClass(keys: LedgerKeys | null): typeof pg.Client {
  const ledgerSigner: LedgerSigner | null = keys ? { keys, lastSigned: null } : null;
  return class LedgerConnection extends pg.Client {
    readonly ledgerSigner = ledgerSigner;
  };
}

export async function openDatabase(config: DatabaseOptions, poolSize = 10): Promise<Database> {
  const ledgerKeys = config.ledgerKeys ?? null;
  const Client = connectionClass(ledgerKeys);
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: poolSize, connectionTimeoutMillis: 5000, Client });
    survivesServerRestarts(pool);
    return { pool, mode: "server", url: config.databaseUrl, ledgerKeys, lock: null, pause: null, close: () => pool.end() };
  }
  const embedded = await startEmbeddedPostgres(join(config.dataDir, "pg"), config.dataDir);
  const pool = new pg.Pool({ connectionString: embedded.url, max: 1, connectionTimeoutMillis: 30_000, Client });
  survivesServerRestarts(pool);
  return {
    pool,
    mode: "embedded",
    url: embedded.url,
    ledgerKeys,
    lock: embedded.lock,
    async pause(fn) {
      // Waits for the connection like any writer (so the one in a transaction finishes first);
      // the writers after it queue behind, up to the pool's connection timeout (30 s).
      const client = await pool.connect();
      try {
        return await fn({ client, folder: join(config.dataDir, "pg"), exclusive: embedded.exclusive });
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
      await embedded.stop();
    },
  };
}

/**
 * Runs `fn` in one transaction: everything it writes commits together or not at all.
 * SERIALIZABLE is not needed: writers that must serialize take explicit row locks.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export type Queryable = Pick<pg.PoolClient, "query">;
