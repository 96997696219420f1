// Fault: the pipelined outbox worker is killed with SIGKILL while several rounds of
// transactions are in flight (signed, stored as 'sent', broadcast, receipts not yet
// recorded), again and again; each restart recovers from the stored bytes and the chain.
// In the end every code is issued on chain exactly once: one CodeIssued event per code,
// no outbox row open or failed. Real parts: PostgreSQL server, anvil with 1-s blocks (so
// rounds stay in flight long enough to be caught), the worker in a child process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainClient } from "../../api/src/chain/client.ts";
import { fillSubjects } from "../../scripts/bench/_fill.ts";
import { auditCodes, openChainWrites, sleep, startFaultStack, startWorker, type Child, type FaultStack } from "../../scripts/bench/_stack.ts";

const CRASHES = 4;
const COUNT = 16_000;
const ISSUE_BATCH = 25; // 16 transactions of 25 codes per round: 400 rows a round
const ROUND_ROWS = 16 * ISSUE_BATCH;

let stack: FaultStack;
let client: ChainClient;

beforeAll(async () => {
  stack = await startFaultStack({
    name: "outboxcrash",
    chain: { blockTime: 1 },
    extra: { WORKERS: "outbox", OUTBOX_POLL_MS: "50", OUTBOX_MAX_ISSUE_BATCH: String(ISSUE_BATCH), OUTBOX_PIPELINE_DEPTH: "4" },
  });
  client = stack.chain.client();
});

afterAll(async () => {
  await stack?.close();
});

/** Rows in flight now, the transactions they are in, and how many of those the chain already mined. */
async function inFlight(): Promise<{ rows: number; txs: string[]; mined: number }> {
  const rows = (await stack.db.pool.query<{ tx_hash: string; n: number }>("SELECT tx_hash, count(*)::int AS n FROM chain_outbox WHERE status = 'sent' GROUP BY tx_hash")).rows;
  let mined = 0;
  for (const r of rows.slice(0, 8)) if (await client.provider.getTransactionReceipt(r.tx_hash)) mined++;
  return { rows: rows.reduce((n, r) => n + r.n, 0), txs: rows.map((r) => r.tx_hash), mined };
}

describe("kill -9 of the pipelined outbox worker with rounds in flight", () => {
  it("issues every code exactly once after repeated crashes", { timeout: 240_000 }, async () => {
    await fillSubjects(stack.db.pool, Buffer.from(stack.keys.SUBJECT_COMMITMENT_KEY, "hex"), COUNT, { chunk: 500 });
    const kills: Array<{ rows: number; txs: number; mined: number }> = [];
    let worker: Child | null = null;
    try {
      for (let k = 0; k < CRASHES; k++) {
        worker = await startWorker(stack.env);
        // Wait until more than one round is in flight (more rows 'sent' than one round holds),
        // with some of its transactions mined and not yet recorded on odd rounds.
        const until = Date.now() + 40_000;
        let caught: { rows: number; txs: string[]; mined: number } | null = null;
        while (Date.now() < until) {
          const now = await inFlight();
          if (now.rows > ROUND_ROWS && (k % 2 === 0 || now.mined > 0)) {
            caught = now;
            break;
          }
          await sleep(20);
        }
        expect(caught, `crash ${k}: never more than one round in flight`).not.toBeNull();
        await worker.kill9();
        const after = await inFlight();
        kills.push({ rows: after.rows, txs: after.txs.length, mined: after.mined });
        expect(after.rows, `crash ${k}: ${JSON.stringify(kills)}`).toBeGreaterThan(0); // the killed rounds are still 'sent': nothing recorded them
      }
      const last = (worker = await startWorker(stack.env));
      const until = Date.now() + 120_000;
      while ((await openChainWrites(stack.db.pool)) > 0) {
        if (Date.now() > until) throw new Error(`outbox not drained in 120 s\n${last.output().slice(-3000)}`);
        await sleep(200);
      }
      await worker.stop();
    } finally {
      await worker?.kill9();
    }
    const audit = await auditCodes(stack.db.pool, client);
    console.log(`outbox crash: ${kills.map((k) => `${k.rows} rows in ${k.txs} txs (${k.mined} mined)`).join("; ")}; ${audit.issuedEvents} CodeIssued for ${audit.codes} codes`);
    expect(kills).toHaveLength(CRASHES);
    expect(kills.some((k) => k.mined > 0)).toBe(true);
    expect(kills.some((k) => k.txs > 16)).toBe(true); // more transactions in flight than one round has
    expect(audit.problems).toEqual([]);
    expect(audit.codes).toBe(COUNT);
    expect(audit.issuedEvents).toBe(COUNT);
  });
});
