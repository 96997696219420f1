// `npm run bench -- load [--duration 60] [--connections 16] [--subjects 3000] [--json]`
//
// The API in a process of its own (api/src/server.ts: PostgreSQL server database, anvil
// chain, outbox and anchoring workers on), seeded with enrolled subjects and published
// dishonesty records, under a mixed workload on loopback for a set duration:
//   90 %  POST /v1/codes/verify            (an official scans a code)
//    8 %  GET  /v1/subjects/:id/code        (a holder's code refreshes)
//    2 %  POST /v1/repair-applications      (an officer-assisted repair application)
// from a bounded client (fixed number of connections, hard per-request timeout).
// Reports throughput, p50/p99 per operation and overall, errors, and the API's resident
// memory at the start and end of the run (bound: growth under 20 % or under 100 MB).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { CURRENT_COMMITMENT_VERSION } from "../../api/src/credit/commitment.ts";
import { fillSubjects } from "./_fill.ts";
import { Histogram, HttpClient, rssMb, startApiProcess, type HttpResult } from "./_http.ts";
import { createBenchDatabase, parseArgs, printTable, randomKeys, round, sleep, stackEnv, startBenchChain } from "./_stack.ts";
import { Random } from "../lib/synthetic.ts";

type Op = "verify" | "refresh" | "repair";

export const RSS_BOUND = { percent: 20, mb: 100 };

export async function main(args: string[]): Promise<void> {
  const { flags, opt } = parseArgs(args);
  const duration = Number(opt("duration", "60"));
  const connections = Number(opt("connections", "16"));
  const subjects = Number(opt("subjects", "3000"));
  const json = flags.has("--json");
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const keys = randomKeys();
  const secret = Buffer.from(keys.OPERATOR_TOKEN_SECRET, "hex");
  const db = await createBenchDatabase({ prefix: "onecode_bench_load", poolSize: 4, ledgerSeed: keys.LEDGER_SIGNING_KEY });
  const chain = await startBenchChain({ persist: false });
  const dataDir = mkdtempSync(join(tmpdir(), "onecode-bench-load-"));
  let api: Awaited<ReturnType<typeof startApiProcess>> | null = null;
  let result: Record<string, number | string | boolean> | null = null;
  try {
    log(`load: seeding ${subjects} subjects`);
    const seeded = await fillSubjects(db.pool, Buffer.from(keys.SUBJECT_COMMITMENT_KEY, "hex"), subjects, { chunk: 500, seed: 11 });
    api = await startApiProcess(
      stackEnv({ databaseUrl: db.url, chain, keys, dataDir, extra: { CODE_TTL_SECONDS: "600", LOG_LEVEL: "error", ANCHOR_INTERVAL_MS: "2000" } }),
    );
    const client = new HttpClient(api.url, connections + 4);
    const auth = async (role: "kiosk" | "credit_agency" | "repair_officer", sub: string) => ({
      authorization: `Bearer ${await mintOperatorToken(secret, { sub, role }, 24 * 3600)}`,
    });
    const kiosk = await auth("kiosk", "kiosk-bench");
    const agency = await auth("credit_agency", "agency-bench");
    const officer = await auth("repair_officer", "officer-bench");

    // Two published records per enterprise, through the credit agency's bulk feed.
    const enterprises = (await db.pool.query<{ id: string; legal_rep_id: string }>("SELECT id, legal_rep_id FROM subjects WHERE kind = 'enterprise' ORDER BY id")).rows;
    // Decided four months ago: past the 3-month minimum of a general penalty, within its 1-year maximum.
    const decisionDate = new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10);
    const records = enterprises.flatMap((e, i) =>
      [0, 1].map((k) => ({
        subjectId: e.id,
        kind: "admin_penalty",
        severity: "general",
        decidingUnit: "佛山市禅城区市场监督管理局",
        decisionNo: `禅市监罚〔2025〕${i * 2 + k + 1}号`,
        decisionDate,
        legalBasis: "《中华人民共和国产品质量法》第四十九条",
        penalties: [{ type: "fine", severity: "general" }],
        obligations: [{ type: "fine", amount: 5000, description: "罚款人民币5000元" }],
        publish: true,
      })),
    );
    for (let i = 0; i < records.length; i += 1000) {
      const r = await client.request("POST", "/v1/records:batch", { body: records.slice(i, i + 1000), headers: agency, timeoutMs: 120_000 });
      const published = (r.body as { published?: number })?.published ?? 0;
      if (r.status !== 200 || published === 0) throw new Error(`seeding records: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
    }
    const repRows = (
      await db.pool.query<{ record_id: string; enterprise_id: string; legal_rep_id: string }>(
        `SELECT r.id AS record_id, s.id AS enterprise_id, s.legal_rep_id FROM credit_records r JOIN subjects s ON s.id = r.subject_id
          WHERE r.status = 'published' ORDER BY r.id`,
      )
    ).rows;
    log(`load: ${seeded.subjects.length} subjects, ${repRows.length} published records`);

    // Codes to scan: fresh tokens of a sample of subjects (refreshes add more during the run).
    const random = new Random(5);
    const ids = seeded.subjects.map((s) => s.id);
    const tokens: string[] = [];
    for (let i = 0; i < Math.min(500, ids.length); i++) {
      const r = await client.request("GET", `/v1/subjects/${ids[i]}/code`, { headers: kiosk });
      if (r.status !== 200) throw new Error(`code refresh while seeding: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      tokens.push((r.body as { token: string }).token);
    }

    // Warm-up: a few seconds of the same mix, not measured, then the start RSS.
    const histograms: Record<Op | "all", Histogram> = { verify: new Histogram(), refresh: new Histogram(), repair: new Histogram(), all: new Histogram() };
    const counts: Record<Op, number> = { verify: 0, refresh: 0, repair: 0 };
    const errors: Record<string, number> = {};
    let invalidVerdicts = 0;
    let repairsLeft = repRows.length;
    let repairExhausted = 0;
    let measuring = false;
    const tokenRing = tokens;
    let ringPos = 0;

    const one = async (): Promise<void> => {
      const x = random.next();
      let op: Op = x < 0.9 ? "verify" : x < 0.98 ? "refresh" : "repair";
      if (op === "repair" && repairsLeft === 0) {
        repairExhausted++;
        op = "verify";
      }
      let r: HttpResult;
      if (op === "verify") {
        r = await client.request("POST", "/v1/codes/verify", { body: { token: tokenRing[random.int(tokenRing.length)]! } });
        if (r.status === 200 && (r.body as { valid?: boolean }).valid !== true) {
          invalidVerdicts++;
          if (measuring) errors[`verify invalid: ${(r.body as { reason?: string }).reason}`] = (errors[`verify invalid: ${(r.body as { reason?: string }).reason}`] ?? 0) + 1;
        }
      } else if (op === "refresh") {
        r = await client.request("GET", `/v1/subjects/${ids[random.int(ids.length)]}/code`, { headers: kiosk });
        if (r.status === 200) {
          tokenRing[ringPos] = (r.body as { token: string }).token;
          ringPos = (ringPos + 1) % tokenRing.length;
        }
      } else {
        const rec = repRows[--repairsLeft]!;
        r = await client.request("POST", "/v1/repair-applications", {
          headers: officer,
          body: {
            enterpriseId: rec.enterprise_id,
            recordIds: [rec.record_id],
            applicant: { personId: rec.legal_rep_id, capacity: "legal_representative" },
            commitment: { version: CURRENT_COMMITMENT_VERSION, accepted: true, signature: "sha256:bench-signature" },
          },
        });
      }
      if (!measuring) return;
      counts[op]++;
      histograms[op].record(r.ms);
      histograms.all.record(r.ms);
      const ok = op === "repair" ? r.status === 201 : r.status === 200;
      if (!ok) {
        const key = `${op} ${r.status}${r.error ? ` ${r.error}` : ""}${r.body && typeof r.body === "object" && "code" in r.body ? ` ${(r.body as { code: string }).code}` : ""}`;
        errors[key] = (errors[key] ?? 0) + 1;
      }
    };

    let stopAt = performance.now() + 5000;
    const loop = async () => {
      while (performance.now() < stopAt) await one();
    };
    log(`load: warm-up 5 s with ${connections} connections`);
    await Promise.all(Array.from({ length: connections }, loop));

    const rssStartMb = rssMb(api.child.pid);
    const rssSamples: Array<[number, number]> = [[0, rssStartMb]];
    measuring = true;
    log(`load: measuring ${duration} s (API RSS at start ${rssStartMb.toFixed(1)} MB)`);
    const started = performance.now();
    stopAt = started + duration * 1000;
    const sampler = (async () => {
      while (performance.now() < stopAt) {
        await sleep(Math.min(10_000, Math.max(1000, (duration * 1000) / 20)));
        const s = (performance.now() - started) / 1000;
        const mb = rssMb(api!.child.pid);
        rssSamples.push([s, mb]);
        log(`  t=${s.toFixed(0)} s  ${Math.round(histograms.all.count / s)} req/s  RSS ${mb.toFixed(1)} MB`);
      }
    })();
    await Promise.all(Array.from({ length: connections }, loop));
    const elapsed = (performance.now() - started) / 1000;
    await sampler;
    const rssEndMb = rssMb(api.child.pid);
    const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
    const growth = rssEndMb - rssStartMb;
    const withinBound = growth < RSS_BOUND.mb || growth < (rssStartMb * RSS_BOUND.percent) / 100;
    const health = await client.request("GET", "/readyz");
    client.close();

    result = {
      rps: round(histograms.all.count / elapsed, 1),
      p50Ms: round(histograms.all.percentile(50), 2),
      p99Ms: round(histograms.all.percentile(99), 2),
      errors: errorCount,
      rssStartMb: round(rssStartMb, 1),
      rssEndMb: round(rssEndMb, 1),
      durationSeconds: round(elapsed, 1),
      connections,
      requests: histograms.all.count,
      verify: counts.verify,
      refresh: counts.refresh,
      repair: counts.repair,
      verifyP99Ms: round(histograms.verify.percentile(99), 2),
      refreshP99Ms: round(histograms.refresh.percentile(99), 2),
      repairP99Ms: round(histograms.repair.percentile(99), 2),
      maxMs: round(histograms.all.max, 1),
      rssMaxMb: round(Math.max(...rssSamples.map(([, mb]) => mb), rssEndMb), 1),
      rssWithinBound: withinBound,
    };
    printTable(`load: ${elapsed.toFixed(0)} s, ${connections} connections, ${subjects} subjects`, [
      ["requests", histograms.all.count],
      ["throughput (req/s)", result.rps as number],
      ["p50 / p99 (ms)", `${result.p50Ms} / ${result.p99Ms}`],
      ["max (ms)", result.maxMs as number],
      ["verify: n, p50, p99 (ms)", `${counts.verify}, ${round(histograms.verify.percentile(50), 2)}, ${result.verifyP99Ms}`],
      ["refresh: n, p50, p99 (ms)", `${counts.refresh}, ${round(histograms.refresh.percentile(50), 2)}, ${result.refreshP99Ms}`],
      ["repair: n, p50, p99 (ms)", `${counts.repair}, ${round(histograms.repair.percentile(50), 2)}, ${result.repairP99Ms}`],
      ["errors", errorCount],
      ...Object.entries(errors).map(([k, v]) => [`  ${k}`, v] as [string, number]),
      ["repairs over the seeded records", repairExhausted],
      ["API RSS start / end / max (MB)", `${result.rssStartMb} / ${result.rssEndMb} / ${result.rssMaxMb}`],
      [`RSS bound (< ${RSS_BOUND.percent} % or < ${RSS_BOUND.mb} MB growth)`, withinBound ? "met" : "EXCEEDED"],
      ["readiness after the run", `${health.status} ${JSON.stringify(health.body)}`],
    ]);
    if (invalidVerdicts && !errorCount) log(`note: ${invalidVerdicts} invalid verdicts during warm-up`);
  } finally {
    await api?.stop();
    await chain.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (json && result) console.log(JSON.stringify(result));
}

if (import.meta.main) await main(process.argv.slice(2));
