import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { appendEntries, appendEntry } from "../../api/src/ledger/append.ts";
import { entryHash, GENESIS_HASH } from "../../protocol/ledger/entry.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";

for (const mode of ["server", "embedded"] as const) {
  describe(`ledger on ${mode} PostgreSQL`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase({ embedded: mode === "embedded" });
    });
    afterAll(async () => db?.drop());

    it("chains each entry to the one before it", async () => {
      await withTransaction(db.pool, (c) =>
        appendEntries(c, [
          { type: "test.a", payload: { b: 2, a: 1 }, actor: "test:x" },
          { type: "test.b", payload: { n: "二" }, actor: "test:y", subjectRef: "abc" },
        ]),
      );
      const rows = (await db.pool.query("SELECT * FROM ledger ORDER BY seq")).rows;
      expect(rows.map((r) => r.seq)).toEqual([1, 2]);
      expect(rows[0].payload).toBe('{"a":1,"b":2}');
      let prev: Uint8Array = GENESIS_HASH;
      for (const r of rows) {
        expect(Buffer.from(r.prev_hash).equals(Buffer.from(prev))).toBe(true);
        const recomputed = entryHash(prev, {
          seq: r.seq,
          type: r.type,
          payload: r.payload,
          subjectRef: r.subject_ref,
          actor: r.actor,
          createdAt: new Date(r.created_at).toISOString(),
        });
        expect(Buffer.from(recomputed).equals(r.hash)).toBe(true);
        prev = r.hash;
      }
    });

    it("leaves no trace of a transaction that failed", async () => {
      const before = (await db.pool.query("SELECT count(*)::int AS n FROM ledger")).rows[0].n;
      await expect(
        withTransaction(db.pool, async (c) => {
          await appendEntry(c, { type: "test.c", payload: {}, actor: "test:x" });
          throw new Error("domain write failed");
        }),
      ).rejects.toThrow("domain write failed");
      const after = (await db.pool.query("SELECT count(*)::int AS n FROM ledger")).rows[0].n;
      expect(after).toBe(before);
      const head = (await db.pool.query("SELECT seq FROM ledger_head")).rows[0].seq;
      expect(head).toBe(before);
    });

    it("refuses updates and deletes in the database itself", async () => {
      await expect(db.pool.query("UPDATE ledger SET payload = '{}' WHERE seq = 1")).rejects.toThrow(/append-only/);
      await expect(db.pool.query("DELETE FROM ledger WHERE seq = 1")).rejects.toThrow(/append-only/);
      await expect(db.pool.query("TRUNCATE ledger")).rejects.toThrow(/append-only/);
    });

    it("keeps sequence numbers gap-free under concurrent writers", async () => {
      const before = (await db.pool.query("SELECT max(seq)::int AS n FROM ledger")).rows[0].n as number;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          withTransaction(db.pool, (c) => appendEntry(c, { type: "test.concurrent", payload: { i }, actor: "test:x" })),
        ),
      );
      const seqs = (await db.pool.query<{ seq: number }>("SELECT seq FROM ledger WHERE seq > $1 ORDER BY seq", [before])).rows.map(
        (r) => r.seq,
      );
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => before + i + 1));
    });
  });
}

// Keep the pg import used for the type parser side effect check.
expect(typeof pg.types.getTypeParser).toBe("function");
