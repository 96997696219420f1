// Repair applications: filing (with the credit commitment), the instant decision where
// the policy allows it (decided in decisions.ts), acceptance and extension with
// working-day deadlines. Officers' decisions and what they change: decisions.ts.
// Writers lock the enterprise row, then the application row, then the records: a
// double submission or a double decision waits for the first and is then refused.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";
import { actorOf } from "../auth/operators.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { chinaDate, workingDaysBetween } from "../credit/calendar.ts";
import { loadPolicies } from "../credit/policies.ts";
import { strictestDecision, type Evaluation } from "../credit/policy/evaluate.ts";
import { chainIdOf, evaluateRow, factsOf, historyOf } from "../credit/records.ts";
import { createCreditRepository } from "../credit/repository.ts";
import type { FaceFeature } from "../face/plugin.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { decideBySystem } from "./decisions.ts";
import { addWorkingDays, deadlinesOf } from "./deadlines.ts";
import { createRepairRepository } from "./repository.ts";
import { applicationView } from "./views.ts";

export interface NewApplication {
  enterpriseId: string;
  recordIds: string[];
  applicant: { personId: string; capacity: "legal_representative" | "authorised_agent"; authorisationRef?: string };
  commitment: { version: string; accepted: boolean; signature?: string };
  faceAssertion?: string;
}

function pgCode(error: unknown): string | undefined {
  return (error as { code?: string })?.code;
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
    await decideBySystem(client, { app: application, records, enterprise, outcome: "refused", reason, policyVersion: decisive.policyVersion, ruleId: decisive.ruleId }, now, policies);
  } else if (mode === "automatic") {
    await decideBySystem(client, { app: application, records, enterprise, outcome: "approved", reason: "秒批: every condition met", policyVersion: decisive.policyVersion, ruleId: decisive.ruleId }, now, policies);
  }
  return applicationView(client, id, now);
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
