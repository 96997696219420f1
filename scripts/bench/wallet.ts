// `npm run bench -- wallet [--json] [--holders N] [--rounds N]`
//   (a) code refresh: N holders (default 100) with a bound phone each, all asking for a fresh
//       bound code at the same moment (POST /v1/wallet/code with their holder session), round
//       after round; latency of every request (p50/p95/p99), the API as a process of its own
//       (api/src/server.ts) on a fresh PostgreSQL database. Goal: p95 ≤ 200 ms.
//   (b) the QR a bound phone shows (token with cnf + 30-second device signature): its version
//       at error correction M, for the holders' codes and an enterprise with a long name.
//   (c) the offline verifier (protocol/codes/offline-verifier.ts) on bound codes with fresh
//       device proofs: verdicts per second on one core (WebCrypto Ed25519 + P-256).
// Set-up: persons and the enterprise are enrolled through the API's routes; the devices (real
// WebCrypto P-256 keys, not extractable) and holder sessions are written with the wallet
// feature's own repository functions, not through the passkey ceremony (which is not what is
// measured; it is tested in test/wallet/).
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { createWalletRepository } from "../../api/src/wallet/repository.ts";
import { openSession } from "../../api/src/wallet/sessions.ts";
import { qrVersion } from "../../api/src/codes/qr.ts";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { boundQrText, deviceKeyThumbprint, signDeviceProof, windowStartAt } from "../../protocol/codes/device-proof.ts";
import { residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";
import type { DeviceKey } from "../../protocol/codes/token-format.ts";
import { createBenchDatabase } from "./_database.ts";
import { randomKeys, stackEnv } from "./_child.ts";
import { Histogram, HttpClient, startApiProcess } from "./_http.ts";

interface Holder {
  subjectId: string;
  holderId: string;
  capacity: "self" | "legal_representative";
  keys: CryptoKeyPair;
  jwk: DeviceKey;
  session: string;
  code?: { token: string; tokenId: string };
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const idNumber = (seq: number) => {
  const body = `44060419900101${String(seq).padStart(3, "0")}`;
  return body + residentIdCheckChar(body);
};
const uscc = (seq: number) => {
  const body = `91440604MA${String(seq).padStart(7, "0")}`;
  return body + usccCheckChar(body);
};

async function deviceKey(): Promise<{ keys: CryptoKeyPair; jwk: DeviceKey }> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const { x, y } = await crypto.subtle.exportKey("jwk", keys.publicKey);
  return { keys, jwk: { kty: "EC", crv: "P-256", x: x!, y: y! } };
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const holders = arg(args, "holders", 100);
  const rounds = arg(args, "rounds", 25); // under the route's 30 per session per minute
  const keys = randomKeys();
  const db = await createBenchDatabase({ prefix: "onecode_bench_wallet", ledgerSeed: keys.LEDGER_SIGNING_KEY });
  const dataDir = mkdtempSync(join(tmpdir(), "onecode-bench-wallet-"));
  const api = await startApiProcess(stackEnv({ databaseUrl: db.url, keys, dataDir, extra: { PUBLIC_URL: "http://localhost:8080" } }));
  const client = new HttpClient(api.url, holders + 4);
  try {
    const registrar = { authorization: `Bearer ${await mintOperatorToken(Buffer.from(keys.OPERATOR_TOKEN_SECRET, "hex"), { sub: "bench-registrar", role: "registrar" })}` };
    const enrol = async (path: string, body: unknown) => {
      const r = await client.request("POST", path, { body, headers: registrar });
      if (r.status !== 201) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return (r.body as { id: string }).id;
    };
    const wallet = createWalletRepository(db.pool);
    const bind = async (subjectId: string, holderId: string, capacity: Holder["capacity"]): Promise<Holder> => {
      const { keys: pair, jwk } = await deviceKey();
      const id = randomUUID();
      const now = new Date();
      await wallet.insertDevice({
        id,
        subjectId,
        holderId,
        capacity,
        name: "bench",
        credentialId: randomBytes(16).toString("base64url"),
        credentialKey: randomBytes(77),
        signCount: 0,
        transports: ["internal"],
        deviceKey: jwk,
        thumbprint: await deviceKeyThumbprint(jwk),
        at: now,
        via: "registrar:bench",
      });
      const { session } = await openSession(db.pool, { deviceId: id, now, ttlSeconds: 3600 });
      return { subjectId, holderId, capacity, keys: pair, jwk, session };
    };

    const people: Holder[] = [];
    for (let i = 0; i < holders; i += 1) {
      const person = await enrol("/v1/persons", { idNumber: idNumber(i + 1), name: `测试持码人${i + 1}` });
      people.push(await bind(person, person, "self"));
    }
    const enterpriseId = await enrol("/v1/enterprises", { uscc: uscc(1), name: "广东省佛山市禅城区张槎街道某某纺织品贸易有限责任公司", legalRepresentativeId: people[0]!.holderId });
    const enterprise = await bind(enterpriseId, people[0]!.holderId, "legal_representative");

    const refresh = async (h: Holder, histogram?: Histogram) => {
      const r = await client.request("POST", "/v1/wallet/code", { headers: { authorization: `Bearer ${h.session}` } });
      if (r.status !== 200) return false;
      histogram?.record(r.ms);
      const body = r.body as { token: string; tokenId: string };
      h.code = { token: body.token, tokenId: body.tokenId };
      return true;
    };

    // (a) rounds of all holders at once; the first round warms up (JIT, pools, caches).
    await Promise.all(people.map((h) => refresh(h)));
    const histogram = new Histogram();
    let errors = 0;
    const started = performance.now();
    for (let round = 1; round < rounds; round += 1) {
      const ok = await Promise.all(people.map((h) => refresh(h, histogram)));
      errors += ok.filter((x) => !x).length;
    }
    const seconds = (performance.now() - started) / 1000;
    await refresh(enterprise);

    // (b) what the phones show now.
    const now = Date.now();
    const shown = await Promise.all([...people, enterprise].map(async (h) => boundQrText(h.code!.token, await signDeviceProof(h.keys.privateKey, h.code!.tokenId, windowStartAt(now)))));
    const personVersion = Math.max(...shown.slice(0, -1).map(qrVersion));
    const enterpriseVersion = qrVersion(shown.at(-1)!);

    // (c) the offline verifier on those presentations.
    const jwks = (await client.request("GET", "/.well-known/jwks.json")).body as { keys: never[] };
    const statusListToken = (await client.request("GET", "/v1/status-lists/1")).body as string;
    const verifier = await createOfflineVerifier({ jwks, statusListToken, issuer: "http://localhost:8080", maxDataAgeSeconds: 3600 });
    for (const text of shown) {
      const v = await verifier.verify(text);
      if (!v.valid || !v.deviceBound) throw new Error(`offline verifier refused a bound code: ${v.reason} ${v.detail}`);
    }
    const rate = async (texts: string[]) => {
      let verified = 0;
      const t0 = performance.now();
      const until = t0 + 3000;
      while (performance.now() < until) {
        for (let i = 0; i < 50; i += 1) await verifier.verify(texts[(verified + i) % texts.length]);
        verified += 50;
      }
      return Math.round(verified / ((performance.now() - t0) / 1000));
    };
    const offlineVerifyPerSec = await rate(shown);
    // For comparison: the same verifier on server-shown (unbound) codes of the same holders.
    const kiosk = { authorization: `Bearer ${await mintOperatorToken(Buffer.from(keys.OPERATOR_TOKEN_SECRET, "hex"), { sub: "bench-kiosk", role: "kiosk" })}` };
    const unbound: string[] = [];
    for (const h of people.slice(0, 20)) unbound.push(((await client.request("GET", `/v1/subjects/${h.subjectId}/code`, { headers: kiosk })).body as { qrText: string }).qrText);
    const unboundOfflineVerifyPerSec = await rate(unbound);

    const result = {
      holders,
      rounds: rounds - 1,
      requests: histogram.count,
      errors,
      codeRefreshPerSec: Math.round(histogram.count / seconds),
      codeRefreshP50Ms: Number(histogram.percentile(50).toFixed(1)),
      codeRefreshP95Ms: Number(histogram.percentile(95).toFixed(1)),
      codeRefreshP99Ms: Number(histogram.percentile(99).toFixed(1)),
      qrVersion: Math.max(personVersion, enterpriseVersion),
      qrVersionPerson: personVersion,
      qrVersionEnterpriseLongName: enterpriseVersion,
      qrChars: Math.max(...shown.map((s) => s.length)),
      offlineVerifyPerSec,
      unboundOfflineVerifyPerSec,
      /** This machine's 1-minute load average when the run ended (2 cores, shared). */
      loadAverage: Number(loadavg()[0]!.toFixed(1)),
    };
    console.log(`wallet: ${holders} holders asking at once, ${rounds - 1} rounds (${histogram.count} requests, ${errors} errors)`);
    console.log(`  code refresh   p50 ${result.codeRefreshP50Ms} ms   p95 ${result.codeRefreshP95Ms} ms   p99 ${result.codeRefreshP99Ms} ms   ${result.codeRefreshPerSec}/s   (goal p95 <= 200 ms)`);
    console.log(`  bound QR       version ${result.qrVersion} at M (persons ${personVersion}, enterprise with a long name ${enterpriseVersion}; ${result.qrChars} characters)   (goal <= 20)`);
    console.log(`  offline verify ${offlineVerifyPerSec}/s on one core (Ed25519 token + P-256 device proof); unbound codes ${unboundOfflineVerifyPerSec}/s`);
    console.log(`  load average ${result.loadAverage}`);
    if (json) console.log(JSON.stringify(result));
  } finally {
    client.close();
    await api.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
