// The audit: a Certificate Transparency monitor for the OneCode ledger. Independent of
// the API and the database: it takes the anchors read from the chain and a stream of
// ledger entries (from GET /v1/ledger/export or an NDJSON file), re-derives every entry
// hash, the hash chain, every anchored Merkle root and the anchor head chain, checks the
// code registry's on-chain state against the code entries, and names for every
// discrepancy the sequence number concerned. Pure (no Node or browser APIs), so the
// command line and the auditors' console run the same code.
//
// The parts, each in its own module:
//   auditor.ts         this entry point: pass 1 (the streaming hash-chain pass, the hot loop),
//                      the unanchored tail, and the report; re-exports the public API
//   report.ts          the types: entries, chain view, codes snapshot, options, findings, report
//   anchors.ts         the anchors alone (numbering, head chain, contract counters) and each root
//   localise.ts        pass 2: tamper localisation (how a tamper is localised is explained there)
//   signatures.ts      the API's ledger signatures: each verified, every entry covered
//   code-registry.ts   the code registry's events and codeOf against the code entries
//   code-rows.ts       the codes table against the ledger and the chain (explained there)
//   row-store.ts       compact per-row storage, the findings collector, pass 2's result type
//   canonical-text.ts  string work on canonical entries and hex
//   chain-reader.ts    what the auditor reads from the chain over JSON-RPC
//   ndjson.ts          the export formats the auditor reads
import { nobleHasher } from "../ledger/merkle.ts";
import { GENESIS_HASH } from "../ledger/entry.ts";
import { equalBytes } from "../bytes.ts";
import { checkAnchorChain, checkAnchorRoot } from "./anchors.ts";
import { checkCodeRows } from "./code-rows.ts";
import { checkCodes } from "./code-registry.ts";
import { cleanReconstruction, localise } from "./localise.ts";
import { DEFAULT_MAX_ANCHOR_DELAY_MS, type AnchorSummary, type AuditEntry, type AuditOptions, type AuditReport, type ChainView } from "./report.ts";
import { type CodeEntry, Findings, RowStore } from "./row-store.ts";
import { checkSignatures, checkSigningStarts, SIGNING_STARTED, type SignedEntry } from "./signatures.ts";

export * from "./report.ts";
export { payloadText, withSeq } from "./canonical-text.ts";
export { codeTransitions } from "./code-registry.ts";

/** Audits a ledger (a stream of entries in seq order) against what the chain holds. */
export async function auditLedger(
  entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>,
  chain: ChainView,
  options: AuditOptions = {},
): Promise<AuditReport> {
  const started = Date.now();
  const now = (options.now ?? new Date()).getTime();
  const maxDelay = options.maxAnchorDelayMs ?? DEFAULT_MAX_ANCHOR_DELAY_MS;
  const hasher = options.hasher ?? nobleHasher;
  const findings = new Findings(options.maxFindingsPerKind ?? 1000);

  // ---- the anchors alone: numbering, contiguity, head chain, contract state.
  const anchors = [...chain.anchors].sort((a, b) => a.index - b.index);
  const headRecomputed = checkAnchorChain(anchors, chain, findings);
  const anchoredThrough = anchors.length > 0 ? Math.max(...anchors.map((a) => a.toSeq)) : 0;

  // ---- pass 1: stream the entries (the hot loop).
  const store = new RowStore();
  const suspects = new Map<number, AuditEntry>();
  const codeEntries: CodeEntry[] = [];
  const signed: SignedEntry[] = [];
  const signingStarts: number[] = [];
  let prevHash: Uint8Array = GENESIS_HASH;
  let prevSeq = 0;
  const progress = options.onProgress;
  for await (const e of entries) {
    const i = store.length;
    const intact = equalBytes(hasher.entry(e.prevHash, e.canonical), e.hash);
    const linked = equalBytes(e.prevHash, prevHash);
    const time = Date.parse(e.createdAt);
    store.push(e.seq, e.hash, e.prevHash, time);
    if (!intact || !linked || e.seq !== prevSeq + 1) suspects.set(i, e);
    if (e.type.startsWith("code.")) codeEntries.push({ index: i, seq: e.seq, type: e.type, time, canonical: e.canonical });
    if (e.signature) signed.push({ seq: e.seq, hash: e.hash, signature: e.signature });
    if (e.type === SIGNING_STARTED) signingStarts.push(e.seq);
    prevHash = e.hash;
    prevSeq = e.seq;
    if (progress && (i + 1) % 10_000 === 0) progress(i + 1);
  }
  progress?.(store.length);
  const n = store.length;

  // ---- pass 2: the original hash of every anchored seq, and where each stored row came from.
  const rec =
    suspects.size === 0
      ? cleanReconstruction(store, anchoredThrough, findings)
      : localise(store, suspects, hasher, anchoredThrough, findings);

  // ---- the anchored roots.
  const summaries: AnchorSummary[] = [];
  for (const anchor of anchors) {
    const summary = checkAnchorRoot(anchor, rec, store, hasher, findings);
    summaries.push(summary);
  }

  // ---- entries beyond the last anchor must be younger than the allowed delay.
  let unanchored = 0;
  let oldest: { seq: number; time: number } | null = null;
  for (let i = 0; i < n; i++) {
    const s = rec.origSeq[i]!;
    if (!(s > anchoredThrough)) continue;
    unanchored += 1;
    const t = store.times[i]!;
    if (oldest === null || t < oldest.time) oldest = { seq: store.seqs[i]!, time: t };
  }
  if (oldest && now - oldest.time > maxDelay) {
    findings.add({
      seq: oldest.seq,
      kind: "not_anchored",
      detail:
        `${unanchored} entries after seq ${anchoredThrough} are not anchored; seq ${oldest.seq} was appended at ` +
        `${new Date(oldest.time).toISOString()}, ${Math.round((now - oldest.time) / 1000)} s ago (allowed ${Math.round(maxDelay / 1000)} s)`,
    });
  }

  // ---- the API's signatures: each one verified, every entry covered by one.
  const lastSeq = n > 0 ? store.seqs[n - 1]! : 0;
  const coveredThrough = options.signatures ? await checkSignatures(signed, lastSeq, n, options.signatures, findings) : 0;
  checkSigningStarts(signingStarts, findings);

  // ---- the code registry against the code entries.
  if (chain.codeEvents) checkCodes(codeEntries, rec, chain, now, maxDelay, findings);
  // ---- the codes table against the code entries and the code registry.
  let rowStats: { rows: number; asOfSeq: number } | undefined;
  if (options.codes) {
    rowStats = await checkCodeRows(options.codes, codeEntries, rec, lastSeq, chain, now, maxDelay, findings);
  }

  // Findings at an anchored seq name the anchor that covers it (and confirm the finding when
  // its root was reproduced; for code findings, the anchored entry is the ledger's word).
  for (const f of findings.list) {
    if (f.seq === null || f.anchorIndex !== undefined) continue;
    const a = anchors.find((x) => f.seq! >= x.fromSeq && f.seq! <= x.toSeq);
    if (a) {
      f.anchorIndex = a.index;
      if (a.txHash && f.txHash === undefined) f.txHash = a.txHash;
    }
  }

  const list = findings.finish();
  list.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
  return {
    ok: list.length === 0,
    findings: list,
    entries: n,
    lastSeq,
    anchoredThrough,
    unanchored,
    anchors: summaries,
    chain: { head: chain.head, anchorCount: chain.anchorCount, nextSeq: chain.nextSeq, headRecomputed },
    codes: {
      entries: codeEntries.length,
      chainEvents: chain.codeEvents?.length ?? 0,
      checked: chain.codeEvents !== undefined,
      ...(rowStats ? { rows: rowStats.rows, rowsAsOfSeq: rowStats.asOfSeq } : {}),
    },
    signatures: { checked: options.signatures !== undefined, signed: signed.length, coveredThrough, startedAt: signingStarts[0] ?? null },
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
  };
}
