// The shape of a credit-repair policy: rules as data, one version per rule set.
// A version never changes once published; a new rule set is a new version with
// its own effective dates. The evaluation (evaluate.ts) reads nothing else.
import type { CivilDate } from "../calendar.ts";

export const RECORD_KINDS = ["admin_penalty", "serious_list", "abnormal_operation", "other"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const SEVERITIES = ["minor", "general", "serious"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Sector names the agency feed uses in a record's `sector` (free text elsewhere): the five
 * sectors of NDRC Order No. 58's one-year minimum.
 */
export const SECTORS = ["food", "drugs", "special_equipment", "work_safety", "fire_safety"] as const;

export type DecisionMode = "automatic" | "officer" | "two_officers";

/** A public document a rule comes from, and where its text was read. */
export interface LegalDocument {
  id: string;
  /** Official Chinese title with its number, as a citizen would look it up. */
  title: string;
  titleEn: string;
  /** Public pages the rule was read from (the order's own text, or summaries of it). */
  references: string[];
  /** high: the document's own text; medium: official summaries or FAQ pages quoting it; low: unconfirmed. */
  confidence: "high" | "medium" | "low";
  note?: string;
}

/** Where a rule is written: a document of the policy and, when the sources give it, the article. */
export interface LegalBasis {
  /** A LegalDocument id of the same policy. */
  document: string;
  /**
   * The article or section, as the document numbers it ({zh: "第十条", en: "Art. 10"}); null
   * when the sources read quote the rule without its number (never guessed).
   */
  article: { zh: string; en: string } | null;
  /** What the document says on this point, in the words of the source read. */
  provision: string;
}

export interface PeriodRule {
  /** Months from the decision date before a repair may be applied for (0: as soon as the obligations are met). */
  minMonths: number;
  /** Months from the decision date after which publicity ends (or is handed over, see Policy.atMaximum). */
  maxMonths: number;
  /** Whether records of this severity are shown publicly by default (minor ones normally are not). */
  publishedByDefault: boolean;
  basis: LegalBasis;
}

/** A minimum period that the rule set itself raises for some sectors (Order 58: one year for five sectors). */
export interface SectorMinimum {
  id: string;
  sectors: string[];
  /** Empty: every severity. */
  severities: Severity[];
  minMonths: number;
  basis: LegalBasis;
}

/**
 * "另有规定的，从其规定": a period that another law, administrative regulation or
 * departmental rule sets for a sector. It takes precedence over the rule set's period
 * (even when shorter); null keeps the rule set's value. Ordered: the first match wins.
 */
export interface OtherLawPeriod {
  id: string;
  sectors: string[];
  /** Empty: every kind / every severity. */
  kinds: RecordKind[];
  severities: Severity[];
  minMonths: number | null;
  maxMonths: number | null;
  basis: LegalBasis;
}

export interface DecisionRule {
  id: string;
  /** Empty lists match everything. Matched against the strictest penalty of the decision. */
  kinds: RecordKind[];
  severities: Severity[];
  decision: DecisionMode;
  source: string;
  basis: LegalBasis;
}

/** Further conditions a law sets (open list); met by a fact `condition_met` naming the condition id. */
export interface ExtraCondition {
  id: string;
  /** English; `text` holds the words shown to citizens. */
  description: string;
  text?: { zh: string; en: string };
  kinds: RecordKind[];
  /** Matched against the strictest penalty of the decision (DOMAIN: "the conditions of the strictest apply"). */
  severities: Severity[];
  /** Penalty types (e.g. "licence_revocation") the condition belongs to; absent or empty: any. */
  penaltyTypes?: string[];
  source: string;
  basis?: LegalBasis;
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

/**
 * What happens once the maximum period is over:
 * - "ends": publicity stops by itself, whatever the state of the obligations (527号, Order 58);
 * - "ends_if_met": it stops by itself only when the conduct is corrected and every obligation
 *   fulfilled; otherwise the deciding unit's officer handles it under the sector's rules (Order 36);
 * - "officer": always handed to the deciding unit (the abnormal-operation list after 3 years).
 */
export type AtMaximum = "ends" | "ends_if_met" | "officer";

export interface Policy {
  version: string;
  title: string;
  /** First decision date the policy governs. */
  effectiveFrom: CivilDate;
  /** Last decision date it governs (null: until replaced by a later version). */
  effectiveTo: CivilDate | null;
  /** One line naming the rule set (stored in credit_policies.source). */
  source: string;
  /**
   * The record kinds this policy is specific to (e.g. the market regulator's rules for the
   * abnormal-operation list). Absent or empty: a general rule set for every kind that no
   * specific policy in force claims.
   */
  kinds?: RecordKind[];
  documents: LegalDocument[];
  periods: Record<Severity, PeriodRule>;
  sectorMinimums: SectorMinimum[];
  otherLawPeriods: OtherLawPeriod[];
  atMaximum: AtMaximum;
  atMaximumBasis: LegalBasis;
  /** Reason text (a code of reason-texts.json) for a hand-over; default max_period_hand_over / max_period_kind_rules. */
  atMaximumReason?: string;
  /** Kinds whose own rules say otherwise at the maximum (e.g. serious-list entries under 527号 and Order 58). */
  atMaximumByKind: { kind: RecordKind; atMaximum: AtMaximum; basis: LegalBasis; reason?: string }[];
  /** Basis of the conditions to apply (minimum period passed, obligations fulfilled, conduct corrected). */
  conditionsBasis: LegalBasis;
  /** Basis of the rule that nothing is repairable only where a law or central policy forbids it. */
  repairableBasis: LegalBasis;
  /** Ordered: the first rule that matches the strictest penalty decides how an approval is made. */
  decisionRules: DecisionRule[];
  extraConditions: ExtraCondition[];
  /** Local refusal rules: not national rules, off unless a local authority turns them on. */
  refusalRules: RefusalRule[];
  deadlines: Deadlines;
}
