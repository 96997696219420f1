// Liveness (/healthz: the process answers), readiness (/readyz: database and chain
// reachable), and Prometheus metrics (/metrics) of every route registered after it.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import client from "prom-client";
import { chainWritesHealth, registerOutboxMetrics } from "../chain/outbox-health.ts";
import { ledgerIntegrity } from "../ledger/coverage.ts";

const statusSchema = {
  type: "object",
  properties: {
    status: { type: "string" },
    database: { type: "string" },
    chain: { type: "string" },
    chainWrites: { type: "string" },
    ledger: { type: "string" },
  },
  required: ["status"],
} as const;

export interface Metrics {
  registry: client.Registry;
  requestDuration: client.Histogram<"method" | "route" | "status">;
}

/**
 * The boot step of the health feature: the metrics registry, with the process's default
 * metrics (they start an event-loop monitor, so this runs once per app, at boot).
 */
export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requestDuration = new client.Histogram({
    name: "onecode_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, requestDuration };
}

async function healthPlugin(app: FastifyInstance, options: Metrics): Promise<void> {
  const { registry, requestDuration: duration } = options;
  registerOutboxMetrics(client, registry, app.ctx.db.pool);
  app.addHook("onResponse", async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? "unknown", status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get("/healthz", { schema: { tags: ["health"], response: { 200: statusSchema } } }, async () => ({ status: "ok" }));

  app.get("/readyz", { schema: { tags: ["health"], response: { 200: statusSchema, 503: statusSchema } } }, async (_request, reply) => {
    const database = await app.ctx.db.pool
      .query("SELECT 1")
      .then(() => "up")
      .catch(() => "down");
    const chain = app.ctx.chain ? ((await app.ctx.chain.isReachable()) ? "up" : "down") : "not_configured";
    // Writes the chain refused need a person (an officer signs again, an operator looks), not a
    // traffic cut: the API stays ready (an unready API could not take the new signature) and
    // says "degraded"; /metrics (onecode_chain_writes_failed) is what alerts.
    const chainWrites = database === "up" ? await chainWritesHealth(app.ctx.db.pool) : "unknown";
    // Entries the anchoring worker refused (not appended by the API): the ledger needs an operator.
    const ledger = database === "up" ? await ledgerIntegrity(app.ctx.db.pool).then((l) => (l.alerts.length > 0 ? "refused_entries" : "ok"), () => "unknown") : "unknown";
    const ready = database === "up" && chain !== "down" && ledger !== "refused_entries";
    return reply.status(ready ? 200 : 503).send({ status: ready ? (chainWrites === "refused_writes" ? "degraded" : "ready") : "not_ready", database, chain, chainWrites, ledger });
  });

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

export default fp(healthPlugin, { name: "onecode-health" });
