// Numbered SQL migrations (api/migrations/NNN_name.sql). Each file holds the
// "do" part, then a line `-- migrate:down` and the "undo" part. Applied in
// order, each in its own transaction, recorded in schema_migrations.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { withTransaction } from "./database.ts";

export const MIGRATIONS_DIR = join(import.meta.dirname, "..", "..", "migrations");

interface Migration {
  version: number;
  name: string;
  up: string;
  down: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const [up, down = ""] = text.split(/^-- migrate:down\s*$/m);
      return { version: Number(file.slice(0, 3)), name: file.slice(4, -4), up: up!, down };
    });
}

export async function migrate(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<number[]> {
  await pool.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const applied = new Set((await pool.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
  const done: number[] = [];
  for (const migration of readMigrations(dir)) {
    if (applied.has(migration.version)) continue;
    await withTransaction(pool, async (client) => {
      // Several API instances may start at once: one applies, the others wait and skip.
      await client.query("SELECT pg_advisory_xact_lock(727274)");
      const again = await client.query("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version]);
      if (again.rowCount) return;
      await client.query(migration.up);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      done.push(migration.version);
    });
  }
  return done;
}

/** Undoes the newest applied migration (operators: `node scripts/migrate-down.ts`). */
export async function migrateDown(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<number | null> {
  const last = await pool.query<{ version: number }>("SELECT max(version) AS version FROM schema_migrations");
  const version = last.rows[0]?.version;
  if (version === null || version === undefined) return null;
  const migration = readMigrations(dir).find((m) => m.version === version);
  if (!migration) throw new Error(`migration ${version} is applied but its file is missing`);
  await withTransaction(pool, async (client) => {
    await client.query(migration.down);
    await client.query("DELETE FROM schema_migrations WHERE version = $1", [version]);
  });
  return version;
}
