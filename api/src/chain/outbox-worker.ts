// The outbox worker: sends the queued chain writes in id order and marks them done.
//
// Exactly once, across crashes and outages:
//  - a transaction is signed locally and stored (hash, raw bytes, nonce) with status
//    'sent' BEFORE it is broadcast; after a crash the same bytes are re-broadcast, so a
//    write is never sent twice under two nonces while the first may still land;
//  - when the stored nonce was used by something else, or a row was tried before,
//    the worker asks the chain whether this exact write is already applied (codeOf,
//    recordOf, digestUsed of the officer's signed digest, decisionOf of a rule's decision)
//    before sending it again;
//  - a revert is checked the same way: "already applied" is done, anything else is a
//    permanent failure, stored with the contract's error name, never retried, counted on
//    /readyz and /metrics and shown on the application it belongs to.
// Each write is sent by the account of its role: code writes by the registrar, records by
// the credit agency, decisions and expiries by the relayer, officer keys by the admin.
// Outages (node down, timeouts) leave the rows as they are and back off.
//
// Pipelined: up to pipelineDepth rounds (each up to maxUnitsPerRound transactions) at once:
// one estimated by the node while another is signed here, earlier ones waiting for their
// blocks; explicit nonces from the sender's per-signer counter. Nothing about exactly-once
// changes: every in-flight transaction is a 'sent' row with its signed bytes, so a crash or a
// chain restart leaves exactly what recover() already handles (more rows of it, in nonce
// order). A round never takes a row whose state key is in flight (a suspend waits for the
// issue before it is estimated), so rounds in flight behave as one larger round.
import type { TransactionReceipt, Wallet } from "ethers";
import type { AppContext } from "../context.ts";
import { withTransaction } from "../db/database.ts";
import type { ChainWrite } from "./outbox.ts";
import { appliedOnChain, confirmationAlone, encode, keyOf, NoSignerError, signerOf } from "./writes.ts";

import { describeRevert, errorMessage, isRevert, MAX_TX_GAS, type Fees, type SignedTx } from "./sender.ts";
import { createPollLoop, pollingWorker, type PollingWorker } from "./poll-loop.ts";

interface Row {
  id: number;
  write: ChainWrite;
  attempts: number;
  nonce: number | null;
  signer: string | null;
  tx_hash: string | null;
  raw_tx: string | null;
}

interface Unit {
  rows: Row[];
  wallet: Wallet;
  to: string;
  data: string;
  gasLimit: bigint;
}

export interface OutboxWorkerOptions {
  /** Most code.issue writes in one issueCodes transaction (further capped by the gas limit). */
  maxIssueBatch?: number;
  /** Most transactions per round. */
  maxUnitsPerRound?: number;
  /** Most rounds in flight at once (1: each round waits for its receipts before the next is sent). */
  pipelineDepth?: number;
  receiptTimeoutMs?: number;
  /** Non-outage errors before a row is given up as failed. */
  maxAttempts?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface RoundResult {
  done: number;
  failed: number;
  sent: number;
}

/**
 * runOnce: one round (recover in-flight rows, send what is pending, wait for the receipts);
 * start/stop: every outboxPollMs, backing off while the chain is down; drain: until nothing
 * is pending or in flight (tests, shutdown).
 */
export type OutboxWorker = PollingWorker<RoundResult>;

/**
 * Rounds in flight by default: enough to keep the node's blocks full while the next round is
 * estimated and signed (measured with `npm run bench -- enrol --depths 1,2,4`).
 */
export const DEFAULT_PIPELINE_DEPTH = 4;

const OUTAGE_CODES = new Set(["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR", "UNKNOWN_ERROR", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT"]);

export function isOutage(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (isRevert(error)) return false;
  return OUTAGE_CODES.has(e?.code ?? "") || /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|timeout|request destroyed/i.test(e?.message ?? "");
}

export function createOutboxWorker(ctx: Pick<AppContext, "db" | "chain" | "config">, options: OutboxWorkerOptions = {}): OutboxWorker {
  const maxIssueBatch = options.maxIssueBatch ?? 200;
  const maxUnits = options.maxUnitsPerRound ?? 16;
  const depth = Math.max(1, Math.floor(options.pipelineDepth ?? ctx.config.outboxPipelineDepth ?? DEFAULT_PIPELINE_DEPTH));
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const log = options.log ?? (() => {});
  const pool = ctx.db.pool;

  const interfaces = () => [ctx.chain!.codeRegistry.interface, ctx.chain!.creditLedger.interface];

  /** Rows found applied without a receipt of ours (the note says how). */
  async function markDone(rows: Row[], note: string): Promise<void> {
    await pool.query(
      "UPDATE chain_outbox SET status = 'done', done_at = now(), error = $2, raw_tx = NULL, block_number = NULL WHERE id = ANY($1::bigint[])",
      [rows.map((r) => r.id), note],
    );
  }

  /** Rows whose transactions succeeded, in one database transaction (a round's worth at once). */
  async function markMined(mined: Array<[Row[], TransactionReceipt]>): Promise<void> {
    if (mined.length === 0) return;
    const ids: number[] = [];
    const hashes: string[] = [];
    const blocks: number[] = [];
    const codeIds: string[] = [];
    const codeHashes: string[] = [];
    const codeBlocks: number[] = [];
    for (const [rows, receipt] of mined) {
      for (const r of rows) {
        ids.push(r.id);
        hashes.push(receipt.hash);
        blocks.push(receipt.blockNumber);
        const codeId = r.write.kind === "code.issue" ? r.write.codeId : r.write.kind === "code.rotate" ? r.write.newCodeId : null;
        if (codeId) {
          codeIds.push(codeId.slice(2));
          codeHashes.push(receipt.hash);
          codeBlocks.push(receipt.blockNumber);
        }
      }
    }
    await withTransaction(pool, async (client) => {
      await client.query(
        `UPDATE chain_outbox o SET status = 'done', done_at = now(), error = NULL, raw_tx = NULL, tx_hash = m.tx, block_number = m.block
           FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS m(id, tx, block) WHERE o.id = m.id`,
        [ids, hashes, blocks],
      );
      if (codeIds.length > 0) {
        await client.query(
          `UPDATE codes c SET chain_tx = m.tx, chain_block = m.block
             FROM unnest($1::text[], $2::text[], $3::bigint[]) AS m(code_id, tx, block) WHERE c.code_id = m.code_id`,
          [codeIds, codeHashes, codeBlocks],
        );
      }
    });
  }

  async function markFailed(row: Row, reason: string): Promise<void> {
    log("chain write failed for good", { id: row.id, kind: row.write.kind, reason });
    await pool.query("UPDATE chain_outbox SET status = 'failed', done_at = now(), error = $2 WHERE id = $1", [row.id, reason.slice(0, 1000)]);
  }

  async function backToPending(rows: Row[], reason: string | null, countAttempt: boolean): Promise<void> {
    await pool.query(
      `UPDATE chain_outbox SET status = 'pending', error = COALESCE($2, error), attempts = attempts + $3
        WHERE id = ANY($1::bigint[])`,
      [rows.map((r) => r.id), reason, countAttempt ? 1 : 0],
    );
  }

  /**
   * Why a mined transaction reverted: the same call replayed on the state of the block before
   * it (eth_call), its custom error decoded by name from the ABIs.
   */
  async function revertReason(row: Row, receipt: TransactionReceipt): Promise<string> {
    const chain = ctx.chain!;
    try {
      const { to, data } = encode(chain, [row.write]);
      await chain.provider.call({ from: receipt.from, to, data, blockTag: Math.max(0, receipt.blockNumber - 1) });
      return "reverted (the replayed call succeeds: the state changed within the block)";
    } catch (error) {
      return isRevert(error) ? describeRevert(error, interfaces()) : `reverted (${errorMessage(error)})`;
    }
  }

  /** A mined transaction: success marks done; a revert is checked against the chain row by row. */
  async function settle(rows: Row[], receipt: TransactionReceipt): Promise<{ done: number; failed: number }> {
    if (receipt.status === 1) {
      await markMined([[rows, receipt]]);
      return { done: rows.length, failed: 0 };
    }
    let done = 0;
    let failed = 0;
    for (const row of rows) {
      if (await appliedOnChain(ctx.chain!, row.write)) {
        await markDone([row], `already applied on chain (tx ${receipt.hash} reverted)`);
        done++;
      } else if (rows.length > 1) {
        // A batch reverted as a whole: its rows go again one by one.
        await backToPending([row], `batch tx ${receipt.hash} reverted`, true);
      } else {
        await markFailed(row, `${await revertReason(row, receipt)} (tx ${receipt.hash} reverted)`);
        failed++;
      }
    }
    return { done, failed };
  }

  async function loadRows(status: "sent" | "pending", limit: number, exclude: readonly number[] = []): Promise<Row[]> {
    const result = await pool.query<{
      id: number;
      kind: ChainWrite["kind"];
      payload: Record<string, unknown>;
      attempts: number;
      nonce: number | null;
      signer: string | null;
      tx_hash: string | null;
      raw_tx: string | null;
    }>(
      `SELECT id, kind, payload, attempts, nonce, signer, tx_hash, raw_tx FROM chain_outbox
        WHERE status = $1 AND NOT (id = ANY($3::bigint[])) ORDER BY ${status === "sent" ? "nonce, id" : "id"} LIMIT $2`,
      [status, limit, exclude],
    );
    return result.rows.map((r) => ({ ...r, write: { kind: r.kind, ...r.payload } as ChainWrite }));
  }

  /** Rows left 'sent' by a crash or an outage: find their receipts, or re-broadcast the same bytes. */
  async function recover(result: RoundResult): Promise<void> {
    // Every row in flight: with pipelining that is up to depth × maxUnits × maxIssueBatch rows.
    const sent = await loadRows("sent", Math.max(10_000, 2 * depth * maxUnits * maxIssueBatch));
    if (sent.length === 0) return;
    const groups = new Map<string, Row[]>();
    for (const row of sent) {
      const list = groups.get(row.tx_hash!) ?? [];
      list.push(row);
      groups.set(row.tx_hash!, list);
    }
    const chain = ctx.chain!;
    const waiting: Array<[Row[], string]> = [];
    for (const [hash, rows] of groups) {
      const receipt = await chain.sender.receipt(hash);
      if (receipt) {
        const s = await settle(rows, receipt);
        result.done += s.done;
        result.failed += s.failed;
        continue;
      }
      const first = rows[0]!;
      const latest = await chain.sender.latestNonce(first.signer!);
      if (latest > first.nonce!) {
        // The nonce went to another transaction: check the chain before sending again.
        await backToPending(rows, null, false);
        continue;
      }
      const outcome = await chain.sender.broadcast({ hash, raw: first.raw_tx!, nonce: first.nonce!, from: first.signer! });
      if (outcome === "consumed") await backToPending(rows, null, false);
      else waiting.push([rows, hash]);
    }
    chain.sender.resetNonce();
    for (const [rows, hash] of waiting) {
      const receipt = await chain.sender.waitReceipt(hash, receiptTimeoutMs);
      if (!receipt) throw Object.assign(new Error(`no receipt for ${hash} yet`), { code: "TIMEOUT" });
      const s = await settle(rows, receipt);
      result.done += s.done;
      result.failed += s.failed;
    }
  }

  /** Builds a unit (one transaction) or settles the rows without sending; null when nothing is left to send. */
  async function prepare(rows: Row[], result: RoundResult): Promise<Unit[]> {
    const chain = ctx.chain!;
    // Rows tried before may have landed: the chain decides.
    const fresh: Row[] = [];
    for (const row of rows) {
      if (row.attempts > 0 && (await appliedOnChain(chain, row.write))) {
        await markDone([row], "found applied on chain before resending");
        result.done++;
      } else fresh.push(row);
    }
    if (fresh.length === 0) return [];
    const alone = fresh.length === 1 ? await confirmationAlone(chain, fresh[0]!.write) : null;
    if (alone) {
      await markFailed(fresh[0]!, alone);
      result.failed++;
      return [];
    }
    const wallet = signerOf(chain, fresh[0]!.write);
    const { to, data } = encode(chain, fresh.map((r) => r.write));
    try {
      const gasLimit = await chain.sender.estimate(wallet.address, to, data);
      if (fresh.length > 1 && gasLimit >= MAX_TX_GAS) {
        const half = Math.ceil(fresh.length / 2);
        return [...(await prepare(fresh.slice(0, half), result)), ...(await prepare(fresh.slice(half), result))];
      }
      return [{ rows: fresh, wallet, to, data, gasLimit }];
    } catch (error) {
      if (!isRevert(error)) throw error;
      if (fresh.length > 1) {
        // One bad write must not hold back the others: try them one by one.
        const units: Unit[] = [];
        for (const row of fresh) units.push(...(await prepare([row], result)));
        return units;
      }
      const row = fresh[0]!;
      if (await appliedOnChain(chain, row.write)) {
        await markDone([row], `already applied on chain (${describeRevert(error, interfaces())})`);
        result.done++;
      } else {
        await markFailed(row, describeRevert(error, interfaces()));
        result.failed++;
      }
      return [];
    }
  }

  /** One round's transactions, broadcast and waiting for their receipts; the keys and rows it claimed. */
  interface InFlight {
    sent: Array<[Unit, SignedTx]>;
    keys: Set<string>;
    ids: number[];
  }

  /**
   * What the rounds of one runOnce have taken: a round being prepared or in flight holds its
   * rows (no other round loads them) and their keys (no other round touches that state). The
   * pick of the next rows runs one at a time, so two rounds never take the same row.
   */
  interface Claims {
    keys: Set<string>;
    ids: Set<number>;
    picking: Promise<unknown>;
  }

  function release(claims: Claims, round: Pick<InFlight, "keys" | "ids">): void {
    for (const key of round.keys) claims.keys.delete(key);
    for (const id of round.ids) claims.ids.delete(id);
  }

  /**
   * Signs, stores and broadcasts the next round of pending rows, skipping none: the round ends
   * at the first row whose key is in `busy` (in flight) or already in the round. Returns null
   * when nothing is pending, "blocked" when the next row waits for a round in flight.
   */
  async function pick(claims: Claims): Promise<{ groups: Row[][]; keys: Set<string>; ids: number[] } | "blocked" | null> {
    const pending = await loadRows("pending", maxIssueBatch * maxUnits, [...claims.ids]);
    if (pending.length === 0) return null;
    // Group in id order: consecutive code.issue rows share a transaction; one key per round.
    const groups: Row[][] = [];
    const keys = new Set<string>();
    for (const row of pending) {
      const key = keyOf(row.write);
      if (keys.has(key) || claims.keys.has(key)) break;
      keys.add(key);
      const last = groups[groups.length - 1];
      if (last && row.write.kind === "code.issue" && last[0]!.write.kind === "code.issue" && last.length < maxIssueBatch) last.push(row);
      else {
        if (groups.length >= maxUnits) break;
        groups.push([row]);
      }
    }
    if (groups.length === 0) return "blocked";
    const ids = groups.flat().map((r) => r.id);
    for (const key of keys) claims.keys.add(key);
    for (const id of ids) claims.ids.add(id);
    return { groups, keys, ids };
  }

  async function dispatch(result: RoundResult, claims: Claims): Promise<InFlight | "blocked" | null> {
    const chain = ctx.chain!;
    const picked = claims.picking.then(() => pick(claims));
    claims.picking = picked.catch(() => {});
    const taken = await picked;
    if (taken === null || taken === "blocked") return taken;
    const { groups, keys, ids } = taken;
    // The groups touch distinct keys: their estimates (and chain checks) run together.
    const prepared = await Promise.allSettled(groups.map((group) => prepare(group, result)));
    const units: Unit[] = [];
    for (const [i, group] of groups.entries()) {
      const outcome = prepared[i]!;
      if (outcome.status === "fulfilled") {
        units.push(...outcome.value);
        continue;
      }
      const error = outcome.reason;
      if (isOutage(error)) throw error;
      if (error instanceof NoSignerError) {
        for (const row of group) await markFailed(row, error.message);
        result.failed += group.length;
        continue;
      }
      // Not a revert and not an outage (a bad key, no funds): count it, give up after maxAttempts;
      // the groups after it wait for the next round, as they would have without the parallel estimates.
      for (const row of group) {
        if (row.attempts + 1 >= maxAttempts) await markFailed(row, errorMessage(error));
        else await backToPending([row], errorMessage(error), true);
      }
      log("chain write not sent", { ids: group.map((r) => r.id), error: errorMessage(error) });
      break;
    }
    if (units.length === 0) return { sent: [], keys, ids };
    const fees: Fees = await chain.sender.fees();
    const sent: Array<[Unit, SignedTx]> = await chain.sender.exclusive(async () => {
      const out: Array<[Unit, SignedTx]> = [];
      for (const unit of units) out.push([unit, await chain.sender.sign(unit.wallet, { to: unit.to, data: unit.data, gasLimit: unit.gasLimit }, fees)]);
      // Stored before broadcast: a crash from here on re-sends the same bytes.
      await withTransaction(pool, async (client) => {
        for (const [unit, tx] of out) {
          await client.query(
            // The signed bytes (up to ~16 MB of calldata for a full batch) are kept once, on the
            // unit's first row, which is the row recovery re-sends from.
            `UPDATE chain_outbox SET status = 'sent', attempts = attempts + 1, sent_at = now(), signer = $2, nonce = $3, tx_hash = $4,
               raw_tx = CASE WHEN id = $6 THEN $5 END
              WHERE id = ANY($1::bigint[])`,
            [unit.rows.map((r) => r.id), tx.from, tx.nonce, tx.hash, tx.raw, Math.min(...unit.rows.map((r) => r.id))],
          );
        }
      });
      const broadcast: Array<[Unit, SignedTx]> = [];
      for (const [unit, tx] of out) {
        const outcome = await chain.sender.broadcast(tx);
        // Its nonce went to something else: the rows are pending again (the chain decides there).
        if (outcome === "consumed") await backToPending(unit.rows, null, false);
        else broadcast.push([unit, tx]);
      }
      return broadcast;
    });
    result.sent += sent.length;
    return { sent, keys, ids };
  }
  /** Waits for a round's receipts together, then settles them: the mined ones in one transaction. */
  async function settleRound(round: InFlight, result: RoundResult): Promise<void> {
    const chain = ctx.chain!;
    const receipts = await chain.sender.waitReceipts(
      round.sent.map(([, tx]) => tx),
      receiptTimeoutMs,
    );
    const mined: Array<[Row[], TransactionReceipt]> = [];
    for (const [i, [unit, tx]] of round.sent.entries()) {
      const receipt = receipts[i]!;
      if (!receipt) throw Object.assign(new Error(`no receipt for ${tx.hash} yet`), { code: "TIMEOUT" });
      if (receipt.status === 1) mined.push([unit.rows, receipt]);
      else {
        const s = await settle(unit.rows, receipt);
        result.done += s.done;
        result.failed += s.failed;
      }
    }
    await markMined(mined);
    result.done += mined.reduce((n, [rows]) => n + rows.length, 0);
  }

  async function runOnce(): Promise<RoundResult> {
    const result: RoundResult = { done: 0, failed: 0, sent: 0 };
    if (!ctx.chain) return result;
    await recover(result);
    // Keep going while rounds make progress (a backlog drains in one call), with up to `depth`
    // rounds at once: while one is signed and broadcast (this process's CPU) the next is
    // estimated (the node's) and earlier ones wait for their blocks. Settled in the order sent.
    const claims: Claims = { keys: new Set(), ids: new Set(), picking: Promise.resolve() };
    const window: Array<Promise<InFlight | "blocked" | null>> = [];
    // The last pick found nothing it could take: start no more rounds until one settles.
    let idle = false;
    try {
      for (let round = 0; round < 1000; round++) {
        while (!idle && window.length < depth) {
          // Handled at once: a later round failing while an earlier one is awaited must not end the process (its error still reaches the await).
          const started = dispatch(result, claims);
          started.catch(() => {});
          window.push(started);
        }
        if (window.length === 0) break;
        const before = result.done + result.failed;
        const next = await window.shift()!;
        if (next === null || next === "blocked") {
          idle = true;
          continue;
        }
        if (next.sent.length > 0) await settleRound(next, result);
        release(claims, next);
        // Settled something (mined, found applied, failed for good): try for more.
        idle = result.done + result.failed === before;
      }
      while (window.length > 0) {
        const next = await window.shift()!;
        if (next !== null && next !== "blocked" && next.sent.length > 0) await settleRound(next, result);
      }
    } catch (error) {
      // No round of this call may still be signing or broadcasting when the next call recovers.
      await Promise.allSettled(window);
      throw error;
    }
    return result;
  }

  const loop = createPollLoop({
    intervalMs: ctx.config.outboxPollMs,
    round: runOnce,
    onError(error, backoffMs) {
      ctx.chain?.sender.resetNonce();
      log("outbox round failed; backing off", { error: errorMessage(error), backoffMs });
      return backoffMs;
    },
  });

  return pollingWorker(loop, runOnce, async () => {
    const open = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM chain_outbox WHERE status IN ('pending', 'sent')");
    return open.rows[0]!.n === 0 ? null : `outbox not drained: ${open.rows[0]!.n} writes open`;
  });
}
