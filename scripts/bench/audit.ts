// `npm run bench -- audit [--json] [--entries N] [--batch N]`: seconds to audit N ledger
// entries (default 1,000,000; goal <= 60 s) and entries per second. Not timed: a synthetic
// ledger (realistic entry sizes, hash-chained exactly as append.ts does) written as the
// export NDJSON to a temporary file, and its anchors (roots, head chain) built in memory.
// Timed: what `npm run audit -- --entries FILE` does after reading the chain — parse every
// line, re-derive every entry hash and link, every batch root, the head chain.
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { auditLedger, type ChainAnchor } from "../../protocol/audit/auditor.ts";
import { RootAccumulator } from "../../protocol/ledger/merkle.ts";
import { anchorHead } from "../../protocol/ledger/anchor-head.ts";
import { toHex } from "../../protocol/bytes.ts";
import { entriesFromNdjson, exportLine } from "../../protocol/audit/ndjson.ts";
import { nodeHasher } from "../lib/node-hasher.ts";
import { canonicalEntry } from "../../protocol/ledger/entry.ts";

const TYPES = ["subject.enrolled", "code.issued", "record.published", "repair.filed", "repair.decided", "record.expired"];

async function buildLedger(file: string, count: number, batch: number) {
  const out = createWriteStream(file);
  const anchors: ChainAnchor[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  let head: Uint8Array = new Uint8Array(32);
  let acc = new RootAccumulator(nodeHasher);
  let from = 1;
  let buffer = "";
  const start = Date.parse("2026-01-01T00:00:00.000Z");
  for (let seq = 1; seq <= count; seq++) {
    const type = TYPES[seq % TYPES.length]!;
    const ref = (seq * 2654435761 % 2 ** 32).toString(16).padStart(8, "0").repeat(8);
    const payload = `{"kind":"enterprise","note":"第${seq}号","recordId":"${ref}","severity":${seq % 3},"subject":"${ref}"}`;
    const row = { seq, type, payload, subjectRef: ref, actor: "registrar:bench", createdAt: new Date(start + seq * 100).toISOString() };
    const hash = nodeHasher.entry(prev, canonicalEntry(row));
    buffer += exportLine({ ...row, prevHash: prev, hash }) + "\n";
    acc.push(nodeHasher.leaf(hash));
    prev = hash;
    if (seq - from + 1 === batch || seq === count) {
      const root = acc.root();
      head = anchorHead(head, from, seq, root);
      anchors.push({ index: anchors.length + 1, fromSeq: from, toSeq: seq, root: `0x${toHex(root)}`, head: `0x${toHex(head)}`, timestamp: Math.floor((start + seq * 100) / 1000) + 5 });
      acc = new RootAccumulator(nodeHasher);
      from = seq + 1;
    }
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  }
  out.end(buffer);
  await once(out, "finish");
  return { anchors, head: `0x${toHex(head)}`, anchorCount: anchors.length, nextSeq: count + 1 };
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { json: { type: "boolean", default: false }, entries: { type: "string", default: "1000000" }, batch: { type: "string", default: "1000" } },
  });
  const count = Number(values.entries);
  const batch = Number(values.batch);
  const dir = mkdtempSync(join(tmpdir(), "onecode-bench-audit-"));
  try {
    const file = join(dir, "ledger.ndjson");
    const t0 = performance.now();
    const chain = await buildLedger(file, count, batch);
    const built = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    const report = await auditLedger(entriesFromNdjson(createReadStream(file, { highWaterMark: 1 << 20 })), chain, {
      hasher: nodeHasher,
      now: new Date(Date.parse("2026-01-01T00:00:00.000Z") + count * 100 + 1000),
    });
    const seconds = (performance.now() - t1) / 1000;
    if (!report.ok || report.entries !== count) throw new Error(`the synthetic ledger did not audit clean: ${JSON.stringify(report.findings.slice(0, 3))}`);
    const result = { entries: count, seconds: Number(seconds.toFixed(2)), entriesPerSec: Math.round(count / seconds) };
    console.log("audit benchmark (parse NDJSON, entry hashes, hash chain, Merkle roots, head chain)");
    console.log(`  entries            ${count.toLocaleString("en")}`);
    console.log(`  anchors            ${chain.anchorCount.toLocaleString("en")} (batches of ${batch})`);
    console.log(`  build (not timed)  ${built.toFixed(1)} s`);
    console.log(`  audit              ${result.seconds} s  (goal <= 60 s)`);
    console.log(`  entries/s          ${result.entriesPerSec.toLocaleString("en")}`);
    console.log(`  memory (rss)       ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
    if (values.json) console.log(JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
