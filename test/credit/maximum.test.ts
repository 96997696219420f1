// At the maximum period (DOMAIN.md): under Order 36 publicity ends by itself only where the
// conduct was corrected and every obligation fulfilled; otherwise the deciding unit's
// officer takes the record, with the reasons. 527号 and Order 58 end publicity of penalty
// information by itself; serious-list entries follow the list's own rules (the deciding
// unit); an abnormal-operation listing is not ended after 3 years but goes to the regulator.
import { describe, expect, it } from "vitest";
import { evaluate, maximumOutcome, policyFor, type Fact, type PolicyRecord } from "../../api/src/credit/policy/evaluate.ts";
import { NATIONAL_POLICIES } from "../../api/src/credit/policy/national.ts";

const FINE = { type: "fine" as const, amount: 20000, description: "罚款人民币贰万元" };
const ORDER = { type: "order" as const, description: "责令限期改正" };
const ANNUAL_REPORT = { type: "order" as const, description: "补报2025年度报告并公示" };
const PAID = (on: string, obligationIndex = 0): Fact => ({ kind: "fine_paid", obligationIndex, on });
const COMPLIED = (on: string, obligationIndex = 0): Fact => ({ kind: "order_complied", obligationIndex, on });
const NO_HISTORY = { repairs: [] };

function rec(over: Partial<PolicyRecord>): PolicyRecord {
  return { kind: "admin_penalty", severity: "general", decisionDate: "2026-04-15", obligations: [FINE], repairable: true, status: "published", ...over };
}

interface Case {
  name: string;
  record: PolicyRecord;
  facts: Fact[];
  date: string;
  outcome: "ends" | "officer" | null;
  ruleId: string;
  lastDay?: string;
  /** Reason codes, in order (the decisive one first). */
  codes?: string[];
}

const cases: Case[] = [
  // Order 36: general, last public day 2027-04-15.
  { name: "36: fine paid → ends by itself the day after the last day", record: rec({}), facts: [PAID("2026-05-01")], date: "2027-04-16",
    outcome: "ends", ruleId: "national-2026.max_period.ends", lastDay: "2027-04-15", codes: ["max_period_ends"] },
  { name: "36: fine unpaid → to the officer, with the fine", record: rec({}), facts: [], date: "2027-04-16",
    outcome: "officer", ruleId: "national-2026.max_period.hand_over", lastDay: "2027-04-15", codes: ["max_period_hand_over", "fine_unpaid_amount"] },
  { name: "36: fine paid, order not complied with → to the officer, with the order", record: rec({ obligations: [FINE, ORDER] }), facts: [PAID("2026-05-01")], date: "2027-04-16",
    outcome: "officer", ruleId: "national-2026.max_period.hand_over", codes: ["max_period_hand_over", "order_not_complied"] },
  { name: "36: both complied with → ends", record: rec({ obligations: [FINE, ORDER] }), facts: [PAID("2026-05-01"), COMPLIED("2026-06-01", 1)], date: "2027-04-16",
    outcome: "ends", ruleId: "national-2026.max_period.ends" },
  { name: "36: conduct not shown corrected → to the officer", record: rec({ obligations: [], correctionRequired: true }), facts: [], date: "2027-04-16",
    outcome: "officer", ruleId: "national-2026.max_period.hand_over", codes: ["max_period_hand_over", "correction_not_done"] },
  { name: "36: fine paid on the last public day → ends", record: rec({}), facts: [PAID("2027-04-15")], date: "2027-04-16",
    outcome: "ends", ruleId: "national-2026.max_period.ends" },
  { name: "36: on the last public day itself nothing happens yet", record: rec({}), facts: [], date: "2027-04-15",
    outcome: null, ruleId: "national-2026.obligations_fulfilled" },
  { name: "36 minor (3 months), fine unpaid → to the officer", record: rec({ severity: "minor", decisionDate: "2026-06-01" }), facts: [], date: "2026-09-02",
    outcome: "officer", ruleId: "national-2026.max_period.hand_over", lastDay: "2026-09-01" },
  { name: "36 minor, fine paid → ends", record: rec({ severity: "minor", decisionDate: "2026-06-01" }), facts: [PAID("2026-06-05")], date: "2026-09-02",
    outcome: "ends", ruleId: "national-2026.max_period.ends", lastDay: "2026-09-01" },
  { name: "36 serious-list entry, order unmet → to the officer", record: rec({ kind: "serious_list", severity: "serious", decisionDate: "2026-04-01", obligations: [ORDER] }), facts: [], date: "2029-04-02",
    outcome: "officer", ruleId: "national-2026.max_period.hand_over", lastDay: "2029-04-01" },
  { name: "36 serious-list entry, nothing owed → ends", record: rec({ kind: "serious_list", severity: "serious", decisionDate: "2026-04-01", obligations: [] }), facts: [], date: "2029-04-02",
    outcome: "ends", ruleId: "national-2026.max_period.ends" },
  { name: "36 record that may not be repaired still ends at the maximum", record: rec({ repairable: false, notRepairableBasis: "《食品安全法》第一百三十五条" }), facts: [PAID("2026-05-01")], date: "2027-04-16",
    outcome: "ends", ruleId: "national-2026.max_period.ends" },
  { name: "36 record that may not be repaired, fine unpaid → to the officer", record: rec({ repairable: false, notRepairableBasis: "《食品安全法》第一百三十五条" }), facts: [], date: "2027-04-16",
    outcome: "officer", ruleId: "national-2026.max_period.hand_over" },
  // 527号 and Order 58: publicity of penalty information ends by itself.
  { name: "527: fine unpaid, ends anyway after one year", record: rec({ decisionDate: "2022-03-15" }), facts: [], date: "2023-03-16",
    outcome: "ends", ruleId: "national-2019.max_period.ends", lastDay: "2023-03-15" },
  { name: "58: fine unpaid, ends anyway after three years", record: rec({ decisionDate: "2023-05-01" }), facts: [], date: "2026-05-02",
    outcome: "ends", ruleId: "national-2023.max_period.ends", lastDay: "2026-05-01" },
  { name: "58 serious-list entry: the list's own rules, the deciding unit", record: rec({ kind: "serious_list", severity: "serious", decisionDate: "2024-01-10", obligations: [] }), facts: [], date: "2027-01-11",
    outcome: "officer", ruleId: "national-2023.max_period.officer", lastDay: "2027-01-10", codes: ["max_period_kind_rules"] },
  { name: "527 serious-list entry: the list's own rules, the deciding unit", record: rec({ kind: "serious_list", severity: "serious", decisionDate: "2021-01-10", obligations: [] }), facts: [], date: "2024-01-11",
    outcome: "officer", ruleId: "national-2019.max_period.officer", lastDay: "2024-01-10" },
  // Abnormal-operation list (SAMR): after 3 years the regulator decides (serious-violation list).
  { name: "abnormal list, 3 years, uncured → the regulator", record: rec({ kind: "abnormal_operation", decisionDate: "2026-01-10", obligations: [ANNUAL_REPORT] }), facts: [], date: "2029-01-11",
    outcome: "officer", ruleId: "samr-abnormal-2025.max_period.officer", lastDay: "2029-01-10", codes: ["max_period_abnormal", "order_not_complied"] },
  { name: "abnormal list, 3 years, cured but never moved out → the regulator", record: rec({ kind: "abnormal_operation", decisionDate: "2026-01-10", obligations: [ANNUAL_REPORT] }), facts: [COMPLIED("2026-03-01")], date: "2029-01-11",
    outcome: "officer", ruleId: "samr-abnormal-2025.max_period.officer", codes: ["max_period_abnormal"] },
];

describe("the maximum period: ends by itself, or goes to an officer with the reason", () => {
  it.each(cases)("$name", (c) => {
    const e = evaluate(c.record, c.facts, NO_HISTORY, c.date, NATIONAL_POLICIES);
    expect(e.ruleId).toBe(c.ruleId);
    if (c.outcome === null) {
      expect(e.atMaximum).toBeUndefined();
      return;
    }
    expect(e.repairable).toBe("never");
    expect(e.atMaximum?.outcome).toBe(c.outcome);
    expect(e.atMaximum?.ruleId).toBe(c.ruleId);
    if (c.lastDay) expect(e.atMaximum?.lastDay).toBe(c.lastDay);
    if (c.codes) expect(e.reasons.map((r) => r.code)).toEqual(c.codes);
    // The scheduler may call maximumOutcome directly: the same answer.
    const policy = policyFor(c.record.decisionDate, NATIONAL_POLICIES, c.record.kind);
    expect(maximumOutcome(c.record, c.facts, c.date, policy)).toEqual(e.atMaximum);
  });

  it("the day publicity ends is the day after the last public day", () => {
    const e = evaluate(rec({}), [PAID("2026-05-01")], NO_HISTORY, "2027-04-16", NATIONAL_POLICIES);
    expect([e.atMaximum?.lastDay, e.atMaximum?.from]).toEqual(["2027-04-15", "2027-04-16"]);
    expect(e.reasons[0]!.params).toMatchObject({ lastDay: "2027-04-15", endsOn: "2027-04-16" });
  });

  it("a record already ended is reported as ended, with no outcome to act on", () => {
    const e = evaluate(rec({ status: "expired" }), [], NO_HISTORY, "2027-05-01", NATIONAL_POLICIES);
    expect([e.repairable, e.ruleId, e.atMaximum]).toEqual(["never", "national-2026.max_period", undefined]);
  });
});

describe("the abnormal-operation list before the 3 years", () => {
  it.each([
    { name: "cured: the listing regulator's officer decides the move-out", facts: [COMPLIED("2026-02-01")], date: "2026-02-02",
      repairable: "now", ruleId: "samr-abnormal-2025.decision.listing_regulator", decision: "officer" },
    { name: "cured the same day it was listed: no minimum period", facts: [COMPLIED("2026-01-10")], date: "2026-01-10",
      repairable: "now", ruleId: "samr-abnormal-2025.decision.listing_regulator", decision: "officer" },
    { name: "not cured: the annual report is missing", facts: [], date: "2026-02-02", repairable: "later", ruleId: "samr-abnormal-2025.obligations_fulfilled", decision: "officer" },
  ])("$name", (c) => {
    const e = evaluate(rec({ kind: "abnormal_operation", decisionDate: "2026-01-10", obligations: [ANNUAL_REPORT] }), c.facts, NO_HISTORY, c.date, NATIONAL_POLICIES);
    expect([e.repairable, e.ruleId, e.decision, e.policyVersion]).toEqual([c.repairable, c.ruleId, c.decision, "samr-abnormal-2025"]);
  });
});
