// The anchors on their own (numbering, contiguity, the head chain, the contract's counters)
// and each anchored root against the root rebuilt from the reconstructed entry hashes.
import { type Hasher, RootAccumulator } from "../ledger/merkle.ts";
import { ZERO_HEAD, anchorHead } from "../ledger/anchor-head.ts";
import { fromHex, toHex } from "../bytes.ts";
import { bareHex } from "./canonical-text.ts";
import type { AnchorSummary, ChainAnchor, ChainView } from "./report.ts";
import type { Findings, Reconstruction, RowStore } from "./row-store.ts";

/** Checks the anchor events against each other and the contract; returns the recomputed head (0x hex). */
export function checkAnchorChain(anchors: ChainAnchor[], chain: ChainView, findings: Findings): string {
  let head: Uint8Array = ZERO_HEAD;
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
    if (toHex(head) !== bareHex(a.head)) {
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
  if (bareHex(chain.head) !== toHex(head)) {
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

/** Rebuilds one batch's root from the reconstructed hashes and compares it with the anchored one. */
export function checkAnchorRoot(anchor: ChainAnchor, rec: Reconstruction, store: RowStore, hasher: Hasher, findings: Findings): AnchorSummary {
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
  const ok = root !== null && root === bareHex(anchor.root);
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
