// The three hashes an audit computes, behind one small interface so that the audit
// core stays browser-safe (@noble/hashes, the default) while the command line and the
// benchmark plug in Node's native SHA-256 for the hot loop. Both compute exactly:
//   entry = SHA-256(prev_hash || UTF-8(canonical entry))       (api/src/ledger/entry.ts)
//   leaf  = SHA-256(0x00 || entry hash), node = SHA-256(0x01 || left || right)   (RFC 6962)
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";

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

/**
 * RFC 6962 root over leaf hashes, computed as a stack of complete subtrees (what a CT
 * monitor does while it streams): equal to merkle.ts rootFromLeafHashes, but with the
 * pluggable hasher and without copying levels.
 */
export function rootOf(hasher: Hasher, leafHashes: readonly Uint8Array[]): Uint8Array {
  const acc = new RootAccumulator(hasher);
  for (const leaf of leafHashes) acc.push(leaf);
  return acc.root();
}

export class RootAccumulator {
  private readonly hasher: Hasher;
  private readonly stack: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  count = 0;

  constructor(hasher: Hasher) {
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

  /** Root of the leaves so far (SHA-256 of nothing for an empty tree). */
  root(): Uint8Array {
    if (this.stack.length === 0) return sha256(new Uint8Array(0));
    let node = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) node = this.hasher.node(this.stack[i]!, node);
    return node;
  }
}

/** The anchor head chain of CreditLedger: keccak256(abi.encode(prevHead, fromSeq, toSeq, root)). */
export function anchorHead(prevHead: Uint8Array, fromSeq: number, toSeq: number, root: Uint8Array): Uint8Array {
  const input = new Uint8Array(128);
  input.set(prevHead, 0);
  writeUint(input, 32, fromSeq);
  writeUint(input, 64, toSeq);
  input.set(root, 96);
  return keccak_256(input);
}

function writeUint(out: Uint8Array, offset: number, value: number): void {
  let v = BigInt(value);
  for (let i = offset + 31; i >= offset && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function hex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

export function unhex(text: string): Uint8Array {
  const start = text.startsWith("0x") || text.startsWith("0X") ? 2 : 0;
  const len = text.length - start;
  if (len % 2 !== 0) throw new TypeError(`not hex: ${text.slice(0, 20)}`);
  const out = new Uint8Array(len / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(text.charCodeAt(start + 2 * i));
    const lo = nibble(text.charCodeAt(start + 2 * i + 1));
    if (hi < 0 || lo < 0) throw new TypeError(`not hex: ${text.slice(0, 20)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
