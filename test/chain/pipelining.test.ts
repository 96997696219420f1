// The pipelined outbox worker on a real EVM: rounds in flight together never touch the same
// on-chain state (a suspend queued behind its subject's issue waits until the issue is mined,
// instead of being estimated against a chain that has no such code yet and failing for good),
// and many rounds at once still apply every write exactly once, on both databases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { startBenchChain, type BenchChain } from "../../scripts/bench/_chain.ts";
import type { ChainClient } from "../../api/src/chain/client.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { enqueueChainWrite, listOutbox } from "../../api/src/chain/outbox.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";
import { chainIssuedCodes } from "../helpers/chain-events.ts";
import { personId } from "../helpers/identifiers.ts";

describe.each([["server", false], ["embedded", true]] as const)("pipelined outbox (%s database)", (_mode, embedded) => {
  let bench: BenchChain;
  let chain: { chain: ChainClient };
  let t: TestApp;
  beforeAll(async () => {
    // Blocks every second (not one per transaction): a round stays in flight while the next is prepared.
    bench = await startBenchChain({ persist: false, mineEverySeconds: 1 });
    chain = { chain: bench.client({ pollMs: 50 }) };
    t = await buildTestApp({ embedded, chain: chain.chain });
  });
  afterAll(async () => {
    await t?.close();
    await bench?.stop();
  });

  it("holds a write back while a round in flight touches its state, and applies everything once", { timeout: 120_000 }, async () => {
    const headers = await t.auth("registrar");
    const enrolled: Array<{ id: string; codeId: string }> = [];
    for (let i = 0; i < 30; i++) {
      const res = await t.app.inject({ method: "POST", url: "/v1/persons", headers, payload: { idNumber: personId(41_000 + i), name: "管道" } });
      expect(res.statusCode).toBe(201);
      enrolled.push(res.json());
    }
    // Queued right behind the issues: suspend subject 0, and subject 7 (issued in a later round).
    const subject = async (id: string) => `0x${((await t.db.pool.query("SELECT commitment FROM subjects WHERE id = $1", [id])).rows[0].commitment as Buffer).toString("hex")}`;
    const [s0, s7] = [await subject(enrolled[0]!.id), await subject(enrolled[7]!.id)]; // outside the transaction: the embedded pool has one connection
    const suspends = await withTransaction(t.db.pool, async (c) => [
      await enqueueChainWrite(c, { kind: "code.suspend", subject: s0, codeId: `0x${enrolled[0]!.codeId}` }),
      await enqueueChainWrite(c, { kind: "code.suspend", subject: s7, codeId: `0x${enrolled[7]!.codeId}` }),
    ]);
    // Rounds of up to 3 transactions × 4 codes: the 30 issues take three rounds, in flight at once; the
    // third has room for the suspend of subject 0, whose issue (first round) is not mined yet.
    const worker = createOutboxWorker(t.ctx, { maxIssueBatch: 4, maxUnitsPerRound: 3, pipelineDepth: 4 });
    let round = await worker.runOnce();
    for (let i = 0; i < 5 && round.done > 0 && (await listOutbox(t.db.pool, { status: "pending" })).length > 0; i++) round = await worker.runOnce();

    const rows = await listOutbox(t.db.pool);
    expect(rows.filter((r) => r.status !== "done").map((r) => [r.id, r.kind, r.status, r.error])).toEqual([]);
    for (const [n, id] of suspends.entries()) {
      const [, , status] = await chain.chain.codeRegistry.getFunction("codeOf")(n === 0 ? s0 : s7);
      expect(Number(status), `suspend row ${id}`).toBe(2);
    }
    // Each code issued once; the issues went out in 8 transactions (4 codes each, the last 2).
    const issued = await chainIssuedCodes(chain.chain);
    expect(new Set(issued).size).toBe(issued.length);
    expect(issued.length).toBe(30);
    expect(new Set(rows.filter((r) => r.kind === "code.issue").map((r) => r.txHash)).size).toBe(8);
  });
});
