// Fault scenario: a long outbox backlog (the chain writes of `count` enrolments, queued
// while no worker ran) drained by the outbox worker in a process of its own, with the
// rate measured in fixed time windows, then checked: every code issued on chain exactly
// once, nothing open, nothing failed. The test runs it small; `npm run faults` with 100,000.
import { fillSubjects } from "./_fill.ts";
import { auditCodes, openChainWrites, sleep, startFaultStack, startWorker, type CodeAudit } from "./_stack.ts";

export interface DrainWindow {
  /** Seconds since the worker started, at the end of the window. */
  atSeconds: number;
  done: number;
  perSecond: number;
}

export interface OutboxDrainResult {
  count: number;
  fillSeconds: number;
  drainSeconds: number;
  /** Writes per second over the whole drain. */
  rate: number;
  windows: DrainWindow[];
  /** Slowest full window over the median full window (1 = perfectly steady). */
  steadiness: number;
  transactions: number;
  audit: CodeAudit;
}

export async function runOutboxDrain(options: {
  count: number;
  windowMs?: number;
  maxIssueBatch?: number;
  log?: (line: string) => void;
}): Promise<OutboxDrainResult> {
  const log = options.log ?? (() => {});
  const windowMs = options.windowMs ?? 5000;
  const stack = await startFaultStack({
    name: "outbox",
    chain: { persist: false },
    extra: {
      WORKERS: "outbox",
      OUTBOX_POLL_MS: "100",
      ...(options.maxIssueBatch ? { OUTBOX_MAX_ISSUE_BATCH: String(options.maxIssueBatch) } : {}),
    },
  });
  const { chain, db, keys } = stack;
  const client = chain.client();
  try {
    log(`filling the outbox with ${options.count} enrolments (no worker running)`);
    let lastReport = 0;
    const fill = await fillSubjects(db.pool, Buffer.from(keys.SUBJECT_COMMITMENT_KEY, "hex"), options.count, {
      chunk: 500,
      onProgress: (done) => {
        if (done - lastReport >= 20_000) {
          lastReport = done;
          log(`  ${done} enrolled`);
        }
      },
    });
    const open = () => openChainWrites(db.pool);
    const backlog = await open();
    if (backlog !== options.count) throw new Error(`expected ${options.count} open outbox rows, found ${backlog}`);
    log(`outbox filled: ${backlog} open writes in ${fill.seconds.toFixed(1)} s; starting the worker`);

    const worker = await startWorker(stack.env);
    const windows: DrainWindow[] = [];
    let drainSeconds: number;
    try {
      const started = performance.now();
      // Bounded: a drain slower than 50 writes/s (plus a minute) counts as stuck.
      const deadline = started + 60_000 + (options.count / 50) * 1000;
      let prevDone = 0;
      let prevAt = started;
      for (;;) {
        await sleep(Math.min(windowMs, 500));
        const now = performance.now();
        const left = await open();
        const done = options.count - left;
        if (now - prevAt >= windowMs || left === 0) {
          const w = { atSeconds: (now - started) / 1000, done: done - prevDone, perSecond: (done - prevDone) / ((now - prevAt) / 1000) };
          windows.push(w);
          log(`  t=${w.atSeconds.toFixed(1)} s: ${done}/${options.count} done, ${w.perSecond.toFixed(0)} writes/s in this window`);
          prevDone = done;
          prevAt = now;
        }
        if (left === 0) break;
        if (now > deadline) throw new Error(`outbox not drained in time: ${left} open\n${worker.output().slice(-3000)}`);
      }
      drainSeconds = (performance.now() - started) / 1000;
      await worker.stop();
    } finally {
      await worker.kill9();
    }
    const full = windows.slice(1, -1).map((w) => w.perSecond).sort((a, b) => a - b);
    const median = full.length ? full[Math.floor(full.length / 2)]! : 0;
    const steadiness = full.length ? full[0]! / median : 1;
    const transactions = Number(
      (await db.pool.query<{ n: number }>("SELECT count(DISTINCT tx_hash)::int AS n FROM chain_outbox WHERE status = 'done'")).rows[0]!.n,
    );
    const audit = await auditCodes(db.pool, client);
    return { count: options.count, fillSeconds: fill.seconds, drainSeconds, rate: options.count / drainSeconds, windows, steadiness, transactions, audit };
  } finally {
    await stack.close();
  }
}
