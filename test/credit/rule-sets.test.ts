// The three national rule sets and the abnormal-list policy, table-driven. Every expected
// date below is worked out by hand from DOMAIN.md (periods from the decision date; N months
// end on the corresponding day, or the month's last day; Civil Code arts. 201–202):
//   527号 (2019-07-01 … 2023-04-30): general 3 months / 1 year, serious 6 months / 3 years;
//   Order 58 (2023-05-01 … 2026-03-31): 3 months / 3 years; food, drugs, special equipment,
//     work safety, fire: at least 1 year;
//   Order 36 (from 2026-04-01): minor 0 / 3 months, general 3 months / 1 year, serious 1 / 3 years;
//   several penalties in one decision: the longest period; the strictest penalty sets the
//   decision mode and the extra conditions.
import { describe, expect, it } from "vitest";
import { evaluate, NoPolicyError, policyFor, publicityOf, type Fact, type PolicyRecord } from "../../api/src/credit/policy/evaluate.ts";
import { NATIONAL_POLICIES } from "../../api/src/credit/policy/national.ts";
import type { ExtraCondition, OtherLawPeriod, Policy, RecordKind, Severity } from "../../api/src/credit/policy/types.ts";

const FINE = { type: "fine" as const, amount: 5000, description: "罚款人民币伍仟元" };
const PAID = (on: string): Fact => ({ kind: "fine_paid", obligationIndex: 0, on });
const MET = (conditionId: string, on: string): Fact => ({ kind: "condition_met", conditionId, on });
const NO_HISTORY = { repairs: [] };

function rec(over: Partial<PolicyRecord>): PolicyRecord {
  return { kind: "admin_penalty", severity: "general", decisionDate: "2026-04-15", obligations: [FINE], repairable: true, status: "published", ...over };
}

function withVersion(version: string, change: Partial<Policy>): Policy[] {
  return NATIONAL_POLICIES.map((p) => (p.version === version ? { ...p, ...change } : p));
}

describe("the rule set in force at the decision date governs", () => {
  it.each([
    { date: "2019-07-01", version: "national-2019", why: "527号 applies from 2019-07-01" },
    { date: "2023-04-30", version: "national-2019", why: "last day of 527号" },
    { date: "2023-05-01", version: "national-2023", why: "Order 58 in force" },
    { date: "2026-03-31", version: "national-2023", why: "last day of Order 58" },
    { date: "2026-04-01", version: "national-2026", why: "Order 36 in force" },
    { date: "2026-12-01", version: "national-2026", why: "today" },
    { date: "2025-12-25", version: "national-2023", why: "without a kind the abnormal-list policy never governs (deadlines)" },
    { date: "2025-12-25", kind: "admin_penalty" as RecordKind, version: "national-2023", why: "a penalty stays under the NDRC set" },
    { date: "2025-12-24", kind: "abnormal_operation" as RecordKind, version: "national-2023", why: "abnormal list before the SAMR revision" },
    { date: "2025-12-25", kind: "abnormal_operation" as RecordKind, version: "samr-abnormal-2025", why: "abnormal list from the SAMR revision" },
    { date: "2026-04-01", kind: "abnormal_operation" as RecordKind, version: "samr-abnormal-2025", why: "the specific policy wins over Order 36" },
  ])("$date $kind → $version ($why)", ({ date, kind, version }) => {
    expect(policyFor(date, NATIONAL_POLICIES, kind).version).toBe(version);
  });

  it("no rule set before 527号 applied (2019-06-30)", () => {
    expect(() => policyFor("2019-06-30", NATIONAL_POLICIES)).toThrow(NoPolicyError);
  });
});

interface Window {
  name: string;
  severity: Severity;
  date: string;
  kind?: RecordKind;
  sector?: string;
  penalties?: { type: string; severity: Severity }[];
  version: string;
  min: number;
  max: number;
  minimumEndsOn: string;
  lastDay: string;
}

const windows: Window[] = [
  { name: "527 general", severity: "general", date: "2021-03-15", version: "national-2019", min: 3, max: 12, minimumEndsOn: "2021-06-15", lastDay: "2022-03-15" },
  { name: "527 serious", severity: "serious", date: "2021-03-15", version: "national-2019", min: 6, max: 36, minimumEndsOn: "2021-09-15", lastDay: "2024-03-15" },
  { name: "527 general, its last day", severity: "general", date: "2023-04-30", version: "national-2019", min: 3, max: 12, minimumEndsOn: "2023-07-30", lastDay: "2024-04-30" },
  { name: "58 general, its first day: public two years longer", severity: "general", date: "2023-05-01", version: "national-2023", min: 3, max: 36, minimumEndsOn: "2023-08-01", lastDay: "2026-05-01" },
  { name: "527 serious, its last day", severity: "serious", date: "2023-04-30", version: "national-2019", min: 6, max: 36, minimumEndsOn: "2023-10-30", lastDay: "2026-04-30" },
  { name: "58 serious, its first day: 3 months", severity: "serious", date: "2023-05-01", version: "national-2023", min: 3, max: 36, minimumEndsOn: "2023-08-01", lastDay: "2026-05-01" },
  { name: "58 general, its last day (06-31 → 06-30)", severity: "general", date: "2026-03-31", version: "national-2023", min: 3, max: 36, minimumEndsOn: "2026-06-30", lastDay: "2029-03-31" },
  { name: "36 general, its first day", severity: "general", date: "2026-04-01", version: "national-2026", min: 3, max: 12, minimumEndsOn: "2026-07-01", lastDay: "2027-04-01" },
  { name: "36 serious, its first day", severity: "serious", date: "2026-04-01", version: "national-2026", min: 12, max: 36, minimumEndsOn: "2027-04-01", lastDay: "2029-04-01" },
  { name: "36 minor: no minimum, 3 months", severity: "minor", date: "2026-04-01", version: "national-2026", min: 0, max: 3, minimumEndsOn: "2026-04-01", lastDay: "2026-07-01" },
  { name: "58 general, leap-year clamp", severity: "general", date: "2023-11-30", version: "national-2023", min: 3, max: 36, minimumEndsOn: "2024-02-29", lastDay: "2026-11-30" },
  { name: "58 food: 1 year", severity: "general", sector: "food", date: "2024-08-31", version: "national-2023", min: 12, max: 36, minimumEndsOn: "2025-08-31", lastDay: "2027-08-31" },
  { name: "58 drugs, serious: 1 year", severity: "serious", sector: "drugs", date: "2025-02-28", version: "national-2023", min: 12, max: 36, minimumEndsOn: "2026-02-28", lastDay: "2028-02-28" },
  { name: "58 special equipment, minor, from 02-29", severity: "minor", sector: "special_equipment", date: "2024-02-29", version: "national-2023", min: 12, max: 36, minimumEndsOn: "2025-02-28", lastDay: "2027-02-28" },
  { name: "58 work safety, general: 1 year", severity: "general", sector: "work_safety", date: "2025-06-20", version: "national-2023", min: 12, max: 36, minimumEndsOn: "2026-06-20", lastDay: "2028-06-20" },
  { name: "58 fire, minor: 1 year", severity: "minor", sector: "fire_safety", date: "2025-06-20", version: "national-2023", min: 12, max: 36, minimumEndsOn: "2026-06-20", lastDay: "2028-06-20" },
  { name: "58 another sector: 3 months", severity: "general", sector: "market", date: "2025-06-20", version: "national-2023", min: 3, max: 36, minimumEndsOn: "2025-09-20", lastDay: "2028-06-20" },
  { name: "527 work safety, serious: no sector minimum in 527号", severity: "serious", sector: "work_safety", date: "2022-06-20", version: "national-2019", min: 6, max: 36, minimumEndsOn: "2022-12-20", lastDay: "2025-06-20" },
  { name: "36 work safety, general: no sector minimum in Order 36", severity: "general", sector: "work_safety", date: "2026-06-20", version: "national-2026", min: 3, max: 12, minimumEndsOn: "2026-09-20", lastDay: "2027-06-20" },
  { name: "36 general record with a serious penalty: the longest", severity: "general", penalties: [{ type: "licence_suspension", severity: "serious" }], date: "2026-05-10", version: "national-2026", min: 12, max: 36, minimumEndsOn: "2027-05-10", lastDay: "2029-05-10" },
  { name: "527 general record with a serious penalty", severity: "general", penalties: [{ type: "licence_suspension", severity: "serious" }], date: "2022-01-10", version: "national-2019", min: 6, max: 36, minimumEndsOn: "2022-07-10", lastDay: "2025-01-10" },
  { name: "58 general record with a serious penalty: still 3 months", severity: "general", penalties: [{ type: "licence_suspension", severity: "serious" }], date: "2024-01-10", version: "national-2023", min: 3, max: 36, minimumEndsOn: "2024-04-10", lastDay: "2027-01-10" },
  { name: "36 minor record with a general penalty", severity: "minor", penalties: [{ type: "fine", severity: "general" }], date: "2026-06-01", version: "national-2026", min: 3, max: 12, minimumEndsOn: "2026-09-01", lastDay: "2027-06-01" },
  { name: "36 serious-list entry", kind: "serious_list", severity: "serious", date: "2026-04-01", version: "national-2026", min: 12, max: 36, minimumEndsOn: "2027-04-01", lastDay: "2029-04-01" },
  { name: "abnormal list (SAMR): no minimum, 3 years", kind: "abnormal_operation", severity: "general", date: "2026-01-10", version: "samr-abnormal-2025", min: 0, max: 36, minimumEndsOn: "2026-01-10", lastDay: "2029-01-10" },
];

describe("publicity periods per rule set and sector", () => {
  it.each(windows)("$name", (w) => {
    const record = rec({ kind: w.kind ?? "admin_penalty", severity: w.severity, decisionDate: w.date, sector: w.sector ?? null, penalties: w.penalties });
    const policy = policyFor(w.date, NATIONAL_POLICIES, record.kind);
    const p = publicityOf(record, policy);
    expect(policy.version).toBe(w.version);
    expect([p.minMonths, p.maxMonths, p.minimumEndsOn, p.lastDay]).toEqual([w.min, w.max, w.minimumEndsOn, w.lastDay]);
  });

  it("minor records are not published by default; a general penalty in the decision publishes it", () => {
    const minor = rec({ severity: "minor", decisionDate: "2026-06-01" });
    expect(publicityOf(minor, policyFor("2026-06-01", NATIONAL_POLICIES)).publishedByDefault).toBe(false);
    expect(publicityOf({ ...minor, penalties: [{ type: "fine", severity: "general" }] }, policyFor("2026-06-01", NATIONAL_POLICIES)).publishedByDefault).toBe(true);
  });
});

interface Outcome {
  name: string;
  record: PolicyRecord;
  facts: Fact[];
  date: string;
  policies?: Policy[];
  repairable: "now" | "later" | "never";
  ruleId: string;
  earliestDate?: string;
  decision?: string;
}

const switches: Outcome[] = [
  { name: "527 general decided 2023-04-30: publicity over after 2024-04-30", record: rec({ decisionDate: "2023-04-30" }), facts: [PAID("2023-05-10")], date: "2024-05-01",
    repairable: "never", ruleId: "national-2019.max_period.ends" },
  { name: "58 general decided 2023-05-01: still public on 2024-05-02, repairable", record: rec({ decisionDate: "2023-05-01" }), facts: [PAID("2023-05-10")], date: "2024-05-02",
    repairable: "now", ruleId: "national-2023.decision.automatic", decision: "automatic" },
  { name: "58 general decided 2023-05-01: last public day 2026-05-01", record: rec({ decisionDate: "2023-05-01" }), facts: [PAID("2023-05-10")], date: "2026-05-01",
    repairable: "now", ruleId: "national-2023.decision.automatic" },
  { name: "58 general decided 2023-05-01: over on 2026-05-02", record: rec({ decisionDate: "2023-05-01" }), facts: [PAID("2023-05-10")], date: "2026-05-02",
    repairable: "never", ruleId: "national-2023.max_period.ends" },
  { name: "58 food: the day the year ends", record: rec({ decisionDate: "2024-08-31", sector: "food" }), facts: [PAID("2024-09-10")], date: "2025-08-31",
    repairable: "later", ruleId: "national-2023.min_period.sector_minimum.food_drugs_equipment_safety_fire", earliestDate: "2025-09-01" },
  { name: "58 food: the day after", record: rec({ decisionDate: "2024-08-31", sector: "food" }), facts: [PAID("2024-09-10")], date: "2025-09-01",
    repairable: "now", ruleId: "national-2023.decision.automatic" },
  { name: "58 serious decided 2026-03-31, seen 2026-07-02: repairable", record: rec({ severity: "serious", decisionDate: "2026-03-31" }), facts: [PAID("2026-04-10")], date: "2026-07-02",
    repairable: "now", ruleId: "national-2023.decision.serious_officer", decision: "officer" },
  { name: "36 serious decided a day later, seen 2026-07-02: a year", record: rec({ severity: "serious", decisionDate: "2026-04-01" }), facts: [PAID("2026-04-10")], date: "2026-07-02",
    repairable: "later", ruleId: "national-2026.min_period.serious", earliestDate: "2027-04-02" },
  { name: "527 serious decided 2023-04-30: the day the 6 months end", record: rec({ severity: "serious", decisionDate: "2023-04-30" }), facts: [PAID("2023-05-10")], date: "2023-10-30",
    repairable: "later", ruleId: "national-2019.min_period.serious", earliestDate: "2023-10-31" },
  { name: "527 serious decided 2023-04-30: the day after", record: rec({ severity: "serious", decisionDate: "2023-04-30" }), facts: [PAID("2023-05-10")], date: "2023-10-31",
    repairable: "now", ruleId: "national-2019.decision.serious_officer", decision: "officer" },
];

// "另有规定的，从其规定": a sector's own period takes precedence, shorter or longer.
const otherLaw = (id: string, sectors: string[], severities: Severity[], minMonths: number | null, maxMonths: number | null): OtherLawPeriod => ({
  id,
  sectors,
  kinds: [],
  severities,
  minMonths,
  maxMonths,
  basis: { document: "ndrc-order-36", article: null, provision: `test: a departmental rule for ${sectors.join(", ")}` },
});
const HOOK_2026 = withVersion("national-2026", { otherLawPeriods: [otherLaw("tax_test", ["tax"], [], 24, 60), otherLaw("customs_test", ["customs"], ["general"], 1, null)] });
const HOOK_2023 = withVersion("national-2023", { otherLawPeriods: [otherLaw("food_test", ["food"], [], 6, null)] });

const hooks: Outcome[] = [
  { name: "other law, longer: tax 24 months, the day it ends", record: rec({ decisionDate: "2026-05-10", sector: "tax" }), facts: [PAID("2026-05-20")], date: "2028-05-10", policies: HOOK_2026,
    repairable: "later", ruleId: "national-2026.min_period.other_law.tax_test", earliestDate: "2028-05-11" },
  { name: "other law, longer maximum: tax still public after Order 36's year", record: rec({ decisionDate: "2026-05-10", sector: "tax" }), facts: [PAID("2026-05-20")], date: "2031-05-10", policies: HOOK_2026,
    repairable: "now", ruleId: "national-2026.decision.automatic" },
  { name: "other law, shorter: customs 1 month, the day after", record: rec({ decisionDate: "2026-05-10", sector: "customs" }), facts: [PAID("2026-05-20")], date: "2026-06-11", policies: HOOK_2026,
    repairable: "now", ruleId: "national-2026.decision.automatic" },
  { name: "other law, shorter: customs 1 month, the day it ends", record: rec({ decisionDate: "2026-05-10", sector: "customs" }), facts: [PAID("2026-05-20")], date: "2026-06-10", policies: HOOK_2026,
    repairable: "later", ruleId: "national-2026.min_period.other_law.customs_test", earliestDate: "2026-06-11" },
  { name: "other law for general penalties only: a serious customs penalty keeps 1 year", record: rec({ severity: "serious", decisionDate: "2026-05-10", sector: "customs" }), facts: [PAID("2026-05-20")], date: "2026-06-11", policies: HOOK_2026,
    repairable: "later", ruleId: "national-2026.min_period.serious", earliestDate: "2027-05-11" },
  { name: "other law replaces Order 58's sector minimum (food 6 months)", record: rec({ decisionDate: "2024-08-31", sector: "food" }), facts: [PAID("2024-09-10")], date: "2025-03-01", policies: HOOK_2023,
    repairable: "now", ruleId: "national-2023.decision.automatic" },
];

const condition = (id: string, over: Partial<ExtraCondition>): ExtraCondition => ({
  id,
  description: `test condition ${id}`,
  text: { zh: `测试条件${id}`, en: `test condition ${id}` },
  kinds: [],
  severities: [],
  source: "test: a further condition set by a departmental rule",
  ...over,
});
const CONDITIONS = withVersion("national-2026", {
  extraConditions: [
    condition("serious_training", { severities: ["serious"] }),
    condition("general_report", { severities: ["general"] }),
    condition("revocation_plan", { penaltyTypes: ["licence_revocation"] }),
  ],
});
const SUSPENSION = [{ type: "licence_suspension", severity: "serious" as const }];
const REVOCATION = [{ type: "licence_revocation", severity: "serious" as const }];

const strictest: Outcome[] = [
  { name: "general record: the general condition applies", record: rec({ decisionDate: "2026-05-10" }), facts: [PAID("2026-05-20")], date: "2026-08-11", policies: CONDITIONS,
    repairable: "later", ruleId: "national-2026.condition.general_report" },
  { name: "general record, its condition met", record: rec({ decisionDate: "2026-05-10" }), facts: [PAID("2026-05-20"), MET("general_report", "2026-06-01")], date: "2026-08-11", policies: CONDITIONS,
    repairable: "now", ruleId: "national-2026.decision.automatic", decision: "automatic" },
  { name: "general record with a serious penalty: the serious condition, not the general one", record: rec({ decisionDate: "2026-05-10", penalties: SUSPENSION }), facts: [PAID("2026-05-20")], date: "2027-05-11", policies: CONDITIONS,
    repairable: "later", ruleId: "national-2026.condition.serious_training", decision: "officer" },
  { name: "general record with a serious penalty: the serious condition met is enough", record: rec({ decisionDate: "2026-05-10", penalties: SUSPENSION }), facts: [PAID("2026-05-20"), MET("serious_training", "2027-01-05")], date: "2027-05-11", policies: CONDITIONS,
    repairable: "now", ruleId: "national-2026.decision.serious_officer", decision: "officer" },
  { name: "strictest penalty is a revocation: its own condition too", record: rec({ decisionDate: "2026-05-10", penalties: REVOCATION }), facts: [PAID("2026-05-20"), MET("serious_training", "2027-01-05")], date: "2027-05-11", policies: CONDITIONS,
    repairable: "later", ruleId: "national-2026.condition.revocation_plan" },
  { name: "strictest penalty is a revocation: both met", record: rec({ decisionDate: "2026-05-10", penalties: REVOCATION }), facts: [PAID("2026-05-20"), MET("serious_training", "2027-01-05"), MET("revocation_plan", "2027-02-01")], date: "2027-05-11", policies: CONDITIONS,
    repairable: "now", ruleId: "national-2026.decision.serious_officer" },
  { name: "minor record with a general penalty: the general condition", record: rec({ severity: "minor", decisionDate: "2026-06-01", penalties: [{ type: "fine", severity: "general" }] }), facts: [PAID("2026-06-10")], date: "2026-09-02", policies: CONDITIONS,
    repairable: "later", ruleId: "national-2026.condition.general_report", decision: "automatic" },
  { name: "the revocation condition does not reach a suspension", record: rec({ severity: "serious", decisionDate: "2026-05-10", penalties: SUSPENSION }), facts: [PAID("2026-05-20"), MET("serious_training", "2027-01-05")], date: "2027-05-11", policies: CONDITIONS,
    repairable: "now", ruleId: "national-2026.decision.serious_officer", decision: "officer" },
  { name: "527: a serious penalty in a general record makes the decision an officer's", record: rec({ decisionDate: "2022-01-10", penalties: SUSPENSION }), facts: [PAID("2022-01-20")], date: "2022-07-11",
    repairable: "now", ruleId: "national-2019.decision.serious_officer", decision: "officer" },
  { name: "58: a serious penalty in a minor record makes the decision an officer's", record: rec({ severity: "minor", decisionDate: "2024-01-10", penalties: SUSPENSION }), facts: [PAID("2024-01-20")], date: "2024-04-11",
    repairable: "now", ruleId: "national-2023.decision.serious_officer", decision: "officer" },
];

describe.each([
  { group: "boundary days around 2023-05-01 and 2026-04-01", cases: switches },
  { group: "periods another law sets (the hook)", cases: hooks },
  { group: "conditions and decision mode from the strictest penalty", cases: strictest },
])("$group", ({ cases }) => {
  it.each(cases)("$name", (c) => {
    const e = evaluate(c.record, c.facts, NO_HISTORY, c.date, c.policies ?? NATIONAL_POLICIES);
    expect([e.repairable, e.ruleId]).toEqual([c.repairable, c.ruleId]);
    if (c.earliestDate !== undefined) expect(e.earliestDate).toBe(c.earliestDate);
    if (c.decision !== undefined) expect(e.decision).toBe(c.decision);
    expect(e.ruleId.startsWith(`${e.policyVersion}.`)).toBe(true);
  });
});
