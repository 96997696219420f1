// Reading the chain back for tests: anchors from BatchAnchored events, codes from CodeIssued events.
import type { ChainClient } from "../../api/src/chain/client.ts";
import type { Queryable } from "../../api/src/db/database.ts";
import type { ChainAnchor as AnchorEvent } from "../../protocol/audit/report.ts";

/** A BatchAnchored event as the audit reads it, with the transaction that emitted it. */
export type ChainAnchor = AnchorEvent & { txHash: string };

export async function chainAnchors(chain: ChainClient): Promise<ChainAnchor[]> {
  const events = await chain.creditLedger.queryFilter(chain.creditLedger.filters.BatchAnchored!(), 0);
  return events.map((e) => {
    const args = (e as unknown as { args: { index: bigint; fromSeq: bigint; toSeq: bigint; root: string; head: string } }).args;
    return { index: Number(args.index), fromSeq: Number(args.fromSeq), toSeq: Number(args.toSeq), root: args.root, head: args.head, txHash: e.transactionHash };
  });
}

export async function chainIssuedCodes(chain: ChainClient): Promise<string[]> {
  const events = await chain.codeRegistry.queryFilter(chain.codeRegistry.filters.CodeIssued!(), 0);
  return events.map((e) => String((e as unknown as { args: { codeId: string } }).args.codeId).toLowerCase());
}

/**
 * The anchors on chain and in the database agree, are contiguous from 1 and cover
 * exactly 1..head, each range once. Returns the number of anchors.
 */
export async function expectAnchorsExactlyOnce(chain: ChainClient, db: Queryable): Promise<number> {
  const onChain = await chainAnchors(chain);
  const inDb = (await db.query("SELECT idx, from_seq, to_seq, root, head, status, tx_hash FROM anchors ORDER BY idx")).rows;
  const head = (await db.query("SELECT seq FROM ledger_head")).rows[0].seq as number;
  if (onChain.length !== inDb.length) throw new Error(`${onChain.length} anchors on chain, ${inDb.length} in the database`);
  let next = 1;
  const seen = new Set<number>();
  for (const [i, a] of onChain.entries()) {
    const d = inDb[i];
    if (a.index !== i + 1 || seen.has(a.index)) throw new Error(`anchor index ${a.index} at position ${i}`);
    seen.add(a.index);
    if (a.fromSeq !== next) throw new Error(`anchor ${a.index} starts at ${a.fromSeq}, expected ${next}`);
    if (a.toSeq < a.fromSeq) throw new Error(`anchor ${a.index} is empty`);
    if (d.status !== "confirmed" || d.from_seq !== a.fromSeq || d.to_seq !== a.toSeq || `0x${d.root.toString("hex")}` !== a.root || `0x${d.head.toString("hex")}` !== a.head || d.tx_hash !== a.txHash) {
      throw new Error(`anchor ${a.index} differs between chain and database`);
    }
    next = a.toSeq + 1;
  }
  if (next - 1 !== head) throw new Error(`anchors cover 1..${next - 1}, ledger has ${head}`);
  const stored = String(await chain.creditLedger.getFunction("head")()).toLowerCase();
  const last = onChain[onChain.length - 1];
  if (last && stored !== last.head.toLowerCase()) throw new Error("the contract's head is not the last event's head");
  return onChain.length;
}
