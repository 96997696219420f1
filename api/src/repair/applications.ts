// Repair applications: filing (with the credit commitment), the instant decision where
// the policy allows it, officer review with working-day deadlines, the four-eyes rule,
// and what an approval changes (records, credit status, chain, other platforms).
// Writers lock the enterprise row, then the application row, then the records: a
// double submission or a double decision waits for the first and is then refused.
import { randomUUID } from "node:crypto";
import type { AppContext } from "../context.ts";
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";
import { actorOf } from "../auth/operators.ts";
import { appendEntry } from "../ledger/append.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { conflict, notFound, ProblemError, unprocessable } from "../errors.ts";
import { addWorkingDays as addWorkingDaysRaw, CalendarRangeError, chinaDate, compareDates, workingDaysBetween, type CivilDate } from "../credit/calendar.ts";
import { loadPolicies, sha256 } from "../credit/policies.ts";
import { policyFor, strictestDecision, type Evaluation } from "../credit/policy/evaluate.ts";
import type { DecisionMode, Policy } from "../credit/policy/types.ts";
import {
  chainIdOf,
  evaluateRow,
  factsOf,
  getSubject,
  hex,
  historyOf,
  lockSubject,
  RECORD_COLUMNS,
  refreshCreditStatus,
  type RecordRow,
  type SubjectRow,
} from "../credit/records.ts";
import { verifyApplicantAssertion } from "./assertion.ts";

export interface NewApplication {
  enterpriseId: string;
  recordIds: string[];
  applicant: { personId: string; capacity: "legal_representative" | "authorised_agent"; authorisationRef?: string };
  commitment: { version: string; accepted: boolean; signature?: string };
  faceAssertion?: string;
}

type Status = "submitted" | "accepted" | "awaiting_second" | "approved" | "refused";

interface ApplicationRow {
  id: string;
  chain_id: Buffer;
  enterprise_id: string;
  applicant_person_id: string;
  capacity: NewApplication["applicant"]["capacity"];
  authorisation_ref: string | null;
  channel: "kiosk" | "officer_assisted";
  commitment_version: string;
  commitment_digest: Buffer;
  status: Status;
  decision_mode: DecisionMode;
  policy_version: string;
  rule_id: string;
  filed_at: Date;
  filed_on: string;
  accept_due: string | null;
  accepted_at: Date | null;
  accepted_by: string | null;
  decide_due: string | null;
  extended_at: Date | null;
  extended_by: string | null;
  extension_reason: string | null;
  decided_at: Date | null;
}

const APP_COLUMNS = `a.id, a.chain_id, a.enterprise_id, a.applicant_person_id, a.capacity, a.authorisation_ref, a.channel, a.commitment_version,
  a.commitment_digest, a.status, a.decision_mode, a.policy_version, a.rule_id, a.filed_at, to_char(a.filed_on, 'YYYY-MM-DD') AS filed_on,
  to_char(a.accept_due, 'YYYY-MM-DD') AS accept_due, a.accepted_at, a.accepted_by, to_char(a.decide_due, 'YYYY-MM-DD') AS decide_due,
  a.extended_at, a.extended_by, a.extension_reason, a.decided_at`;

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

async function getApplication(client: Queryable, id: string, lock: boolean): Promise<ApplicationRow> {
  const r = await client.query<ApplicationRow>(`SELECT ${APP_COLUMNS} FROM repair_applications a WHERE a.id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  if (!r.rows[0]) throw notFound("application_not_found", `No repair application ${id}`);
  return r.rows[0];
}

async function recordsOf(client: Queryable, applicationId: string, lock: boolean): Promise<RecordRow[]> {
  return (
    await client.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM credit_records r JOIN repair_application_records ar ON ar.record_id = r.id
        WHERE ar.application_id = $1 ORDER BY r.id${lock ? " FOR UPDATE OF r" : ""}`,
      [applicationId],
    )
  ).rows;
}

function deadlinesOf(policies: Policy[], date: CivilDate) {
  return policyFor(date, policies).deadlines;
}

/** Files an application; decides it at once when the policy allows (秒批) or refuses it when a rule does. */
export async function fileApplication(ctx: AppContext, client: Queryable, input: NewApplication, operator: Operator, now: Date) {
  const actor = actorOf(operator);
  const channel = operator.role === "kiosk" ? "kiosk" : "officer_assisted";
  if (!input.commitment.accepted) throw unprocessable("commitment_required", "The applicant must accept the credit commitment (信用承诺书)");
  const commitment = await client.query<{ digest: Buffer }>("SELECT digest FROM credit_commitment_texts WHERE version = $1", [input.commitment.version]);
  if (!commitment.rows[0]) throw unprocessable("unknown_commitment_version", `No credit commitment text ${input.commitment.version}`);
  const recordIds = [...new Set(input.recordIds)].sort();
  if (recordIds.length === 0) throw unprocessable("records_required", "Select at least one record");

  const enterprise = await lockSubject(client, input.enterpriseId);
  if (enterprise.kind !== "enterprise") throw unprocessable("not_enterprise", "Repair applications are filed for enterprises");
  const person = await getSubject(client, input.applicant.personId).catch(() => {
    throw unprocessable("applicant_not_found", `No enrolled person ${input.applicant.personId}`);
  });
  if (person.kind !== "person") throw unprocessable("applicant_not_person", "The applicant must be an enrolled person");
  if (input.applicant.capacity === "legal_representative" && enterprise.legal_rep_id !== person.id) {
    throw unprocessable("not_legal_representative", "The applicant is not the enterprise's legal representative (法定代表人)");
  }
  if (input.applicant.capacity === "authorised_agent" && !input.applicant.authorisationRef) {
    throw unprocessable("authorisation_required", "An authorised agent needs the reference of the authorisation (授权委托书)");
  }
  await verifyApplicantAssertion(ctx, client, {
    channel,
    operator,
    enterpriseId: enterprise.id,
    personId: person.id,
    capacity: input.applicant.capacity,
    faceAssertion: input.faceAssertion,
  });

  const records = (await client.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM credit_records r WHERE r.id = ANY($1::uuid[]) ORDER BY r.id FOR UPDATE`, [recordIds])).rows;
  if (records.length !== recordIds.length) throw notFound("record_not_found", "A selected record does not exist");
  for (const r of records) {
    if (r.subject_id !== enterprise.id) throw unprocessable("record_of_other_subject", `Record ${r.id} is not the enterprise's`);
    if (r.status !== "published") throw conflict("record_not_published", `Record ${r.id} is no longer in publicity (${r.status})`, { recordId: r.id });
  }
  const pending = await client.query<{ application_id: string; record_id: string }>(
    "SELECT application_id, record_id FROM repair_application_records WHERE open AND record_id = ANY($1::uuid[])",
    [recordIds],
  );
  if (pending.rows[0]) {
    throw conflict("application_pending", `Record ${pending.rows[0].record_id} already has an open application`, { applicationId: pending.rows[0].application_id });
  }

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
  const deadlines = deadlinesOf(policies, today);
  const acceptDue = blocked || mode === "automatic" ? null : addWorkingDays(today, deadlines.acceptWorkingDays);
  await client.query(
    `INSERT INTO repair_applications (id, chain_id, enterprise_id, applicant_person_id, capacity, authorisation_ref, channel, commitment_version,
       commitment_digest, commitment_signature, status, decision_mode, policy_version, rule_id, filed_at, filed_on, accept_due, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'submitted',$11,$12,$13,$14,$15,$16,$17)`,
    [
      id, chainId, enterprise.id, person.id, input.applicant.capacity, input.applicant.authorisationRef ?? null, channel, input.commitment.version,
      commitment.rows[0].digest, input.commitment.signature ?? null, mode, decisive.policyVersion, decisive.ruleId, now, today, acceptDue, actor,
    ],
  );
  try {
    for (const r of records) {
      await client.query("INSERT INTO repair_application_records (application_id, record_id, evaluation) VALUES ($1, $2, $3)", [
        id,
        r.id,
        JSON.stringify(evaluations.get(r.id)),
      ]);
    }
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
      commitmentDigest: hex(commitment.rows[0].digest),
      decisionMode: mode,
      policyVersion: decisive.policyVersion,
      ruleId: decisive.ruleId,
    },
    actor,
    subjectRef: hex(enterprise.commitment),
    at: now,
  });

  const application = await getApplication(client, id, true);
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
  const document = proposal?.document ?? canonicalJson(decisionDocument(app, records, outcome, policyVersion, ruleId, reason, officer, now));
  const digest = proposal?.digest ?? sha256(document);
  try {
    await client.query(
      `INSERT INTO repair_decisions (application_id, step, outcome, officer, reason, policy_version, rule_id, document, digest, decided_at)
       VALUES ($1, 'final', $2, $3, $4, $5, $6, $7, $8, $9)`,
      [app.id, outcome, actor, reason, policyVersion, ruleId, document, digest, now],
    );
  } catch (error) {
    if (pgCode(error) === "23505") throw conflict("already_decided", "This application is already decided");
    throw error;
  }
  await client.query("UPDATE repair_applications SET status = $2, decided_at = $3 WHERE id = $1", [app.id, outcome, now]);
  await client.query("UPDATE repair_application_records SET open = false WHERE application_id = $1", [app.id]);
  let credit = { before: enterprise.credit_status as string, after: enterprise.credit_status as string };
  const today = chinaDate(now);
  if (outcome === "approved") {
    await client.query("UPDATE credit_records SET status = 'repaired', status_changed_at = $2 WHERE id = ANY($1::uuid[]) AND status = 'published'", [
      records.map((r) => r.id),
      now,
    ]);
    credit = await refreshCreditStatus(client, enterprise.id, now);
    const due = addWorkingDays(today, deadlinesOf(policies, today).platformSyncWorkingDays);
    for (const r of records) {
      await client.query(
        "INSERT INTO sync_outbox (kind, record_id, payload, created_at, due_on) VALUES ('repair.approved', $1, $2, $3, $4) ON CONFLICT DO NOTHING",
        [r.id, JSON.stringify({ recordId: r.id, decidingUnit: r.deciding_unit, decisionNo: r.decision_no, action: "stop_publicity", applicationId: app.id, decidedAt: now.toISOString(), decisionDigest: hex(digest) }), now, due],
      );
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
      creditStatusBefore: credit.before,
      creditStatusAfter: credit.after,
    },
    actor,
    subjectRef: hex(enterprise.commitment),
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
  const app = await getApplication(client, id, true);
  if (app.status !== "submitted") throw conflict("not_submitted", `The application is ${app.status}, not waiting for acceptance`);
  const today = chinaDate(now);
  const policies = await loadPolicies(client);
  const decideDue = addWorkingDays(today, deadlinesOf(policies, today).decideWorkingDays);
  await client.query("UPDATE repair_applications SET status = 'accepted', accepted_at = $2, accepted_by = $3, decide_due = $4 WHERE id = $1", [
    id,
    now,
    actorOf(operator),
    decideDue,
  ]);
  const enterprise = await getSubject(client, app.enterprise_id);
  await appendEntry(client, {
    type: "repair.accepted",
    payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), decideDue, lateBy: app.accept_due && today > app.accept_due ? workingDaysBetween(app.accept_due, today) : 0 },
    actor: actorOf(operator),
    subjectRef: hex(enterprise.commitment),
    at: now,
  });
  return applicationView(client, id, now);
}

export async function extendApplication(client: Queryable, id: string, reason: string, operator: Operator, now: Date) {
  const app = await getApplication(client, id, true);
  if (app.status !== "accepted" && app.status !== "awaiting_second") throw conflict("not_in_review", `The application is ${app.status}`);
  if (app.extended_at) throw conflict("already_extended", "The decision period was already extended once");
  const policies = await loadPolicies(client);
  const decideDue = addWorkingDays(app.decide_due!, deadlinesOf(policies, app.filed_on).extensionWorkingDays);
  await client.query("UPDATE repair_applications SET decide_due = $2, extended_at = $3, extended_by = $4, extension_reason = $5 WHERE id = $1", [
    id,
    decideDue,
    now,
    actorOf(operator),
    reason,
  ]);
  const enterprise = await getSubject(client, app.enterprise_id);
  await appendEntry(client, {
    type: "repair.extended",
    payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), decideDue, reason },
    actor: actorOf(operator),
    subjectRef: hex(enterprise.commitment),
    at: now,
  });
  return applicationView(client, id, now);
}

export async function decideApplication(client: Queryable, id: string, outcome: "approved" | "refused", reason: string | undefined, operator: Operator, now: Date) {
  const app = await getApplication(client, id, true);
  const actor = actorOf(operator);
  if (app.status === "approved" || app.status === "refused") throw conflict("already_decided", `The application is already ${app.status}`);
  if (outcome === "refused" && !reason) throw unprocessable("reason_required", "A refusal needs a reason");
  if (outcome === "approved" && app.status === "submitted") throw conflict("not_accepted", "Accept the application before approving it");
  const enterprise = await lockSubject(client, app.enterprise_id);
  const records = await recordsOf(client, id, true);
  const policies = await loadPolicies(client);
  const proposal = (
    await client.query<{ officer: string; document: string; digest: Buffer }>("SELECT officer, document, digest FROM repair_decisions WHERE application_id = $1 AND step = 'proposal'", [id])
  ).rows[0];
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
      await client.query(
        `INSERT INTO repair_decisions (application_id, step, outcome, officer, reason, policy_version, rule_id, document, digest, decided_at)
         VALUES ($1, 'proposal', 'approved', $2, $3, $4, $5, $6, $7, $8)`,
        [id, actor, reason ?? null, app.policy_version, app.rule_id, document, digest, now],
      );
    } catch (error) {
      if (pgCode(error) === "23505") throw conflict("already_proposed", "An approval is already proposed");
      throw error;
    }
    await client.query("UPDATE repair_applications SET status = 'awaiting_second' WHERE id = $1", [id]);
    await appendEntry(client, {
      type: "repair.approval_proposed",
      payload: { applicationId: hex(app.chain_id), subject: hex(enterprise.commitment), records: records.map((r) => hex(r.chain_id)), decisionDigest: hex(digest), policyVersion: app.policy_version, ruleId: app.rule_id },
      actor,
      subjectRef: hex(enterprise.commitment),
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

function dueState(app: ApplicationRow, today: CivilDate) {
  const dueOn = app.status === "submitted" ? app.accept_due : app.status === "accepted" || app.status === "awaiting_second" ? app.decide_due : null;
  return {
    step: app.status === "submitted" ? "accept" : app.status === "accepted" || app.status === "awaiting_second" ? "decide" : null,
    dueOn,
    overdue: dueOn !== null && compareDates(today, dueOn) > 0,
    workingDaysLeft: dueOn === null ? null : compareDates(today, dueOn) >= 0 ? 0 : workingDaysBetween(today, dueOn),
  };
}

export async function applicationView(client: Queryable, id: string, now: Date) {
  const app = await getApplication(client, id, false);
  const records = await recordsOf(client, id, false);
  const decisions = await client.query<{ step: string; outcome: string; officer: string; reason: string | null; policy_version: string; rule_id: string; digest: Buffer; decided_at: Date }>(
    "SELECT step, outcome, officer, reason, policy_version, rule_id, digest, decided_at FROM repair_decisions WHERE application_id = $1 ORDER BY id",
    [id],
  );
  return {
    id: app.id,
    chainId: hex(app.chain_id),
    enterpriseId: app.enterprise_id,
    applicant: { personId: app.applicant_person_id, capacity: app.capacity, authorisationRef: app.authorisation_ref },
    channel: app.channel,
    commitment: { version: app.commitment_version, digest: hex(app.commitment_digest) },
    status: app.status,
    decisionMode: app.decision_mode,
    policyVersion: app.policy_version,
    ruleId: app.rule_id,
    filedAt: app.filed_at.toISOString(),
    filedOn: app.filed_on,
    acceptDue: app.accept_due,
    acceptedBy: app.accepted_by,
    decideDue: app.decide_due,
    extension: app.extended_at ? { at: app.extended_at.toISOString(), by: app.extended_by, reason: app.extension_reason } : null,
    decidedAt: app.decided_at?.toISOString() ?? null,
    due: dueState(app, chinaDate(now)),
    records: records.map((r) => ({ id: r.id, chainId: hex(r.chain_id), kind: r.kind, severity: r.severity, decisionNo: r.decision_no, status: r.status })),
    decisions: decisions.rows.map((d) => ({
      step: d.step,
      outcome: d.outcome,
      officer: d.officer,
      reason: d.reason,
      policyVersion: d.policy_version,
      ruleId: d.rule_id,
      digest: hex(d.digest),
      decidedAt: d.decided_at.toISOString(),
    })),
  };
}

/** Open applications for repair officers, most urgent first, with due dates in working days and overdue flags. */
export async function repairQueue(client: Queryable, now: Date) {
  const today = chinaDate(now);
  const apps = (await client.query<ApplicationRow & { display_name: string }>(
    `SELECT ${APP_COLUMNS}, s.display_name FROM repair_applications a JOIN subjects s ON s.id = a.enterprise_id
      WHERE a.status IN ('submitted', 'accepted', 'awaiting_second')`,
  )).rows;
  const proposals = await client.query<{ application_id: string; officer: string }>(
    "SELECT application_id, officer FROM repair_decisions WHERE step = 'proposal' AND application_id = ANY($1::uuid[])",
    [apps.map((a) => a.id)],
  );
  const proposedBy = new Map(proposals.rows.map((p) => [p.application_id, p.officer]));
  const items = [];
  for (const a of apps) {
    const records = await recordsOf(client, a.id, false);
    items.push({
      id: a.id,
      enterprise: { id: a.enterprise_id, displayName: a.display_name },
      status: a.status,
      decisionMode: a.decision_mode,
      ruleId: a.rule_id,
      policyVersion: a.policy_version,
      filedOn: a.filed_on,
      acceptDue: a.accept_due,
      decideDue: a.decide_due,
      extended: a.extended_at !== null,
      awaitingSecondOfficer: a.status === "awaiting_second" ? { firstOfficer: proposedBy.get(a.id) ?? null } : null,
      ...dueState(a, today),
      records: records.map((r) => ({ id: r.id, kind: r.kind, severity: r.severity, decisionNo: r.decision_no })),
    });
  }
  items.sort((x, y) => (x.dueOn ?? "9999") .localeCompare(y.dueOn ?? "9999") || x.filedOn.localeCompare(y.filedOn));
  return { asOf: today, overdue: items.filter((i) => i.overdue).length, items };
}

export type ApplicationView = Awaited<ReturnType<typeof applicationView>>;
