// Anchors: the Merkle root (RFC 6962, leaf = the entry's hash) of a contiguous range
// of ledger entries, linked to the anchor before it by the same head the contract keeps:
//   head = keccak256(abi.encode(prevHead, fromSeq, toSeq, root))
// so an auditor who holds only the BatchAnchored events and the entries can check both.
import type { Queryable } from "../db/database.ts";
import { merkleRoot } from "../../../protocol/ledger/merkle.ts";
import { anchorHead, ZERO_HEAD } from "../../../protocol/ledger/anchor-head.ts";
import { signedRange, type LedgerProblem } from "./coverage.ts";
import type { LedgerKeys } from "./signing.ts";

/** Root of a batch: RFC 6962 tree whose leaves are the entries' hashes. */
export function batchRoot(entryHashes: readonly Uint8Array[]): Buffer {
  return Buffer.from(merkleRoot(entryHashes));
}

export interface Anchor {
  index: number;
  fromSeq: number;
  toSeq: number;
  root: Buffer;
  prevHead: Buffer;
  head: Buffer;
  status: "pending" | "sent" | "confirmed";
  signer: string | null;
  nonce: number | null;
  txHash: string | null;
  rawTx: string | null;
  blockNumber: number | null;
  createdAt: Date;
  sentAt: Date | null;
  confirmedAt: Date | null;
}

interface AnchorRow {
  idx: number;
  from_seq: number;
  to_seq: number;
  root: Buffer;
  prev_head: Buffer;
  head: Buffer;
  status: Anchor["status"];
  signer: string | null;
  nonce: number | null;
  tx_hash: string | null;
  raw_tx: string | null;
  block_number: number | null;
  created_at: Date;
  sent_at: Date | null;
  confirmed_at: Date | null;
}

const COLUMNS = "idx, from_seq, to_seq, root, prev_head, head, status, signer, nonce, tx_hash, raw_tx, block_number, created_at, sent_at, confirmed_at";

function fromRow(r: AnchorRow): Anchor {
  return {
    index: r.idx,
    fromSeq: r.from_seq,
    toSeq: r.to_seq,
    root: r.root,
    prevHead: r.prev_head,
    head: r.head,
    status: r.status,
    signer: r.signer,
    nonce: r.nonce,
    txHash: r.tx_hash,
    rawTx: r.raw_tx,
    blockNumber: r.block_number,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    confirmedAt: r.confirmed_at,
  };
}

export async function lastAnchor(client: Queryable): Promise<Anchor | null> {
  const result = await client.query<AnchorRow>(`SELECT ${COLUMNS} FROM anchors ORDER BY idx DESC LIMIT 1`);
  return result.rows[0] ? fromRow(result.rows[0]) : null;
}

/** The anchor whose range holds `seq`, whatever its status. */
export async function anchorOf(client: Queryable, seq: number): Promise<Anchor | null> {
  const result = await client.query<AnchorRow>(`SELECT ${COLUMNS} FROM anchors WHERE from_seq <= $1 AND to_seq >= $1`, [seq]);
  return result.rows[0] ? fromRow(result.rows[0]) : null;
}

export async function listAnchors(client: Queryable, options: { after?: number; limit?: number; status?: Anchor["status"] } = {}): Promise<Anchor[]> {
  const result = await client.query<AnchorRow>(
    `SELECT ${COLUMNS} FROM anchors WHERE idx > $1 AND ($3::text IS NULL OR status = $3) ORDER BY idx LIMIT $2`,
    [options.after ?? 0, options.limit ?? 100, options.status ?? null],
  );
  return result.rows.map(fromRow);
}

/** Entry hashes of seq from..to, in order. */
export async function entryHashes(client: Queryable, fromSeq: number, toSeq: number): Promise<Buffer[]> {
  const result = await client.query<{ seq: number; hash: Buffer }>("SELECT seq, hash FROM ledger WHERE seq BETWEEN $1 AND $2 ORDER BY seq", [fromSeq, toSeq]);
  if (result.rows.length !== toSeq - fromSeq + 1) throw new Error(`ledger entries ${fromSeq}..${toSeq} are not all there`);
  return result.rows.map((r) => r.hash);
}

/**
 * Seals the next batch: the entries after the last anchor (at most `maxBatch`) that a valid
 * ledger signature covers (./coverage.ts), as a pending anchor row. `anchor` is null when there
 * is nothing to seal; `problem` names what stopped the batch short (an entry not written by the
 * API), and is never sealed. Call in a transaction.
 */
export async function sealNextBatch(client: Queryable, maxBatch: number, keys: LedgerKeys): Promise<{ anchor: Anchor | null; problem: LedgerProblem | null }> {
  await client.query("LOCK TABLE anchors IN SHARE ROW EXCLUSIVE MODE");
  const last = await lastAnchor(client);
  if (last && last.status !== "confirmed") return { anchor: null, problem: null };
  const fromSeq = (last?.toSeq ?? 0) + 1;
  const range = await signedRange(client, fromSeq, maxBatch, keys);
  if (range.toSeq < fromSeq) return { anchor: null, problem: range.problem };
  const toSeq = range.toSeq;
  const root = batchRoot(range.hashes);
  const prevHead = last?.head ?? Buffer.from(ZERO_HEAD);
  const head = Buffer.from(anchorHead(prevHead, fromSeq, toSeq, root));
  const index = (last?.index ?? 0) + 1;
  const inserted = await client.query<AnchorRow>(
    `INSERT INTO anchors (idx, from_seq, to_seq, root, prev_head, head) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [index, fromSeq, toSeq, root, prevHead, head],
  );
  return { anchor: fromRow(inserted.rows[0]!), problem: range.problem };
}
