// Repair applications: filing (with the credit commitment), the instant decision where
// the policy allows it, officer review with working-day deadlines, the four-eyes rule,
// and what an approval changes (records, credit status, chain, other platforms).
// Writers lock the enterprise row, then the application row, then the records: a
// double submission or a double decision waits for the first and is then refused.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";
import { actorOf } from "../auth/operators.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { conflict, notFound, ProblemError, unprocessable } from "../errors.ts";
import { addWorkingDays as addWorkingDaysRaw, CalendarRangeError, chinaDate, workingDaysBetween, type CivilDate } from "../credit/calendar.ts";
import { loadPolicies, sha256 } from "../credit/policies.ts";
import { policyFor, strictestDecision, type Evaluation } from "../credit/policy/evaluate.ts";
import type { Policy } from "../credit/policy/types.ts";
import { chainIdOf, evaluateRow, factsOf, historyOf } from "../credit/records.ts";
import { createCreditRepository, type RecordRow } from "../credit/repository.ts";
import type { FaceFeature } from "../face/plugin.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { createRepairRepository, type ApplicationRow } from "./repository.ts";
import { applicationView } from "./views.ts";

export interface NewApplication {
  enterpriseId: string;
  recordIds: string[];
  applicant: { personId: string; capacity: "legal_representative" | "authorised_agent"; authorisationRef?: string };
  commitment: { version: string; accepted: boolean; signature?: string };
  faceAssertion?: string;
}

export const SYSTEM_ACTOR = "system:policy";

/** Working-day arithmetic; a date outside the holiday calendar is an operator problem, said plainly. */
function addWorkingDays(date: CivilDate, n: number): CivilDate {
  try {
    return addWorkingDaysRaw(date, n);
  } catch (error) {
    if (error instanceof CalendarRangeError) {
      throw new ProblemError(503, "holiday_calendar_outdated", "Service unavailable", `${error.message}: add the year to api/src/credit/calendar.ts`);
    }
    throw error;
  }
}

function pgCode(error: unknown): string | undefined {
  return (error as { code?: string })?.code;
}

function deadlinesOf(policies: Policy[], date: CivilDate) {
  return policyFor(date, policies).deadlines;
}

/**
 * Files an application; decides it at once when the policy allows (秒批) or refuses it when a
 * rule does. `face` decides who may file (a kiosk with a passed face check, or an officer at the
 * counter) and consumes the face assertion in this transaction.
 */
export async function fileApplication(
  face: Pick<FaceFeature, "verifyApplicantAssertion">,
  client: Queryable,
  input: NewApplication,
  operator: Operator,
  now: Date,
) {
  const actor = actorOf(operator);
  const credit = createCreditRepository(client);
  const repair = createRepairRepository(client);
  const subjects = createSubjectRepository(client);
  if (!input.commitment.accepted) throw unprocessable("commitment_required", "The applicant must accept the credit commitment (信用承诺书)");
  const commitmentDigest = await credit.commitmentDigest(input.commitment.version);
  if (!commitmentDigest) throw unprocessable("unknown_commitment_version", `No credit commitment text ${input.commitment.version}`);
  const recordIds = [...new Set(input.recordIds)].sort();
  if (recordIds.length === 0) throw unprocessable("records_required", "Select at least one record");

  const enterprise = await subjects.get(input.enterpriseId, { lock: true });
  if (enterprise.kind !== "enterprise") throw unprocessable("not_enterprise", "Repair applications are filed for enterprises");
  const person = await subjects.find(input.applicant.personId);
  if (!person) throw unprocessable("applicant_not_found", `No enrolled person ${input.applicant.personId}`);
  if (person.kind !== "person") throw unprocessable("applicant_not_person", "The applicant must be an enrolled person");
  if (input.applicant.capacity === "legal_representative" && enterprise.legal_rep_id !== person.id) {
    throw unprocessable("not_legal_representative", "The applicant is not the enterprise's legal representative (法定代表人)");
  }
  if (input.applicant.capacity === "authorised_agent" && !input.applicant.authorisationRef) {
    throw unprocessable("authorisation_required", "An authorised agent needs the reference of the authorisation (授权委托书)");
  }
  const { channel } = await face.verifyApplicantAssertion(client, {
    operator,
    enterpriseId: enterprise.id,
    personId: person.id,
    capacity: input.applicant.capacity,
    faceAssertion: input.faceAssertion,
  });

  const records = await credit.records(recordIds, { lock: true });
  if (records.length !== recordIds.length) throw notFound("record_not_found", "A selected record does not exist");
  for (const r of records) {
    if (r.subject_id !== enterprise.id) throw unprocessable("record_of_other_subject", `Record ${r.id} is not the enterprise's`);
    if (r.status !== "published") throw conflict("record_not_published", `Record ${r.id} is no longer in publicity (${r.status})`, { recordId: r.id });
  }
  const pending = await repair.openApplicationOn(recordIds);
  if (pending) throw conflict("application_pending", `Record ${pending.record_id} already has an open application`, { applicationId: pending.application_id });

  const today = chinaDate(now);
  const policies = await loadPolicies(client);
  const facts = await factsOf(client, recordIds);
  const history = await historyOf(client, enterprise.id);
  const evaluations = new Map<string, Evaluation>(records.map((r) => [r.id, evaluateRow(r, facts.get(r.id)!, history, today, policies)]));
  const blocked = records.find((r) => evaluations.get(r.id)!.repairable !== "now");
  const mode = strictestDecision([...evaluations.values()].map((e) => e.decision));
  const decisive = blocked ? evaluations.get(blocked.id)! : [...evaluations.values()].find((e) => e.decision === mode)!;

  const id = randomUUID();
  const chainId = chainIdOf("application", id);
  const acceptDue = blocked || mode === "automatic" ? null : addWorkingDays(today, deadlinesOf(policies, today).acceptWorkingDays);
  await repair.insertApplication({
    id,
    chainId,
    enterpriseId: enterprise.id,
    personId: person.id,
    capacity: input.applicant.capacity,
    authorisationRef: input.applicant.authorisationRef ?? null,
    channel,
    commitmentVersion: input.commitment.version,
    commitmentDigest,
    commitmentSignature: input.commitment.signature ?? null,
    decisionMode: mode,
    policyVersion: decisive.policyVersion,
    ruleId: decisive.ruleId,
    filedAt: now,
    filedOn: today,
    acceptDue,
    actor,
  });
  try {
    for (const r of records) await repair.insertApplicationRecord(id, r.id, evaluations.get(r.id));
  } catch (error) {
    if (pgCode(error) === "23505") throw conflict("application_pending", "A selected record already has an open application");
    throw error;
  }
  await appendEntry(client, {
    type: "repair.applied",
    payload: {
      applicationId: hex(chainId),
      subject: hex(enterprise.commitment),
      records: records.map((r) => hex(r.chain_id)),
      capacity: input.applicant.capacity,
      channel,
      commitmentVersion: input.commitment.version,
      commitmentDigest: hex(commitmentDigest),
      decisionMode: mode,
      policyVersion: decisive.policyVersion,
      ruleId: decisive.ruleId,
    },
    actor,
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });

  const application = await repair.application(id, { lock: true });
  if (blocked) {
    const reason = decisive.reasons.map((r) => r.message).join("; ");
    await decideFinal(client, application, records, enterprise, "refused", SYSTEM_ACTOR, "system", reason, decisive.policyVersion, decisive.ruleId, null, now, policies);
  } else if (mode === "automatic") {
    await decideFinal(client, application, records, enterprise, "approved", SYSTEM_ACTOR, "system", "秒批: every condition met", decisive.policyVersion, decisive.ruleId, null, now, policies);
  }
  return applicationView(client, id, now);
}

function decisionDocument(app: ApplicationRow, records: RecordRow[], outcome: "approved" | "refused", policyVersion: string, ruleId: string, reason: string, officer: string, now: Date) {
  return {
    schema: "onecode.repair-decision/1",
    applicationId: hex(app.chain_id),
    records: records.map((r) => hex(r.chain_id)),
    outcome,
    policyVersion,
    ruleId,
    reason,
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
) {
  const repair = createRepairRepository(client);
  const credit = createCreditRepository(client);
  const document = proposal?.document ?? canonicalJson(decisionDocument(app, records, outcome, policyVersion, ruleId, reason, officer, now));
  const digest = proposal?.digest ?? sha256(document);
  try {
    await repair.insertDecision({ applicationId: app.id, step: "final", outcome, officer: actor, reason, policyVersion, ruleId, document, digest, at: now });
  } catch (error) {
    if (pgCode(error) === "23505") throw conflict("already_decided", "This application is already decided");
    throw error;
  }
  await repair.close(app.id, outcome, now);
  let creditStatus = { before: enterprise.credit_status as string, after: enterprise.credit_status as string };
  const today = chinaDate(now);
  if (outcome === "approved") {
    await credit.setStatus(records.map((r) => r.id), "repaired", now);
    creditStatus = await credit.refreshCreditStatus(enterprise.id, now);
    const dueOn = addWorkingDays(today, deadlinesOf(policies, today).platformSyncWorkingDays);
    for (const r of records) {
      await repair.enqueueSync({
        kind: "repair.approved",
        recordId: r.id,
        payload: { recordId: r.id, decidingUnit: r.deciding_unit, decisionNo: r.decision_no, action: "stop_publicity", applicationId: app.id, decidedAt: now.toISOString(), decisionDigest: hex(digest) },
        at: now,
        dueOn,
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

export async function acceptApplication(client: Queryable, id: string, operator: Operator, now: Date) {
  const repair = createRepairRepository(client);
  const app = await repair.application(id, { lock: true });
  if (app.status !== "submitted") throw conflict("not_submitted", `The application is ${app.status}, not waiting for acceptance`);
  const today = chinaDate(now);
  const policies = await loadPolicies(client);
  const decideDue = addWorkingDays(today, deadlinesOf(policies, today).decideWorkingDays);
  await repair.accept(id, { at: now, by: actorOf(operator), decideDue });
  const enterprise = await createSubjectRepository(client).get(app.enterprise_id);
  await appendEntry(client, {
    type: "repair.accepted",
    payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), decideDue, lateBy: app.accept_due && today > app.accept_due ? workingDaysBetween(app.accept_due, today) : 0 },
    actor: actorOf(operator),
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });
  return applicationView(client, id, now);
}

export async function extendApplication(client: Queryable, id: string, reason: string, operator: Operator, now: Date) {
  const repair = createRepairRepository(client);
  const app = await repair.application(id, { lock: true });
  if (app.status !== "accepted" && app.status !== "awaiting_second") throw conflict("not_in_review", `The application is ${app.status}`);
  if (app.extended_at) throw conflict("already_extended", "The decision period was already extended once");
  const policies = await loadPolicies(client);
  const decideDue = addWorkingDays(app.decide_due!, deadlinesOf(policies, app.filed_on).extensionWorkingDays);
  await repair.extend(id, { decideDue, at: now, by: actorOf(operator), reason });
  const enterprise = await createSubjectRepository(client).get(app.enterprise_id);
  await appendEntry(client, {
    type: "repair.extended",
    payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), decideDue, reason },
    actor: actorOf(operator),
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });
  return applicationView(client, id, now);
}

export async function decideApplication(client: Queryable, id: string, outcome: "approved" | "refused", reason: string | undefined, operator: Operator, now: Date) {
  const repair = createRepairRepository(client);
  const app = await repair.application(id, { lock: true });
  const actor = actorOf(operator);
  if (app.status === "approved" || app.status === "refused") throw conflict("already_decided", `The application is already ${app.status}`);
  if (outcome === "refused" && !reason) throw unprocessable("reason_required", "A refusal needs a reason");
  if (outcome === "approved" && app.status === "submitted") throw conflict("not_accepted", "Accept the application before approving it");
  const enterprise = await createSubjectRepository(client).get(app.enterprise_id, { lock: true });
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
      if (pgCode(error) === "23505") throw conflict("already_proposed", "An approval is already proposed");
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
