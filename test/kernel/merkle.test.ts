import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  merkleRoot,
  rootFromLeafHashes,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from "../../api/src/ledger/merkle.ts";

// Reference: RFC 6962 section 2.1 written the slow, recursive way with node:crypto.
function mth(leaves: Uint8Array[]): Buffer {
  const h = (...parts: Uint8Array[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
  if (leaves.length === 0) return h();
  if (leaves.length === 1) return h(Buffer.of(0), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return h(Buffer.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.from(Buffer.from(`entry-${i}`)));

describe("Merkle tree (RFC 6962)", () => {
  it("matches the recursive definition for sizes 0 to 70", () => {
    for (let n = 0; n <= 70; n++) expect(toHex(merkleRoot(leavesOf(n)))).toBe(mth(leavesOf(n)).toString("hex"));
    expect(toHex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("proves every leaf of every tree up to 40 leaves, and nothing else", () => {
    for (let n = 1; n <= 40; n++) {
      const hashes = leavesOf(n).map(leafHash);
      const root = rootFromLeafHashes(hashes);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(i, hashes);
        expect(verifyInclusion(i, n, hashes[i]!, proof, root)).toBe(true);
        // The wrong index, the wrong leaf or an index past the size must fail. (The size
        // itself is bound by the anchor that states it, as in CT's signed tree heads.)
        if (n > 1) expect(verifyInclusion((i + 1) % n, n, hashes[i]!, proof, root)).toBe(false);
        expect(verifyInclusion(i, n, leafHash(Uint8Array.of(9, 9)), proof, root)).toBe(false);
        expect(verifyInclusion(n, n, hashes[i]!, proof, root)).toBe(false);
      }
    }
  });

  it("proves consistency between every pair of sizes up to 33", () => {
    const all = leavesOf(33).map(leafHash);
    for (let n = 1; n <= 33; n++) {
      const newRoot = rootFromLeafHashes(all.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const oldRoot = rootFromLeafHashes(all.slice(0, m));
        const proof = consistencyProof(m, all.slice(0, n));
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof)).toBe(true);
        if (m < n) expect(verifyConsistency(m, n, newRoot, newRoot, proof)).toBe(false);
      }
    }
  });

  it("rejects any single-bit change to a proof (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), fc.nat(255), (n, i0, p0, bit) => {
        const hashes = leavesOf(n).map(leafHash);
        const i = i0 % n;
        const proof = inclusionProof(i, hashes);
        const root = rootFromLeafHashes(hashes);
        const tampered = proof.map((h) => h.slice());
        const step = tampered[p0 % tampered.length]!;
        step[bit % 32]! ^= 1 << (bit % 8);
        return !verifyInclusion(i, n, hashes[i]!, tampered, root);
      }),
      { numRuns: 200 },
    );
  });
});
