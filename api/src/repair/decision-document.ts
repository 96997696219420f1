// The decision document: canonical JSON whose SHA-256 is the decision's digest, in the
// database (repair_decisions.digest), in the ledger entry and on chain (decisionDigest, signed
// by the officers). Both officers of four eyes sign the same document.
import { hex32 as hex } from "../chain/hex.ts";
import type { Reason } from "../credit/policy/reasons.ts";
import type { RecordRow } from "../credit/repository.ts";
import type { ApplicationRow } from "./repository.ts";

export const DECISION_SCHEMA = "onecode.repair-decision/1";

export function decisionDocument(
  app: ApplicationRow,
  records: RecordRow[],
  outcome: "approved" | "refused",
  policyVersion: string,
  ruleId: string,
  reason: string,
  officer: string,
  now: Date,
  reasons: Reason[] = [],
  reasonCode: string | null = null,
) {
  return {
    schema: DECISION_SCHEMA,
    applicationId: hex(app.chain_id),
    records: records.map((r) => hex(r.chain_id)),
    outcome,
    policyVersion,
    ruleId,
    // An officer's refusal: the code from ./refusal-reasons.ts; `reason` then holds the
    // officer's optional note (in this document and the database, never in the ledger).
    ...(reasonCode ? { reasonCode } : {}),
    reason,
    // Present only when there are structured reasons, so earlier documents keep their digests.
    ...(reasons.length > 0 ? { reasons } : {}),
    officer,
    decidedAt: now.toISOString(),
  };
}
