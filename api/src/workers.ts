// Background workers of one API process: the chain outbox and the anchoring worker.
// Both send from the chain client's one sender, so they share its nonces.
import type { AppContext } from "./context.ts";
import { createOutboxWorker, type OutboxWorker } from "./chain/outbox-worker.ts";
import { createAnchorWorker, type AnchorWorker } from "./ledger/anchor-worker.ts";

export interface Workers {
  outbox: OutboxWorker;
  anchor: AnchorWorker;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export function startWorkers(ctx: AppContext, options: WorkerOptions = {}): Workers {
  const outbox = createOutboxWorker(ctx, { log: options.log });
  const anchor = createAnchorWorker(ctx, { log: options.log });
  if (ctx.chain) {
    outbox.start();
    anchor.start();
  }
  return {
    outbox,
    anchor,
    async stop() {
      await Promise.all([outbox.stop(), anchor.stop()]);
    },
  };
}
