// The audit: a Certificate Transparency monitor for the OneCode ledger. Independent of
// the API and the database: it takes the anchors read from the chain and a stream of
// ledger entries (from GET /v1/ledger/export or an NDJSON file), re-derives every entry
// hash, the hash chain, every anchored Merkle root and the anchor head chain, checks the
// code registry's on-chain state against the code entries, and names for every
// discrepancy the sequence number concerned. Pure (no Node or browser APIs), so the
// command line and the auditors' console run the same code.
//
// HOW A TAMPER IS LOCALISED
// The chain holds, for every batch fromSeq..toSeq, the RFC 6962 root over the leaves
// SHA-256(0x00 || entry hash), and the head chain commits to every root in order. An
// entry's hash covers its content, its sequence number and the hash of the entry before
// it. Each stored row therefore carries two pieces of evidence:
//   - self-consistency: SHA-256(prev_hash || canonical(row)) == hash, under some sequence
//     number s (the row's ORIGINAL sequence number — the number it was hashed with);
//   - a voucher: its prev_hash names the original hash of entry s-1.
// Pass 1 (streaming, the hot loop) checks each row's self-consistency under its stored
// seq, its link to the row before, and seq continuity; a clean ledger never leaves it.
// Pass 2 (only for the rows that failed) re-derives each suspect row's original seq
// (its predecessor's original seq + 1 via prev_hash, or a small shift), then walks the
// original sequence numbers 1..N and asks, for each s, which stored rows claim s and
// which hash the claimant of s+1 vouches for:
//   - no row claims s, and the row stored at s does not hash       -> edited s (content
//     changed, hash column left alone; the stored hash is still the vouched one);
//   - no row claims s, nothing stored at s                        -> missing s;
//   - a claimant's hash is not the vouched one (the attacker recomputed that row's hash
//     but not its successor's)                                    -> edited s;
//   - two rows claim s, one is vouched for                        -> the other is inserted;
//   - a row that hashes under no sequence number, where nothing is missing -> inserted;
//   - a vouched row stored away from s, not explained by the insertions and deletions
//     before it (renumbering)                                     -> reordered;
//   - two rows whose contents hash only at each other's places    -> reordered (both);
//   - a row that hashes only with the previous row's hash as prev -> broken_chain (prev_hash
//     column altered).
// The reconstructed original hash of every s (the genuine claimant's hash, or the
// successor's voucher for a missing or edited entry) then rebuilds each batch's root. When
// it equals the anchored root, the chain itself confirms the localisation (the finding
// carries the anchor and its transaction). When it does not, the attacker rewrote the
// hashes of that batch consistently (recomputed the whole chain from the tampered entry
// on): a root alone cannot say which leaf changed, so the finding is anchor_mismatch at
// the batch's first seq, and every later batch mismatches too. The first mismatching
// batch bounds the tamper to fromSeq..toSeq; nothing finer can be proved from the chain.
//
// THE CODES TABLE
// The current code rows (GET /v1/audit/codes: code id, subject commitment, kind, status,
// attestation, read in one snapshot together with the ledger head seq `asOfSeq`) are
// state, not history: nothing hashes them. They are checked against two witnesses:
//   - the ledger: replaying the code.* entries up to asOfSeq gives every code's subject,
//     kind, attestation and status. The row and its entry are written in one transaction
//     (api/src/codes), so any difference is a tamper, with no allowed delay;
//   - the chain: the CodeRegistry events give every code's subject, kind, attestation and
//     status, and codeOf(subject) the subject's current code id and status. The chain
//     may lag the database by the outbox delay, so a difference with the chain alone
//     counts only once the ledger's last entry about the code is older than that delay.
// A differing row is code_row_mismatch at the seq of the last ledger entry about that
// code (the entry whose effect the row should show); a code the ledger issued without a
// row is code_row_missing at that seq; a row no entry names is code_row_without_entry
// (no seq: nothing in the ledger is about it; the finding names the code id).
import { type Hasher, RootAccumulator, nobleHasher } from "../ledger/merkle.ts";
import { anchorHead } from "../ledger/anchor-head.ts";
import { equalBytes, fromHex, toHex } from "../bytes.ts";

export type FindingKind =
  | "edited"
  | "missing"
  | "inserted"
  | "reordered"
  | "not_anchored"
  | "chain_state_without_entry"
  | "entry_without_chain_state"
  | "broken_chain"
  | "anchor_mismatch"
  | "code_row_mismatch"
  | "code_row_missing"
  | "code_row_without_entry";

export interface Finding {
  /** Ledger sequence number concerned (as stored; for missing entries the anchored one), or null. */
  seq: number | null;
  kind: FindingKind;
  detail: string;
  /** The anchor that covers the entry (and confirms the finding when its root was reproduced). */
  anchorIndex?: number;
  txHash?: string;
  /** The code concerned (code row findings), hex. */
  codeId?: string;
}

/** One ledger row as an auditor receives it. */
export interface AuditEntry {
  seq: number;
  type: string;
  subjectRef: string | null;
  actor: string;
  createdAt: string;
  prevHash: Uint8Array;
  hash: Uint8Array;
  /** Exactly the text that was hashed: canonicalEntry(...) of api/src/ledger/entry.ts. */
  canonical: string;
}

export interface ChainAnchor {
  index: number;
  fromSeq: number;
  toSeq: number;
  /** 0x hex. */
  root: string;
  /** 0x hex, as emitted. */
  head: string;
  txHash?: string;
  blockNumber?: number;
  /** Block time, unix seconds. */
  timestamp?: number;
}

export type CodeAction = "issued" | "revoked" | "suspended" | "reinstated";

export interface ChainCodeEvent {
  action: CodeAction;
  /** Hex, with or without 0x. */
  subject: string;
  codeId: string;
  kind?: number;
  attestation?: string;
  txHash?: string;
  blockNumber?: number;
}

export interface ChainCodeState {
  subject: string;
  codeId: string;
  kind: number;
  /** 0 none, 1 active, 2 suspended, 3 revoked. */
  status: number;
}

/** What the auditor reads from the chain (see chain-reader.ts). */
export interface ChainView {
  anchors: ChainAnchor[];
  /** CreditLedger.head(), 0x hex. */
  head: string;
  anchorCount: number;
  nextSeq: number;
  /** CodeRegistry events; undefined: the code registry is not checked. */
  codeEvents?: ChainCodeEvent[];
  /** CodeRegistry.codeOf for the subjects of interest. */
  codeStates?: ChainCodeState[];
}

/** One row of the codes table as an auditor receives it (GET /v1/audit/codes). */
export interface AuditCodeRow {
  /** 32 hex. */
  codeId: string;
  /** The subject's commitment, hex (subjects.commitment of codes.subject_id). */
  subject: string;
  /** 1 person, 2 enterprise (subjects.kind); 0 the row names no subject. */
  kind: number;
  status: "active" | "suspended" | "revoked";
  /** Hex. */
  attestation: string;
}

/** The codes table at one moment: `asOfSeq` is the ledger head seq in the same snapshot. */
export interface CodeSnapshot {
  /** Undefined: the snapshot is taken to match the last entry audited. */
  asOfSeq?: number;
  rows: Iterable<AuditCodeRow> | AsyncIterable<AuditCodeRow>;
}

export interface AuditOptions {
  /** "Now" for the anchoring and outbox delays (default: the clock). */
  now?: Date;
  /** Entries (and code changes) older than this must be anchored (on chain). Default 10 minutes. */
  maxAnchorDelayMs?: number;
  hasher?: Hasher;
  onProgress?: (entries: number) => void;
  /** Findings of one kind beyond this are summarised in one more finding. Default 1000. */
  maxFindingsPerKind?: number;
  /** The codes table, checked against the code entries and the code registry. */
  codes?: CodeSnapshot;
}

export interface AnchorSummary {
  index: number;
  fromSeq: number;
  toSeq: number;
  entries: number;
  root: string;
  /** The root re-derived from the entries equals the anchored one. */
  ok: boolean;
  txHash?: string;
  blockNumber?: number;
  timestamp?: number;
  firstAppendedAt?: string;
  lastAppendedAt?: string;
  /** Anchor block time minus the first entry's append time: how long the oldest entry waited. */
  delaySeconds?: number;
}

export interface AuditReport {
  ok: boolean;
  findings: Finding[];
  entries: number;
  lastSeq: number;
  anchoredThrough: number;
  unanchored: number;
  anchors: AnchorSummary[];
  chain: { head: string; anchorCount: number; nextSeq: number; headRecomputed: string };
  codes: {
    entries: number;
    chainEvents: number;
    checked: boolean;
    /** Code rows checked (undefined: the codes table was not given). */
    rows?: number;
    /** The ledger seq the code rows were read at. */
    rowsAsOfSeq?: number;
  };
  startedAt: string;
  seconds: number;
}

export const DEFAULT_MAX_ANCHOR_DELAY_MS = 10 * 60 * 1000;
const GENESIS = new Uint8Array(32);

// ---------------------------------------------------------------------------------------
// Canonical text helpers: string work only, no JSON re-serialisation.
// In a canonical entry the keys are actor, createdAt, payload, seq, subjectRef, type.
// A JSON string can never contain an unescaped quote, so `,"seq":` found from the end
// is the top-level key, and `"payload":` found from the start is the top-level one.

/** The same canonical text with another sequence number. */
export function withSeq(canonical: string, seq: number): string {
  const at = canonical.lastIndexOf(',"seq":');
  if (at < 0) return canonical;
  const end = canonical.indexOf(",", at + 7);
  return `${canonical.slice(0, at)},"seq":${seq}${canonical.slice(end)}`;
}

/** The payload's canonical JSON text inside a canonical entry. */
export function payloadText(canonical: string): string {
  const start = canonical.indexOf('"payload":');
  const end = canonical.lastIndexOf(',"seq":');
  return start < 0 || end < start ? "null" : canonical.slice(start + 10, end);
}

// ---------------------------------------------------------------------------------------
// Compact per-row storage (stream order): 32 bytes of hash + 32 of prev + seq + time.

class RowStore {
  length = 0;
  private cap = 1024;
  seqs = new Float64Array(this.cap);
  times = new Float64Array(this.cap);
  hashes = new Uint8Array(this.cap * 32);
  prevs = new Uint8Array(this.cap * 32);

  push(seq: number, hash: Uint8Array, prev: Uint8Array, time: number): void {
    if (this.length === this.cap) this.grow();
    const i = this.length++;
    this.seqs[i] = seq;
    this.times[i] = time;
    this.hashes.set(hash, i * 32);
    this.prevs.set(prev, i * 32);
  }

  hash(i: number): Uint8Array {
    return this.hashes.subarray(i * 32, i * 32 + 32);
  }

  prev(i: number): Uint8Array {
    return this.prevs.subarray(i * 32, i * 32 + 32);
  }

  private grow(): void {
    this.cap *= 2;
    const seqs = new Float64Array(this.cap);
    seqs.set(this.seqs);
    this.seqs = seqs;
    const times = new Float64Array(this.cap);
    times.set(this.times);
    this.times = times;
    const hashes = new Uint8Array(this.cap * 32);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const prevs = new Uint8Array(this.cap * 32);
    prevs.set(this.prevs);
    this.prevs = prevs;
  }
}

class Findings {
  readonly list: Finding[] = [];
  private readonly counts = new Map<FindingKind, number>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  add(finding: Finding): void {
    const n = (this.counts.get(finding.kind) ?? 0) + 1;
    this.counts.set(finding.kind, n);
    if (n <= this.max) this.list.push(finding);
  }
  finish(): Finding[] {
    for (const [kind, n] of this.counts) {
      if (n > this.max) this.list.push({ seq: null, kind, detail: `${n - this.max} more findings of this kind not listed` });
    }
    return this.list;
  }
}

// ---------------------------------------------------------------------------------------

interface CodeEntry {
  index: number;
  seq: number;
  type: string;
  time: number;
  canonical: string;
}

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
  let prevHash: Uint8Array = GENESIS;
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

  // ---- the code registry against the code entries.
  if (chain.codeEvents) checkCodes(codeEntries, rec, chain, now, maxDelay, findings);
  // ---- the codes table against the code entries and the code registry.
  let rowStats: { rows: number; asOfSeq: number } | undefined;
  if (options.codes) {
    const lastSeq = n > 0 ? store.seqs[n - 1]! : 0;
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
    lastSeq: n > 0 ? store.seqs[n - 1]! : 0,
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
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
  };
}

function checkAnchorChain(anchors: ChainAnchor[], chain: ChainView, findings: Findings): string {
  let head: Uint8Array = new Uint8Array(32);
  let expectedFrom = 1;
  anchors.forEach((a, k) => {
    if (a.index !== k + 1) {
      findings.add({
        seq: a.fromSeq,
        kind: "anchor_mismatch",
        detail: `anchor events are not numbered 1..n: expected #${k + 1}, got #${a.index} (an anchor event is missing from the logs)`,
        anchorIndex: a.index,
        txHash: a.txHash,
      });
    }
    if (a.fromSeq !== expectedFrom || a.toSeq < a.fromSeq) {
      findings.add({
        seq: a.fromSeq,
        kind: "broken_chain",
        detail: `anchor #${a.index} covers ${a.fromSeq}..${a.toSeq} but should start at ${expectedFrom} (${a.fromSeq > expectedFrom ? "gap" : "overlap"})`,
        anchorIndex: a.index,
        txHash: a.txHash,
      });
    }
    head = anchorHead(head, a.fromSeq, a.toSeq, fromHex(a.root));
    if (toHex(head) !== strip(a.head)) {
      findings.add({
        seq: a.fromSeq,
        kind: "anchor_mismatch",
        detail: `anchor #${a.index}: head ${a.head} emitted, ${toHex(head)} recomputed from the previous head and the batch`,
        anchorIndex: a.index,
        txHash: a.txHash,
      });
      head = fromHex(a.head);
    }
    expectedFrom = a.toSeq + 1;
  });
  const recomputed = `0x${toHex(head)}`;
  if (strip(chain.head) !== toHex(head)) {
    findings.add({ seq: null, kind: "anchor_mismatch", detail: `CreditLedger.head() is ${chain.head}; the anchor events chain to ${recomputed} (events missing or forged)` });
  }
  if (chain.anchorCount !== anchors.length) {
    findings.add({ seq: null, kind: "anchor_mismatch", detail: `CreditLedger.anchorCount() is ${chain.anchorCount} but ${anchors.length} BatchAnchored events were read` });
  }
  if (chain.nextSeq !== expectedFrom) {
    findings.add({ seq: null, kind: "broken_chain", detail: `CreditLedger.nextSeq() is ${chain.nextSeq}; the anchor events end at ${expectedFrom - 1}` });
  }
  return recomputed;
}

/** What pass 2 produces: the original hash of every anchored seq, and each row's original seq. */
interface Reconstruction {
  /** Original hash of seq s (index s), or undefined when nothing proves it. */
  hashOf(s: number): Uint8Array | undefined;
  /** Stream index of the genuine row of seq s, or -1. */
  rowOf(s: number): number;
  /** Original seq of each stored row (NaN: its content hashes under no seq). */
  origSeq: Float64Array;
}

function cleanReconstruction(store: RowStore, anchoredThrough: number, findings: Findings): Reconstruction {
  // No suspect: seqs are exactly 1..n, every row hashes and links to the one before.
  // Only a deleted tail can hide here: anchored seqs beyond the last row.
  for (let s = store.length + 1; s <= anchoredThrough; s++) {
    findings.add({ seq: s, kind: "missing", detail: `seq ${s} is anchored but absent (the ledger ends at ${store.length})` });
  }
  return {
    hashOf: (s) => (s >= 1 && s <= store.length ? store.hash(s - 1) : undefined),
    rowOf: (s) => (s >= 1 && s <= store.length ? s - 1 : -1),
    origSeq: store.seqs.subarray(0, store.length),
  };
}

function localise(
  store: RowStore,
  suspects: Map<number, AuditEntry>,
  hasher: Hasher,
  anchoredThrough: number,
  findings: Findings,
): Reconstruction {
  const n = store.length;
  const origSeq = new Float64Array(n);
  for (let i = 0; i < n; i++) origSeq[i] = store.seqs[i]!;
  const hashes = (i: number) => store.hash(i);
  const hashesTo = (e: AuditEntry, prev: Uint8Array, seq: number) =>
    equalBytes(hasher.entry(prev, seq === e.seq ? e.canonical : withSeq(e.canonical, seq)), e.hash);

  // Where each hash is stored: the predecessor named by a prev_hash.
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(toHex(hashes(i)), i);

  // Original seq of each suspect: it is the seq under which its content hashes.
  const unresolved = new Set<number>();
  for (const [i, e] of suspects) {
    if (hashesTo(e, e.prevHash, e.seq)) continue; // intact under its stored seq
    origSeq[i] = Number.NaN;
    unresolved.add(i);
  }
  // Shifted rows (renumbered after an insertion or deletion, or moved by a swap).
  for (const i of unresolved) {
    const e = suspects.get(i)!;
    for (let d = 1; d <= 8; d++) {
      const hit = [e.seq - d, e.seq + d].find((c) => c >= 1 && hashesTo(e, e.prevHash, c));
      if (hit !== undefined) {
        origSeq[i] = hit;
        unresolved.delete(i);
        break;
      }
    }
  }
  // Further moves: one past the original seq of the row its prev_hash names (repeat for
  // chains of moved rows whose predecessors are resolved later in stream order).
  for (let pass = 0; pass < 4 && unresolved.size > 0; pass++) {
    let progress = false;
    for (const i of [...unresolved]) {
      const e = suspects.get(i)!;
      const p = index.get(toHex(e.prevHash));
      if (p === undefined || Number.isNaN(origSeq[p]!)) continue;
      const c = origSeq[p]! + 1;
      if (hashesTo(e, e.prevHash, c)) {
        origSeq[i] = c;
        unresolved.delete(i);
        progress = true;
      }
    }
    if (!progress) break;
  }
  // The prev_hash column alone was altered: the row hashes with the previous row's hash.
  const prevAltered = new Set<number>();
  const effectivePrev = new Map<number, Uint8Array>();
  for (const i of [...unresolved]) {
    const e = suspects.get(i)!;
    if (hashesTo(e, i > 0 ? hashes(i - 1) : GENESIS, e.seq)) {
      origSeq[i] = e.seq;
      unresolved.delete(i);
      prevAltered.add(i);
      effectivePrev.set(i, i > 0 ? hashes(i - 1) : GENESIS);
      findings.add({
        seq: e.seq,
        kind: "broken_chain",
        detail: `prev_hash of seq ${e.seq} was altered (stored ${toHex(e.prevHash)}; the entry hashes with ${i > 0 ? `${toHex(hashes(i - 1))}, the hash of seq ${store.seqs[i - 1]}` : "the genesis hash"})`,
      });
    }
  }
  // Swapped contents: row a's content hashes at row b's place (with b's prev and hash).
  const contentOf = new Map<number, number>(); // a -> b: a holds the content of b's entry
  const edited = [...unresolved];
  if (edited.length <= 256) {
    for (const a of edited) {
      for (const b of edited) {
        if (a === b) continue;
        const ea = suspects.get(a)!;
        const eb = suspects.get(b)!;
        if (equalBytes(hasher.entry(eb.prevHash, withSeq(ea.canonical, eb.seq)), eb.hash)) {
          contentOf.set(a, b);
          break;
        }
      }
    }
  }
  for (const [a, b] of contentOf) {
    // b's hash and prev are original, so b still claims its own seq by hash.
    origSeq[b] = store.seqs[b]!;
    findings.add({
      seq: store.seqs[a]!,
      kind: "reordered",
      detail: `seq ${store.seqs[a]} holds the content (type, payload, subject, actor, time) of the entry anchored as seq ${store.seqs[b]}`,
    });
  }
  const pairedRows = new Set<number>([...contentOf.keys(), ...contentOf.values()]);
  for (const b of contentOf.values()) unresolved.delete(b);
  // Rows whose content hashes under no seq, by their stored seq.
  const editedAt = new Map<number, number>();
  for (const i of unresolved) if (!contentOf.has(i)) editedAt.set(store.seqs[i]!, i);

  // Claimants of each original seq.
  let maxS = anchoredThrough;
  for (let i = 0; i < n; i++) if (origSeq[i]! > maxS) maxS = origSeq[i]!;
  const first = new Int32Array(maxS + 2).fill(-1);
  const extra = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const s = origSeq[i]!;
    if (Number.isNaN(s) || s < 1 || s > maxS) continue;
    if (first[s] === -1) first[s] = i;
    else extra.set(s, [...(extra.get(s) ?? []), i]);
  }
  const claimants = (s: number): number[] => {
    if (s < 1 || s > maxS || first[s] === -1) return [];
    const more = extra.get(s);
    return more ? [first[s]!, ...more] : [first[s]!];
  };

  const genuineRow = new Int32Array(maxS + 2).fill(-1);
  const vouched: (Uint8Array | undefined)[] = new Array(maxS + 2);
  const inserted: number[] = []; // stored seqs
  const missing: number[] = []; // original seqs
  const moves: { row: number; from: number; to: number }[] = [];
  const reported = new Set<number>(); // edited rows already named
  for (let s = 1; s <= maxS; s++) {
    const cl = claimants(s);
    const next = claimants(s + 1);
    const vouches = next.map((j) => effectivePrev.get(j) ?? store.prev(j));
    if (cl.length === 0) {
      const e = editedAt.get(s);
      if (e !== undefined) {
        const stored = hashes(e);
        const keptHash = vouches.some((v) => equalBytes(v, stored));
        findings.add({
          seq: s,
          kind: "edited",
          detail: `seq ${s} does not hash to its stored hash: its content (type, payload, subject, actor or time) was changed${
            keptHash ? " after it was hashed (the next entry still links to the stored hash)" : ""
          }`,
        });
        reported.add(e);
        vouched[s] = vouches[0] ?? stored;
      } else {
        missing.push(s);
        vouched[s] = vouches[0];
        findings.add({
          seq: s,
          kind: "missing",
          detail:
            s <= anchoredThrough
              ? `seq ${s} is anchored but absent${vouches[0] ? ` (the next entry links to ${toHex(vouches[0])})` : ""}`
              : `seq ${s} is absent although later entries exist`,
        });
      }
      continue;
    }
    let genuine = cl.find((j) => vouches.some((v) => equalBytes(v, hashes(j))));
    if (genuine === undefined) {
      if (vouches.length > 0 && cl.length === 1 && !pairedRows.has(cl[0]!)) {
        const j = cl[0]!;
        findings.add({
          seq: store.seqs[j]!,
          kind: "edited",
          detail: `seq ${store.seqs[j]} was rewritten with a recomputed hash: the next entry links to ${toHex(vouches[0]!)}, the stored hash is ${toHex(hashes(j))}`,
        });
        reported.add(j);
        vouched[s] = vouches[0];
        continue;
      }
      genuine = cl[0]!;
      if (vouches.length > 0) vouched[s] = vouches[0];
    }
    genuineRow[s] = genuine;
    for (const j of cl) {
      if (j === genuine) continue;
      inserted.push(store.seqs[j]!);
      findings.add({
        seq: store.seqs[j]!,
        kind: "inserted",
        detail: `seq ${store.seqs[j]} is not part of the anchored chain: it claims the place of seq ${s}, but the next entry links to the entry now stored at seq ${store.seqs[genuine]}`,
      });
    }
    if (store.seqs[genuine]! !== s) moves.push({ row: genuine, from: s, to: store.seqs[genuine]! });
  }
  // Rows that hash under no seq and stand where nothing is missing were added.
  for (const [seq, i] of editedAt) {
    if (reported.has(i)) continue;
    inserted.push(seq);
    findings.add({ seq, kind: "inserted", detail: `seq ${seq} hashes to nothing anchored and no anchored entry is missing at its place` });
  }
  // Moves: renumbering explained by the insertions and deletions before them, or reordering.
  inserted.sort((a, b) => a - b);
  missing.sort((a, b) => a - b);
  const countBelow = (list: number[], x: number) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let renumbered = 0;
  for (const m of moves) {
    const expected = countBelow(inserted, m.to) - countBelow(missing, m.from);
    if (m.to - m.from === expected) {
      renumbered += 1;
      continue;
    }
    findings.add({ seq: m.to, kind: "reordered", detail: `seq ${m.to} holds the entry anchored as seq ${m.from}` });
  }
  if (renumbered > 0) {
    const first = findings.list.find((f) => f.kind === "inserted" || f.kind === "missing");
    if (first) first.detail += `; ${renumbered} later entries were renumbered to close the gap`;
  }
  for (const i of prevAltered) genuineRow[origSeq[i]!] = i;

  return {
    hashOf: (s) => {
      if (s < 1 || s > maxS) return undefined;
      const g = genuineRow[s]!;
      return g >= 0 ? hashes(g) : vouched[s];
    },
    rowOf: (s) => (s >= 1 && s <= maxS ? genuineRow[s]! : -1),
    origSeq,
  };
}

function checkAnchorRoot(anchor: ChainAnchor, rec: Reconstruction, store: RowStore, hasher: Hasher, findings: Findings): AnchorSummary {
  const acc = new RootAccumulator(hasher);
  let unknown = -1;
  for (let s = anchor.fromSeq; s <= anchor.toSeq; s++) {
    const h = rec.hashOf(s);
    if (!h) {
      unknown = s;
      break;
    }
    acc.push(hasher.leaf(h));
  }
  const root = unknown < 0 ? toHex(acc.root()) : null;
  const ok = root !== null && root === strip(anchor.root);
  const firstRow = rec.rowOf(anchor.fromSeq);
  const lastRow = rec.rowOf(anchor.toSeq);
  const firstTime = firstRow >= 0 ? store.times[firstRow]! : Number.NaN;
  const lastTime = lastRow >= 0 ? store.times[lastRow]! : Number.NaN;
  if (!ok) {
    findings.add({
      seq: anchor.fromSeq,
      kind: "anchor_mismatch",
      detail:
        root === null
          ? `anchor #${anchor.index} (${anchor.fromSeq}..${anchor.toSeq}): the original hash of seq ${unknown} cannot be recovered, so the root cannot be checked`
          : `anchor #${anchor.index} (${anchor.fromSeq}..${anchor.toSeq}): the entries give root ${root}, the chain holds ${anchor.root}; ` +
            `the stored hashes of this batch were recomputed (history rewritten), the first altered entry lies in ${anchor.fromSeq}..${anchor.toSeq}`,
      anchorIndex: anchor.index,
      txHash: anchor.txHash,
    });
  }
  return {
    index: anchor.index,
    fromSeq: anchor.fromSeq,
    toSeq: anchor.toSeq,
    entries: anchor.toSeq - anchor.fromSeq + 1,
    root: anchor.root,
    ok,
    txHash: anchor.txHash,
    blockNumber: anchor.blockNumber,
    timestamp: anchor.timestamp,
    firstAppendedAt: Number.isFinite(firstTime) ? new Date(firstTime).toISOString() : undefined,
    lastAppendedAt: Number.isFinite(lastTime) ? new Date(lastTime).toISOString() : undefined,
    delaySeconds: anchor.timestamp !== undefined && Number.isFinite(firstTime) ? anchor.timestamp - firstTime / 1000 : undefined,
  };
}

// ---------------------------------------------------------------------------------------
// The code registry against the code entries.

interface CodeTransition {
  action: CodeAction;
  subject: string;
  codeId: string;
  kind?: number;
  attestation?: string;
}

function strip(h: string): string {
  return (h.startsWith("0x") || h.startsWith("0X") ? h.slice(2) : h).toLowerCase();
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? strip(v) : undefined;
}

function kindNumber(v: unknown): number | undefined {
  if (v === 1 || v === "person") return 1;
  if (v === 2 || v === "enterprise") return 2;
  return undefined;
}

/**
 * The chain writes a code entry stands for (api/src/codes): 'code.issued' is CodeIssued, or,
 * with `replaces`, a rotation (CodeRevoked of the old code, then CodeIssued); 'code.rotated'
 * the same; 'code.suspended' | 'code.reinstated' | 'code.revoked' name only the code id, whose
 * subject comes from the entry that issued it (`subjectOf`).
 */
export function codeTransitions(type: string, payload: Record<string, unknown>, subjectOf: (codeId: string) => string | undefined = () => undefined): CodeTransition[] {
  const codeId = str(payload.codeId) ?? str(payload.code_id) ?? str(payload.newCodeId);
  const subject = str(payload.subject) ?? str(payload.commitment) ?? str(payload.subjectCommitment) ?? (codeId ? subjectOf(codeId) : undefined);
  if (!subject || !codeId) return [];
  const kind = kindNumber(payload.kind ?? payload.codeKind);
  const attestation = str(payload.attestation);
  switch (type) {
    case "code.issued":
    case "code.rotated": {
      const old = str(payload.replaces) ?? str(payload.oldCodeId) ?? str(payload.previousCodeId);
      const issued: CodeTransition = { action: "issued", subject, codeId, kind, attestation };
      return old ? [{ action: "revoked", subject, codeId: old }, issued] : [issued];
    }
    case "code.revoked":
      return [{ action: "revoked", subject, codeId }];
    case "code.suspended":
      return [{ action: "suspended", subject, codeId }];
    case "code.reinstated":
      return [{ action: "reinstated", subject, codeId }];
    default:
      return [];
  }
}

const CHANGES = new Set(["code.suspended", "code.reinstated", "code.revoked"]);
const STATUS_AFTER: Record<CodeAction, number> = { issued: 1, suspended: 2, reinstated: 1, revoked: 3 };
const STATUS_NAME = ["none", "active", "suspended", "revoked"];

function checkCodes(codeEntries: CodeEntry[], rec: Reconstruction, chain: ChainView, now: number, maxDelay: number, findings: Findings): void {
  const events = chain.codeEvents ?? [];
  const pending = new Map<string, ChainCodeEvent[]>();
  const key = (a: string, s: string, c: string) => `${a}|${s}|${c}`;
  for (const ev of events) {
    const k = key(ev.action, strip(ev.subject), strip(ev.codeId));
    pending.set(k, [...(pending.get(k) ?? []), ev]);
  }
  const state = new Map<string, { codeId: string; status: number; seq: number; time: number }>();
  const subjectsReported = new Set<string>();
  const entrySubjects = new Map<string, number>(); // subject -> seq of its last entry
  const subjectOfCode = new Map<string, string>();
  for (const ce of inOriginalOrder(codeEntries, rec)) {
    const payload = codePayload(ce);
    if (!payload) continue;
    const transitions = codeTransitions(ce.type, payload, (codeId) => subjectOfCode.get(codeId));
    if (transitions.length === 0 && CHANGES.has(ce.type) && now - ce.time > maxDelay) {
      findings.add({
        seq: ce.seq,
        kind: "entry_without_chain_state",
        detail: `seq ${ce.seq} (${ce.type}) names code ${String(payload.codeId)}, which no code entry before it issued`,
      });
    }
    for (const t of transitions) {
      if (t.action === "issued") subjectOfCode.set(t.codeId, t.subject);
      entrySubjects.set(t.subject, ce.seq);
      state.set(t.subject, { codeId: t.codeId, status: STATUS_AFTER[t.action], seq: ce.seq, time: ce.time });
      const k = key(t.action, t.subject, t.codeId);
      const list = pending.get(k);
      const ev = list?.shift();
      if (ev === undefined) {
        if (now - ce.time > maxDelay) {
          subjectsReported.add(t.subject);
          findings.add({
            seq: ce.seq,
            kind: "entry_without_chain_state",
            detail: `seq ${ce.seq} (${ce.type}) says code ${t.codeId} was ${t.action} for subject ${t.subject}, but no Code${cap(t.action)} event on chain matches`,
          });
        }
        continue;
      }
      if (t.action === "issued") {
        const diffs: string[] = [];
        if (t.attestation && ev.attestation && strip(ev.attestation) !== t.attestation) diffs.push(`attestation ${t.attestation} vs ${strip(ev.attestation)} on chain`);
        if (t.kind && ev.kind && t.kind !== ev.kind) diffs.push(`kind ${t.kind} vs ${ev.kind} on chain`);
        if (diffs.length > 0) {
          subjectsReported.add(t.subject);
          findings.add({ seq: ce.seq, kind: "entry_without_chain_state", detail: `seq ${ce.seq} (${ce.type}) differs from the chain: ${diffs.join(", ")}`, txHash: ev.txHash });
        }
      }
    }
  }
  for (const list of pending.values()) {
    for (const ev of list) {
      const subject = strip(ev.subject);
      subjectsReported.add(subject);
      const related = entrySubjects.get(subject);
      findings.add({
        seq: related ?? null,
        kind: "chain_state_without_entry",
        detail:
          `Code${cap(ev.action)} of code ${strip(ev.codeId)} for subject ${subject} (block ${ev.blockNumber ?? "?"}) has no ledger entry` +
          (related !== undefined ? `; the ledger's last code entry for this subject is seq ${related}` : ""),
        txHash: ev.txHash,
      });
    }
  }
  for (const cs of chain.codeStates ?? []) {
    const subject = strip(cs.subject);
    if (subjectsReported.has(subject)) continue;
    const mine = state.get(subject);
    const chainCode = /^0+$/.test(strip(cs.codeId)) ? null : strip(cs.codeId);
    if (!mine && cs.status === 0) continue;
    if (!mine) {
      findings.add({ seq: null, kind: "chain_state_without_entry", detail: `codeOf(${subject}) is code ${chainCode} (${STATUS_NAME[cs.status]}) but no code entry names this subject` });
      continue;
    }
    if (mine.codeId !== chainCode || mine.status !== cs.status) {
      if (now - mine.time <= maxDelay) continue; // the outbox may still be sending it
      findings.add({
        seq: mine.seq,
        kind: cs.status === 0 ? "entry_without_chain_state" : "chain_state_without_entry",
        detail: `after seq ${mine.seq} the ledger has code ${mine.codeId} ${STATUS_NAME[mine.status]} for subject ${subject}; codeOf on chain says ${chainCode ?? "none"} ${STATUS_NAME[cs.status]}`,
      });
    }
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Code entries in their original order (an edited row, whose original seq is unknown, at its stored seq). */
function inOriginalOrder(codeEntries: CodeEntry[], rec: Reconstruction): CodeEntry[] {
  const at = (ce: CodeEntry) => {
    const s = rec.origSeq[ce.index];
    return s !== undefined && Number.isFinite(s) ? s : ce.seq;
  };
  return [...codeEntries].sort((a, b) => at(a) - at(b) || a.seq - b.seq);
}

function codePayload(ce: CodeEntry): Record<string, unknown> | null {
  try {
    const payload = JSON.parse(payloadText(ce.canonical)) as unknown;
    return payload !== null && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const STATUS_OF_ROW: Record<AuditCodeRow["status"], number> = { active: 1, suspended: 2, revoked: 3 };

interface CodeFacts {
  subject?: string;
  kind?: number;
  attestation?: string;
  /** 1 active, 2 suspended, 3 revoked; undefined: never issued (only named). */
  status?: number;
  /** Seq of the last entry about the code. */
  seq?: number;
  /** Seq of the entry that issued it (subject, kind and attestation come from there). */
  issuedSeq?: number;
  txHash?: string;
  time?: number;
}

/**
 * Checks every code row against the state the code entries (up to the snapshot's seq)
 * leave and against the code registry, then names the codes the ledger issued that have
 * no row. Returns how many rows were checked and the seq they were read at.
 */
async function checkCodeRows(
  snapshot: CodeSnapshot,
  codeEntries: CodeEntry[],
  rec: Reconstruction,
  lastSeq: number,
  chain: ChainView,
  now: number,
  maxDelay: number,
  findings: Findings,
): Promise<{ rows: number; asOfSeq: number }> {
  const asOfSeq = snapshot.asOfSeq ?? lastSeq;
  if (asOfSeq > lastSeq) {
    findings.add({
      seq: lastSeq + 1,
      kind: "missing",
      detail: `the codes table was read when the ledger head was seq ${asOfSeq}, but the entries end at seq ${lastSeq}: entries ${lastSeq + 1}..${asOfSeq} are absent (or the codes were exported after the entries)`,
    });
  }

  // The ledger's word on every code, replayed up to the snapshot.
  const ledger = new Map<string, CodeFacts>();
  const subjectOfCode = new Map<string, string>();
  const facts = (map: Map<string, CodeFacts>, codeId: string) => {
    let f = map.get(codeId);
    if (!f) map.set(codeId, (f = {}));
    return f;
  };
  for (const ce of inOriginalOrder(codeEntries, rec)) {
    const orig = rec.origSeq[ce.index];
    if ((orig !== undefined && Number.isFinite(orig) ? orig : ce.seq) > asOfSeq) continue;
    const payload = codePayload(ce);
    if (!payload) continue;
    const named = str(payload.codeId) ?? str(payload.code_id) ?? str(payload.newCodeId);
    const transitions = codeTransitions(ce.type, payload, (codeId) => subjectOfCode.get(codeId));
    if (named) {
      const f = facts(ledger, named);
      f.seq = ce.seq;
      f.time = ce.time;
    }
    for (const t of transitions) {
      const f = facts(ledger, t.codeId);
      f.seq = ce.seq;
      f.time = ce.time;
      if (t.action === "issued") {
        subjectOfCode.set(t.codeId, t.subject);
        f.issuedSeq = ce.seq;
        f.subject = t.subject;
        f.kind = t.kind;
        f.attestation = t.attestation;
      }
      f.status = STATUS_AFTER[t.action];
    }
  }

  // The chain's word: every code's history from the events, each subject's current code from codeOf.
  const onChain = new Map<string, CodeFacts>();
  const kindOfSubject = new Map<string, number>();
  for (const ev of chain.codeEvents ?? []) {
    const f = facts(onChain, strip(ev.codeId));
    const subject = strip(ev.subject);
    if (ev.action === "issued") {
      f.subject = subject;
      f.kind = ev.kind ?? kindOfSubject.get(subject);
      f.attestation = ev.attestation !== undefined ? strip(ev.attestation) : undefined;
      if (f.kind !== undefined) kindOfSubject.set(subject, f.kind);
    }
    f.status = STATUS_AFTER[ev.action];
    f.txHash = ev.txHash;
  }
  const codeOf = new Map<string, ChainCodeState>();
  for (const cs of chain.codeStates ?? []) codeOf.set(strip(cs.subject), cs);

  let rows = 0;
  const seen = new Set<string>();
  for await (const row of snapshot.rows) {
    rows += 1;
    const codeId = strip(row.codeId);
    seen.add(codeId);
    const subject = strip(row.subject);
    const attestation = strip(row.attestation);
    const status = STATUS_OF_ROW[row.status] ?? 0;
    const shown = `${STATUS_NAME[status] ?? row.status}, subject ${subject}, kind ${row.kind}, attestation ${attestation}`;
    const mine = ledger.get(codeId);

    // Against the ledger.
    const vsLedger: string[] = [];
    if (!mine) {
      const theirs = onChain.get(codeId);
      findings.add({
        seq: null,
        kind: "code_row_without_entry",
        codeId,
        txHash: theirs?.txHash,
        detail:
          `the codes table holds code ${codeId} (${shown}) but no ledger entry up to seq ${asOfSeq} names it (row inserted, or its entries removed)` +
          (chain.codeEvents ? (theirs ? `; the chain knows it (last event tx ${theirs.txHash ?? "?"})` : "; the chain does not know it either") : ""),
      });
      continue;
    }
    if (mine.status === undefined) {
      vsLedger.push(`no entry issued it (its issue entry is missing or altered)`);
    } else {
      if (mine.status !== status) vsLedger.push(`status ${row.status}, the ledger says ${STATUS_NAME[mine.status]}`);
      const issuedAt = mine.issuedSeq !== undefined ? ` (issued at seq ${mine.issuedSeq})` : "";
      if (mine.subject !== undefined && mine.subject !== subject) vsLedger.push(`subject ${subject}, the ledger says ${mine.subject}${issuedAt}`);
      if (mine.kind !== undefined && mine.kind !== row.kind) vsLedger.push(`kind ${row.kind}, the ledger says ${mine.kind}${issuedAt}`);
      if (mine.attestation !== undefined && mine.attestation !== attestation) vsLedger.push(`attestation ${attestation}, the ledger says ${mine.attestation}${issuedAt}`);
    }

    // Against the chain (only when the registry was read).
    const vsChain: string[] = [];
    let txHash: string | undefined;
    if (chain.codeEvents) {
      const theirs = onChain.get(codeId);
      txHash = theirs?.txHash;
      if (!theirs || theirs.status === undefined || theirs.subject === undefined) {
        vsChain.push(`no CodeIssued event on chain for it`);
      } else {
        if (theirs.status !== status) vsChain.push(`the chain's events leave it ${STATUS_NAME[theirs.status]}`);
        if (theirs.subject !== subject) vsChain.push(`the chain issued it to subject ${theirs.subject}`);
        if (theirs.kind !== undefined && theirs.kind !== row.kind) vsChain.push(`the chain has kind ${theirs.kind}`);
        if (theirs.attestation !== undefined && theirs.attestation !== attestation) vsChain.push(`the chain has attestation ${theirs.attestation}`);
      }
      const current = codeOf.get(subject);
      if (current) {
        const currentId = /^0+$/.test(strip(current.codeId)) ? null : strip(current.codeId);
        if (status !== 3 && (currentId !== codeId || current.status !== status)) {
          vsChain.push(`codeOf(subject) on chain is ${currentId ?? "none"} ${STATUS_NAME[current.status] ?? current.status}`);
        } else if (status === 3 && currentId === codeId && current.status !== 3) {
          vsChain.push(`codeOf(subject) on chain has it ${STATUS_NAME[current.status] ?? current.status}`);
        }
      }
    }
    // The chain may still be catching up with recent changes (the outbox).
    const chainCounts = vsChain.length > 0 && (mine.time === undefined || now - mine.time > maxDelay);
    if (vsLedger.length === 0 && !chainCounts) continue;
    const lastSeqOfCode = mine.seq ?? null;
    findings.add({
      seq: lastSeqOfCode,
      kind: "code_row_mismatch",
      codeId,
      txHash,
      detail:
        `the codes table row of code ${codeId} (${shown}) ` +
        (vsLedger.length > 0 ? `disagrees with the ledger: ${vsLedger.join("; ")}` : `agrees with the ledger but not with the chain`) +
        (vsChain.length > 0 ? `; chain: ${vsChain.join("; ")}` : chain.codeEvents ? `; the chain agrees with the row` : "") +
        (lastSeqOfCode !== null ? `; the last ledger entry about this code is seq ${lastSeqOfCode}` : ""),
    });
  }

  // Codes the ledger issued that have no row.
  for (const [codeId, mine] of ledger) {
    if (seen.has(codeId) || mine.status === undefined) continue;
    findings.add({
      seq: mine.seq ?? null,
      kind: "code_row_missing",
      codeId,
      txHash: onChain.get(codeId)?.txHash,
      detail: `the ledger has code ${codeId} ${STATUS_NAME[mine.status]} for subject ${mine.subject ?? "?"} (last entry seq ${mine.seq}) but the codes table has no row for it`,
    });
  }
  return { rows, asOfSeq };
}
