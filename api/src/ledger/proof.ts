// Inclusion proofs: entry `seq` against the root of the confirmed anchor that holds it.
// Anyone can check one with verifyInclusion(indexInBatch, batchSize, leafHash(entry hash), proof, root).
import type { Queryable } from "../db/database.ts";
import { conflict, notFound } from "../errors.ts";
import { anchorOf, entryHashes } from "./anchor.ts";
import { inclusionProof, leafHash } from "../../../protocol/ledger/merkle.ts";
import { toHex } from "../../../protocol/bytes.ts";

export interface InclusionProof {
  seq: number;
  entryHash: string;
  leafHash: string;
  indexInBatch: number;
  batchSize: number;
  proof: string[];
  root: string;
  anchor: { index: number; fromSeq: number; toSeq: number; prevHead: string; head: string; txHash: string; blockNumber: number };
}

export async function proveEntry(client: Queryable, seq: number): Promise<InclusionProof> {
  const exists = await client.query("SELECT 1 FROM ledger WHERE seq = $1", [seq]);
  if (!exists.rowCount) throw notFound("entry_not_found", `No ledger entry ${seq}`);
  const anchor = await anchorOf(client, seq);
  if (!anchor || anchor.status !== "confirmed" || !anchor.txHash || anchor.blockNumber === null) {
    throw conflict("not_yet_anchored", `Entry ${seq} is not in a confirmed anchor yet; try again shortly`, {
      anchorIndex: anchor?.index ?? null,
      anchorStatus: anchor?.status ?? null,
    });
  }
  const hashes = await entryHashes(client, anchor.fromSeq, anchor.toSeq);
  const leaves = hashes.map((h) => leafHash(h));
  const index = seq - anchor.fromSeq;
  return {
    seq,
    entryHash: toHex(hashes[index]!),
    leafHash: toHex(leaves[index]!),
    indexInBatch: index,
    batchSize: hashes.length,
    proof: inclusionProof(index, leaves).map(toHex),
    root: toHex(anchor.root),
    anchor: {
      index: anchor.index,
      fromSeq: anchor.fromSeq,
      toSeq: anchor.toSeq,
      prevHead: toHex(anchor.prevHead),
      head: toHex(anchor.head),
      txHash: anchor.txHash,
      blockNumber: anchor.blockNumber,
    },
  };
}
