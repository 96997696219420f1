// `npm run bench -- verify [--json] [--seconds N] [--connections N]`
//   (a) the raw Ed25519 verify ceiling: node:crypto, one worker thread per core;
//   (b) POST /v1/codes/verify over HTTP on loopback under load (autocannon), the API
//       in a separate process running a cluster of one worker per core (so the API
//       can use every core; autocannon in this process competes for them, as a
//       client on the same machine must);
//   (c) the offline verifier library (jose/WebCrypto), one core.
// Ratio (b)/(a), p99 latency of (b). Needs PostgreSQL (DATABASE_URL or 127.0.0.1:5432).
import cluster from "node:cluster";
import { randomBytes, verify as cryptoVerify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import { loadConfig } from "../../api/src/config.ts";
import { openDatabase } from "../../api/src/db/database.ts";
import { buildApp } from "../../api/src/app.ts";
import { systemClock } from "../../api/src/context.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { issueCode } from "../../api/src/codes/issue.ts";
import { openKeySet } from "../../api/src/codes/keys.ts";
import { parseCompactJws, tokenFromScan } from "../../protocol/codes/token-format.ts";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { createBenchDatabase } from "./_database.ts";
import { randomKeys, stackEnv } from "./_child.ts";

// autocannon ships no types (and @types/autocannon is not installed): the few fields used here.
interface LoadResult {
  requests: { average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<LoadResult>;

/** The API process: a cluster primary forking one HTTP worker per core. */
async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  if (cluster.isPrimary) {
    const workers = Number(process.env.ONECODE_BENCH_WORKERS ?? availableParallelism());
    let ready = 0;
    for (let i = 0; i < workers; i += 1) {
      cluster.fork().on("message", (m) => {
        if (m === "ready" && ++ready === workers) process.send?.("ready");
      });
    }
    process.on("SIGTERM", () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      process.exit(0);
    });
    return;
  }
  const db = await openDatabase(config, 4);
  const app = await buildApp({ config, db, clock: systemClock, chain: null }, { logger: false });
  await app.listen({ host: config.host, port: config.port });
  process.send?.("ready");
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { verify, createPublicKey } = require("node:crypto");
const key = createPublicKey({ key: workerData.jwk, format: "jwk" });
const input = Buffer.from(workerData.input, "base64");
const sig = Buffer.from(workerData.sig, "base64");
let n = 0; const end = Date.now() + workerData.ms;
while (Date.now() < end) { for (let i = 0; i < 200; i++) { if (!verify(null, input, key, sig)) throw new Error("bad"); } n += 200; }
parentPort.postMessage(n);
`;

async function cryptoCeiling(jwk: object, input: Uint8Array, sig: Uint8Array, seconds: number, threads: number): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: threads }, () =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { jwk, input: Buffer.from(input).toString("base64"), sig: Buffer.from(sig).toString("base64"), ms: seconds * 1000 } });
        w.once("message", resolve);
        w.once("error", reject);
      }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0) / seconds;
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const seconds = Number(args[args.indexOf("--seconds") + 1]) || 5;
  const connections = Number(args[args.indexOf("--connections") + 1]) || 64;
  const cores = availableParallelism();

  // A database with one enrolled subject and its code.
  // The API's configuration as loadConfig reads it (the child process reads the same environment).
  const db = await createBenchDatabase({ poolSize: 2 });
  const dataDir = mkdtempSync(join(tmpdir(), "onecode-bench-"));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const env = stackEnv({
    databaseUrl: db.url,
    keys: randomKeys(),
    dataDir,
    port,
    extra: { PUBLIC_URL: "http://bench.onecode.test", CODE_TTL_SECONDS: "3600", ANCHOR_INTERVAL_MS: "1000", LOG_LEVEL: "silent" },
  });
  const config = loadConfig(env);
  let child: ReturnType<typeof spawn> | null = null;
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
    const jwks = (await app.inject({ url: "/.well-known/jwks.json" })).json();
    const statusListToken = (await app.inject({ url: "/v1/status-lists/1" })).body;
    await app.close();

    // (a) raw ceiling
    const jws = parseCompactJws(tokenFromScan(code.qrText));
    const key = openKeySet(config.codeKeysDir, { clock: systemClock, retainSeconds: 3600 }).current();
    if (!cryptoVerify(null, jws.signingInput, key.publicKey, jws.signature)) throw new Error("token does not verify");
    const ceiling = await cryptoCeiling(key.publicKey.export({ format: "jwk" }), jws.signingInput, jws.signature, seconds, cores);

    // (c) offline library
    const offline = await createOfflineVerifier({ jwks, statusListToken, issuer: config.publicUrl, maxDataAgeSeconds: 3600 });
    if (!(await offline.verify(code.qrText)).valid) throw new Error("offline verifier refused the bench token");
    let n = 0;
    const end = Date.now() + seconds * 1000;
    const started = performance.now();
    while (Date.now() < end) {
      await offline.verify(code.qrText);
      n += 1;
    }
    const offlinePerSec = n / ((performance.now() - started) / 1000);

    // (b) HTTP under load, API in its own process (cluster of `cores` workers)
    child = spawn(process.execPath, [import.meta.filename], {
      env: { ...env, ONECODE_BENCH_SERVE: "1", ONECODE_BENCH_WORKERS: String(cores) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise<void>((resolve, reject) => {
      child!.once("message", () => resolve());
      child!.once("exit", (c) => reject(new Error(`API process exited (${c})`)));
    });
    const body = JSON.stringify({ token: code.qrText });
    const url = `http://127.0.0.1:${port}/v1/codes/verify`;
    const check = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const checkBody = (await check.json()) as { valid: boolean };
    if (!checkBody.valid) throw new Error(`API refused the bench token: ${JSON.stringify(checkBody)}`);
    await autocannon({ url, method: "POST", headers: { "content-type": "application/json" }, body, connections, duration: 1 }); // warm-up
    const result = await autocannon({ url, method: "POST", headers: { "content-type": "application/json" }, body, connections, duration: seconds });
    const non2xx = result.non2xx + result.errors;
    const httpPerSec = result.requests.average;
    const p99 = result.latency.p99;

    const out = {
      algorithm: "EdDSA (Ed25519)",
      cryptoCeilingPerSec: Math.round(ceiling),
      httpVerifyPerSec: Math.round(httpPerSec),
      offlineVerifyPerSec: Math.round(offlinePerSec),
      ratio: Number((httpPerSec / ceiling).toFixed(3)),
      p99Ms: p99,
      cores,
      connections,
      seconds,
      httpErrors: non2xx,
      tokenChars: code.qrText.length,
    };
    console.log("");
    console.log(`verify benchmark (${cores} cores, ${seconds} s each)`);
    console.log(`  (a) raw Ed25519 verify, node:crypto, ${cores} threads   ${out.cryptoCeilingPerSec.toLocaleString("en")} /s`);
    console.log(`  (b) POST /v1/codes/verify, HTTP, ${cores}-worker cluster  ${out.httpVerifyPerSec.toLocaleString("en")} /s   p99 ${p99} ms   errors ${non2xx}`);
    console.log(`  (c) offline library (jose/WebCrypto), 1 core          ${out.offlineVerifyPerSec.toLocaleString("en")} /s`);
    console.log(`  ratio (b)/(a) ${out.ratio}   (goal >= 0.8)`);
    if (json) console.log(JSON.stringify(out));
  } finally {
    child?.kill("SIGTERM");
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.env.ONECODE_BENCH_SERVE === "1") await serve();
else if (import.meta.main) await main(process.argv.slice(2));
