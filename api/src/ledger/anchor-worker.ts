// The anchoring worker: every anchorIntervalMs it seals the entries after the last
// anchor into one batch (a row in `anchors`, written before anything is sent), sends
// CreditLedger.anchorBatch and confirms it. One anchor is in flight at a time, so
// anchors on chain are gap-free; a crash or an outage is resolved from the chain's own
// state (nextSeq, head, the BatchAnchored event), so each anchor lands exactly once.
// It seals only entries that a valid ledger signature covers (./coverage.ts): what a
// database intruder appended is raised (ledger_alerts, logged) and never anchored.
import type { TransactionReceipt } from "ethers";
import type { AppContext } from "../context.ts";
import { withTransaction } from "../db/database.ts";
import type { ChainClient } from "../chain/client.ts";
import { createPollLoop, pollingWorker, type PollingWorker } from "../chain/poll-loop.ts";
import { isOutage } from "../chain/outbox-worker.ts";
import { describeRevert, errorMessage, isRevert } from "../chain/sender.ts";
import { chainHex } from "../chain/hex.ts";
import { lastAnchor, sealNextBatch, type Anchor } from "./anchor.ts";
import { raiseLedgerAlert, resolveLedgerAlerts } from "./coverage.ts";

export interface AnchorWorkerOptions {
  receiptTimeoutMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * runOnce: resolves the anchor in flight, then seals and sends the next batch, and returns the
 * anchors confirmed; drain: until every entry appended so far is in a confirmed anchor.
 */
export type AnchorWorker = PollingWorker<number>;

/** The chain disagrees with the database about the anchors: needs a person, never retried blindly. */
export class AnchorMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnchorMismatchError";
  }
}

export function createAnchorWorker(ctx: Pick<AppContext, "db" | "chain" | "config">, options: AnchorWorkerOptions = {}): AnchorWorker {
  const pool = ctx.db.pool;
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 30_000;
  const log = options.log ?? (() => {});

  async function confirm(anchor: Anchor, txHash: string, blockNumber: number): Promise<void> {
    await pool.query("UPDATE anchors SET status = 'confirmed', tx_hash = $2, block_number = $3, confirmed_at = now() WHERE idx = $1", [
      anchor.index,
      txHash,
      blockNumber,
    ]);
  }

  /** Finds the BatchAnchored event of `anchor` on chain and checks that it is ours. */
  async function findOnChain(chain: ChainClient, anchor: Anchor): Promise<{ txHash: string; blockNumber: number }> {
    const filter = chain.creditLedger.filters.BatchAnchored!(anchor.index);
    const events = await chain.creditLedger.queryFilter(filter, chain.deployment.deployedAt);
    const event = events[0] as unknown as { args: { fromSeq: bigint; toSeq: bigint; root: string; head: string }; transactionHash: string; blockNumber: number } | undefined;
    if (!event) throw new AnchorMismatchError(`anchor ${anchor.index} passed on chain but its BatchAnchored event is missing`);
    const { fromSeq, toSeq, root, head } = event.args;
    if (Number(fromSeq) !== anchor.fromSeq || Number(toSeq) !== anchor.toSeq || root.toLowerCase() !== chainHex(anchor.root) || head.toLowerCase() !== chainHex(anchor.head)) {
      throw new AnchorMismatchError(
        `anchor ${anchor.index} on chain (${fromSeq}..${toSeq}, root ${root}) differs from the database (${anchor.fromSeq}..${anchor.toSeq}, root ${chainHex(anchor.root)})`,
      );
    }
    return { txHash: event.transactionHash, blockNumber: event.blockNumber };
  }

  /** Makes the open anchor confirmed if the chain has it; otherwise sends (or re-sends) it. Returns true when confirmed. */
  async function resolve(anchor: Anchor): Promise<boolean> {
    const chain = ctx.chain!;
    const nextSeq = Number(await chain.creditLedger.getFunction("nextSeq")());
    if (nextSeq > anchor.toSeq) {
      const found = await findOnChain(chain, anchor);
      await confirm(anchor, found.txHash, found.blockNumber);
      return true;
    }
    if (nextSeq < anchor.fromSeq) {
      throw new AnchorMismatchError(`the chain expects sequence ${nextSeq} next but anchor ${anchor.index} starts at ${anchor.fromSeq}: the chain lost anchors`);
    }
    if (nextSeq !== anchor.fromSeq) {
      throw new AnchorMismatchError(`the chain's next sequence ${nextSeq} falls inside anchor ${anchor.index} (${anchor.fromSeq}..${anchor.toSeq})`);
    }
    const head = String(await chain.creditLedger.getFunction("head")()).toLowerCase();
    if (head !== chainHex(anchor.prevHead)) throw new AnchorMismatchError(`the chain's head ${head} is not anchor ${anchor.index}'s previous head ${chainHex(anchor.prevHead)}`);

    let txHash: string | null = null;
    if (anchor.status === "sent" && anchor.txHash && anchor.rawTx && anchor.signer && anchor.nonce !== null) {
      const receipt = await chain.sender.receipt(anchor.txHash);
      if (receipt) return settle(anchor, receipt);
      if ((await chain.sender.latestNonce(anchor.signer)) <= anchor.nonce) {
        // Not mined and its nonce is still free: the same bytes again.
        const outcome = await chain.sender.broadcast({ hash: anchor.txHash, raw: anchor.rawTx, nonce: anchor.nonce, from: anchor.signer });
        if (outcome === "sent") txHash = anchor.txHash;
      }
    }
    if (!txHash) txHash = await send(anchor);
    if (!txHash) return false;
    const receipt = await chain.sender.waitReceipt(txHash, receiptTimeoutMs);
    if (!receipt) throw Object.assign(new Error(`no receipt for anchor ${anchor.index} (${txHash}) yet`), { code: "TIMEOUT" });
    return settle(anchor, receipt);
  }

  async function settle(anchor: Anchor, receipt: TransactionReceipt): Promise<boolean> {
    if (receipt.status === 1) {
      await confirm(anchor, receipt.hash, receipt.blockNumber);
      return true;
    }
    // Reverted: the next round reads the chain's state again and decides.
    log("anchor transaction reverted", { index: anchor.index, tx: receipt.hash });
    await pool.query("UPDATE anchors SET status = 'pending' WHERE idx = $1", [anchor.index]);
    return false;
  }

  async function send(anchor: Anchor): Promise<string | null> {
    const chain = ctx.chain!;
    const wallet = chain.signers.anchorer;
    const to = chain.creditLedger.target as string;
    const data = chain.creditLedger.interface.encodeFunctionData("anchorBatch", [anchor.fromSeq, anchor.toSeq, chainHex(anchor.root), chainHex(anchor.prevHead)]);
    let gasLimit: bigint;
    try {
      gasLimit = await chain.sender.estimate(wallet.address, to, data);
    } catch (error) {
      if (isRevert(error)) {
        throw new AnchorMismatchError(`anchorBatch ${anchor.index} refused: ${describeRevert(error, [chain.creditLedger.interface])}`);
      }
      throw error;
    }
    const fees = await chain.sender.fees();
    return chain.sender.exclusive(async () => {
      const tx = await chain.sender.sign(wallet, { to, data, gasLimit }, fees);
      await pool.query(
        "UPDATE anchors SET status = 'sent', sent_at = now(), signer = $2, nonce = $3, tx_hash = $4, raw_tx = $5 WHERE idx = $1",
        [anchor.index, tx.from, tx.nonce, tx.hash, tx.raw],
      );
      const outcome = await chain.sender.broadcast(tx);
      return outcome === "sent" ? tx.hash : null;
    });
  }

  async function runOnce(): Promise<number> {
    if (!ctx.chain) return 0;
    let confirmed = 0;
    for (;;) {
      const last = await lastAnchor(pool);
      if (last && last.status !== "confirmed") {
        if (!(await resolve(last))) return confirmed;
        confirmed++;
      }
      const keys = ctx.db.ledgerKeys;
      if (!keys) throw new Error("the anchoring worker needs the ledger keys (openDatabase with ledgerKeys) to check what it anchors");
      const next = await withTransaction(pool, async (client) => {
        const sealed = await sealNextBatch(client, ctx.config.anchorMaxBatch, keys);
        if (sealed.problem) {
          if (await raiseLedgerAlert(client, sealed.problem)) log("ledger entries refused for anchoring: needs an operator", { ...sealed.problem });
        } else if (!sealed.anchor) {
          await resolveLedgerAlerts(client);
        }
        return sealed.anchor;
      });
      if (!next) return confirmed;
      if (!(await resolve(next))) return confirmed;
      confirmed++;
    }
  }

  const loop = createPollLoop({
    intervalMs: ctx.config.anchorIntervalMs,
    round: runOnce,
    onError(error, backoffMs) {
      ctx.chain?.sender.resetNonce();
      const mismatch = error instanceof AnchorMismatchError;
      // A mismatch between the chain and the database needs a person: retry rarely.
      const wait = mismatch ? 60_000 : backoffMs;
      log(mismatch ? "anchor mismatch: needs an operator" : "anchor round failed; backing off", { error: errorMessage(error), outage: isOutage(error), backoffMs: wait });
      return wait;
    },
  });

  return pollingWorker(loop, runOnce, async () => {
    const r = await pool.query<{ head: number; anchored: number | null }>(
      "SELECT (SELECT seq FROM ledger_head) AS head, (SELECT max(to_seq) FROM anchors WHERE status = 'confirmed') AS anchored",
    );
    const { head, anchored } = r.rows[0]!;
    return (anchored ?? 0) >= head ? null : `anchors not drained: ${anchored ?? 0} of ${head} anchored`;
  });
}
