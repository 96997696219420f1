// How many officers must approve the repair of a record, as the CreditLedger stores it at
// publication (`approvalsNeeded`): 0 a rule may approve (秒批), 1 one officer, 2 two distinct
// officers. The serious-dishonesty list always needs two, whatever the rule says (the contract
// refuses anything else). The API publishes with it and decides with it, so the database's
// decision steps and the chain's agree; the audit compares with it.

/** Category code of the serious-dishonesty list on chain. */
export const SERIOUS_LIST_CATEGORY = 2;

export type ApprovalMode = "automatic" | "officer" | "two_officers";
export type ApprovalsNeeded = 0 | 1 | 2;

export function approvalsNeededOf(category: number, mode: ApprovalMode): ApprovalsNeeded {
  if (category === SERIOUS_LIST_CATEGORY) return 2;
  return mode === "automatic" ? 0 : mode === "officer" ? 1 : 2;
}
