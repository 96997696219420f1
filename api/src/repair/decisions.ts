// Repair decisions: an officer's decision (one officer, or the four-eyes rule: a proposal and
// a confirmation by a second officer), the policy's own decisions at filing (秒批 and rule
// refusals), and what a final decision changes (records, credit status, chain, other
// platforms). Writers lock the application row, then the enterprise, then the records.
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";
import { actorOf } from "../auth/operators.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { conflict, unprocessable } from "../errors.ts";
import { chinaDate } from "../credit/calendar.ts";
import { loadPolicies, sha256 } from "../credit/policies.ts";
import type { Policy } from "../credit/policy/types.ts";
import type { Reason } from "../credit/policy/reasons.ts";
import { createCreditRepository, type RecordRow } from "../credit/repository.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { deadlinesOf, dueAfter } from "./deadlines.ts";
import { createRepairRepository, type ApplicationRow } from "./repository.ts";
import { applicationView } from "./views.ts";

export const SYSTEM_ACTOR = "system:policy";

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === "23505";
}

/** A decision the policy takes at filing: 秒批 (every condition met) or a rule's refusal. */
export interface SystemDecision {
  app: ApplicationRow;
  records: RecordRow[];
  enterprise: SubjectRow;
  outcome: "approved" | "refused";
  reason: string;
  policyVersion: string;
  ruleId: string;
  /** The structured reasons (rule, policy version, legal basis, parameters): in the document and the row. */
  reasons: Reason[];
}

/** Decides an application just filed, without an officer (the caller holds the locks). */
export async function decideBySystem(client: Queryable, decision: SystemDecision, now: Date, policies: Policy[]) {
  const { app, records, enterprise, outcome, reason, policyVersion, ruleId, reasons } = decision;
  await decideFinal(client, app, records, enterprise, outcome, SYSTEM_ACTOR, "system", reason, policyVersion, ruleId, null, now, policies, reasons);
}

function decisionDocument(
  app: ApplicationRow,
  records: RecordRow[],
  outcome: "approved" | "refused",
  policyVersion: string,
  ruleId: string,
  reason: string,
  officer: string,
  now: Date,
  reasons: Reason[] = [],
) {
  return {
    schema: "onecode.repair-decision/1",
    applicationId: hex(app.chain_id),
    records: records.map((r) => hex(r.chain_id)),
    outcome,
    policyVersion,
    ruleId,
    reason,
    // Present only when there are structured reasons, so earlier documents keep their digests.
    ...(reasons.length > 0 ? { reasons } : {}),
    officer,
    decidedAt: now.toISOString(),
  };
}

/** The final decision: rows, ledger entry, chain writes, records and credit status, platform sync. */
async function decideFinal(
  client: Queryable,
  app: ApplicationRow,
  records: RecordRow[],
  enterprise: SubjectRow,
  outcome: "approved" | "refused",
  actor: string,
  officer: string,
  reason: string,
  policyVersion: string,
  ruleId: string,
  proposal: { document: string; digest: Buffer; officer: string } | null,
  now: Date,
  policies: Policy[],
  reasons: Reason[] = [],
) {
  const repair = createRepairRepository(client);
  const credit = createCreditRepository(client);
  const document = proposal?.document ?? canonicalJson(decisionDocument(app, records, outcome, policyVersion, ruleId, reason, officer, now, reasons));
  const digest = proposal?.digest ?? sha256(document);
  try {
    await repair.insertDecision({ applicationId: app.id, step: "final", outcome, officer: actor, reason, policyVersion, ruleId, reasons, document, digest, at: now });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("already_decided", "This application is already decided");
    throw error;
  }
  await repair.close(app.id, outcome, now);
  let creditStatus = { before: enterprise.credit_status as string, after: enterprise.credit_status as string };
  const today = chinaDate(now);
  if (outcome === "approved") {
    await credit.setStatus(records.map((r) => r.id), "repaired", now);
    creditStatus = await credit.refreshCreditStatus(enterprise.id, now);
    const due = await dueAfter(client, today, deadlinesOf(policies, today).platformSyncWorkingDays);
    for (const r of records) {
      await repair.enqueueSync({
        kind: "repair.approved",
        recordId: r.id,
        payload: { recordId: r.id, decidingUnit: r.deciding_unit, decisionNo: r.decision_no, action: "stop_publicity", applicationId: app.id, decidedAt: now.toISOString(), decisionDigest: hex(digest) },
        at: now,
        due,
      });
    }
  }
  await appendEntry(client, {
    type: "repair.decided",
    payload: {
      applicationId: hex(app.chain_id),
      subject: hex(enterprise.commitment),
      records: records.map((r) => hex(r.chain_id)),
      outcome,
      decisionDigest: hex(digest),
      policyVersion,
      ruleId,
      firstOfficer: proposal?.officer ?? null,
      creditStatusBefore: creditStatus.before,
      creditStatusAfter: creditStatus.after,
    },
    actor,
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });
  // The chain decides only records still in publicity there (an expired one would revert).
  for (const r of records.filter((x) => x.status === "published")) {
    await enqueueChainWrite(client, {
      kind: "repair.decide",
      recordId: hex(r.chain_id),
      applicationId: hex(app.chain_id),
      outcome: outcome === "approved" ? 1 : 2,
      decisionDigest: hex(digest),
      officer,
    });
  }
}

export async function decideApplication(client: Queryable, id: string, outcome: "approved" | "refused", reason: string | undefined, operator: Operator, now: Date) {
  const repair = createRepairRepository(client);
  const app = await repair.application(id, { lock: true });
  const actor = actorOf(operator);
  if (app.status === "approved" || app.status === "refused") throw conflict("already_decided", `The application is already ${app.status}`);
  if (outcome === "refused" && !reason) throw unprocessable("reason_required", "A refusal needs a reason");
  if (outcome === "approved" && app.status === "submitted") throw conflict("not_accepted", "Accept the application before approving it");
  const enterprise = await createSubjectRepository(client).get(app.subject_id, { lock: true });
  const records = await repair.recordsOf(id, { lock: true });
  const policies = await loadPolicies(client);
  const proposal = (await repair.decisionsOf(id)).find((d) => d.step === "proposal");
  if (app.status === "awaiting_second" && outcome === "approved" && proposal && proposal.officer === actor) {
    throw conflict("same_officer", "A second, different officer must confirm this approval (four eyes)", { firstOfficer: proposal.officer });
  }
  if (outcome === "approved") {
    for (const r of records) {
      if (r.status !== "published") throw conflict("record_not_published", `Record ${r.id} is no longer in publicity (${r.status})`, { recordId: r.id });
    }
  }
  if (outcome === "refused") {
    await decideFinal(client, app, records, enterprise, "refused", actor, operator.sub, reason!, app.policy_version, app.rule_id, null, now, policies);
  } else if (app.decision_mode === "two_officers" && app.status === "accepted") {
    const document = canonicalJson(decisionDocument(app, records, "approved", app.policy_version, app.rule_id, reason ?? "", operator.sub, now));
    const digest = sha256(document);
    try {
      await repair.insertDecision({ applicationId: id, step: "proposal", outcome: "approved", officer: actor, reason: reason ?? null, policyVersion: app.policy_version, ruleId: app.rule_id, document, digest, at: now });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict("already_proposed", "An approval is already proposed");
      throw error;
    }
    await repair.setAwaitingSecond(id);
    await appendEntry(client, {
      type: "repair.approval_proposed",
      payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), records: records.map((r) => hex(r.chain_id)), decisionDigest: hex(digest), policyVersion: app.policy_version, ruleId: app.rule_id },
      actor,
      subjectRef: subjectRef(enterprise.commitment),
      at: now,
    });
    for (const r of records) {
      await enqueueChainWrite(client, { kind: "repair.decide", recordId: hex(r.chain_id), applicationId: hex(app.chain_id), outcome: 1, decisionDigest: hex(digest), officer: operator.sub });
    }
  } else {
    await decideFinal(client, app, records, enterprise, "approved", actor, operator.sub, reason ?? "", app.policy_version, app.rule_id, proposal ?? null, now, policies);
  }
  return applicationView(client, id, now);
}
