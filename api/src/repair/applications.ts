// Repair applications: filing (with the credit commitment), the instant decision where
// the policy allows it (decided in decisions.ts), acceptance and extension with
// working-day deadlines (provisional past the official holiday data, never refused).
// Officers' decisions and what they change: decisions.ts.
// Every credit subject applies (Order 36 art. 2): an enterprise through its legal
// representative or an authorised agent, a person for themself (capacity self).
// Writers lock the subject row, then the application row, then the records: a
// double submission or a double decision waits for the first and is then refused.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";
import { actorOf } from "../auth/operators.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { badRequest, conflict, notFound, unprocessable } from "../errors.ts";
import { chinaDate, countWorkingDays } from "../credit/calendar.ts";
import { loadPolicies } from "../credit/policies.ts";
import { strictestDecision, type Evaluation } from "../credit/policy/evaluate.ts";
import { chainIdOf, evaluateRow, factsOf, historyOf } from "../credit/records.ts";
import { createCreditRepository } from "../credit/repository.ts";
import { reasonLine } from "../credit/reason-words.ts";
import type { FaceFeature } from "../face/plugin.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { decideBySystem } from "./decisions.ts";
import { deadlinesOf, decideDueOf, dueAfter, loadWorkingCalendar } from "./deadlines.ts";
import { extensionReason } from "./extension-reasons.ts";
import { createRepairRepository } from "./repository.ts";
import { applicationView } from "./views.ts";

export interface NewApplication {
  /** The credit subject applied for: an enterprise, or the applicant themself (capacity self). */
  subjectId?: string;
  /** The earlier name of subjectId, accepted for one release. */
  enterpriseId?: string;
  recordIds: string[];
  applicant: { personId: string; capacity: "legal_representative" | "authorised_agent" | "self"; authorisationRef?: string };
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

  const subjectId = input.subjectId ?? input.enterpriseId;
  if (!subjectId) throw badRequest("subject_required", "Name the credit subject applied for (subjectId)");
  if (input.subjectId && input.enterpriseId && input.subjectId !== input.enterpriseId) throw badRequest("subject_mismatch", "subjectId and enterpriseId name different subjects");
  // The subject: the enterprise, or the person applying for themself.
  const enterprise = await subjects.get(subjectId, { lock: true });
  const person = await subjects.find(input.applicant.personId);
  if (!person) throw unprocessable("applicant_not_found", `No enrolled person ${input.applicant.personId}`);
  if (person.kind !== "person") throw unprocessable("applicant_not_person", "The applicant must be an enrolled person");
  checkCapacity(enterprise, person.id, input.applicant);
  // The id first, so the face assertion this filing consumes records which application used it
  // (face_assertions.used_for; the case file shows it). A refused filing rolls the mark back.
  const id = randomUUID();
  const { channel } = await face.verifyApplicantAssertion(client, {
    operator,
    subjectId: enterprise.id,
    personId: person.id,
    capacity: input.applicant.capacity,
    faceAssertion: input.faceAssertion,
    usedFor: id,
  });

  const records = await credit.records(recordIds, { lock: true });
  if (records.length !== recordIds.length) throw notFound("record_not_found", "A selected record does not exist");
  for (const r of records) {
    if (r.subject_id !== enterprise.id) throw unprocessable("record_of_other_subject", `Record ${r.id} is not the subject's`);
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

  const chainId = chainIdOf("application", id);
  const acceptDue = blocked || mode === "automatic" ? null : await dueAfter(client, today, deadlinesOf(policies, today).acceptWorkingDays);
  await repair.insertApplication({
    id,
    chainId,
    subjectId: enterprise.id,
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
  if (blocked || mode === "automatic") {
    // The reasons name the rule, the policy version and the legal basis; `reason` is the same in Chinese, one line.
    const reasons = decisive.reasons;
    const decision = { app: application, records, enterprise, reason: reasonLine(reasons, "zh"), policyVersion: decisive.policyVersion, ruleId: decisive.ruleId, reasons };
    await decideBySystem(client, { ...decision, outcome: blocked ? "refused" : "approved" }, now, policies);
  }
  return applicationView(client, id, now);
}

/** Who may apply in which capacity (the face check then proves it is them). */
function checkCapacity(subject: SubjectRow, personId: string, applicant: NewApplication["applicant"]): void {
  if (subject.kind === "person") {
    if (applicant.capacity !== "self") throw unprocessable("self_required", "A person applies for themself (capacity self)");
    if (subject.id !== personId) throw unprocessable("not_self", "A person's repair is applied for by that person only");
    return;
  }
  if (applicant.capacity === "self") throw unprocessable("not_a_person", "An enterprise applies through its legal representative or an authorised agent");
  if (applicant.capacity === "legal_representative" && subject.legal_rep_id !== personId) {
    throw unprocessable("not_legal_representative", "The applicant is not the enterprise's legal representative (法定代表人)");
  }
  if (applicant.capacity === "authorised_agent" && !applicant.authorisationRef) {
    throw unprocessable("authorisation_required", "An authorised agent needs the reference of the authorisation (授权委托书)");
  }
}

export async function acceptApplication(client: Queryable, id: string, operator: Operator, now: Date) {
  const repair = createRepairRepository(client);
  const app = await repair.application(id, { lock: true });
  if (app.status !== "submitted") throw conflict("not_submitted", `The application is ${app.status}, not waiting for acceptance`);
  const today = chinaDate(now);
  const policies = await loadPolicies(client);
  const calendar = await loadWorkingCalendar(client);
  const decideDue = decideDueOf(calendar, policies, { accepted_on: today, filed_on: app.filed_on, extended: false });
  await repair.accept(id, { at: now, by: actorOf(operator), decideDue });
  const enterprise = await createSubjectRepository(client).get(app.subject_id);
  const lateBy = app.accept_due && today > app.accept_due ? countWorkingDays(app.accept_due, today, calendar).days : 0;
  await appendEntry(client, {
    type: "repair.accepted",
    payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), decideDue: decideDue.date, decideDueProvisional: decideDue.provisional, lateBy },
    actor: actorOf(operator),
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });
  return applicationView(client, id, now);
}

/** Extends the decision period once, for a reason from ./extension-reasons.ts (a code: the ledger holds no free text). */
export async function extendApplication(client: Queryable, id: string, reasonCode: string, operator: Operator, now: Date) {
  const repair = createRepairRepository(client);
  if (!extensionReason(reasonCode)) throw unprocessable("unknown_extension_reason", `No extension reason ${reasonCode}`);
  const app = await repair.application(id, { lock: true });
  if (app.status !== "accepted" && app.status !== "awaiting_second") throw conflict("not_in_review", `The application is ${app.status}`);
  if (app.extended_at) throw conflict("already_extended", "The decision period was already extended once");
  const policies = await loadPolicies(client);
  const calendar = await loadWorkingCalendar(client);
  const decideDue = decideDueOf(calendar, policies, { accepted_on: chinaDate(app.accepted_at!), filed_on: app.filed_on, extended: true });
  await repair.extend(id, { decideDue, at: now, by: actorOf(operator), reasonCode });
  const enterprise = await createSubjectRepository(client).get(app.subject_id);
  await appendEntry(client, {
    type: "repair.extended",
    payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), decideDue: decideDue.date, decideDueProvisional: decideDue.provisional, reasonCode },
    actor: actorOf(operator),
    subjectRef: subjectRef(enterprise.commitment),
    at: now,
  });
  return applicationView(client, id, now);
}
