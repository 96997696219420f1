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
import type { Hasher } from "../ledger/merkle.ts";
import { GENESIS_HASH } from "../ledger/entry.ts";
import { equalBytes, toHex } from "../bytes.ts";
import { withSeq } from "./canonical-text.ts";
import type { AuditEntry } from "./report.ts";
import type { Findings, Reconstruction, RowStore } from "./row-store.ts";

/** Pass 2 on a clean stream: every stored row is its own original. */
export function cleanReconstruction(store: RowStore, anchoredThrough: number, findings: Findings): Reconstruction {
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

/** Pass 2 with suspects: each row's original seq, the findings, the original hash of every seq. */
export function localise(
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
    if (hashesTo(e, i > 0 ? hashes(i - 1) : GENESIS_HASH, e.seq)) {
      origSeq[i] = e.seq;
      unresolved.delete(i);
      prevAltered.add(i);
      effectivePrev.set(i, i > 0 ? hashes(i - 1) : GENESIS_HASH);
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
