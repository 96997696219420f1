// Table-driven tests of the policy evaluation and the working-day calendar.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addMonths, addWorkingDays, chinaDate, chinaMidnight, isWorkingDay, workingDaysBetween, addDays } from "../../api/src/credit/calendar.ts";
import { evaluate, policyFor, type Fact, type PolicyRecord, type SubjectHistory } from "../../api/src/credit/policy/evaluate.ts";
import { NATIONAL_2019, NATIONAL_2023, NATIONAL_2026, NATIONAL_POLICIES } from "../../api/src/credit/policy/national.ts";
import type { Policy } from "../../api/src/credit/policy/types.ts";

const FINE = { type: "fine" as const, amount: 5000, description: "罚款" };
const ORDER = { type: "order" as const, description: "责令改正" };
const PAID = (on: string, obligationIndex = 0): Fact => ({ kind: "fine_paid", obligationIndex, on });
const NO_HISTORY: SubjectHistory = { repairs: [] };

function rec(over: Partial<PolicyRecord>): PolicyRecord {
  return { kind: "admin_penalty", severity: "general", decisionDate: "2026-04-15", obligations: [FINE], repairable: true, status: "published", ...over };
}

function withLocalRules(ids: string[]): Policy[] {
  return NATIONAL_POLICIES.map((p) => ({ ...p, refusalRules: p.refusalRules.map((r) => ({ ...r, enabled: ids.includes(r.id) })) }));
}

interface Case {
  name: string;
  record: PolicyRecord;
  facts?: Fact[];
  history?: SubjectHistory;
  date: string;
  policies?: Policy[];
  expect: { repairable: "now" | "later" | "never"; ruleId: string; policyVersion: string; earliestDate?: string; decision?: string };
}

const cases: Case[] = [
  // Order 36, general: 3 months minimum, automatic.
  { name: "2026 general, day the minimum period ends", record: rec({}), facts: [PAID("2026-05-01")], date: "2026-07-15",
    expect: { repairable: "later", ruleId: "national-2026.min_period.general", policyVersion: "national-2026", earliestDate: "2026-07-16" } },
  { name: "2026 general, day after", record: rec({}), facts: [PAID("2026-05-01")], date: "2026-07-16",
    expect: { repairable: "now", ruleId: "national-2026.decision.automatic", policyVersion: "national-2026", decision: "automatic" } },
  { name: "2026 general, last day of publicity", record: rec({}), facts: [PAID("2026-05-01")], date: "2027-04-15",
    expect: { repairable: "now", ruleId: "national-2026.decision.automatic", policyVersion: "national-2026" } },
  { name: "2026 general, after the maximum period", record: rec({}), facts: [PAID("2026-05-01")], date: "2027-04-16",
    expect: { repairable: "never", ruleId: "national-2026.max_period.ends", policyVersion: "national-2026" } },
  // Minor: repairable as soon as obligations are met.
  { name: "2026 minor, fine paid the same day", record: rec({ severity: "minor", decisionDate: "2026-06-01" }), facts: [PAID("2026-06-01")], date: "2026-06-01",
    expect: { repairable: "now", ruleId: "national-2026.decision.automatic", policyVersion: "national-2026" } },
  { name: "2026 minor, fine unpaid", record: rec({ severity: "minor", decisionDate: "2026-06-01" }), date: "2026-06-02",
    expect: { repairable: "later", ruleId: "national-2026.obligations_fulfilled", policyVersion: "national-2026" } },
  { name: "2026 minor, fine paid after the evaluation date does not count", record: rec({ severity: "minor", decisionDate: "2026-06-01" }), facts: [PAID("2026-06-10")], date: "2026-06-05",
    expect: { repairable: "later", ruleId: "national-2026.obligations_fulfilled", policyVersion: "national-2026" } },
  // Serious: 1 year minimum, officer review.
  { name: "2026 serious, day the minimum ends", record: rec({ severity: "serious", decisionDate: "2026-05-10" }), facts: [PAID("2026-06-01")], date: "2027-05-10",
    expect: { repairable: "later", ruleId: "national-2026.min_period.serious", policyVersion: "national-2026", earliestDate: "2027-05-11" } },
  { name: "2026 serious, day after", record: rec({ severity: "serious", decisionDate: "2026-05-10" }), facts: [PAID("2026-06-01")], date: "2027-05-11",
    expect: { repairable: "now", ruleId: "national-2026.decision.serious_officer", policyVersion: "national-2026", decision: "officer" } },
  { name: "2026 serious-list entry needs two officers", record: rec({ kind: "serious_list", severity: "serious", decisionDate: "2026-04-01", obligations: [] }), date: "2027-04-02",
    expect: { repairable: "now", ruleId: "national-2026.decision.serious_list_two_officers", policyVersion: "national-2026", decision: "two_officers" } },
  { name: "2026 serious-list entry, day the minimum ends", record: rec({ kind: "serious_list", severity: "serious", decisionDate: "2026-04-01", obligations: [] }), date: "2027-04-01",
    expect: { repairable: "later", ruleId: "national-2026.min_period.serious", policyVersion: "national-2026", earliestDate: "2027-04-02" } },
  // The longest period of several penalties applies.
  { name: "general record with a serious penalty in the same decision", record: rec({ penalties: [{ type: "licence_suspension", severity: "serious" }] }), facts: [PAID("2026-05-01")], date: "2027-04-15",
    expect: { repairable: "later", ruleId: "national-2026.min_period.serious", policyVersion: "national-2026", earliestDate: "2027-04-16", decision: "officer" } },
  // Policy in force at the decision date.
  // Order 58 (decisions 2023-05-01 … 2026-03-31): 3 months for every severity, 3 years at most.
  { name: "decided 2026-03-31: Order 58, serious, the day after 3 months (06-30, clamped)", record: rec({ severity: "serious", decisionDate: "2026-03-31" }), facts: [PAID("2026-04-01")], date: "2026-07-01",
    expect: { repairable: "now", ruleId: "national-2023.decision.serious_officer", policyVersion: "national-2023" } },
  { name: "decided 2026-03-31: Order 58, the day the 3 months end", record: rec({ severity: "serious", decisionDate: "2026-03-31" }), facts: [PAID("2026-04-01")], date: "2026-06-30",
    expect: { repairable: "later", ruleId: "national-2023.min_period.serious", policyVersion: "national-2023", earliestDate: "2026-07-01" } },
  { name: "decided 2026-04-01: 2026 rules, serious 1 year", record: rec({ severity: "serious", decisionDate: "2026-04-01" }), facts: [PAID("2026-04-01")], date: "2026-10-01",
    expect: { repairable: "later", ruleId: "national-2026.min_period.serious", policyVersion: "national-2026", earliestDate: "2027-04-02" } },
  { name: "Order 58 general, day the minimum ends (month-end clamp)", record: rec({ decisionDate: "2025-11-30" }), facts: [PAID("2025-12-01")], date: "2026-02-28",
    expect: { repairable: "later", ruleId: "national-2023.min_period.general", policyVersion: "national-2023", earliestDate: "2026-03-01" } },
  { name: "Order 58 general, day after", record: rec({ decisionDate: "2025-11-30" }), facts: [PAID("2025-12-01")], date: "2026-03-01",
    expect: { repairable: "now", ruleId: "national-2023.decision.automatic", policyVersion: "national-2023" } },
  { name: "Order 58 work-safety sector: 1 year minimum, day it ends", record: rec({ severity: "serious", decisionDate: "2025-06-20", sector: "work_safety" }), facts: [PAID("2025-07-01")], date: "2026-06-20",
    expect: { repairable: "later", ruleId: "national-2023.min_period.sector_minimum.food_drugs_equipment_safety_fire", policyVersion: "national-2023", earliestDate: "2026-06-21" } },
  { name: "Order 58 fire sector: day after", record: rec({ severity: "serious", decisionDate: "2025-06-20", sector: "fire_safety" }), facts: [PAID("2025-07-01")], date: "2026-06-21",
    expect: { repairable: "now", ruleId: "national-2023.decision.serious_officer", policyVersion: "national-2023" } },
  { name: "Order 58 other sector: 3 months, even for a serious penalty", record: rec({ severity: "serious", decisionDate: "2025-06-20", sector: "market" }), facts: [PAID("2025-07-01")], date: "2025-09-21",
    expect: { repairable: "now", ruleId: "national-2023.decision.serious_officer", policyVersion: "national-2023" } },
  { name: "Order 58 work-safety general penalty: 1 year too", record: rec({ decisionDate: "2025-06-20", sector: "work_safety" }), facts: [PAID("2025-07-01")], date: "2025-09-21",
    expect: { repairable: "later", ruleId: "national-2023.min_period.sector_minimum.food_drugs_equipment_safety_fire", policyVersion: "national-2023", earliestDate: "2026-06-21" } },
  // Unrepairable, missing obligations.
  { name: "not repairable by law", record: rec({ repairable: false, notRepairableBasis: "《食品安全法》第135条" }), facts: [PAID("2026-05-01")], date: "2026-12-01",
    expect: { repairable: "never", ruleId: "national-2026.not_repairable", policyVersion: "national-2026" } },
  { name: "order not complied with", record: rec({ obligations: [FINE, ORDER] }), facts: [PAID("2026-05-01")], date: "2026-12-01",
    expect: { repairable: "later", ruleId: "national-2026.obligations_fulfilled", policyVersion: "national-2026" } },
  { name: "order complied with", record: rec({ obligations: [FINE, ORDER] }), facts: [PAID("2026-05-01"), { kind: "order_complied", obligationIndex: 1, on: "2026-06-01" }], date: "2026-12-01",
    expect: { repairable: "now", ruleId: "national-2026.decision.automatic", policyVersion: "national-2026" } },
  { name: "fine unpaid and minimum not passed: the obligation decides, the date is still given", record: rec({}), date: "2026-05-01",
    expect: { repairable: "later", ruleId: "national-2026.obligations_fulfilled", policyVersion: "national-2026", earliestDate: "2026-07-16" } },
  { name: "correction required and not done", record: rec({ correctionRequired: true, obligations: [] }), date: "2026-12-01",
    expect: { repairable: "later", ruleId: "national-2026.correction_done", policyVersion: "national-2026" } },
  { name: "already repaired", record: rec({ status: "repaired" }), facts: [PAID("2026-05-01")], date: "2026-12-01",
    expect: { repairable: "never", ruleId: "national-2026.already_repaired", policyVersion: "national-2026" } },
  // Local refusal rules: off by default, each on its own.
  { name: "local rules off: a recent repair does not matter", record: rec({}), facts: [PAID("2026-05-01")], history: { repairs: [{ kind: "admin_penalty", decidedOn: "2026-08-01" }] }, date: "2026-12-01",
    expect: { repairable: "now", ruleId: "national-2026.decision.automatic", policyVersion: "national-2026" } },
  { name: "interval rule: less than 1 year since the last repair", record: rec({ severity: "serious" }), facts: [PAID("2026-05-01")],
    history: { repairs: [{ kind: "other", decidedOn: "2026-08-01" }] }, date: "2027-05-01", policies: withLocalRules(["local.interval_since_last_repair"]),
    expect: { repairable: "later", ruleId: "national-2026.local.interval_since_last_repair", policyVersion: "national-2026", earliestDate: "2027-08-02" } },
  { name: "interval rule: the day the year is over", record: rec({ severity: "serious" }), facts: [PAID("2026-05-01")],
    history: { repairs: [{ kind: "other", decidedOn: "2026-08-01" }] }, date: "2027-08-02", policies: withLocalRules(["local.interval_since_last_repair"]),
    expect: { repairable: "now", ruleId: "national-2026.decision.serious_officer", policyVersion: "national-2026" } },
  { name: "repairs-within rule: 2 repairs within 5 years", record: rec({ severity: "serious", decisionDate: "2026-04-15" }), facts: [PAID("2026-05-01")],
    history: { repairs: [{ kind: "other", decidedOn: "2022-06-01" }, { kind: "other", decidedOn: "2025-01-10" }] }, date: "2027-05-01",
    policies: withLocalRules(["local.repairs_within_5y"]),
    expect: { repairable: "later", ruleId: "national-2026.local.repairs_within_5y", policyVersion: "national-2026", earliestDate: "2027-06-02" } },
  { name: "repairs-within rule: 1 repair within 5 years is allowed", record: rec({ severity: "serious", decisionDate: "2026-04-15" }), facts: [PAID("2026-05-01")],
    history: { repairs: [{ kind: "other", decidedOn: "2021-06-01" }, { kind: "other", decidedOn: "2025-01-10" }] }, date: "2027-05-01",
    policies: withLocalRules(["local.repairs_within_5y"]),
    expect: { repairable: "now", ruleId: "national-2026.decision.serious_officer", policyVersion: "national-2026" } },
  { name: "same-kind rule: same kind repaired within 5 years, publicity ends first", record: rec({}), facts: [PAID("2026-05-01")],
    history: { repairs: [{ kind: "admin_penalty", decidedOn: "2024-03-01" }] }, date: "2026-12-01", policies: withLocalRules(["local.same_kind_within_5y"]),
    expect: { repairable: "never", ruleId: "national-2026.local.same_kind_within_5y", policyVersion: "national-2026" } },
  { name: "same-kind rule: another kind is not counted", record: rec({}), facts: [PAID("2026-05-01")],
    history: { repairs: [{ kind: "abnormal_operation", decidedOn: "2024-03-01" }] }, date: "2026-12-01", policies: withLocalRules(["local.same_kind_within_5y"]),
    expect: { repairable: "now", ruleId: "national-2026.decision.automatic", policyVersion: "national-2026" } },
];

describe("evaluate (policy as data)", () => {
  it.each(cases)("$name", (c) => {
    const result = evaluate(c.record, c.facts ?? [], c.history ?? NO_HISTORY, c.date, c.policies ?? NATIONAL_POLICIES);
    expect(result.repairable).toBe(c.expect.repairable);
    expect(result.ruleId).toBe(c.expect.ruleId);
    expect(result.policyVersion).toBe(c.expect.policyVersion);
    if (c.expect.earliestDate !== undefined || c.expect.repairable !== "later") expect(result.earliestDate).toBe(c.expect.earliestDate);
    if (c.expect.decision) expect(result.decision).toBe(c.expect.decision);
    expect(result.reasons.length).toBeGreaterThan(0);
    for (const r of result.reasons) expect(r.ruleId).toMatch(/^national-20(19|23|26)\./);
  });

  it("computes publicity windows per severity under the three rule sets", () => {
    const table = [
      { policy: NATIONAL_2026, severity: "minor", min: 0, max: 3, date: "2026-05-31" },
      { policy: NATIONAL_2026, severity: "general", min: 3, max: 12, date: "2026-05-31" },
      { policy: NATIONAL_2026, severity: "serious", min: 12, max: 36, date: "2026-05-31" },
      { policy: NATIONAL_2023, severity: "general", min: 3, max: 36, date: "2025-05-31" },
      { policy: NATIONAL_2023, severity: "serious", min: 3, max: 36, date: "2025-05-31" },
      { policy: NATIONAL_2019, severity: "general", min: 3, max: 12, date: "2021-05-31" },
      { policy: NATIONAL_2019, severity: "serious", min: 6, max: 36, date: "2021-05-31" },
    ] as const;
    for (const row of table) {
      const date = row.date;
      const r = evaluate(rec({ severity: row.severity, decisionDate: date, obligations: [] }), [], NO_HISTORY, date, NATIONAL_POLICIES);
      expect(r.policyVersion).toBe(row.policy.version);
      expect(r.publicity.minMonths).toBe(row.min);
      expect(r.publicity.maxMonths).toBe(row.max);
      expect(r.publicity.lastDay).toBe(addMonths(date, row.max));
    }
    expect(evaluate(rec({ severity: "minor", obligations: [] }), [], NO_HISTORY, "2026-04-15", NATIONAL_POLICIES).publicity.publishedByDefault).toBe(false);
  });

  it("an extra condition set by law is met by a fact naming it", () => {
    const policies = NATIONAL_POLICIES.map((p) =>
      p.version === "national-2026" ? { ...p, extraConditions: [{ id: "tax_cleared", description: "Tax arrears cleared", kinds: [], severities: [], source: "test law" }] } : p,
    );
    const r1 = evaluate(rec({}), [PAID("2026-05-01")], NO_HISTORY, "2026-08-01", policies);
    expect([r1.repairable, r1.ruleId]).toEqual(["later", "national-2026.condition.tax_cleared"]);
    const r2 = evaluate(rec({}), [PAID("2026-05-01"), { kind: "condition_met", conditionId: "tax_cleared", on: "2026-06-01" }], NO_HISTORY, "2026-08-01", policies);
    expect(r2.repairable).toBe("now");
  });

  it("refuses to evaluate a decision date no policy governs", () => {
    expect(() => policyFor("2018-12-31", NATIONAL_POLICIES)).toThrow(/no credit policy/);
  });

  it("property: the answer turns from later to now exactly the day after the minimum period (all severities, all rule sets)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2800 }),
        fc.constantFrom("minor", "general", "serious" as const),
        (offset, severity) => {
          const decisionDate = addDays("2019-07-01", offset);
          const record = rec({ severity, decisionDate, obligations: [] });
          const e = evaluate(record, [], NO_HISTORY, decisionDate, NATIONAL_POLICIES);
          const last = e.publicity.minimumEndsOn;
          const before = evaluate(record, [], NO_HISTORY, last, NATIONAL_POLICIES);
          const after = evaluate(record, [], NO_HISTORY, addDays(last, 1), NATIONAL_POLICIES);
          if (e.publicity.minMonths === 0) return before.repairable === "now";
          return before.repairable === "later" && before.earliestDate === addDays(last, 1) && after.repairable === "now";
        },
      ),
    );
  });
});

describe("working days (holiday calendar as data)", () => {
  it.each([
    { from: "2026-11-27", n: 3, due: "2026-12-02", why: "Friday: the weekend is skipped" },
    { from: "2026-09-30", n: 3, due: "2026-10-10", why: "National Day 10-01..07 skipped, Saturday 10-10 is a make-up working day" },
    { from: "2026-02-13", n: 3, due: "2026-02-25", why: "Saturday 02-14 is a make-up day, Spring Festival 02-15..23 skipped" },
    { from: "2026-09-18", n: 7, due: "2026-09-29", why: "Sunday 09-20 make-up day, Mid-Autumn 09-25..27 skipped" },
    { from: "2026-12-24", n: 10, due: "2027-01-08", why: "extension over New Year 2027-01-01" },
    { from: "2027-02-04", n: 1, due: "2027-02-09", why: "2027 Spring Festival (statutory days) skipped" },
    { from: "2026-04-30", n: 3, due: "2026-05-08", why: "Labour Day 05-01..05 skipped" },
    { from: "2026-12-01", n: 0, due: "2026-12-01", why: "zero days" },
  ])("$from + $n working days = $due ($why)", ({ from, n, due }) => {
    expect(addWorkingDays(from, n)).toBe(due);
  });

  it("knows weekends, holidays and make-up days", () => {
    expect(isWorkingDay("2026-11-28")).toBe(false); // Saturday
    expect(isWorkingDay("2026-10-05")).toBe(false); // National Day, Monday
    expect(isWorkingDay("2026-01-04")).toBe(true); // Sunday, make-up day
    expect(isWorkingDay("2026-11-26")).toBe(true);
  });

  it("refuses to guess outside the calendar", () => {
    expect(() => addWorkingDays("2027-12-30", 5)).toThrow(/covers/);
  });

  it("property: the due date is a working day and exactly n working days later", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 17 }), (offset, n) => {
        const from = addDays("2026-01-01", offset);
        const due = addWorkingDays(from, n);
        return workingDaysBetween(from, due) === n && (n === 0 || isWorkingDay(due));
      }),
    );
  });

  it("civil dates are China dates", () => {
    expect(chinaDate(new Date("2026-11-26T16:00:00Z"))).toBe("2026-11-27");
    expect(chinaDate(new Date("2026-11-26T15:59:59Z"))).toBe("2026-11-26");
    expect(chinaMidnight("2026-11-27").toISOString()).toBe("2026-11-26T16:00:00.000Z");
    expect(addMonths("2024-02-29", 12)).toBe("2025-02-28");
  });
});
