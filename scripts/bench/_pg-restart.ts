// Fault scenario: PostgreSQL restarts under load. A private PostgreSQL cluster (real
// server binaries, its own port; the shared server is never touched) is restarted three
// ways while the API (its own process, workers on, real anvil) takes enrolments and code
// verifications: a fast shutdown, an immediate shutdown (crash recovery at start), and a
// SIGKILL of the postmaster. Every answer must be a success or a 503 problem+json: no
// hang, no 500, no half-written enrolment; the API recovers by itself, and after the
// drain every code is issued and every entry anchored exactly once.
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { startPrivatePostgres } from "../lib/private-postgres.ts";
import { HttpClient, startApiProcess } from "./_http.ts";
import { sleep, startFaultStack, checkExactlyOnce, waitForDrain, type ExactlyOnce } from "./_stack.ts";
import { startEnrolWriters, type WriteRecord } from "./_writers.ts";

export class ApiDiedError extends Error {}

export type RestartMode = "fast" | "immediate" | "kill";

export interface RestartWindow {
  mode: RestartMode;
  /** ms since the load started. */
  downAt: number;
  upAt: number;
  /** Seconds the server was not accepting connections. */
  downSeconds: number;
  /** Seconds from the server accepting connections again to the API's next successful write. */
  recoverySeconds: number;
}

export interface PgRestartResult extends ExactlyOnce {
  windows: RestartWindow[];
  requests: number;
  successes: number;
  unavailable: number;
  /** Answers that were neither a success nor a clean 503 problem (500s, other codes). */
  unclean: Array<{ op: string; status: number; code?: string; contentType?: string; error?: string }>;
  /** Requests that never got an answer (client timeout, connection reset). */
  hangs: number;
  maxMs: number;
  /** 201s whose subject is not in the database afterwards. */
  lostConfirmed: number;
  /** Subjects in the database whose request was answered 503 (committed, answer lost): allowed, counted. */
  committedButUnavailable: number;
  subjects: number;
  drainSeconds: number;
  /** What the API logged for its 500s (error message and code), to name the cause. */
  apiErrors: string[];
}

export async function runPgRestart(options: { modes?: RestartMode[]; steadySeconds?: number; concurrency?: number; log?: (l: string) => void } = {}): Promise<PgRestartResult> {
  const log = options.log ?? (() => {});
  const modes = options.modes ?? ["fast", "immediate", "kill"];
  const steadyMs = (options.steadySeconds ?? 4) * 1000;
  const server = await startPrivatePostgres();
  let api: Awaited<ReturnType<typeof startApiProcess>> | null = null;
  let stack: Awaited<ReturnType<typeof startFaultStack>> | null = null;
  try {
    stack = await startFaultStack({ name: "pg", serverUrl: server.url, poolSize: 2, extra: { ANCHOR_INTERVAL_MS: "300", OUTBOX_POLL_MS: "200", LOG_LEVEL: "error" } });
    const { chain, db, keys } = stack;
    api = await startApiProcess(stack.env);
    const client = new HttpClient(api.url, 16);
    const secret = Buffer.from(keys.OPERATOR_TOKEN_SECRET, "hex");
    const registrar = `Bearer ${await mintOperatorToken(secret, { sub: "registrar-fault", role: "registrar" })}`;
    const kiosk = { authorization: `Bearer ${await mintOperatorToken(secret, { sub: "kiosk-fault", role: "kiosk" })}` };
    const writers = startEnrolWriters(client, registrar, { concurrency: options.concurrency ?? 3, pauseMs: 10, timeoutMs: 20_000, seed: 123 });

    // Readers: a code scanned over and over (a read path through the same database).
    await sleep(1000);
    const someone = [...writers.enrolled][0];
    if (!someone) throw new Error("no enrolment succeeded before the faults");
    const code = await client.request("GET", `/v1/subjects/${someone}/code`, { headers: kiosk });
    if (code.status !== 200) throw new Error(`code refresh: ${code.status} ${JSON.stringify(code.body)}`);
    const token = (code.body as { token: string }).token;
    const reads: WriteRecord[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const r = await client.request("POST", "/v1/codes/verify", { body: { token }, timeoutMs: 20_000 });
        const body = r.body as { code?: string } | null;
        reads.push({ at: performance.now() - writers.started, op: "verify", status: r.status, ms: r.ms, code: body?.code, contentType: r.contentType, error: r.error });
        await sleep(r.status === 200 ? 5 : 50);
      }
    })();

    const windows: RestartWindow[] = [];
    await sleep(steadyMs);
    for (const mode of modes) {
      const downAt = performance.now() - writers.started;
      log(`PostgreSQL ${mode} restart at ${(downAt / 1000).toFixed(1)} s`);
      if (mode === "kill") {
        await server.kill();
        await sleep(500);
        await server.start();
      } else {
        await server.stop(mode);
        await sleep(1000); // stays down for a moment under load
        await server.start();
      }
      const upAt = performance.now() - writers.started;
      windows.push({ mode, downAt, upAt, downSeconds: (upAt - downAt) / 1000, recoverySeconds: -1 });
      await sleep(steadyMs);
    }
    reading = false;
    await writers.stop();
    await reader;

    // The API process must have lived through it all.
    if (api.child.proc.exitCode !== null || api.child.proc.signalCode !== null) {
      throw new ApiDiedError(`the API process died during the restarts (exit ${api.child.proc.exitCode ?? api.child.proc.signalCode}):\n${api.child.output().slice(-2500)}`);
    }
    const all = [...writers.records, ...reads].sort((a, b) => a.at - b.at);
    for (const w of windows) {
      const next = all.find((r) => r.at > w.upAt && r.op !== "verify" && r.status === 201);
      w.recoverySeconds = next ? (next.at - w.upAt) / 1000 : -1;
    }
    const isSuccess = (r: WriteRecord) => (r.op === "verify" ? r.status === 200 : r.status === 201);
    const isClean503 = (r: WriteRecord) => r.status === 503 && /application\/problem\+json/.test(r.contentType ?? "") && typeof r.code === "string";
    const unclean = all
      .filter((r) => r.status !== 0 && !isSuccess(r) && !isClean503(r))
      .map((r) => ({ op: r.op, status: r.status, code: r.code, contentType: r.contentType, error: r.error }));
    const hangs = all.filter((r) => r.status === 0).length;

    // After the faults: no confirmed enrolment lost (the whole-database checks follow the drain).
    const enrolledIds = [...writers.enrolled];
    const found = new Set((await db.pool.query<{ id: string }>("SELECT id FROM subjects WHERE id = ANY($1::uuid[])", [enrolledIds])).rows.map((r) => r.id));
    const subjects = Number((await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM subjects")).rows[0]!.n);

    // The workers in the API drain what the load left: the chain writes and the anchors.
    const child = api.child;
    const drainSeconds = await waitForDrain(db.pool, { timeoutMs: 90_000, context: () => child.output().slice(-3000) });
    const apiErrors = api.child
      .output()
      .split("\n")
      .filter((l) => l.includes("unhandled error"))
      .map((l) => {
        try {
          const j = JSON.parse(l) as { err?: { message?: string; code?: string; type?: string } };
          return `${j.err?.type ?? "Error"} ${j.err?.code ?? ""} ${j.err?.message ?? ""}`.trim();
        } catch {
          return l.slice(0, 300);
        }
      });
    const auditChain = chain.client();
    client.close();
    return {
      windows,
      requests: all.length,
      successes: all.filter(isSuccess).length,
      unavailable: all.filter(isClean503).length,
      unclean,
      hangs,
      maxMs: all.reduce((m, r) => Math.max(m, r.ms), 0),
      lostConfirmed: enrolledIds.filter((id) => !found.has(id)).length,
      committedButUnavailable: subjects - found.size,
      subjects,
      drainSeconds,
      apiErrors: [...new Set(apiErrors)],
      ...(await checkExactlyOnce(db.pool, auditChain)),
    };
  } finally {
    await api?.stop();
    await stack?.close();
    await server.destroy();
  }
}
