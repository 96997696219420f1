// What the repair feature shows: one application with its records, decisions and due
// state in working days, and the officers' queue, most urgent first.
import type { Queryable } from "../db/database.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { chinaDate, compareDates, workingDaysBetween, type CivilDate } from "../credit/calendar.ts";
import { createRepairRepository, type ApplicationRow } from "./repository.ts";

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
  const repair = createRepairRepository(client);
  const app = await repair.application(id);
  const records = await repair.recordsOf(id);
  const decisions = await repair.decisionsOf(id);
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
    decisions: decisions.map((d) => ({
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
  const repair = createRepairRepository(client);
  const apps = await repair.openApplications();
  const proposedBy = await repair.proposers(apps.map((a) => a.id));
  const items = [];
  for (const a of apps) {
    const records = await repair.recordsOf(a.id);
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
  items.sort((x, y) => (x.dueOn ?? "9999").localeCompare(y.dueOn ?? "9999") || x.filedOn.localeCompare(y.filedOn));
  return { asOf: today, overdue: items.filter((i) => i.overdue).length, items };
}

export type ApplicationView = Awaited<ReturnType<typeof applicationView>>;
