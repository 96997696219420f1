// THE chain-outage test: the chain goes away mid-way, the API keeps taking writes, the
// chain comes back, and every entry ends up anchored exactly once and every code issued once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { startWorkers, type Workers } from "../../api/src/workers.ts";
import { listOutbox } from "../../api/src/chain/outbox.ts";
import { chainAnchors, chainIssuedCodes, expectAnchorsExactlyOnce } from "../helpers/chain-events.ts";
import { verifyChain } from "../helpers/ledger.ts";
import { personId, uscc } from "../helpers/identifiers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("chain outage mid-way (PostgreSQL server, anvil)", () => {
  let chain: TestChain;
  let t: TestApp;
  let workers: Workers;
  beforeAll(async () => {
    chain = await startTestChain();
    t = await buildTestApp({ chain: chain.chain, config: { anchorIntervalMs: 100, outboxPollMs: 50, anchorMaxBatch: 7 } });
    workers = startWorkers(t.ctx);
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.close();
    await chain?.stop();
  });

  it("keeps serving while the chain is down and anchors every entry exactly once when it returns", async () => {
    const headers = await t.auth("registrar");
    let n = 0;
    const persons: string[] = [];
    const enrol = async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/persons", headers, payload: { idNumber: personId(5000 + n++), name: "黄小明" } });
      expect(res.statusCode).toBe(201);
      persons.push(res.json().id);
    };
    for (let i = 0; i < 8; i++) await enrol();
    await until("first anchors", async () => (await chainAnchors(chain.chain)).length >= 1);

    // Cut the chain while the workers are busy, with writes still arriving.
    const writing = (async () => {
      for (let i = 0; i < 6; i++) await enrol();
    })();
    await chain.anvil.stop();
    await writing;
    const ready = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ database: "up", chain: "down" });
    for (let i = 0; i < 10; i++) await enrol();
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers, payload: { uscc: uscc(5000 + i), name: "佛山市某某制造有限公司", legalRepresentativeId: persons[i] } });
      expect(res.statusCode).toBe(201);
    }
    await sleep(1500); // the workers fail and back off meanwhile
    const open = await listOutbox(t.db.pool);
    expect(open.some((r) => r.status !== "done")).toBe(true);

    await chain.anvil.restart();
    expect((await t.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) await enrol();

    const head = async () => (await t.db.pool.query("SELECT seq FROM ledger_head")).rows[0].seq as number;
    await until("outbox drained", async () => (await listOutbox(t.db.pool)).every((r) => r.status === "done"), 60_000);
    await until("everything anchored", async () => {
      const r = await t.db.pool.query("SELECT coalesce(max(to_seq), 0)::int AS m FROM anchors WHERE status = 'confirmed'");
      return r.rows[0].m === (await head());
    }, 60_000);

    const total = await verifyChain(t.db.pool);
    expect(total).toBe(await head());
    // 27 persons + 3 enterprises, two entries each
    expect(total).toBe(60);
    const anchors = await expectAnchorsExactlyOnce(chain.chain, t.db.pool);
    expect(anchors).toBeGreaterThanOrEqual(Math.ceil(60 / 7));

    const issued = await chainIssuedCodes(chain.chain);
    const codes = (await t.db.pool.query("SELECT code_id FROM codes ORDER BY code_id")).rows.map((r) => `0x${r.code_id}`);
    expect(new Set(issued).size).toBe(issued.length);
    expect([...issued].sort()).toEqual(codes);
    expect(codes).toHaveLength(30);
    const outbox = await listOutbox(t.db.pool);
    expect(outbox.filter((r) => r.status === "failed")).toEqual([]);
  });
});
