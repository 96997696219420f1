// What the repair feature shows: one application with its records, decisions (with their
// reasons in Chinese and English: rule, policy version, legal basis) and due state in working
// days, and the officers' queue, most urgent first, with the records handed over at their
// maximum period and the holiday-data warning. A due date counted over a year without the
// official holiday arrangement says provisional (暂定).
import type { Queryable } from "../db/database.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { chinaDate, compareDates, countWorkingDays, type CivilDate, type WorkingCalendar } from "../credit/calendar.ts";
import { calendarStatus } from "../credit/holidays.ts";
import type { Reason } from "../credit/policy/reasons.ts";
import { worded } from "../credit/reason-words.ts";
import { loadWorkingCalendar } from "./deadlines.ts";
import { extensionReason } from "./extension-reasons.ts";
import { refusalReason } from "./refusal-reasons.ts";
import { openCases } from "./max-period.ts";
import { decisionChainStates, decisionChainView } from "./decision-writes.ts";
import { createRepairRepository, type ApplicationRow } from "./repository.ts";

/** The refusal reason of an officer's decision, from its signed document (decisions before the list: none). */
function refusalOf(document: string): { reasonCode: string | null; reasonWords: { zh: string; en: string } | null; note: string | null } {
  let parsed: { reasonCode?: unknown; reason?: unknown } = {};
  try {
    parsed = JSON.parse(document) as typeof parsed;
  } catch {
    // a document is canonical JSON; an unreadable one has no reason code
  }
  const reason = typeof parsed.reasonCode === "string" ? refusalReason(parsed.reasonCode) : null;
  return {
    reasonCode: reason?.code ?? null,
    reasonWords: reason ? { zh: reason.zh, en: reason.en } : null,
    note: reason && typeof parsed.reason === "string" && parsed.reason !== "" ? parsed.reason : null,
  };
}

function dueState(app: ApplicationRow, today: CivilDate, calendar: WorkingCalendar) {
  const step = app.status === "submitted" ? "accept" : app.status === "accepted" || app.status === "awaiting_second" ? "decide" : null;
  const dueOn = step === "accept" ? app.accept_due : step === "decide" ? app.decide_due : null;
  const provisional = step === "accept" ? app.accept_due_provisional : step === "decide" ? app.decide_due_provisional : false;
  return {
    step,
    dueOn,
    provisional,
    overdue: dueOn !== null && compareDates(today, dueOn) > 0,
    workingDaysLeft: dueOn === null ? null : compareDates(today, dueOn) >= 0 ? 0 : countWorkingDays(today, dueOn, calendar).days,
  };
}

export async function applicationView(client: Queryable, id: string, now: Date) {
  const repair = createRepairRepository(client);
  const app = await repair.application(id);
  const records = await repair.recordsOf(id);
  const decisions = await repair.decisionsOf(id);
  const evaluations = await repair.evaluationsOf(id);
  const calendar = await loadWorkingCalendar(client);
  // An officer's decision carries no reasons of its own: show the rule it was made under, from the filing's evaluation.
  const ruleReasons = (ruleId: string): Reason[] => evaluations.flatMap((e) => (e.evaluation.ruleId === ruleId ? (e.evaluation.reasons ?? []) : [])).slice(0, 1);
  const extension = extensionReason(app.extension_reason_code);
  return {
    id: app.id,
    chainId: hex(app.chain_id),
    subjectId: app.subject_id,
    /** Earlier name of subjectId, for one release. */
    enterpriseId: app.subject_id,
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
    acceptDueProvisional: app.accept_due_provisional,
    acceptedBy: app.accepted_by,
    decideDue: app.decide_due,
    decideDueProvisional: app.decide_due_provisional,
    extension: app.extended_at
      ? { at: app.extended_at.toISOString(), by: app.extended_by, reasonCode: app.extension_reason_code, words: extension ? { zh: extension.zh, en: extension.en } : null }
      : null,
    decidedAt: app.decided_at?.toISOString() ?? null,
    due: dueState(app, chinaDate(now), calendar),
    records: records.map((r) => ({ id: r.id, chainId: hex(r.chain_id), kind: r.kind, severity: r.severity, decisionNo: r.decision_no, status: r.status })),
    // The decision on chain: pending, confirmed, or chain_failed with the contract's error (./decision-writes.ts).
    chain: await decisionChainView(client, id),
    decisions: decisions.map((d) => ({
      step: d.step,
      outcome: d.outcome,
      officer: d.officer,
      reason: d.reason,
      // An officer's refusal: the code, its words for the applicant, and the officer's note.
      ...refusalOf(d.document),
      reasons: worded(d.reasons.length > 0 ? d.reasons : ruleReasons(d.rule_id)),
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
  const repair = createRepairRepository(client);
  const calendar = await loadWorkingCalendar(client);
  const apps = await repair.openApplications();
  const proposedBy = await repair.proposers(apps.map((a) => a.id));
  const chainStates = await decisionChainStates(client, apps.map((a) => a.id));
  const items = [];
  for (const a of apps) {
    const records = await repair.recordsOf(a.id);
    items.push({
      id: a.id,
      subject: { id: a.subject_id, kind: a.subject_kind, displayName: a.display_name },
      /** Earlier name of subject, for one release. */
      enterprise: { id: a.subject_id, displayName: a.display_name },
      capacity: a.capacity,
      status: a.status,
      decisionMode: a.decision_mode,
      ruleId: a.rule_id,
      policyVersion: a.policy_version,
      filedOn: a.filed_on,
      acceptDue: a.accept_due,
      decideDue: a.decide_due,
      extended: a.extended_at !== null,
      awaitingSecondOfficer: a.status === "awaiting_second" ? { firstOfficer: proposedBy.get(a.id) ?? null } : null,
      chainState: chainStates.get(a.id) ?? "none",
      ...dueState(a, today, calendar),
      records: records.map((r) => ({ id: r.id, kind: r.kind, severity: r.severity, decisionNo: r.decision_no })),
    });
  }
  items.sort((x, y) => (x.dueOn ?? "9999").localeCompare(y.dueOn ?? "9999") || x.filedOn.localeCompare(y.filedOn));
  return {
    asOf: today,
    overdue: items.filter((i) => i.overdue).length,
    items,
    maxPeriodCases: await openCases(client),
    calendar: calendarStatus(calendar, now),
  };
}

export type ApplicationView = Awaited<ReturnType<typeof applicationView>>;
