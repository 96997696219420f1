// Which rule set governs a record, its publicity periods, and how an approval is made.
// Pure. Both the periods and the decision mode look at every penalty of the decision
// document: the longest period applies, and the strictest penalty sets the mode and the
// extra conditions (DOMAIN.md, "Conditions to apply", 4).
import { addMonths, compareDates, type CivilDate } from "../calendar/dates.ts";
import type { DecisionMode, LegalBasis, Policy, RecordKind, Severity } from "./types.ts";

export class NoPolicyError extends Error {
  constructor(date: CivilDate) {
    super(`no credit policy governs decisions dated ${date}`);
    this.name = "NoPolicyError";
  }
}

const inRange = (p: Policy, date: CivilDate) =>
  compareDates(p.effectiveFrom, date) <= 0 && (p.effectiveTo === null || compareDates(date, p.effectiveTo) <= 0);

const latest = (policies: Policy[]) => policies.reduce<Policy | null>((best, p) => (best === null || compareDates(p.effectiveFrom, best.effectiveFrom) > 0 ? p : best), null);

/**
 * The policy in force on `date` (the decision date, for a record): the latest effective
 * version whose range holds the date. With `kind`, a policy specific to that kind (e.g. the
 * abnormal-operation list's) wins over the general rule sets; without it (deadlines, the
 * office's own steps), only general rule sets count.
 */
export function policyFor(date: CivilDate, policies: readonly Policy[], kind?: RecordKind): Policy {
  const current = policies.filter((p) => inRange(p, date));
  const specific = kind === undefined ? [] : current.filter((p) => (p.kinds ?? []).includes(kind));
  const best = latest(specific) ?? latest(current.filter((p) => (p.kinds ?? []).length === 0));
  if (best === null) throw new NoPolicyError(date);
  return best;
}

export interface Penalty {
  /** e.g. "fine", "licence_suspension"; null for the record's own penalty. */
  type: string | null;
  severity: Severity;
}

export interface PenaltyRecord {
  kind: RecordKind;
  severity: Severity;
  /** Further penalties of the same decision document. */
  penalties?: { type: string; severity: Severity }[];
  sector?: string | null;
  decisionDate: CivilDate;
}

const SEVERITY_RANK: Record<Severity, number> = { minor: 1, general: 2, serious: 3 };
const DECISION_RANK: Record<DecisionMode, number> = { automatic: 1, officer: 2, two_officers: 3 };

export function penaltiesOf(record: Pick<PenaltyRecord, "severity" | "penalties">): Penalty[] {
  return [{ type: null, severity: record.severity }, ...(record.penalties ?? []).map((p) => ({ type: p.type, severity: p.severity }))];
}

/** The strictest severity of the decision and the penalty types that carry it. */
export function strictestPenalty(record: Pick<PenaltyRecord, "severity" | "penalties">): { severity: Severity; types: string[] } {
  const all = penaltiesOf(record);
  const severity = all.reduce<Severity>((a, p) => (SEVERITY_RANK[p.severity] > SEVERITY_RANK[a] ? p.severity : a), "minor");
  return { severity, types: all.filter((p) => p.severity === severity && p.type !== null).map((p) => p.type!) };
}

export function strictestDecision(modes: DecisionMode[]): DecisionMode {
  return modes.reduce<DecisionMode>((a, b) => (DECISION_RANK[b] > DECISION_RANK[a] ? b : a), "automatic");
}

export interface Publicity {
  /** The decision date. */
  from: CivilDate;
  /** Last day of the minimum period (repair possible from the next day). */
  minimumEndsOn: CivilDate;
  /** Last day of publicity at the maximum. */
  lastDay: CivilDate;
  minMonths: number;
  maxMonths: number;
  publishedByDefault: boolean;
  /** Rule id that set the minimum (severity period, sector minimum, other law). */
  ruleId: string;
  /** The rule that set the maximum. */
  maxRuleId: string;
  /** Rule name behind "<version>.min_period." when the minimum blocks a repair. */
  minRule: string;
  minBasis: LegalBasis;
  maxBasis: LegalBasis;
}

interface Period {
  min: number;
  max: number;
  minRule: string;
  maxRule: string;
  minBasis: LegalBasis;
  maxBasis: LegalBasis;
}

const matches = <T>(list: readonly T[] | undefined, value: T | null | undefined) => !list || list.length === 0 || (value != null && list.includes(value));

/** The period one penalty of the record gets: the severity's, raised by a sector minimum, replaced by another law's. */
function periodOf(policy: Policy, record: PenaltyRecord, severity: Severity): Period {
  const base = policy.periods[severity];
  const p: Period = { min: base.minMonths, max: base.maxMonths, minRule: `period.${severity}`, maxRule: `period.${severity}`, minBasis: base.basis, maxBasis: base.basis };
  const sector = record.sector ?? null;
  for (const o of policy.sectorMinimums ?? []) {
    if (sector !== null && o.sectors.includes(sector) && matches(o.severities, severity) && o.minMonths > p.min) {
      Object.assign(p, { min: o.minMonths, minRule: o.id, minBasis: o.basis });
    }
  }
  // Another law's period takes precedence ("从其规定"), shorter or longer.
  const law = (policy.otherLawPeriods ?? []).find((o) => sector !== null && o.sectors.includes(sector) && matches(o.kinds, record.kind) && matches(o.severities, severity));
  if (law) {
    if (law.minMonths !== null) Object.assign(p, { min: law.minMonths, minRule: `other_law.${law.id}`, minBasis: law.basis });
    if (law.maxMonths !== null) Object.assign(p, { max: law.maxMonths, maxRule: `other_law.${law.id}`, maxBasis: law.basis });
  }
  if (p.max < p.min) Object.assign(p, { max: p.min, maxRule: p.minRule, maxBasis: p.minBasis });
  return p;
}

/** The periods of a record under a policy: the longest minimum and the longest maximum over all its penalties. */
export function publicityOf(record: PenaltyRecord, policy: Policy): Publicity {
  let best: Period | null = null;
  let longest: Period | null = null;
  let publishedByDefault = false;
  for (const penalty of penaltiesOf(record)) {
    const p = periodOf(policy, record, penalty.severity);
    if (best === null || p.min > best.min) best = p;
    if (longest === null || p.max > longest.max) longest = p;
    publishedByDefault ||= policy.periods[penalty.severity].publishedByDefault;
  }
  const min = best!;
  const max = longest!;
  const v = policy.version;
  return {
    from: record.decisionDate,
    minimumEndsOn: addMonths(record.decisionDate, min.min),
    lastDay: addMonths(record.decisionDate, max.max),
    minMonths: min.min,
    maxMonths: max.max,
    publishedByDefault,
    ruleId: `${v}.${min.minRule}`,
    maxRuleId: `${v}.${max.maxRule}`,
    minRule: min.minRule.replace(/^period\./, ""),
    minBasis: min.minBasis,
    maxBasis: max.maxBasis,
  };
}

export interface ModeRule {
  decision: DecisionMode;
  /** "<version>.<rule>". */
  ruleId: string;
  /** The rule without the version. */
  rule: string;
  source: string;
  basis: LegalBasis;
}

/** How an approval is made: the first decision rule that matches the record's kind and the strictest penalty. */
export function decisionRuleFor(record: Pick<PenaltyRecord, "kind" | "severity" | "penalties">, policy: Policy): ModeRule {
  const { severity } = strictestPenalty(record);
  for (const rule of policy.decisionRules) {
    if (!matches(rule.kinds, record.kind)) continue;
    if (!matches(rule.severities, severity)) continue;
    return { decision: rule.decision, ruleId: `${policy.version}.${rule.id}`, rule: rule.id, source: rule.source, basis: rule.basis ?? policy.conditionsBasis };
  }
  return {
    decision: "officer",
    ruleId: `${policy.version}.decision.default_officer`,
    rule: "decision.default_officer",
    source: "no decision rule matched: an officer decides",
    basis: policy.conditionsBasis,
  };
}
