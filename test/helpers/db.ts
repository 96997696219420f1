// Test databases: a fresh database per test file on the real PostgreSQL server
// (DATABASE_URL, default the server on 127.0.0.1:5432), or an embedded PGlite
// when asked for (TEST_DB=embedded, or the `embedded` option).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../../api/src/db/database.ts";
import { migrate } from "../../api/src/db/migrate.ts";
import { ledgerKeys, type LedgerKeys } from "../../api/src/ledger/signing.ts";

export const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase extends Database {
  name: string;
  /** Superuser connection to the same database (tamper tests lift the guards with it). */
  adminUrl: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh database; its handle signs ledger appends with `ledgerKeys` (default: a new random key). */
export async function createTestDatabase(options: { embedded?: boolean; migrate?: boolean; ledgerKeys?: LedgerKeys } = {}): Promise<TestDatabase> {
  const embedded = options.embedded ?? process.env.TEST_DB === "embedded";
  const keys = options.ledgerKeys ?? ledgerKeys(randomBytes(32));
  if (embedded) {
    const dir = mkdtempSync(join(tmpdir(), "onecode-pglite-"));
    const db = await openDatabase({ databaseUrl: null, dataDir: dir, ledgerKeys: keys });
    if (options.migrate !== false) await migrate(db.pool);
    return {
      ...db,
      name: "embedded",
      adminUrl: db.url,
      async drop() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `onecode_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(SERVER_URL, name);
  const db = await openDatabase({ databaseUrl: url, dataDir: tmpdir(), ledgerKeys: keys });
  if (options.migrate !== false) await migrate(db.pool);
  return {
    ...db,
    name,
    adminUrl: url,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
