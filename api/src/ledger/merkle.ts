// Merkle trees of RFC 6962 / RFC 9162 (Certificate Transparency): leaves hash as
// SHA-256(0x00 || leaf), inner nodes as SHA-256(0x01 || left || right), so a leaf
// can never pass for a node. Pure functions with no Node or browser APIs: the API,
// the audit command and the auditors' console all use this one file.
import { sha256 } from "@noble/hashes/sha2.js";

export type Hash = Uint8Array;

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function leafHash(leaf: Uint8Array): Hash {
  return sha256(concat(LEAF_PREFIX, leaf));
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(concat(NODE_PREFIX, left, right));
}

/** The empty tree's root is SHA-256 of the empty string (RFC 9162 2.1.1). */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

/**
 * Root of the tree over already-hashed leaves. Pairing bottom-up and carrying a
 * lone last node up unchanged builds exactly RFC 6962's left-balanced tree.
 */
export function rootFromLeafHashes(leafHashes: readonly Hash[]): Hash {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  let level = leafHashes.slice();
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

export function merkleRoot(leaves: readonly Uint8Array[]): Hash {
  return rootFromLeafHashes(leaves.map(leafHash));
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

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Verifies an inclusion proof (RFC 9162 2.1.3.2). */
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
  return sn === 0 && equal(r, root);
}

/** Consistency proof between the first `m` leaves and the whole tree (RFC 9162 2.1.4.1). */
export function consistencyProof(m: number, leafHashes: readonly Hash[]): Hash[] {
  const n = leafHashes.length;
  if (!Number.isInteger(m) || m < 1 || m > n) throw new RangeError(`old size ${m} outside 1..${n}`);
  const proof: Hash[] = [];
  const subproof = (mm: number, lo: number, hi: number, complete: boolean): void => {
    const size = hi - lo;
    if (mm === size) {
      if (!complete) proof.push(rootFromLeafHashes(leafHashes.slice(lo, hi)));
      return;
    }
    const k = split(size);
    if (mm <= k) {
      subproof(mm, lo, lo + k, complete);
      proof.push(rootFromLeafHashes(leafHashes.slice(lo + k, hi)));
    } else {
      subproof(mm - k, lo + k, hi, false);
      proof.push(rootFromLeafHashes(leafHashes.slice(lo, lo + k)));
    }
  };
  subproof(m, 0, n, true);
  return proof;
}

/** Verifies that the tree of size `n` with `newRoot` extends the tree of size `m` with `oldRoot` (RFC 9162 2.1.4.2). */
export function verifyConsistency(m: number, n: number, oldRoot: Hash, newRoot: Hash, proof: readonly Hash[]): boolean {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || m > n) return false;
  if (m === n) return proof.length === 0 && equal(oldRoot, newRoot);
  let path = proof.slice();
  // If m is a power of two, the old root is the first node of the path.
  if ((m & (m - 1)) === 0) path = [oldRoot, ...path];
  if (path.length === 0) return false;
  let fn = m - 1;
  let sn = n - 1;
  while ((fn & 1) === 1) {
    fn >>>= 1;
    sn >>>= 1;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new TypeError("not a hex string");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
