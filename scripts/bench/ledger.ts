// `npm run bench -- ledger [--json]`: the hash-chained ledger and its anchoring.
//  - appends per second against the PostgreSQL server (DATABASE_URL, default 127.0.0.1:5432):
//    batched transactions (500 entries each) and single-entry transactions;
//  - anchoring gas per entry at 1,000-entry batches on anvil (the real CreditLedger);
//  - time from append to anchored (p50/p95) with the anchoring worker running every 200 ms.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { JsonRpcProvider, Wallet } from "ethers";
import { openDatabase, withTransaction, type Database } from "../../api/src/db/database.ts";
import { migrate } from "../../api/src/db/migrate.ts";
import { appendEntries, appendEntry } from "../../api/src/ledger/append.ts";
import { createChainClient } from "../../api/src/chain/client.ts";
import { createAnchorWorker } from "../../api/src/ledger/anchor-worker.ts";
import type { Config } from "../../api/src/config.ts";
import { deployOneCode } from "../lib/deployment.ts";
import { fundOnAnvil, startAnvil } from "../lib/anvil.ts";

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function freshDatabase(): Promise<{ db: Database; drop(): Promise<void> }> {
  const name = `onecode_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: "." }, 4);
  await migrate(db.pool);
  return {
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: SERVER });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const entry = (i: number) => ({ type: "bench.entry", payload: { i, note: "x".repeat(64) }, actor: "system:bench", subjectRef: `bench-${i}` });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const rows: Array<[string, string]> = [];

  // 1. Appends against the PostgreSQL server.
  const { db, drop } = await freshDatabase();
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
    await drop();
  }
  rows.push(["append, 500-entry transactions (entries/s)", appendPerSec.toFixed(0)]);
  rows.push(["append, single-entry transactions (entries/s)", singlePerSec.toFixed(0)]);

  // 2. and 3. Anchoring on anvil.
  const anvil = await startAnvil();
  const fresh = await freshDatabase();
  let anchorGasPerEntry = NaN;
  let p50 = NaN;
  let p95 = NaN;
  try {
    const signer = Wallet.createRandom();
    await fundOnAnvil(anvil.url, signer.address);
    const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true });
    const deployment = await deployOneCode({
      signer: new Wallet(signer.privateKey, provider),
      roles: { registrar: signer.address, creditAgency: signer.address, repairOfficers: [signer.address], anchorer: signer.address },
    });
    provider.destroy();
    const chain = createChainClient({ rpcUrl: anvil.url, deployment, signerKey: signer.privateKey, pollMs: 20 });
    const config = { anchorIntervalMs: 200, anchorMaxBatch: 1000, outboxPollMs: 50 } as Config;
    const ctx = { db: fresh.db, chain, config };

    for (let b = 0; b < 5; b++) await withTransaction(fresh.db.pool, (c) => appendEntries(c, Array.from({ length: 1000 }, (_, i) => entry(b * 1000 + i))));
    const worker = createAnchorWorker(ctx);
    await worker.runOnce();
    const anchors = (await fresh.db.pool.query<{ tx_hash: string; n: number }>("SELECT tx_hash, (to_seq - from_seq + 1)::int AS n FROM anchors ORDER BY idx")).rows;
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
      await withTransaction(fresh.db.pool, (c) => appendEntries(c, Array.from({ length: 10 }, () => entry(i++))));
      await new Promise((r) => setTimeout(r, 20));
    }
    await worker.drain(30_000);
    await worker.stop();
    const lat = (
      await fresh.db.pool.query<{ ms: number }>(
        `SELECT extract(epoch FROM (a.confirmed_at - l.created_at)) * 1000 AS ms
           FROM ledger l JOIN anchors a ON l.seq BETWEEN a.from_seq AND a.to_seq WHERE l.seq >= $1`,
        [startSeq],
      )
    ).rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    p50 = percentile(lat, 50);
    p95 = percentile(lat, 95);
    rows.push(["append-to-anchored latency p50 (ms)", p50.toFixed(0)]);
    rows.push(["append-to-anchored latency p95 (ms)", p95.toFixed(0)]);
    await chain.close();
  } finally {
    await fresh.drop();
    await anvil.kill();
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
