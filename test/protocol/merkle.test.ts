import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { EMPTY_ROOT, RootAccumulator, inclusionProof, leafHash, merkleRoot, rootFromLeafHashes, verifyInclusion } from "../../protocol/ledger/merkle.ts";
import { toHex } from "../../protocol/bytes.ts";
import { nodeHasher } from "../../scripts/lib/node-hasher.ts";

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

  it("streams the same root at every size as the recursive reference, with the Node hasher too", () => {
    const leaves = leavesOf(70);
    const noble = new RootAccumulator();
    const native = new RootAccumulator(nodeHasher);
    for (let n = 1; n <= leaves.length; n++) {
      noble.push(leafHash(leaves[n - 1]!));
      native.push(nodeHasher.leaf(leaves[n - 1]!));
      const reference = toHex(mth(leaves.slice(0, n)));
      expect(toHex(noble.root())).toBe(reference);
      expect(toHex(native.root())).toBe(reference);
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
