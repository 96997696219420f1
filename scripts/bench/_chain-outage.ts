// Fault scenario: the chain node stops for a while under write load. The API (its own
// process, workers on) keeps enrolling (201s, chain writes wait in the outbox) and keeps
// answering; /readyz reports the chain down while it is; after the node is back the
// backlog drains (measured), and every code is issued and every entry anchored exactly once.
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { HttpClient, startApiProcess } from "./_http.ts";
import { openChainWrites, sleep, startFaultStack, checkExactlyOnce, unanchoredEntries, type ExactlyOnce } from "./_stack.ts";
import { startEnrolWriters, startProbes, type WriteRecord } from "./_writers.ts";

export interface PhaseStats {
  requests: number;
  created: number;
  serverErrors: number;
  other: number;
  p99Ms: number;
}

export interface ChainOutageResult extends ExactlyOnce {
  outageSeconds: number;
  before: PhaseStats;
  during: PhaseStats;
  /** Readiness probes during the outage (after the first second) and how many said chain down. */
  readyDuring: { probes: number; chainDown: number; notReady: number };
  livenessFailures: number;
  /** Open outbox rows and unanchored entries when the node came back. */
  backlogWrites: number;
  backlogEntries: number;
  /** From the node's restart until the outbox is empty / every entry is anchored. */
  outboxDrainSeconds: number;
  anchorDrainSeconds: number;
  /** From the node's restart until the first backlog write is done (the workers' back-off shows here). */
  resumeSeconds: number;
  readyAgainSeconds: number;
  enrolledByApi: number;
  missingConfirmed: number;
}

function stats(records: WriteRecord[]): PhaseStats {
  const ms = records.map((r) => r.ms).sort((a, b) => a - b);
  return {
    requests: records.length,
    created: records.filter((r) => r.status === 201).length,
    serverErrors: records.filter((r) => r.status === 0 || r.status >= 500).length,
    other: records.filter((r) => r.status !== 201 && r.status !== 0 && r.status < 500).length,
    p99Ms: ms.length ? ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.99) - 1)]! : 0,
  };
}

export async function runChainOutage(options: { upSeconds?: number; outageSeconds?: number; concurrency?: number; log?: (l: string) => void } = {}): Promise<ChainOutageResult> {
  const log = options.log ?? (() => {});
  const upMs = (options.upSeconds ?? 3) * 1000;
  const outageMs = (options.outageSeconds ?? 10) * 1000;
  const stack = await startFaultStack({ name: "chain", chain: { relay: true }, extra: { ANCHOR_INTERVAL_MS: "200", OUTBOX_POLL_MS: "100", LOG_LEVEL: "error" } });
  const { chain, db, keys } = stack;
  const auditClient = chain.client();
  let api: Awaited<ReturnType<typeof startApiProcess>> | null = null;
  try {
    api = await startApiProcess(stack.env);
    const client = new HttpClient(api.url, 16);
    const token = await mintOperatorToken(Buffer.from(keys.OPERATOR_TOKEN_SECRET, "hex"), { sub: "registrar-fault", role: "registrar" });
    const writers = startEnrolWriters(client, `Bearer ${token}`, { concurrency: options.concurrency ?? 4, pauseMs: 5 });
    const probes = startProbes(client, writers.started, 250);

    await sleep(upMs);
    const stopAt = performance.now() - writers.started;
    log(`stopping the chain node after ${(stopAt / 1000).toFixed(1)} s`);
    await chain.stopNode();
    await sleep(outageMs);
    const backAt = performance.now() - writers.started;
    await writers.stop(); // the load ends with the outage: what follows is the drain
    const backlogWrites = await openChainWrites(db.pool);
    const backlogEntries = await unanchoredEntries(db.pool);
    log(`restarting the chain node: backlog ${backlogWrites} chain writes, ${backlogEntries} unanchored entries`);
    const restartStarted = performance.now();
    await chain.startNode();
    let outboxDrainSeconds = -1;
    let anchorDrainSeconds = -1;
    let readyAgainSeconds = -1;
    let resumeSeconds = -1;
    const doneCount = async () => Number((await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM chain_outbox WHERE status = 'done'")).rows[0]!.n);
    const doneAtRestart = await doneCount();
    const deadline = restartStarted + 120_000;
    while (outboxDrainSeconds < 0 || anchorDrainSeconds < 0 || readyAgainSeconds < 0) {
      const t = (performance.now() - restartStarted) / 1000;
      if (resumeSeconds < 0 && (await doneCount()) > doneAtRestart) resumeSeconds = t;
      if (outboxDrainSeconds < 0 && (await openChainWrites(db.pool)) === 0) outboxDrainSeconds = t;
      if (anchorDrainSeconds < 0 && (await unanchoredEntries(db.pool)) <= 0) anchorDrainSeconds = t;
      if (readyAgainSeconds < 0) {
        const r = await client.request("GET", "/readyz", { timeoutMs: 5000 });
        if (r.status === 200) readyAgainSeconds = t;
      }
      if (performance.now() > deadline) throw new Error(`no drain within 120 s of the restart:\n${api.child.output().slice(-3000)}`);
      await sleep(100);
    }
    await probes.stop();
    log(`drained: first write done ${resumeSeconds.toFixed(1)} s, outbox ${outboxDrainSeconds.toFixed(1)} s, anchors ${anchorDrainSeconds.toFixed(1)} s after the restart`);

    const w = writers.records;
    const during = w.filter((r) => r.at > stopAt + 500 && r.at <= backAt);
    const readyProbes = probes.records.filter((p) => p.path === "/readyz" && p.at > stopAt + 1000 && p.at <= backAt);
    const liveness = probes.records.filter((p) => p.path === "/healthz");
    const enrolledIds = [...writers.enrolled];
    const found = new Set(
      (await db.pool.query<{ id: string }>("SELECT id FROM subjects WHERE id = ANY($1::uuid[])", [enrolledIds])).rows.map((r) => r.id),
    );
    client.close();
    return {
      outageSeconds: outageMs / 1000,
      before: stats(w.filter((r) => r.at <= stopAt)),
      during: stats(during),
      readyDuring: {
        probes: readyProbes.length,
        chainDown: readyProbes.filter((p) => (p.body as { chain?: string })?.chain === "down").length,
        notReady: readyProbes.filter((p) => p.status === 503).length,
      },
      livenessFailures: liveness.filter((p) => p.status !== 200).length,
      backlogWrites,
      backlogEntries,
      outboxDrainSeconds,
      anchorDrainSeconds,
      resumeSeconds,
      readyAgainSeconds,
      enrolledByApi: writers.enrolled.size,
      ...(await checkExactlyOnce(db.pool, auditClient)),
      missingConfirmed: enrolledIds.filter((id) => !found.has(id)).length,
    };
  } finally {
    await api?.stop();
    await stack.close();
  }
}
