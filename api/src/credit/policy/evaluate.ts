// Can this record be repaired, when, and which rule says so. Pure: everything it
// needs comes in as arguments (the record, the facts from the agency's feed, the
// subject's earlier repairs, the date, the policy versions), so the same inputs give
// the same answer in the API, in the scheduler and in tests.
//
// Rule ids are "<policy version>.<rule>", e.g. "national-2026.min_period.general":
// every decision and refusal stores one.
import { addDays, addMonths, compareDates, maxDate, type CivilDate } from "../calendar.ts";
import type { DecisionMode, Policy, RecordKind, Severity } from "./types.ts";

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
  /** Further penalties of the same decision document: the longest period applies. */
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

export interface Reason {
  ruleId: string;
  message: string;
  source?: string;
  /** The first day this condition no longer stands in the way, when known. */
  until?: CivilDate;
}

export interface Publicity {
  /** The decision date. */
  from: CivilDate;
  /** Last day of the minimum period (repair possible from the next day). */
  minimumEndsOn: CivilDate;
  /** Last day of publicity; it ends by itself on the next day. */
  lastDay: CivilDate;
  minMonths: number;
  maxMonths: number;
  publishedByDefault: boolean;
  /** Rule id that set the periods (severity, sector override). */
  ruleId: string;
}

export interface Evaluation {
  repairable: "now" | "later" | "never";
  /** For "later": the first day every condition with a known date is met (obligations may still be open). */
  earliestDate?: CivilDate;
  /** How an approval is made (from the policy's decision rules). */
  decision: DecisionMode;
  decisionRuleId: string;
  /** The rule that decides the answer: the decision rule for "now", the blocking rule otherwise. */
  ruleId: string;
  policyVersion: string;
  reasons: Reason[];
  publicity: Publicity;
}

export class NoPolicyError extends Error {
  constructor(date: CivilDate) {
    super(`no credit policy governs decisions dated ${date}`);
    this.name = "NoPolicyError";
  }
}

/** The policy in force on `date`: the latest effective version whose range holds the date. */
export function policyFor(date: CivilDate, policies: readonly Policy[]): Policy {
  let best: Policy | null = null;
  for (const p of policies) {
    if (compareDates(p.effectiveFrom, date) > 0) continue;
    if (p.effectiveTo !== null && compareDates(date, p.effectiveTo) > 0) continue;
    if (best === null || compareDates(p.effectiveFrom, best.effectiveFrom) > 0) best = p;
  }
  if (best === null) throw new NoPolicyError(date);
  return best;
}

const SEVERITY_RANK: Record<Severity, number> = { minor: 1, general: 2, serious: 3 };
const DECISION_RANK: Record<DecisionMode, number> = { automatic: 1, officer: 2, two_officers: 3 };

export function strictestDecision(modes: DecisionMode[]): DecisionMode {
  return modes.reduce<DecisionMode>((a, b) => (DECISION_RANK[b] > DECISION_RANK[a] ? b : a), "automatic");
}

/** The periods of a record under a policy: the longest over all its penalties, raised by sector overrides. */
export function publicityOf(record: Pick<PolicyRecord, "severity" | "penalties" | "sector" | "decisionDate">, policy: Policy): Publicity {
  const severities = [record.severity, ...(record.penalties ?? []).map((p) => p.severity)];
  let minMonths = -1;
  let maxMonths = -1;
  let ruleId = "";
  let publishedByDefault = false;
  for (const severity of severities) {
    const period = policy.periods[severity];
    if (period.minMonths > minMonths || (period.minMonths === minMonths && period.maxMonths > maxMonths)) {
      minMonths = period.minMonths;
      ruleId = `${policy.version}.period.${severity}`;
    }
    maxMonths = Math.max(maxMonths, period.maxMonths);
    publishedByDefault ||= period.publishedByDefault;
    for (const o of policy.sectorOverrides) {
      if (record.sector && o.sectors.includes(record.sector) && o.severities.includes(severity) && o.minMonths > minMonths) {
        minMonths = o.minMonths;
        ruleId = `${policy.version}.${o.id}`;
      }
    }
  }
  maxMonths = Math.max(maxMonths, minMonths);
  return {
    from: record.decisionDate,
    minimumEndsOn: addMonths(record.decisionDate, minMonths),
    lastDay: addMonths(record.decisionDate, maxMonths),
    minMonths,
    maxMonths,
    publishedByDefault,
    ruleId,
  };
}

export function decisionRuleFor(record: Pick<PolicyRecord, "kind" | "severity" | "penalties">, policy: Policy): { decision: DecisionMode; ruleId: string; source: string } {
  const severity = [record.severity, ...(record.penalties ?? []).map((p) => p.severity)].reduce((a, b) =>
    SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a,
  );
  for (const rule of policy.decisionRules) {
    if (rule.kinds.length > 0 && !rule.kinds.includes(record.kind)) continue;
    if (rule.severities.length > 0 && !rule.severities.includes(severity)) continue;
    return { decision: rule.decision, ruleId: `${policy.version}.${rule.id}`, source: rule.source };
  }
  return { decision: "officer", ruleId: `${policy.version}.decision.default_officer`, source: "no decision rule matched: an officer decides" };
}

const FACT_FOR: Record<ObligationType, FactKind> = { fine: "fine_paid", order: "order_complied" };

export function evaluate(
  record: PolicyRecord,
  facts: readonly Fact[],
  history: SubjectHistory,
  date: CivilDate,
  policies: readonly Policy[],
): Evaluation {
  const policy = policyFor(record.decisionDate, policies);
  const v = policy.version;
  const publicity = publicityOf(record, policy);
  const mode = decisionRuleFor(record, policy);
  const base = { decision: mode.decision, decisionRuleId: mode.ruleId, policyVersion: v, publicity };

  if (!record.repairable) {
    return {
      ...base,
      repairable: "never",
      ruleId: `${v}.not_repairable`,
      reasons: [{ ruleId: `${v}.not_repairable`, message: "A law, regulation or central policy forbids repairing this record", source: record.notRepairableBasis ?? undefined }],
    };
  }
  if (record.status !== "published" || compareDates(date, publicity.lastDay) > 0) {
    const ruleId = record.status === "repaired" ? `${v}.already_repaired` : `${v}.max_period`;
    return {
      ...base,
      repairable: "never",
      ruleId,
      reasons: [{ ruleId, message: record.status === "repaired" ? "Already repaired: publicity has ended" : `Publicity ended after ${publicity.lastDay}` }],
    };
  }

  // Blocking conditions: those with a known end (`until`) and those that wait for a fact.
  const blockers: Reason[] = [];
  const open: Reason[] = [];

  if (compareDates(date, publicity.minimumEndsOn) <= 0 && publicity.minMonths > 0) {
    blockers.push({
      ruleId: publicity.ruleId.replace(`${v}.period.`, `${v}.min_period.`),
      message: `The minimum publicity period of ${publicity.minMonths} months ends on ${publicity.minimumEndsOn}`,
      source: policy.source,
      until: addDays(publicity.minimumEndsOn, 1),
    });
  }

  record.obligations.forEach((obligation, index) => {
    const needed = FACT_FOR[obligation.type];
    const met = facts.some((f) => f.kind === needed && f.obligationIndex === index && compareDates(f.on, date) <= 0);
    if (!met) {
      open.push({
        ruleId: `${v}.obligations_fulfilled`,
        message:
          obligation.type === "fine"
            ? `Fine not paid: ${obligation.description}${obligation.amount ? ` (${obligation.amount} yuan)` : ""}`
            : `Order not complied with: ${obligation.description}`,
        source: policy.source,
      });
    }
  });
  if (record.correctionRequired && !facts.some((f) => f.kind === "correction_done" && compareDates(f.on, date) <= 0)) {
    open.push({ ruleId: `${v}.correction_done`, message: "The dishonest conduct is not yet shown corrected", source: policy.source });
  }
  const severity = record.severity;
  for (const c of policy.extraConditions) {
    if (c.kinds.length > 0 && !c.kinds.includes(record.kind)) continue;
    if (c.severities.length > 0 && !c.severities.includes(severity)) continue;
    if (!facts.some((f) => f.kind === "condition_met" && f.conditionId === c.id && compareDates(f.on, date) <= 0)) {
      open.push({ ruleId: `${v}.condition.${c.id}`, message: c.description, source: c.source });
    }
  }

  const repairs = [...history.repairs].filter((r) => compareDates(r.decidedOn, date) <= 0).sort((a, b) => compareDates(b.decidedOn, a.decidedOn));
  for (const rule of policy.refusalRules) {
    if (!rule.enabled) continue;
    const ruleId = `${v}.${rule.id}`;
    if (rule.type === "interval_since_last_repair") {
      const last = repairs[0];
      if (last && compareDates(date, addMonths(last.decidedOn, rule.months)) <= 0) {
        blockers.push({ ruleId, message: `Last repair on ${last.decidedOn}: less than ${rule.months} months ago`, source: rule.source, until: addDays(addMonths(last.decidedOn, rule.months), 1) });
      }
    } else if (rule.type === "repairs_within") {
      const within = repairs.filter((r) => compareDates(date, addMonths(r.decidedOn, rule.months)) <= 0);
      if (within.length >= rule.count) {
        const drops = within[rule.count - 1]!;
        blockers.push({
          ruleId,
          message: `${within.length} repairs within ${rule.months} months (limit ${rule.count - 1})`,
          source: rule.source,
          until: addDays(addMonths(drops.decidedOn, rule.months), 1),
        });
      }
    } else {
      const same = repairs.find((r) => r.kind === record.kind && compareDates(date, addMonths(r.decidedOn, rule.months)) <= 0);
      if (same) {
        blockers.push({ ruleId, message: `A record of the same kind was repaired on ${same.decidedOn}`, source: rule.source, until: addDays(addMonths(same.decidedOn, rule.months), 1) });
      }
    }
  }

  if (blockers.length === 0 && open.length === 0) {
    return {
      ...base,
      repairable: "now",
      ruleId: mode.ruleId,
      reasons: [{ ruleId: mode.ruleId, message: "Every condition is met", source: mode.source }],
    };
  }

  const reasons = [...open, ...blockers];
  const known = blockers.map((b) => b.until!);
  const earliest = known.length > 0 ? maxDate(...known) : undefined;
  // The decisive rule: an open obligation first (its date is unknown), else the latest-ending blocker.
  const decisive = open[0] ?? blockers.reduce((a, b) => (compareDates(b.until!, a.until!) > 0 ? b : a));
  if (earliest !== undefined && compareDates(earliest, publicity.lastDay) > 0) {
    // Publicity ends by itself before the rules allow a repair.
    const latest = blockers.reduce((a, b) => (compareDates(b.until!, a.until!) > 0 ? b : a));
    return {
      ...base,
      repairable: "never",
      ruleId: latest.ruleId,
      reasons: [...reasons, { ruleId: `${v}.max_period`, message: `Publicity ends by itself after ${publicity.lastDay}, before ${latest.ruleId} allows a repair` }],
    };
  }
  return { ...base, repairable: "later", ...(earliest ? { earliestDate: maxDate(earliest, date) } : {}), ruleId: decisive.ruleId, reasons };
}
