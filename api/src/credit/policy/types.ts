// The shape of a credit-repair policy: rules as data, one version per rule set.
// A version never changes once published; a new rule set is a new version with
// its own effective date. The evaluation (evaluate.ts) reads nothing else.
import type { CivilDate } from "../calendar.ts";

export const RECORD_KINDS = ["admin_penalty", "serious_list", "abnormal_operation", "other"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const SEVERITIES = ["minor", "general", "serious"] as const;
export type Severity = (typeof SEVERITIES)[number];

export type DecisionMode = "automatic" | "officer" | "two_officers";

export interface PeriodRule {
  /** Months from the decision date before a repair may be applied for (0: as soon as the obligations are met). */
  minMonths: number;
  /** Months from the decision date after which publicity ends by itself. */
  maxMonths: number;
  /** Whether records of this severity are shown publicly by default (minor ones normally are not). */
  publishedByDefault: boolean;
}

export interface SectorOverride {
  id: string;
  sectors: string[];
  severities: Severity[];
  minMonths: number;
  source: string;
}

export interface DecisionRule {
  id: string;
  /** Empty lists match everything. */
  kinds: RecordKind[];
  severities: Severity[];
  decision: DecisionMode;
  source: string;
}

/** Further conditions a law sets (open list); met by a fact `condition_met` naming the condition id. */
export interface ExtraCondition {
  id: string;
  description: string;
  kinds: RecordKind[];
  severities: Severity[];
  source: string;
}

export type RefusalRule =
  | { id: string; type: "interval_since_last_repair"; months: number; enabled: boolean; source: string }
  | { id: string; type: "repairs_within"; count: number; months: number; enabled: boolean; source: string }
  | { id: string; type: "same_kind_within"; months: number; enabled: boolean; source: string };

export interface Deadlines {
  acceptWorkingDays: number;
  decideWorkingDays: number;
  extensionWorkingDays: number;
  platformSyncWorkingDays: number;
}

export interface Policy {
  version: string;
  title: string;
  /** First decision date the policy governs. */
  effectiveFrom: CivilDate;
  /** Last decision date it governs (null: until replaced by a later version). */
  effectiveTo: CivilDate | null;
  source: string;
  periods: Record<Severity, PeriodRule>;
  sectorOverrides: SectorOverride[];
  /** Ordered: the first rule that matches a record decides how an approval is made. */
  decisionRules: DecisionRule[];
  extraConditions: ExtraCondition[];
  /** Local refusal rules: not national rules, off unless a local authority turns them on. */
  refusalRules: RefusalRule[];
  deadlines: Deadlines;
}
