// Can this record be repaired, when, and which rule says so; and, once the maximum period
// is over, does publicity end by itself or go to an officer. Pure: everything it needs
// comes in as arguments (the record, the facts from the agency's feed, the subject's
// earlier repairs, the date, the policy versions), so the same inputs give the same answer
// in the API, in the scheduler and in tests.
//
// Rule ids are "<policy version>.<rule>", e.g. "national-2026.min_period.general": every
// decision and refusal stores one, with its structured reason (reasons.ts).
import { addDays, addMonths, compareDates, maxDate, type CivilDate } from "../calendar/dates.ts";
import { decisionRuleFor, policyFor, publicityOf, strictestPenalty, type ModeRule, type Publicity } from "./periods.ts";
import { externalBasis, hasTemplate, makeReason, reasonBasis, type Reason, type ReasonCode } from "./reasons.ts";
import { basis as basisOf, DOC_LOCAL } from "./sources.ts";
import type { AtMaximum, DecisionMode, LegalBasis, Policy, RecordKind, Severity } from "./types.ts";

export { decisionRuleFor, NoPolicyError, penaltiesOf, policyFor, publicityOf, strictestDecision, strictestPenalty, type Publicity } from "./periods.ts";
export type { Reason, ReasonBasis, ReasonCode, ReasonParams } from "./reasons.ts";

export type ObligationType = "fine" | "order";

export interface Obligation {
  type: ObligationType;
  /** Yuan, for fines. */
  amount?: number | null;
  description: string;
}

export interface PolicyRecord {
  kind: RecordKind;
  severity: Severity;
  /** Further penalties of the same decision document: the longest period applies, the strictest sets mode and conditions. */
  penalties?: { type: string; severity: Severity }[];
  sector?: string | null;
  decisionDate: CivilDate;
  obligations: Obligation[];
  /** Whether the dishonest conduct itself must be shown corrected (a `correction_done` fact). */
  correctionRequired?: boolean;
  repairable: boolean;
  notRepairableBasis?: string | null;
  /** published: in publicity; repaired / expired: publicity over. */
  status: "published" | "repaired" | "expired";
}

export type FactKind = "fine_paid" | "order_complied" | "correction_done" | "condition_met";

export interface Fact {
  kind: FactKind;
  /** Index into the record's obligations (fine_paid, order_complied). */
  obligationIndex?: number | null;
  /** Id of a policy's extra condition (condition_met). */
  conditionId?: string | null;
  on: CivilDate;
}

export interface SubjectHistory {
  /** The subject's earlier approved repairs (any record). */
  repairs: { kind: RecordKind; decidedOn: CivilDate }[];
}

/** What must happen to a record in publicity once its maximum period is over. */
export interface MaximumOutcome {
  /** ends: publicity stops by itself (anchored); officer: the deciding unit's officer handles it, with the reasons. */
  outcome: "ends" | "officer";
  /** The rule set's setting that decided it. */
  rule: AtMaximum;
  lastDay: CivilDate;
  /** First day after publicity (ends) or of the officer's case. */
  from: CivilDate;
  ruleId: string;
  /** The decisive reason first, then (officer) every unmet obligation. */
  reasons: Reason[];
}

export interface Evaluation {
  repairable: "now" | "later" | "never";
  /** For "later": the first day every condition with a known date is met (obligations may still be open). */
  earliestDate?: CivilDate;
  /** How an approval is made (from the policy's decision rules, for the strictest penalty). */
  decision: DecisionMode;
  decisionRuleId: string;
  /** The rule that decides the answer: the decision rule for "now", the blocking rule otherwise. */
  ruleId: string;
  policyVersion: string;
  reasons: Reason[];
  publicity: Publicity;
  /** Present when the record is still in publicity and its maximum period is over. */
  atMaximum?: MaximumOutcome;
}

const FACT_FOR: Record<ObligationType, FactKind> = { fine: "fine_paid", order: "order_complied" };
const READY: Record<DecisionMode, ReasonCode> = { automatic: "ready_automatic", officer: "ready_officer", two_officers: "ready_two_officers" };

const localBasis = (source: string): LegalBasis => basisOf(DOC_LOCAL, source);

/** Unmet duties (obligations, correction) and unmet extra conditions, as of `date`. */
function openConditions(record: PolicyRecord, facts: readonly Fact[], date: CivilDate, policy: Policy): { duties: Reason[]; extra: Reason[] } {
  const known = (f: Fact) => compareDates(f.on, date) <= 0;
  const conditions = reasonBasis(policy, policy.conditionsBasis);
  const duties: Reason[] = [];
  record.obligations.forEach((obligation, index) => {
    if (facts.some((f) => known(f) && f.kind === FACT_FOR[obligation.type] && f.obligationIndex === index)) return;
    if (obligation.type === "order") {
      duties.push(makeReason(policy, "obligations_fulfilled", "order_not_complied", conditions, { description: obligation.description, obligation: index }));
    } else if (obligation.amount) {
      duties.push(makeReason(policy, "obligations_fulfilled", "fine_unpaid_amount", conditions, { description: obligation.description, amount: obligation.amount, obligation: index }));
    } else {
      duties.push(makeReason(policy, "obligations_fulfilled", "fine_unpaid", conditions, { description: obligation.description, obligation: index }));
    }
  });
  if (record.correctionRequired && !facts.some((f) => known(f) && f.kind === "correction_done")) {
    duties.push(makeReason(policy, "correction_done", "correction_not_done", conditions));
  }
  // The conditions of the strictest penalty of the decision apply, not those of the record's own severity.
  const strictest = strictestPenalty(record);
  const extra: Reason[] = [];
  for (const c of policy.extraConditions) {
    if (c.kinds.length > 0 && !c.kinds.includes(record.kind)) continue;
    if (c.severities.length > 0 && !c.severities.includes(strictest.severity)) continue;
    if (c.penaltyTypes && c.penaltyTypes.length > 0 && !strictest.types.some((t) => c.penaltyTypes!.includes(t))) continue;
    if (facts.some((f) => known(f) && f.kind === "condition_met" && f.conditionId === c.id)) continue;
    const b = c.basis ? reasonBasis(policy, c.basis) : externalBasis(c.source);
    extra.push(makeReason(policy, `condition.${c.id}`, "condition_open", b, { condition: c.text ?? { zh: c.description, en: c.description } }, { source: c.source }));
  }
  return { duties, extra };
}

/**
 * The outcome at the maximum period, for a record whose last public day is over: it ends by
 * itself, or (Order 36, conduct not corrected or obligations unmet; lists with their own
 * rules) it goes to the deciding unit's officer with the reasons.
 */
export function maximumOutcome(record: PolicyRecord, facts: readonly Fact[], date: CivilDate, policy: Policy, publicity: Publicity = publicityOf(record, policy)): MaximumOutcome {
  const byKind = (policy.atMaximumByKind ?? []).find((k) => k.kind === record.kind);
  const rule = byKind?.atMaximum ?? policy.atMaximum ?? "ends";
  const b = reasonBasis(policy, byKind?.basis ?? policy.atMaximumBasis ?? policy.conditionsBasis);
  const lastDay = publicity.lastDay;
  const from = addDays(lastDay, 1);
  const { duties } = openConditions(record, facts, date, policy);
  if (rule === "ends" || (rule === "ends_if_met" && duties.length === 0)) {
    const reason = makeReason(policy, "max_period.ends", "max_period_ends", b, { lastDay, endsOn: from });
    return { outcome: "ends", rule, lastDay, from, ruleId: reason.ruleId, reasons: [reason] };
  }
  const wanted = byKind?.reason ?? policy.atMaximumReason;
  const fallback: ReasonCode = rule === "ends_if_met" ? "max_period_hand_over" : "max_period_kind_rules";
  const code = (wanted !== undefined && hasTemplate(wanted) ? wanted : fallback) as ReasonCode;
  const reason = makeReason(policy, rule === "ends_if_met" ? "max_period.hand_over" : "max_period.officer", code, b, { lastDay });
  return { outcome: "officer", rule, lastDay, from, ruleId: reason.ruleId, reasons: [reason, ...duties] };
}

/** Local refusal rules that are switched on and stand in the way on `date`. */
function localBlockers(record: PolicyRecord, history: SubjectHistory, date: CivilDate, policy: Policy): Reason[] {
  const blockers: Reason[] = [];
  const repairs = [...history.repairs].filter((r) => compareDates(r.decidedOn, date) <= 0).sort((a, b) => compareDates(b.decidedOn, a.decidedOn));
  for (const rule of policy.refusalRules) {
    if (!rule.enabled) continue;
    const b = reasonBasis(policy, localBasis(rule.source));
    const extra = (until: CivilDate) => ({ until, source: rule.source });
    if (rule.type === "interval_since_last_repair") {
      const last = repairs[0];
      if (last && compareDates(date, addMonths(last.decidedOn, rule.months)) <= 0) {
        const until = addDays(addMonths(last.decidedOn, rule.months), 1);
        blockers.push(makeReason(policy, rule.id, "local_interval", b, { lastRepairOn: last.decidedOn, months: rule.months, firstDay: until }, extra(until)));
      }
    } else if (rule.type === "repairs_within") {
      const within = repairs.filter((r) => compareDates(date, addMonths(r.decidedOn, rule.months)) <= 0);
      if (within.length >= rule.count) {
        const until = addDays(addMonths(within[rule.count - 1]!.decidedOn, rule.months), 1);
        blockers.push(makeReason(policy, rule.id, "local_repairs_within", b, { count: within.length, months: rule.months, limit: rule.count - 1, firstDay: until }, extra(until)));
      }
    } else {
      const same = repairs.find((r) => r.kind === record.kind && compareDates(date, addMonths(r.decidedOn, rule.months)) <= 0);
      if (same) {
        const until = addDays(addMonths(same.decidedOn, rule.months), 1);
        blockers.push(makeReason(policy, rule.id, "local_same_kind", b, { repairedOn: same.decidedOn, months: rule.months, firstDay: until }, extra(until)));
      }
    }
  }
  return blockers;
}

export function evaluate(record: PolicyRecord, facts: readonly Fact[], history: SubjectHistory, date: CivilDate, policies: readonly Policy[]): Evaluation {
  const policy = policyFor(record.decisionDate, policies, record.kind);
  const publicity = publicityOf(record, policy);
  const mode: ModeRule = decisionRuleFor(record, policy);
  const base = { decision: mode.decision, decisionRuleId: mode.ruleId, policyVersion: policy.version, publicity };
  const never = (reasons: Reason[], ruleId = reasons[0]!.ruleId): Evaluation => ({ ...base, repairable: "never", ruleId, reasons });

  if (record.status === "repaired") return never([makeReason(policy, "already_repaired", "already_repaired", reasonBasis(policy, policy.conditionsBasis))]);
  if (record.status === "expired") {
    return never([makeReason(policy, "max_period", "max_period_ended", reasonBasis(policy, policy.atMaximumBasis ?? policy.conditionsBasis), { lastDay: publicity.lastDay })]);
  }
  if (compareDates(date, publicity.lastDay) > 0) {
    const atMaximum = maximumOutcome(record, facts, date, policy, publicity);
    return { ...never(atMaximum.reasons, atMaximum.ruleId), atMaximum };
  }
  if (!record.repairable) {
    const recordBasis = record.notRepairableBasis ?? "—";
    return never([
      makeReason(policy, "not_repairable", "not_repairable", reasonBasis(policy, policy.repairableBasis ?? policy.conditionsBasis), { recordBasis }, { source: record.notRepairableBasis ?? undefined }),
    ]);
  }

  // Blocking conditions: those with a known end (`until`) and those that wait for a fact.
  const { duties, extra } = openConditions(record, facts, date, policy);
  const open = [...duties, ...extra];
  const blockers: Reason[] = [];
  if (publicity.minMonths > 0 && compareDates(date, publicity.minimumEndsOn) <= 0) {
    const firstDay = addDays(publicity.minimumEndsOn, 1);
    blockers.push(
      makeReason(policy, `min_period.${publicity.minRule}`, "min_period", reasonBasis(policy, publicity.minBasis), { months: publicity.minMonths, minimumEndsOn: publicity.minimumEndsOn, firstDay }, { until: firstDay }),
    );
  }
  blockers.push(...localBlockers(record, history, date, policy));

  if (blockers.length === 0 && open.length === 0) {
    return { ...base, repairable: "now", ruleId: mode.ruleId, reasons: [makeReason(policy, mode.rule, READY[mode.decision], reasonBasis(policy, mode.basis), {}, { source: mode.source })] };
  }

  const reasons = [...open, ...blockers];
  const latestBlocker = blockers.reduce<Reason | null>((a, b) => (a === null || compareDates(b.until!, a.until!) > 0 ? b : a), null);
  const earliest = latestBlocker?.until;
  if (earliest !== undefined && compareDates(earliest, publicity.lastDay) > 0) {
    // Publicity reaches its maximum before the rules allow a repair.
    const ends = makeReason(policy, "max_period", "max_period_first", reasonBasis(policy, policy.atMaximumBasis ?? policy.conditionsBasis), { lastDay: publicity.lastDay, firstDay: earliest });
    return never([...reasons, ends], latestBlocker!.ruleId);
  }
  // The decisive rule: an open obligation first (its date is unknown), else the latest-ending blocker.
  const decisive = open[0] ?? latestBlocker!;
  return { ...base, repairable: "later", ...(earliest ? { earliestDate: maxDate(earliest, date) } : {}), ruleId: decisive.ruleId, reasons };
}
