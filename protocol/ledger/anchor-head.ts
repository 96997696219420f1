// The anchor head chain that CreditLedger keeps on chain:
//   head = keccak256(abi.encode(bytes32 prevHead, uint64 fromSeq, uint64 toSeq, bytes32 root))
// computed without an ABI coder: abi.encode of these four static types is four 32-byte
// words (the integers big-endian, left-padded). The anchoring worker and the audit use it.
import { keccak_256 } from "@noble/hashes/sha3.js";

/** The head before the first anchor (the contract's initial head unless deployed to continue a chain). */
export const ZERO_HEAD: Uint8Array = new Uint8Array(32);

export function anchorHead(prevHead: Uint8Array, fromSeq: number, toSeq: number, root: Uint8Array): Uint8Array {
  if (prevHead.length !== 32 || root.length !== 32) throw new RangeError("anchor head: prevHead and root are 32 bytes");
  const input = new Uint8Array(128);
  input.set(prevHead, 0);
  writeUint(input, 32, fromSeq);
  writeUint(input, 64, toSeq);
  input.set(root, 96);
  return keccak_256(input);
}

function writeUint(out: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`anchor head: ${value} is not a sequence number`);
  let v = BigInt(value);
  for (let i = offset + 31; i >= offset && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
