// Background workers of one API process: the chain outbox, the anchoring worker and
// the credit scheduler (免申即享: publicity ends by itself at the maximum period;
// records that just became repairable are flagged). Outbox and anchoring send from
// the chain client's one sender, so they share its nonces.
//
// Several API instances may run behind a load balancer; only one of them runs the
// workers at a time. On a PostgreSQL server the leader holds a session advisory lock
// on a dedicated connection; when it dies, its session ends, the lock frees, and
// another instance takes over within one election interval. The embedded database
// serves one process only, so there is nothing to elect.
import type pg from "pg";
import type { AppContext } from "./context.ts";
import { createOutboxWorker, type OutboxWorker } from "./chain/outbox-worker.ts";
import { createAnchorWorker, type AnchorWorker } from "./ledger/anchor-worker.ts";
import { runCreditScheduler } from "./repair/scheduler.ts";

export interface Workers {
  outbox: OutboxWorker;
  anchor: AnchorWorker;
  /** Whether this process currently runs the workers. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** How often the credit scheduler runs; 0 (the default) leaves it to the caller (tests drive it directly). */
  schedulerIntervalMs?: number;
  /** How often a follower tries to become the leader. */
  electionIntervalMs?: number;
}

const WORKER_LOCK = 727275;

export function startWorkers(ctx: AppContext, options: WorkerOptions = {}): Workers {
  const log = options.log ?? (() => {});
  const outbox = createOutboxWorker(ctx, { log: options.log });
  const anchor = createAnchorWorker(ctx, { log: options.log });
  const schedulerIntervalMs = options.schedulerIntervalMs ?? 0;
  let leader = false;
  let stopped = false;
  let lockClient: pg.PoolClient | null = null;
  let electionTimer: NodeJS.Timeout | null = null;
  let schedulerTimer: NodeJS.Timeout | null = null;

  function lead(): void {
    leader = true;
    log("workers: this instance leads");
    if (ctx.chain) {
      outbox.start();
      anchor.start();
    }
    if (schedulerIntervalMs > 0) {
      const tick = async () => {
        try {
          const run = await runCreditScheduler(ctx);
          if (run.expired.length || run.notified.length) log("credit scheduler", { expired: run.expired.length, notified: run.notified.length });
        } catch (error) {
          log("credit scheduler failed", { error: (error as Error).message });
        }
        if (!stopped) schedulerTimer = setTimeout(tick, schedulerIntervalMs);
      };
      schedulerTimer = setTimeout(tick, Math.min(1000, schedulerIntervalMs));
    }
  }

  function scheduleElection(): void {
    if (!stopped) electionTimer = setTimeout(() => void elect(), options.electionIntervalMs ?? 5000);
  }

  /**
   * The lock lives as long as its session: when the connection breaks (a database
   * restart, a terminated backend) another instance may already lead, so this one
   * stops its workers and stands for election again.
   */
  async function stepDown(): Promise<void> {
    if (!leader) return;
    leader = false;
    log("workers: lost the leader lock; standing down");
    if (schedulerTimer) clearTimeout(schedulerTimer);
    await Promise.all([outbox.stop(), anchor.stop()]);
    lockClient?.release(true);
    lockClient = null;
    scheduleElection();
  }

  async function elect(): Promise<void> {
    if (stopped || leader) return;
    try {
      if (!lockClient) {
        lockClient = await ctx.db.pool.connect();
        lockClient.on("error", () => void stepDown());
        lockClient.on("end", () => void stepDown());
      }
      const got = await lockClient.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [WORKER_LOCK]);
      if (got.rows[0]?.ok) return lead();
    } catch {
      lockClient?.release(true);
      lockClient = null;
    }
    scheduleElection();
  }

  if (ctx.db.mode === "embedded") lead();
  else void elect();

  return {
    outbox,
    anchor,
    isLeader: () => leader,
    async stop() {
      stopped = true;
      if (electionTimer) clearTimeout(electionTimer);
      if (schedulerTimer) clearTimeout(schedulerTimer);
      await Promise.all([outbox.stop(), anchor.stop()]);
      if (lockClient) {
        await lockClient.query("SELECT pg_advisory_unlock_all()").catch(() => {});
        lockClient.release();
        lockClient = null;
      }
    },
  };
}
