// Merkle trees of RFC 6962 / RFC 9162 (Certificate Transparency): leaves hash as
// SHA-256(0x00 || leaf), inner nodes as SHA-256(0x01 || left || right), so a leaf
// can never pass for a node. A leaf of the OneCode ledger is an entry's hash.
//
// Behind the small Hasher interface so that this stays browser-safe (@noble/hashes,
// the default) while the command line and the benchmark plug in Node's native
// SHA-256 for the hot loop (scripts/lib/node-hasher.ts). Both compute exactly:
//   entry = SHA-256(prev_hash || UTF-8(canonical entry))       (entry.ts)
//   leaf  = SHA-256(0x00 || entry hash), node = SHA-256(0x01 || left || right)
import { sha256 } from "@noble/hashes/sha2.js";
import { equalBytes } from "../bytes.ts";

export type Hash = Uint8Array;

export interface Hasher {
  /** SHA-256(prev || UTF-8(text)). */
  entry(prev: Uint8Array, text: string): Uint8Array;
  /** SHA-256(0x00 || hash). */
  leaf(hash: Uint8Array): Uint8Array;
  /** SHA-256(0x01 || left || right). */
  node(left: Uint8Array, right: Uint8Array): Uint8Array;
}

const encoder = new TextEncoder();

export const nobleHasher: Hasher = {
  entry(prev, text) {
    const body = encoder.encode(text);
    const input = new Uint8Array(prev.length + body.length);
    input.set(prev, 0);
    input.set(body, prev.length);
    return sha256(input);
  },
  leaf(hash) {
    const input = new Uint8Array(1 + hash.length);
    input.set(hash, 1);
    return sha256(input);
  },
  node(left, right) {
    const input = new Uint8Array(1 + left.length + right.length);
    input[0] = 1;
    input.set(left, 1);
    input.set(right, 1 + left.length);
    return sha256(input);
  },
};

export function leafHash(leaf: Uint8Array): Hash {
  return nobleHasher.leaf(leaf);
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return nobleHasher.node(left, right);
}

/** The empty tree's root is SHA-256 of the empty string (RFC 9162 2.1.1). */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

/**
 * RFC 6962 root computed as a stack of complete subtrees, as a CT monitor does while it
 * streams: push leaf hashes one by one, read the root at any time. The one root
 * computation of the project (the anchoring worker, the proofs and the audit use it).
 */
export class RootAccumulator {
  private readonly hasher: Hasher;
  private readonly stack: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  count = 0;

  constructor(hasher: Hasher = nobleHasher) {
    this.hasher = hasher;
  }

  /** Adds a leaf hash (already SHA-256(0x00 || …)). */
  push(leafHash: Uint8Array): void {
    let node = leafHash;
    let size = 1;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      node = this.hasher.node(this.stack.pop()!, node);
      this.sizes.pop();
      size *= 2;
    }
    this.stack.push(node);
    this.sizes.push(size);
    this.count += 1;
  }

  /** Root of the leaves so far (EMPTY_ROOT for an empty tree). */
  root(): Uint8Array {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let node = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) node = this.hasher.node(this.stack[i]!, node);
    return node;
  }
}

/** Root of the tree over already-hashed leaves. */
export function rootFromLeafHashes(leafHashes: readonly Hash[], hasher: Hasher = nobleHasher): Hash {
  const acc = new RootAccumulator(hasher);
  for (const leaf of leafHashes) acc.push(leaf);
  return acc.root();
}

/** Root of the tree over raw leaves (for the ledger: the entries' hashes). */
export function merkleRoot(leaves: readonly Uint8Array[], hasher: Hasher = nobleHasher): Hash {
  return rootFromLeafHashes(
    leaves.map((leaf) => hasher.leaf(leaf)),
    hasher,
  );
}

/** Largest power of two strictly smaller than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Audit path for leaf `index` in the tree over `leafHashes` (RFC 9162 2.1.3.1). */
export function inclusionProof(index: number, leafHashes: readonly Hash[]): Hash[] {
  const n = leafHashes.length;
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`leaf index ${index} outside tree of size ${n}`);
  const path: Hash[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    if (hi - lo <= 1) return;
    const k = split(hi - lo);
    if (m < k) {
      walk(m, lo, lo + k);
      path.push(rootFromLeafHashes(leafHashes.slice(lo + k, hi)));
    } else {
      walk(m - k, lo + k, hi);
      path.push(rootFromLeafHashes(leafHashes.slice(lo, lo + k)));
    }
  };
  walk(index, 0, n);
  return path;
}

/** Verifies an inclusion proof (RFC 9162 2.1.3.2): the function any auditor can run without the server. */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0 && equalBytes(r, root);
}
