// `npm run bench -- verify [--json] [--seconds N] [--connections N] [--rounds N]`
//
// The online verify route against a minimal peer, measured in the same run, with the same
// load generator (autocannon in this process), the same connections, the same request
// body (the QR text of one real code) and the same cores:
//   peer  a bare Fastify route that verifies the token with jose and answers {valid}
//         (no status, no evidence), in a cluster of one worker per core;
//   api   POST /v1/codes/verify of the real API (token checks, key state, code status,
//         anchor evidence), in a cluster of one worker per core;
//   cold  the same API with its token cache off: every request pays the full check, as the
//         first scan of a code does.
// Rounds alternate peer, api, cold, so that drift from other load on the machine falls on
// all three. Each server process reports its own CPU time (process.cpuUsage of the cluster
// primary and every worker, over IPC) before and after a measured run: cpuUsPerVerify is
// that CPU divided by the requests answered. cryptoUsPerVerify is one Ed25519 verify with
// node:crypto (what the API uses), joseUsPerVerify one with jose (what the peer uses),
// both CPU per call on one thread with nothing else running. Also: the offline verifier
// library (jose/WebCrypto), one core. Needs PostgreSQL (DATABASE_URL or 127.0.0.1:5432).
import cluster, { type Worker as ClusterWorker } from "node:cluster";
import { randomBytes, verify as cryptoVerify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import Fastify from "fastify";
import { compactVerify, importJWK, type JWK } from "jose";
import { loadConfig } from "../../api/src/config.ts";
import { openDatabase } from "../../api/src/db/database.ts";
import { buildApp } from "../../api/src/app.ts";
import { prepareApp } from "../../api/src/boot.ts";
import { systemClock } from "../../api/src/context.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { issueCode } from "../../api/src/codes/issue.ts";
import { openKeySet } from "../../api/src/codes/keys.ts";
import type { CodesPluginOptions } from "../../api/src/codes/plugin.ts";
import { parseCompactJws, tokenFromScan } from "../../protocol/codes/token-format.ts";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { createBenchDatabase } from "./_database.ts";
import { randomKeys, stackEnv } from "./_child.ts";

// autocannon ships no types (and @types/autocannon is not installed): the few fields used here.
interface LoadResult {
  requests: { average: number; total: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<LoadResult>;

type ServerKind = "api" | "cold" | "peer";
interface CpuRequest {
  type: "cpu";
  id: number;
}
interface CpuReply {
  type: "cpu";
  id: number;
  us: number;
}
const isCpuRequest = (m: unknown): m is CpuRequest => typeof m === "object" && m !== null && (m as CpuRequest).type === "cpu";
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

// ------------------------------------------------------------------ server processes

/** A server process: a cluster primary forking one HTTP worker per core; it sums their CPU on request. */
async function serve(kind: ServerKind): Promise<void> {
  if (cluster.isPrimary) {
    const count = Number(process.env.ONECODE_BENCH_WORKERS ?? availableParallelism());
    const workers: ClusterWorker[] = [];
    let ready = 0;
    for (let i = 0; i < count; i += 1) {
      const w = cluster.fork();
      workers.push(w);
      w.on("message", (m) => {
        if (m === "ready" && ++ready === count) process.send?.("ready");
      });
    }
    const ask = (w: ClusterWorker, id: number) =>
      new Promise<number>((resolve) => {
        const listen = (m: unknown) => {
          if (isCpuRequest(m) && m.id === id) {
            w.off("message", listen);
            resolve((m as CpuReply).us);
          }
        };
        w.on("message", listen);
        w.send({ type: "cpu", id });
      });
    process.on("message", (m) => {
      if (!isCpuRequest(m)) return;
      void Promise.all(workers.map((w) => ask(w, m.id))).then((parts) => {
        const reply: CpuReply = { type: "cpu", id: m.id, us: parts.reduce((a, b) => a + b, cpuMicros()) };
        process.send?.(reply);
      });
    });
    process.on("SIGTERM", () => {
      for (const w of workers) w.kill();
      process.exit(0);
    });
    return;
  }
  process.on("message", (m) => {
    if (isCpuRequest(m)) process.send?.({ type: "cpu", id: m.id, us: cpuMicros() } satisfies CpuReply);
  });
  const config = loadConfig(process.env);
  if (kind === "peer") {
    const key = await importJWK(JSON.parse(process.env.ONECODE_BENCH_JWK!) as JWK, "EdDSA");
    const app = Fastify({ logger: false });
    app.post("/v1/codes/verify", async (request) => {
      const { token } = request.body as { token: string };
      try {
        await compactVerify(tokenFromScan(token), key, { algorithms: ["EdDSA"] });
        return { valid: true };
      } catch {
        return { valid: false };
      }
    });
    await app.listen({ host: config.host, port: config.port });
  } else {
    const db = await openDatabase(config, 4);
    const ctx = { config, db, clock: systemClock, chain: null };
    const boot = await prepareApp(ctx);
    if (kind === "cold") {
      const codes: CodesPluginOptions = { ...boot.codes, tokenCacheEntries: 0 };
      boot.codes = codes;
    }
    const app = await buildApp(ctx, { logger: false, boot });
    await app.listen({ host: config.host, port: config.port });
  }
  process.send?.("ready");
}

interface Server {
  kind: ServerKind;
  url: string;
  /** CPU microseconds the whole server (primary and workers) has used so far. */
  cpu(): Promise<number>;
  stop(): void;
}

async function startServer(kind: ServerKind, env: Record<string, string>, workers: number, extra: Record<string, string> = {}): Promise<Server> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child: ChildProcess = spawn(process.execPath, [import.meta.filename], {
    env: { ...env, PORT: String(port), ONECODE_BENCH_SERVE: kind, ONECODE_BENCH_WORKERS: String(workers), ...extra },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (c) => reject(new Error(`${kind} server exited (${c})`)));
  });
  let next = 0;
  return {
    kind,
    url: `http://127.0.0.1:${port}/v1/codes/verify`,
    cpu: () =>
      new Promise<number>((resolve) => {
        const id = ++next;
        const listen = (m: unknown) => {
          if (isCpuRequest(m) && m.id === id) {
            child.off("message", listen);
            resolve((m as CpuReply).us);
          }
        };
        child.on("message", listen);
        child.send({ type: "cpu", id } satisfies CpuRequest);
      }),
    stop: () => child.kill("SIGTERM"),
  };
}

// ------------------------------------------------------------------ measurements

interface Run {
  perSec: number;
  p99Ms: number;
  cpuUsPerVerify: number;
  errors: number;
}

async function measure(server: Server, body: string, connections: number, seconds: number): Promise<Run> {
  const load = { url: server.url, method: "POST", headers: { "content-type": "application/json" }, body, connections };
  await autocannon({ ...load, duration: 1 }); // warm-up (JIT, pools, caches)
  const before = await server.cpu();
  const result = await autocannon({ ...load, duration: seconds });
  const after = await server.cpu();
  return {
    perSec: result.requests.average,
    p99Ms: result.latency.p99,
    cpuUsPerVerify: result.requests.total > 0 ? (after - before) / result.requests.total : Number.NaN,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/** CPU microseconds per call of `fn` on this thread (nothing else running). */
async function cpuPerCall(fn: () => unknown, calls: number): Promise<number> {
  for (let i = 0; i < Math.min(1000, calls); i += 1) await fn();
  const before = cpuMicros();
  for (let i = 0; i < calls; i += 1) await fn();
  return (cpuMicros() - before) / calls;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function main(args: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback);
  const json = args.includes("--json");
  const seconds = flag("--seconds", 5);
  const connections = flag("--connections", 64);
  const rounds = flag("--rounds", 2);
  const cores = availableParallelism();

  // A database with one enrolled subject and its code, made through the API in this process.
  const db = await createBenchDatabase({ poolSize: 2 });
  const dataDir = mkdtempSync(join(tmpdir(), "onecode-bench-"));
  const env = stackEnv({
    databaseUrl: db.url,
    keys: randomKeys(),
    dataDir,
    // The load generator is one client: the per-client rate limit of the verify route would
    // refuse most of its requests, so its address is allowed (the limiter still runs).
    extra: { PUBLIC_URL: "http://bench.onecode.test", CODE_TTL_SECONDS: "3600", ANCHOR_INTERVAL_MS: "1000", LOG_LEVEL: "silent", RATE_LIMIT_ALLOW: "127.0.0.1" },
  });
  const config = loadConfig(env);
  const servers: Server[] = [];
  try {
    const app = await buildApp({ config, db, clock: systemClock, chain: null }, { logger: false });
    await app.ready();
    const subjectId = (await db.pool.query<{ id: string }>(
      `INSERT INTO subjects (kind, identifier, name, display_name, commitment, created_by) VALUES ('person', $1, '张三', '张*三', $2, 'bench') RETURNING id`,
      [randomBytes(9).toString("hex"), randomBytes(32)],
    )).rows[0]!.id;
    await withTransaction(db.pool, (client) => issueCode(client, { subjectId, commitment: randomBytes(32), kind: "person", actor: "bench", at: new Date() }));
    const auth = `Bearer ${await mintOperatorToken(config.operatorTokenSecret, { sub: "bench", role: "kiosk" })}`;
    const code = (await app.inject({ url: `/v1/subjects/${subjectId}/code`, headers: { authorization: auth } })).json() as { token: string; qrText: string };
    const jwks = (await app.inject({ url: "/.well-known/jwks.json" })).json() as { keys: JWK[] };
    const statusListToken = (await app.inject({ url: "/v1/status-lists/1" })).body;
    await app.close();

    // One verify on one thread: node:crypto (the API's path) and jose (the peer's).
    const jws = parseCompactJws(tokenFromScan(code.qrText));
    const key = openKeySet(config.codeKeysDir, { clock: systemClock, retainSeconds: 3600 }).current();
    if (!cryptoVerify(null, jws.signingInput, key.publicKey, jws.signature)) throw new Error("token does not verify");
    const cryptoUs = await cpuPerCall(() => cryptoVerify(null, jws.signingInput, key.publicKey, jws.signature), 20_000);
    const joseKey = await importJWK(jwks.keys[0]!, "EdDSA");
    const joseUs = await cpuPerCall(() => compactVerify(code.token, joseKey, { algorithms: ["EdDSA"] }), 5_000);

    // The offline library, one core.
    const offline = await createOfflineVerifier({ jwks, statusListToken, issuer: config.publicUrl, maxDataAgeSeconds: 3600 });
    if (!(await offline.verify(code.qrText)).valid) throw new Error("offline verifier refused the bench token");
    let n = 0;
    const end = Date.now() + Math.min(seconds, 3) * 1000;
    const started = performance.now();
    while (Date.now() < end) {
      await offline.verify(code.qrText);
      n += 1;
    }
    const offlinePerSec = n / ((performance.now() - started) / 1000);

    // The three servers, each a cluster of `cores` workers; idle while another is measured.
    const kinds: ServerKind[] = ["peer", "api", "cold"];
    for (const kind of kinds) servers.push(await startServer(kind, env, cores, kind === "peer" ? { ONECODE_BENCH_JWK: JSON.stringify(jwks.keys[0]) } : {}));
    const body = JSON.stringify({ token: code.qrText });
    for (const server of servers) {
      const res = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body });
      const verdict = (await res.json()) as { valid: boolean };
      if (!verdict.valid) throw new Error(`${server.kind} refused the bench token: ${JSON.stringify(verdict)}`);
    }
    const runs: Record<ServerKind, Run[]> = { peer: [], api: [], cold: [] };
    for (let r = 0; r < rounds; r += 1) {
      for (const server of servers) runs[server.kind].push(await measure(server, body, connections, seconds));
    }
    const summary = (kind: ServerKind) => ({
      perSec: mean(runs[kind].map((x) => x.perSec)),
      cpuUs: mean(runs[kind].map((x) => x.cpuUsPerVerify)),
      p99Ms: Math.max(...runs[kind].map((x) => x.p99Ms)),
      errors: runs[kind].reduce((a, x) => a + x.errors, 0),
    });
    const [peer, api, cold] = [summary("peer"), summary("api"), summary("cold")];

    const out = {
      algorithm: "EdDSA (Ed25519)",
      peerVerifyPerSec: Math.round(peer.perSec),
      httpVerifyPerSec: Math.round(api.perSec),
      ratioToPeer: Number((api.perSec / peer.perSec).toFixed(3)),
      coldVerifyPerSec: Math.round(cold.perSec),
      coldRatioToPeer: Number((cold.perSec / peer.perSec).toFixed(3)),
      cpuUsPerVerify: round1(api.cpuUs),
      coldCpuUsPerVerify: round1(cold.cpuUs),
      peerCpuUsPerVerify: round1(peer.cpuUs),
      cryptoUsPerVerify: round1(cryptoUs),
      joseUsPerVerify: round1(joseUs),
      p99Ms: api.p99Ms,
      coldP99Ms: cold.p99Ms,
      peerP99Ms: peer.p99Ms,
      offlineVerifyPerSec: Math.round(offlinePerSec),
      cores,
      connections,
      seconds,
      rounds,
      httpErrors: peer.errors + api.errors + cold.errors,
      tokenChars: code.qrText.length,
      runs,
    };
    const row = (label: string, s: typeof api) =>
      `  ${label.padEnd(44)} ${Math.round(s.perSec).toLocaleString("en").padStart(7)} /s   ${round1(s.cpuUs).toString().padStart(6)} µs CPU   p99 ${s.p99Ms} ms   errors ${s.errors}`;
    console.log("");
    console.log(`verify benchmark (${cores} cores, ${connections} connections, ${rounds} rounds of ${seconds} s, load generator in this process)`);
    console.log(row("peer: bare Fastify + jose, {valid}", peer));
    console.log(row("api: POST /v1/codes/verify", api));
    console.log(row("api, token cache off (first scan of a code)", cold));
    console.log(`  ratio to peer ${out.ratioToPeer} (goal >= 0.8); with the token cache off ${out.coldRatioToPeer}`);
    console.log(`  one Ed25519 verify: node:crypto ${out.cryptoUsPerVerify} µs CPU, jose ${out.joseUsPerVerify} µs CPU`);
    console.log(`  offline library (jose/WebCrypto), 1 core: ${out.offlineVerifyPerSec.toLocaleString("en")} /s`);
    if (json) console.log(JSON.stringify(out));
  } finally {
    for (const server of servers) server.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const serving = process.env.ONECODE_BENCH_SERVE;
if (serving === "api" || serving === "cold" || serving === "peer") await serve(serving);
else if (import.meta.main) await main(process.argv.slice(2));
