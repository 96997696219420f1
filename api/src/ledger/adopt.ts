// A ledger written before ledger signatures existed (migration 011): none of its entries is
// signed, so the append path (./append.ts) refuses to chain onto its head and the anchoring
// worker refuses to seal its unanchored tail. Signing starts with one signed entry,
// `ledger.signing_started`, whose signature covers every entry before it through the chain,
// appended at boot (api/src/boot.ts) when the ledger holds no signature at all and
//   - the chain already anchors the whole ledger (CreditLedger.nextSeq() > head): the chain
//     vouches for those entries, the signature adds nothing an intruder could use; or
//   - the operator names the head: LEDGER_ADOPT_THROUGH=<head seq>, after checking the tail
//     (the unanchored entries) against what the system did; a different number changes nothing.
// Once any signature exists this never runs again: an intruder who strips every signature does
// not get the ledger re-adopted without the chain or the operator, and the audit reports each
// ledger.signing_started entry it meets (there should be at most one, and only on old ledgers).
import type { AppContext } from "../context.ts";
import { withTransaction } from "../db/database.ts";
import { appendSigned } from "./append.ts";
import { SIGNING_STARTED } from "../../../protocol/audit/signatures.ts";

export type AdoptionOutcome =
  | { adopted: false; reason: "empty" | "signed" | "no_keys" }
  | { adopted: false; reason: "needs_operator"; head: number; anchored: number | null }
  | { adopted: true; head: number; basis: "anchored_on_chain" | "operator" };

export async function startSigningOldLedger(ctx: Pick<AppContext, "db" | "chain"> & { config: { ledgerAdoptThrough: number | null } }): Promise<AdoptionOutcome> {
  const keys = ctx.db.ledgerKeys;
  if (!keys) return { adopted: false, reason: "no_keys" };
  const state = (
    await ctx.db.pool.query<{ head: string; signed: boolean }>(
      "SELECT (SELECT seq FROM ledger_head) AS head, EXISTS (SELECT 1 FROM ledger WHERE signature IS NOT NULL) AS signed",
    )
  ).rows[0]!;
  const head = Number(state.head);
  if (head === 0) return { adopted: false, reason: "empty" };
  if (state.signed) return { adopted: false, reason: "signed" };
  let anchored: number | null = null;
  if (ctx.chain) {
    anchored = await ctx.chain.creditLedger
      .getFunction("nextSeq")()
      .then((n: bigint) => Number(n) - 1)
      .catch(() => null);
  }
  const basis = anchored !== null && anchored >= head ? "anchored_on_chain" : ctx.config.ledgerAdoptThrough === head ? "operator" : null;
  if (!basis) return { adopted: false, reason: "needs_operator", head, anchored };
  return withTransaction(ctx.db.pool, async (client) => {
    // Under the head lock: the head is still the one judged above.
    const locked = Number((await client.query<{ seq: string }>("SELECT seq FROM ledger_head FOR UPDATE")).rows[0]!.seq);
    if (locked !== head) return { adopted: false, reason: "needs_operator", head: locked, anchored } as const;
    await appendSigned(client, [{ type: SIGNING_STARTED, payload: { keyId: keys.kid, vouchedThrough: head, basis }, actor: "system:ledger" }], false);
    return { adopted: true, head, basis } as const;
  });
}
