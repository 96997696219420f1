// The national rule sets as data. They are loaded into the credit_policies table at
// boot (insert if absent; a stored version is never overwritten), and the database
// copy is what the API evaluates with: a local authority may switch on a refusal
// rule there, or add a version of its own.
import type { Policy } from "./types.ts";

const ORDER_36 = "国家发展改革委令第36号《信用修复管理办法》(effective 2026-04-01)";
const RULES_2019 = "发改办财金〔2019〕527号 (行政处罚信息信用修复, 2019), as summarised in DOMAIN.md";

/** Local refusal rules seen in local lists; not national rules, so off by default. */
const localRefusalRules = (source: string): Policy["refusalRules"] => [
  {
    id: "local.interval_since_last_repair",
    type: "interval_since_last_repair",
    months: 12,
    enabled: false,
    source: `local list practice: less than 1 year since the last repair (not a national rule; ${source})`,
  },
  {
    id: "local.repairs_within_5y",
    type: "repairs_within",
    count: 2,
    months: 60,
    enabled: false,
    source: `local list practice: 2 repairs within 5 years (not a national rule; ${source})`,
  },
  {
    id: "local.same_kind_within_5y",
    type: "same_kind_within",
    months: 60,
    enabled: false,
    source: `local list practice: the same kind repaired within 5 years (not a national rule; ${source})`,
  },
];

const decisionRules = (source: string): Policy["decisionRules"] => [
  {
    id: "decision.serious_list_two_officers",
    kinds: ["serious_list"],
    severities: [],
    decision: "two_officers",
    source: `${source}: leaving the serious-dishonesty list is decided by the deciding unit (four eyes in this district)`,
  },
  {
    id: "decision.serious_officer",
    kinds: [],
    severities: ["serious"],
    decision: "officer",
    source: `${source}: serious dishonesty is reviewed by an officer`,
  },
  {
    id: "decision.automatic",
    kinds: [],
    severities: [],
    decision: "automatic",
    source: `${source}; district practice: 秒批 when the feed shows every condition met`,
  },
];

const deadlines: Policy["deadlines"] = {
  acceptWorkingDays: 3,
  decideWorkingDays: 7,
  extensionWorkingDays: 10,
  platformSyncWorkingDays: 3,
};

export const NATIONAL_2026: Policy = {
  version: "national-2026",
  title: "信用修复管理办法 (NDRC Order No. 36)",
  effectiveFrom: "2026-04-01",
  effectiveTo: null,
  source: ORDER_36,
  periods: {
    minor: { minMonths: 0, maxMonths: 3, publishedByDefault: false },
    general: { minMonths: 3, maxMonths: 12, publishedByDefault: true },
    serious: { minMonths: 12, maxMonths: 36, publishedByDefault: true },
  },
  sectorOverrides: [],
  decisionRules: decisionRules(ORDER_36),
  extraConditions: [],
  refusalRules: localRefusalRules("to be confirmed by the district before use"),
  deadlines,
};

/**
 * Older records (decided before 2026-04-01). The 2023 rules (NDRC Order No. 58) are not
 * modelled as a version of their own: ASSUMPTION, records decided under them are treated
 * with the 2019 periods; add a "national-2023" version here to change that.
 */
export const NATIONAL_2019: Policy = {
  version: "national-2019",
  title: "行政处罚信息信用修复 (2019 rules)",
  effectiveFrom: "2019-01-01",
  effectiveTo: "2026-03-31",
  source: RULES_2019,
  periods: {
    minor: { minMonths: 0, maxMonths: 3, publishedByDefault: false },
    general: { minMonths: 3, maxMonths: 12, publishedByDefault: true },
    serious: { minMonths: 6, maxMonths: 36, publishedByDefault: true },
  },
  sectorOverrides: [
    {
      id: "sector.work_safety_fire_1y",
      sectors: ["work_safety", "fire_safety"],
      // Serious penalties only: a 1-year minimum on a general penalty would equal its 1-year maximum.
      severities: ["serious"],
      minMonths: 12,
      source: `${RULES_2019}: serious work-safety and fire penalties at least 1 year before repair (instead of 6 months)`,
    },
  ],
  decisionRules: decisionRules(RULES_2019),
  extraConditions: [],
  refusalRules: localRefusalRules("to be confirmed by the district before use"),
  deadlines,
};

export const NATIONAL_POLICIES: readonly Policy[] = [NATIONAL_2019, NATIONAL_2026];
