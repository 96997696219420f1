// `npm run bench -- batch [--lines 5000] [--baseline-lines 1000] [--chunks 1,50,250,500] [--json]`
//
// The credit agency's bulk feed (POST /v1/records:batch's work, api/src/credit/batch.ts) on a
// fresh database on the PostgreSQL server (DATABASE_URL or 127.0.0.1:5432): lines per second
// when publishing one record per transaction (chunk 1: what the route did before, the
// baseline, measured in the same run) and in chunks of several records per transaction with one
// ledger append each. Every 25th line is bad (a subject that does not exist, a future date), as
// in a real feed. A warm-up run comes first, unmeasured. Each run checks that the report has one result per line and that the
// database holds exactly one record, one ledger entry and one chain write per published line.
import { randomBytes } from "node:crypto";
import { ensureCreditData, loadPolicies } from "../../api/src/credit/policies.ts";
import { BATCH_CHUNK, publishBatch, type BatchLine } from "../../api/src/credit/batch.ts";
import { checkNewRecord } from "../../api/src/credit/plugin.ts";
import { createBenchDatabase, parseArgs, printTable, round } from "./_stack.ts";

interface Run {
  chunk: number;
  lines: number;
  published: number;
  seconds: number;
  linesPerSec: number;
}

function feed(enterprises: string[], count: number, tag: string): BatchLine[] {
  return Array.from({ length: count }, (_, i) => {
    const bad = i % 25 === 24;
    return {
      line: i + 1,
      value: {
        subjectId: bad && i % 50 === 49 ? "00000000-0000-4000-8000-000000000000" : enterprises[i % enterprises.length],
        kind: "admin_penalty",
        severity: "general",
        decidingUnit: "佛山市禅城区市场监督管理局",
        decisionNo: `禅市监罚〔2026〕${tag}-${i}号`,
        decisionDate: bad && i % 50 !== 49 ? "2099-01-01" : "2026-05-12",
        legalBasis: "《中华人民共和国产品质量法》第四十九条",
        obligations: [{ type: "fine", amount: 20000, description: "罚款人民币贰万元" }],
      },
    };
  });
}

export async function main(args: string[]): Promise<void> {
  const { flags, opt } = parseArgs(args);
  const json = flags.has("--json");
  const lines = Number(opt("lines", "5000"));
  const baselineLines = Number(opt("baseline-lines", "1000"));
  const chunks = opt("chunks", `1,50,${BATCH_CHUNK},500`).split(",").map(Number);
  const db = await createBenchDatabase({ poolSize: 4 });
  const runs: Run[] = [];
  try {
    await ensureCreditData(db.pool);
    const policies = await loadPolicies(db.pool);
    const enterprises: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await db.pool.query<{ id: string }>(
        "INSERT INTO subjects (kind, identifier, name, display_name, commitment, created_by) VALUES ('enterprise', $1, $2, $3, $4, 'bench') RETURNING id",
        [`91440604${randomBytes(5).toString("hex").toUpperCase()}`, `佛山市示例${i}有限公司`, "佛山市**有限公司", randomBytes(32)],
      );
      enterprises.push(r.rows[0]!.id);
    }
    const now = new Date("2026-06-01T02:00:00.000Z");
    // Warm-up (JIT, the pool's connections, PostgreSQL's caches): not measured, so the first run is not penalised.
    await publishBatch(db.pool, feed(enterprises, 500, "warm"), { actor: "credit_agency:bench", now, policies, check: checkNewRecord, chunk: 1 });
    await publishBatch(db.pool, feed(enterprises, 1000, "warm2"), { actor: "credit_agency:bench", now, policies, check: checkNewRecord });
    for (const chunk of chunks) {
      const count = chunk === 1 ? baselineLines : lines;
      const input = feed(enterprises, count, `c${chunk}`);
      const before = await db.pool.query<{ r: number; l: number; o: number }>(
        "SELECT (SELECT count(*) FROM credit_records)::int AS r, (SELECT count(*) FROM ledger)::int AS l, (SELECT count(*) FROM chain_outbox)::int AS o",
      );
      const t0 = performance.now();
      const results = await publishBatch(db.pool, input, { actor: "credit_agency:bench", now, policies, check: checkNewRecord, chunk });
      const seconds = (performance.now() - t0) / 1000;
      const published = results.filter((r) => r.status === 201).length;
      const after = await db.pool.query<{ r: number; l: number; o: number }>(
        "SELECT (SELECT count(*) FROM credit_records)::int AS r, (SELECT count(*) FROM ledger)::int AS l, (SELECT count(*) FROM chain_outbox)::int AS o",
      );
      const b = before.rows[0]!;
      const a = after.rows[0]!;
      if (results.length !== count || a.r - b.r !== published || a.l - b.l !== published || a.o - b.o !== published || published !== count - Math.floor(count / 25)) {
        throw new Error(`chunk ${chunk}: ${results.length} results for ${count} lines, ${published} published, +${a.r - b.r} records, +${a.l - b.l} entries, +${a.o - b.o} chain writes`);
      }
      runs.push({ chunk, lines: count, published, seconds: round(seconds), linesPerSec: Math.round(count / seconds) });
      process.stderr.write(`  chunk ${chunk}: ${count} lines in ${seconds.toFixed(1)} s\n`);
    }
  } finally {
    await db.drop();
  }
  const baseline = runs.find((r) => r.chunk === 1);
  printTable(
    "bulk feed (records:batch), PostgreSQL server, one process",
    runs.map((r) => [
      `chunk ${String(r.chunk).padStart(3)} (${r.chunk === 1 ? "one transaction per line: baseline" : "lines per transaction"}), ${r.lines} lines`,
      `${r.linesPerSec} lines/s${baseline && r !== baseline ? `  (×${(r.linesPerSec / baseline.linesPerSec).toFixed(1)})` : ""}`,
    ]),
  );
  const best = runs.find((r) => r.chunk === BATCH_CHUNK);
  if (json) {
    console.log(JSON.stringify({ runs, baselineLinesPerSec: baseline?.linesPerSec ?? null, defaultChunk: BATCH_CHUNK, defaultLinesPerSec: best?.linesPerSec ?? null, speedup: baseline && best ? round(best.linesPerSec / baseline.linesPerSec, 1) : null }));
  }
}

if (import.meta.main) await main(process.argv.slice(2));
