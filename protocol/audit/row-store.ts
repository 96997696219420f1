// What the streaming pass keeps: every row in a compact store, the findings collected so
// far (capped per kind), and the code entries for the code checks.
import type { Finding, FindingKind } from "./report.ts";

// Compact per-row storage (stream order): 32 bytes of hash + 32 of prev + seq + time.

export class RowStore {
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

/** Findings in the order found; beyond `max` of one kind only counted, then summarised. */
export class Findings {
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

/** A code.* entry, kept from the stream for the code registry and codes table checks. */
export interface CodeEntry {
  index: number;
  seq: number;
  type: string;
  time: number;
  canonical: string;
}

/** What pass 2 produces: the original hash of every anchored seq, and each row's original seq. */
export interface Reconstruction {
  /** Original hash of seq s (index s), or undefined when nothing proves it. */
  hashOf(s: number): Uint8Array | undefined;
  /** Stream index of the genuine row of seq s, or -1. */
  rowOf(s: number): number;
  /** Original seq of each stored row (NaN: its content hashes under no seq). */
  origSeq: Float64Array;
}
