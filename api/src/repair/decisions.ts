// Repair decisions: an officer's decision (one officer, or the four-eyes rule: a proposal and
// a confirmation by a second officer), each signed with the officer's passkey and carried to
// the chain with its signature (./signed-decisions.ts); the policy's own decisions at filing
// (秒批 and rule refusals); and what a final decision changes (records, credit status, chain,
// other platforms). Writers lock the application row, then the subject, then the records.
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";
import { actorOf } from "../auth/operators.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import type { ChainClient } from "../chain/client.ts";
import { SYSTEM_OFFICER } from "../chain/outbox.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { conflict, unprocessable } from "../errors.ts";
import { chinaDate } from "../credit/calendar.ts";
import { loadPolicies, sha256 } from "../credit/policies.ts";
import type { Policy } from "../credit/policy/types.ts";
import type { Reason } from "../credit/policy/reasons.ts";
import { createCreditRepository, type RecordRow } from "../credit/repository.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { deadlinesOf, dueAfter } from "./deadlines.ts";
import type { AssertionPolicy } from "../officers/assertion.ts";
import { decisionDocument } from "./decision-document.ts";
import { createDecisionWriteRepository, systemWrites, type DecisionWrite } from "./decision-writes.ts";
import { createRepairRepository, type ApplicationRow } from "./repository.ts";
import { approvalsNeededFor, checkDocument, decisionToSign, planDecision, resignPlan, verifySignatures, type Outcome, type SignedDecisionInput } from "./signed-decisions.ts";
import { refusalReason } from "./refusal-reasons.ts";
import { applicationView } from "./views.ts";

export const SYSTEM_ACTOR = "system:policy";

/** The decision row's one-line reason (letters, the Chinese view): the refusal reason's words, then the officer's note. */
function decisionReasonLine(code: string | undefined, note: string | undefined): string {
  const words = refusalReason(code)?.zh;
  return [words, note?.trim()].filter(Boolean).join("。");
}

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

/**
 * Decides an application just filed, without an officer (the caller holds the locks). False
 * when the chain would not take a rule's approval: the application then waits for officers.
 */
export async function decideBySystem(client: Queryable, decision: SystemDecision, now: Date, policies: Policy[]): Promise<boolean> {
  const { app, records, outcome, reason, policyVersion, ruleId, reasons } = decision;
  // A rule approves on chain only records published as "a rule may approve" (approvalsNeeded 0);
  // should the rules in force now say 秒批 for a record published otherwise, officers decide it.
  if (outcome === "approved" && approvalsNeededFor(records) > 0) return false;
  const document = canonicalJson(decisionDocument(app, records, outcome, policyVersion, ruleId, reason, SYSTEM_OFFICER, now, reasons));
  await decideFinal(
    client,
    { ...decision, actor: SYSTEM_ACTOR, document, firstOfficer: null, writes: (digest) => systemWrites(app, records, outcome, digest, policyVersion, ruleId) },
    now,
    policies,
  );
  return true;
}

/** A final decision, with the document it is taken on and the chain writes that carry it. */
interface FinalDecision {
  app: ApplicationRow;
  records: RecordRow[];
  enterprise: SubjectRow;
  outcome: Outcome;
  actor: string;
  reason: string;
  policyVersion: string;
  ruleId: string;
  reasons: Reason[];
  document: string;
  /** The first officer of four eyes (their proposal's document is this one). */
  firstOfficer: string | null;
  /** Built from the digest of `document`. */
  writes: (digest: Buffer) => DecisionWrite[];
  /** An officer's refusal: the reason's code (./refusal-reasons.ts), the one part of it in the ledger. */
  reasonCode?: string | null;
}

/** The final decision: rows, ledger entry, chain writes, records and credit status, platform sync. */
async function decideFinal(client: Queryable, d: FinalDecision, now: Date, policies: Policy[]) {
  const { app, records, enterprise, outcome, actor, reason, policyVersion, ruleId, reasons, document } = d;
  const repair = createRepairRepository(client);
  const credit = createCreditRepository(client);
  const digest = sha256(document);
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
      firstOfficer: d.firstOfficer,
      ...(d.reasonCode ? { reasonCode: d.reasonCode } : {}),
      creditStatusBefore: creditStatus.before,
      creditStatusAfter: creditStatus.after,
    },
    actor,
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });
  // The chain decides only records still in publicity there (an expired one would revert).
  await createDecisionWriteRepository(client).enqueue(app.id, "final", d.writes(digest), now);
}

/** Loads and locks what a decision reads: the application, its subject, its records, earlier steps. */
async function loadForDecision(client: Queryable, id: string, options: { lock: boolean }) {
  const repair = createRepairRepository(client);
  const app = await repair.application(id, options);
  const enterprise = await createSubjectRepository(client).get(app.subject_id, options);
  const records = await repair.recordsOf(id, options);
  const decisions = await repair.decisionsOf(id);
  return { app, enterprise, records, decisions };
}

/** GET …/decision-digest: what the officer's passkey must sign for this decision (resign: for the writes the ledger refused). */
export async function decisionToSignFor(
  client: Queryable,
  chain: ChainClient | null,
  id: string,
  outcome: Outcome,
  reason: { code?: string; note?: string },
  operator: Operator,
  now: Date,
  resign = false,
) {
  const { app, records, decisions } = await loadForDecision(client, id, { lock: false });
  if (resign) {
    const plan = await resignPlan(client, app, records, decisions, operator);
    if (plan.outcome !== outcome) throw unprocessable("document_mismatch", `The decision was ${plan.outcome}`, { field: "outcome" });
    return decisionToSign(client, chain, plan, reason.note, operator, now);
  }
  const plan = planDecision(app, records, decisions, outcome, reason.code, actorOf(operator));
  return decisionToSign(client, chain, plan, reason.note, operator, now);
}

/**
 * An officer's decision, signed with their passkey: refusal, approval by one officer, or either
 * step of four eyes. The signatures are verified (and the chain's check simulated) before
 * anything is stored; the chain writes carry them, so the chain checks them again.
 */
export async function decideApplication(client: Queryable, chain: ChainClient | null, id: string, input: SignedDecisionInput, operator: Operator, now: Date, policy: AssertionPolicy) {
  const { app, enterprise, records, decisions } = await loadForDecision(client, id, { lock: true });
  const actor = actorOf(operator);
  const plan = planDecision(app, records, decisions, input.outcome, input.reasonCode, actor);
  checkDocument(plan, input.document, input.reason, operator, now);
  const writes = await verifySignatures(client, chain, plan, input, operator, now, policy);
  const policies = await loadPolicies(client);
  const repair = createRepairRepository(client);
  if (plan.step === "proposal") {
    const digest = sha256(input.document);
    try {
      await repair.insertDecision({ applicationId: id, step: "proposal", outcome: "approved", officer: actor, reason: input.reason ?? null, policyVersion: app.policy_version, ruleId: app.rule_id, document: input.document, digest, at: now });
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
    // Where the chain needs one officer only (the database's rule asks for two), the proposal
    // stays off chain and the confirmation decides there: both sides then agree at every step.
    if (plan.approvalsNeeded === 2 && approvalsNeededFor(records) === 2) await createDecisionWriteRepository(client).enqueue(id, "proposal", writes, now);
  } else {
    await decideFinal(
      client,
      {
        app,
        records,
        enterprise,
        outcome: input.outcome,
        actor,
        reason: decisionReasonLine(input.reasonCode, input.reason),
        reasonCode: input.reasonCode ?? null,
        policyVersion: app.policy_version,
        ruleId: app.rule_id,
        reasons: [],
        document: input.document,
        firstOfficer: plan.step === "confirmation" ? plan.proposal!.officer : null,
        writes: () => writes,
      },
      now,
      policies,
    );
  }
  return applicationView(client, id, now);
}

/**
 * POST …/chain-resign: the officer signs again the writes the ledger refused (the decision
 * itself stands); a ledger entry says so. HTTP contract: officer-api.md, section 3.
 */
export async function resignApplication(client: Queryable, chain: ChainClient | null, id: string, input: SignedDecisionInput, operator: Operator, now: Date, policy: AssertionPolicy) {
  const { app, enterprise, records, decisions } = await loadForDecision(client, id, { lock: true });
  const plan = await resignPlan(client, app, records, decisions, operator);
  if (input.outcome !== plan.stored.outcome) throw unprocessable("document_mismatch", `The decision was ${plan.stored.outcome}`, { field: "outcome" });
  if (input.document !== plan.stored.document) throw unprocessable("document_mismatch", "Sign the stored decision document unchanged", { field: "document" });
  const writes = await verifySignatures(client, chain, plan, input, operator, now, policy);
  await createDecisionWriteRepository(client).enqueue(id, plan.dbStep, writes, now);
  await appendEntry(client, {
    type: "repair.decision_resigned",
    payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), records: plan.chainRecords.map((r) => hex(r.chain_id)), step: plan.dbStep, decisionDigest: hex(plan.stored.digest) },
    actor: actorOf(operator),
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });
  return applicationView(client, id, now);
}
