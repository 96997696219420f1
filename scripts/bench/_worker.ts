// A worker process of its own (so a fault test can kill -9 it): the anchoring worker,
// the outbox worker or both, configured from the environment exactly as the API is
// (loadConfig), on the real database and chain.
//
//   WORKERS=anchor|outbox|both node scripts/bench/_worker.ts
// Prints "worker ready" once running; SIGTERM stops it cleanly.
import { loadConfig } from "../../api/src/config.ts";
import { openDatabase } from "../../api/src/db/database.ts";
import { chainClientFromConfig } from "../../api/src/chain/client.ts";
import { createAnchorWorker } from "../../api/src/ledger/anchor-worker.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";
import { systemClock, type AppContext } from "../../api/src/context.ts";

const config = loadConfig();
const which = process.env.WORKERS ?? "both";
const db = await openDatabase(config, 4);
const chain = chainClientFromConfig(config);
if (!chain) {
  console.error("worker: CHAIN_RPC_URL is required");
  process.exit(2);
}
const ctx: AppContext = { config, db, clock: systemClock, chain };
const log = (message: string, fields?: Record<string, unknown>) => console.log(`worker: ${message} ${fields ? JSON.stringify(fields) : ""}`);
const stops: Array<() => Promise<void>> = [];
if (which === "anchor" || which === "both") {
  const anchor = createAnchorWorker(ctx, { log });
  anchor.start();
  stops.push(() => anchor.stop());
}
if (which === "outbox" || which === "both") {
  const maxIssueBatch = process.env.OUTBOX_MAX_ISSUE_BATCH ? Number(process.env.OUTBOX_MAX_ISSUE_BATCH) : undefined;
  // Rounds in flight (test/faults/outbox-crash.test.ts kills the worker with several in flight).
  const pipelineDepth = process.env.OUTBOX_PIPELINE_DEPTH ? Number(process.env.OUTBOX_PIPELINE_DEPTH) : undefined;
  const outbox = createOutboxWorker(ctx, { log, maxIssueBatch, pipelineDepth });
  outbox.start();
  stops.push(() => outbox.stop());
}
console.log(`worker ready (${which}, pid ${process.pid})`);

const shutdown = async () => {
  for (const stop of stops) await stop();
  await chain.close();
  await db.close();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
