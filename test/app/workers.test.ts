// Leader election of the background workers on a PostgreSQL server: one leader at a
// time, and a leader whose lock session dies stands down and elections resume.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkers, type Workers } from "../../api/src/workers.ts";
import { systemClock, type AppContext } from "../../api/src/context.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { testConfig } from "../helpers/app.ts";

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("worker leader election (PostgreSQL server)", () => {
  let db: TestDatabase;
  let a: Workers;
  let b: Workers;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it("elects one leader, and another takes over when the leader's session dies", async () => {
    const ctx: AppContext = { config: testConfig(), db, clock: systemClock, chain: null };
    a = startWorkers(ctx, { electionIntervalMs: 50 });
    await until(() => a.isLeader());
    b = startWorkers(ctx, { electionIntervalMs: 50 });
    await new Promise((r) => setTimeout(r, 300));
    expect(b.isLeader()).toBe(false);

    // Kill the session that holds the lock (what a database restart or failover does).
    const killed = await db.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 727275 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    expect(killed.rowCount).toBe(1);
    await until(() => !a.isLeader()); // the old leader notices and stands down
    await until(() => a.isLeader() || b.isLeader());
    expect(a.isLeader() && b.isLeader()).toBe(false);
    // Exactly one leads again, and the lock has exactly one holder in this database (other test
    // files run their own workers, with the same lock id, in their own databases at the same time).
    const holders = await db.pool.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 727275 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    expect(holders.rows[0].n).toBe(1);
  });
});
