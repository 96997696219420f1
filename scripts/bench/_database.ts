// A fresh, migrated database on a PostgreSQL server for one benchmark or fault run,
// dropped afterwards.
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import pg from "pg";
import { openDatabase, type Database } from "../../api/src/db/database.ts";
import { migrate } from "../../api/src/db/migrate.ts";
import { ledgerKeys } from "../../api/src/ledger/signing.ts";

export const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface BenchDatabase extends Database {
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database on the server at `serverUrl` (the shared server by default). Its
 * handle signs ledger appends with `ledgerSeed` (64 hex, the LEDGER_SIGNING_KEY the stack's
 * child processes get), or with a random key.
 */
export async function createBenchDatabase(options: { serverUrl?: string; prefix?: string; poolSize?: number; ledgerSeed?: string } = {}): Promise<BenchDatabase> {
  const serverUrl = options.serverUrl ?? SERVER_URL;
  const name = `${options.prefix ?? "onecode_bench"}_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabaseName(serverUrl, name);
  const seed = options.ledgerSeed ? Buffer.from(options.ledgerSeed, "hex") : randomBytes(32);
  const db = await openDatabase({ databaseUrl: url, dataDir: tmpdir(), ledgerKeys: ledgerKeys(seed) }, options.poolSize ?? 10);
  await migrate(db.pool);
  return {
    ...db,
    name,
    async drop() {
      await db.close().catch(() => {});
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
