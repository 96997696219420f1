// Node's native SHA-256 for the audit's hot loop (the command line and the benchmark);
// computes exactly what nobleHasher computes. One-shot crypto.hash over a reused scratch
// buffer: about 40% faster than createHash().update().update().digest() per entry.
import { hash } from "node:crypto";
import { type Hasher } from "../../protocol/ledger/merkle.ts";

let scratch = Buffer.allocUnsafe(4096);

function digest(length: number): Buffer {
  return hash("sha256", scratch.subarray(0, length), "buffer");
}

export const nodeHasher: Hasher = {
  entry(prev, text) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const need = prev.length + text.length * 3;
    if (need > scratch.length) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
    scratch.set(prev, 0);
    const n = scratch.write(text, prev.length, "utf8");
    return digest(prev.length + n);
  },
  leaf(h) {
    scratch[0] = 0;
    scratch.set(h, 1);
    return digest(1 + h.length);
  },
  node(left, right) {
    scratch[0] = 1;
    scratch.set(left, 1);
    scratch.set(right, 1 + left.length);
    return digest(1 + left.length + right.length);
  },
};
