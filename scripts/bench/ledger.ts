// `npm run bench -- ledger [--json]`: the hash-chained ledger and its anchoring.
//  - appends per second against the PostgreSQL server (DATABASE_URL, default 127.0.0.1:5432):
//    batched transactions (500 entries each) and single-entry transactions;
//  - anchoring gas per entry at 1,000-entry batches on anvil (the real CreditLedger);
//  - time from append to anchored (p50/p95) with the anchoring worker running every 200 ms.
import { withTransaction } from "../../api/src/db/database.ts";
import { appendEntries, appendEntry } from "../../api/src/ledger/append.ts";
import { createAnchorWorker } from "../../api/src/ledger/anchor-worker.ts";
import type { Config } from "../../api/src/config.ts";
import { createBenchDatabase, startBenchChain } from "./_stack.ts";

const entry = (i: number) => ({ type: "bench.entry", payload: { i, note: "x".repeat(64) }, actor: "system:bench", subjectRef: `bench-${i}` });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const rows: Array<[string, string]> = [];

  // 1. Appends against the PostgreSQL server.
  const db = await createBenchDatabase({ poolSize: 4 });
  let appendPerSec: number;
  let singlePerSec: number;
  try {
    const batches = 40;
    const size = 500;
    let t = performance.now();
    for (let b = 0; b < batches; b++) await withTransaction(db.pool, (c) => appendEntries(c, Array.from({ length: size }, (_, i) => entry(b * size + i))));
    appendPerSec = (batches * size) / ((performance.now() - t) / 1000);
    const singles = 1000;
    t = performance.now();
    for (let i = 0; i < singles; i++) await withTransaction(db.pool, (c) => appendEntry(c, entry(i)));
    singlePerSec = singles / ((performance.now() - t) / 1000);
  } finally {
    await db.drop();
  }
  rows.push(["append, 500-entry transactions (entries/s)", appendPerSec.toFixed(0)]);
  rows.push(["append, single-entry transactions (entries/s)", singlePerSec.toFixed(0)]);

  // 2. and 3. Anchoring on anvil.
  const benchChain = await startBenchChain({ persist: false });
  const fresh = await createBenchDatabase({ poolSize: 4 });
  let anchorGasPerEntry = NaN;
  let p50 = NaN;
  let p95 = NaN;
  try {
    const chain = benchChain.client({ pollMs: 20 });
    const config = { anchorIntervalMs: 200, anchorMaxBatch: 1000, outboxPollMs: 50 } as Config;
    const ctx = { db: fresh, chain, config };

    for (let b = 0; b < 5; b++) await withTransaction(fresh.pool, (c) => appendEntries(c, Array.from({ length: 1000 }, (_, i) => entry(b * 1000 + i))));
    const worker = createAnchorWorker(ctx);
    await worker.runOnce();
    const anchors = (await fresh.pool.query<{ tx_hash: string; n: number }>("SELECT tx_hash, (to_seq - from_seq + 1)::int AS n FROM anchors ORDER BY idx")).rows;
    let gas = 0n;
    let entries = 0;
    for (const a of anchors) {
      const receipt = await chain.provider.getTransactionReceipt(a.tx_hash);
      gas += receipt!.gasUsed;
      entries += a.n;
    }
    anchorGasPerEntry = Number(gas) / entries;
    rows.push(["anchors of 1,000 entries (count)", String(anchors.length)]);
    rows.push(["anchor gas per transaction (mean)", (Number(gas) / anchors.length).toFixed(0)]);
    rows.push(["anchor gas per entry", anchorGasPerEntry.toFixed(1)]);

    // Latency: a steady trickle of appends while the worker anchors every 200 ms.
    const startSeq = entries + 1;
    worker.start();
    const until = Date.now() + 4000;
    let i = 0;
    while (Date.now() < until) {
      await withTransaction(fresh.pool, (c) => appendEntries(c, Array.from({ length: 10 }, () => entry(i++))));
      await new Promise((r) => setTimeout(r, 20));
    }
    await worker.drain(30_000);
    await worker.stop();
    const lat = (
      await fresh.pool.query<{ ms: number }>(
        `SELECT extract(epoch FROM (a.confirmed_at - l.created_at)) * 1000 AS ms
           FROM ledger l JOIN anchors a ON l.seq BETWEEN a.from_seq AND a.to_seq WHERE l.seq >= $1`,
        [startSeq],
      )
    ).rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    p50 = percentile(lat, 50);
    p95 = percentile(lat, 95);
    rows.push(["append-to-anchored latency p50 (ms)", p50.toFixed(0)]);
    rows.push(["append-to-anchored latency p95 (ms)", p95.toFixed(0)]);
  } finally {
    await fresh.drop();
    await benchChain.stop();
  }

  const width = Math.max(...rows.map(([k]) => k.length));
  console.log("ledger benchmark (PostgreSQL server; anvil)");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  const result = {
    appendPerSec: Math.round(appendPerSec),
    appendSingleTxPerSec: Math.round(singlePerSec),
    anchorGasPerEntry: Math.round(anchorGasPerEntry * 10) / 10,
    anchorLatencyP50Ms: Math.round(p50),
    anchorLatencyP95Ms: Math.round(p95),
  };
  if (json) console.log(JSON.stringify(result));
}

if (import.meta.main) await main(process.argv.slice(2));
