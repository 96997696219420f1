// What the credit feature shows: one record, a subject's records grouped as the kiosk shows
// them (repairable now, later, in review, not repairable, ended) with its 免申即享
// notifications (the public view: api/src/public/views.ts).
import type { Queryable } from "../db/database.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { chinaDate } from "./calendar.ts";
import { loadPolicies } from "./policies.ts";
import { evaluateRow, historyOf } from "./records.ts";
import { worded } from "./reason-words.ts";
import { createCreditRepository, type FactRow, type RecordRow } from "./repository.ts";

export function recordView(r: RecordRow, facts: FactRow[] = []) {
  return {
    id: r.id,
    chainId: hex(r.chain_id),
    subjectId: r.subject_id,
    kind: r.kind,
    severity: r.severity,
    sector: r.sector,
    decidingUnit: r.deciding_unit,
    decisionNo: r.decision_no,
    decisionDate: r.decision_date,
    legalBasis: r.legal_basis,
    penalties: r.penalties,
    obligations: r.obligations.map((o, index) => ({
      ...o,
      index,
      fulfilledOn: facts.find((f) => f.obligation_index === index && (f.kind === "fine_paid" || f.kind === "order_complied"))?.occurred_on ?? null,
    })),
    correctionRequired: r.correction_required,
    repairable: r.repairable,
    notRepairableBasis: r.not_repairable_basis,
    policyVersion: r.policy_version,
    decisionMode: r.decision_mode,
    minimumEndsOn: r.minimum_ends_on,
    lastPublicDay: r.last_public_day,
    publicUntil: r.public_until.toISOString(),
    public: r.public,
    status: r.status,
    statusChangedAt: r.status_changed_at?.toISOString() ?? null,
    digest: hex(r.digest),
    facts: facts.map((f) => ({ kind: f.kind, obligationIndex: f.obligation_index, conditionId: f.condition_id, on: f.occurred_on, note: f.note })),
  };
}

export type RecordView = ReturnType<typeof recordView>;

/**
 * What the kiosk shows for a subject: its records grouped as repairable now, later
 * (with the date and the rule), in review (an open application), not repairable
 * (with the reason), and ended (repaired or expired), plus its 免申即享 notifications.
 */
export async function subjectRecordsView(client: Queryable, subjectId: string, now: Date) {
  const credit = createCreditRepository(client);
  const subject = await createSubjectRepository(client).get(subjectId);
  const records = await credit.recordsOfSubject(subjectId);
  const facts = await credit.facts(records.map((r) => r.id));
  const history = await historyOf(client, subjectId);
  const policies = await loadPolicies(client);
  const openBy = new Map((await credit.openApplicationsOn(records.map((r) => r.id))).map((o) => [o.record_id, o]));
  const date = chinaDate(now);
  const view = {
    subject: { id: subject.id, kind: subject.kind, displayName: subject.display_name, creditStatus: subject.credit_status },
    asOf: date,
    repairableNow: [] as object[],
    later: [] as object[],
    inReview: [] as object[],
    notRepairable: [] as object[],
    ended: [] as object[],
    notifications: [] as object[],
  };
  for (const r of records) {
    const rv = recordView(r, facts.get(r.id));
    if (r.status !== "published") {
      view.ended.push(rv);
      continue;
    }
    const pending = openBy.get(r.id);
    if (pending) {
      view.inReview.push({ ...rv, applicationId: pending.application_id, applicationStatus: pending.status });
      continue;
    }
    const e = evaluateRow(r, facts.get(r.id)!, history, date, policies);
    const evaluation = { repairable: e.repairable, earliestDate: e.earliestDate ?? null, decision: e.decision, ruleId: e.ruleId, policyVersion: e.policyVersion, reasons: worded(e.reasons) };
    if (e.repairable === "now") view.repairableNow.push({ ...rv, evaluation });
    else if (e.repairable === "later") view.later.push({ ...rv, evaluation });
    else view.notRepairable.push({ ...rv, evaluation });
  }
  const notes = await credit.notificationsOf(subjectId);
  view.notifications = notes.map((n) => ({ id: n.id, recordId: n.record_id, kind: "repairable", ruleId: n.rule_id, createdAt: n.created_at.toISOString(), seen: n.seen_at !== null }));
  return view;
}
