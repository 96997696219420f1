// What the outbox tells operators: writes the chain refused (status failed, with the contract's
// error name) that nobody has answered yet, and writes still waiting. /readyz names refused writes, /metrics counts them by
// kind, so an alert fires; the application a refused decision belongs to shows `chain_failed`.
import type client from "prom-client";
import type { Queryable } from "../db/database.ts";
import { CHAIN_WRITE_KINDS } from "./outbox.ts";

export interface OutboxCounts {
  failed: Record<string, number>;
  open: number;
}

export async function outboxCounts(db: Queryable): Promise<OutboxCounts> {
  // A refused decision write signed again, or a refused key write queued again, is resolved:
  // only the refusals nobody has answered yet count.
  const r = await db.query<{ kind: string; failed: number; open: number }>(
    `SELECT kind,
            count(*) FILTER (WHERE status = 'failed'
              AND NOT EXISTS (SELECT 1 FROM repair_decision_writes w JOIN repair_decision_writes later
                                ON later.application_id = w.application_id AND later.step = w.step AND later.record_id = w.record_id AND later.id > w.id
                               WHERE w.outbox_id = o.id)
              AND NOT (kind IN ('officer.register', 'officer.revoke') AND NOT EXISTS (SELECT 1 FROM officer_keys k WHERE k.outbox_id = o.id)))::int AS failed,
            count(*) FILTER (WHERE status IN ('pending', 'sent'))::int AS open
       FROM chain_outbox o WHERE status IN ('failed', 'pending', 'sent') GROUP BY kind`,
  );
  const failed: Record<string, number> = Object.fromEntries(CHAIN_WRITE_KINDS.map((k) => [k, 0]));
  let open = 0;
  for (const row of r.rows) {
    failed[row.kind] = row.failed;
    open += row.open;
  }
  return { failed, open };
}

/** "refused_writes" when the chain refused a write (a person must look), else "ok". */
export async function chainWritesHealth(db: Queryable): Promise<"ok" | "refused_writes" | "unknown"> {
  try {
    const { failed } = await outboxCounts(db);
    return Object.values(failed).some((n) => n > 0) ? "refused_writes" : "ok";
  } catch {
    return "unknown";
  }
}

/** Gauges read at each scrape: onecode_chain_writes_failed{kind} and onecode_chain_writes_open. */
export function registerOutboxMetrics(prom: typeof client, registry: client.Registry, db: Queryable): void {
  // One query per scrape serves both gauges.
  let last: Promise<OutboxCounts | null> | null = null;
  const counts = () =>
    (last ??= outboxCounts(db)
      .catch(() => null)
      .finally(() => setTimeout(() => (last = null), 100).unref()));
  new prom.Gauge({
    name: "onecode_chain_writes_failed",
    help: "Chain writes the contracts refused (outbox status failed), by kind",
    labelNames: ["kind"],
    registers: [registry],
    async collect() {
      const c = await counts();
      if (c) for (const [kind, n] of Object.entries(c.failed)) this.set({ kind }, n);
    },
  });
  new prom.Gauge({
    name: "onecode_chain_writes_open",
    help: "Chain writes queued or in flight",
    registers: [registry],
    async collect() {
      const c = await counts();
      if (c) this.set(c.open);
    },
  });
}
