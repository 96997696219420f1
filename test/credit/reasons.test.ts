// Every refusal and decision carries a structured reason (rule id, policy version, legal
// basis, parameters) and reads in plain Chinese and English with the same facts.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addDays } from "../../api/src/credit/calendar.ts";
import { evaluate, type Fact, type PolicyRecord } from "../../api/src/credit/policy/evaluate.ts";
import { NATIONAL_POLICIES } from "../../api/src/credit/policy/national.ts";
import { formatParam, placeholders, renderReason, renderTemplate, type Reason } from "../../api/src/credit/policy/reasons.ts";
import texts from "../../api/src/credit/policy/reason-texts.json" with { type: "json" };
import { RECORD_KINDS, SEVERITIES, type Policy } from "../../api/src/credit/policy/types.ts";

const FINE = { type: "fine" as const, amount: 20000, description: "罚款人民币贰万元" };
const ORDER = { type: "order" as const, description: "责令限期拆除违法建筑" };
const NO_HISTORY = { repairs: [] };

function rec(over: Partial<PolicyRecord>): PolicyRecord {
  return { kind: "admin_penalty", severity: "general", decisionDate: "2026-04-15", obligations: [FINE], repairable: true, status: "published", ...over };
}

/** Every date parameter of a reason, written as each language writes it, appears in that language's text. */
function sameFacts(reason: Reason) {
  const zh = renderReason(reason, "zh");
  const en = renderReason(reason, "en");
  for (const [name, value] of Object.entries(reason.params)) {
    if (!placeholders(texts.texts[reason.code].zh).includes(name)) continue;
    expect(zh.text, `${reason.code}.${name}`).toContain(formatParam(value, "zh"));
    expect(en.text, `${reason.code}.${name}`).toContain(formatParam(value, "en"));
  }
  expect(zh.basis.startsWith("依据：")).toBe(true);
  expect(en.basis.startsWith("Legal basis: ")).toBe(true);
  return { zh, en };
}

describe("reason texts as data", () => {
  it("every text exists in Chinese and English with the same placeholders", () => {
    const entries = Object.entries(texts.texts);
    expect(entries.length).toBeGreaterThan(20);
    for (const [code, t] of entries) {
      expect(placeholders(t.zh).sort(), code).toEqual(placeholders(t.en).sort());
      expect(t.zh.length, code).toBeGreaterThan(0);
    }
  });

  it("refuses to render a text with a missing fact (never half a sentence)", () => {
    expect(() => renderTemplate("min_period", { months: 3 }, "zh")).toThrow(/parameter minimumEndsOn missing/);
  });

  it.each([
    {
      name: "minimum period under Order 36: both languages give the end and the first day",
      record: rec({}), facts: [] as Fact[], date: "2026-05-01", code: "min_period",
      zh: ["3个月", "2026年7月15日", "2026年7月16日"], en: ["3 months", "15 July 2026", "16 July 2026"],
      basisZh: "依据：《信用修复管理办法》（国家发展和改革委员会令第36号）", basisEn: "Legal basis: Credit Repair Management Measures (NDRC Order No. 36)",
    },
    {
      name: "an unmet order reads as an order, not as an unpaid fine",
      record: rec({ obligations: [ORDER] }), facts: [] as Fact[], date: "2026-08-01", code: "order_not_complied",
      zh: ["责令", "责令限期拆除违法建筑"], en: ["order", "责令限期拆除违法建筑"], notZh: "罚款",
    },
    {
      name: "an unpaid fine gives the amount in both languages",
      record: rec({}), facts: [] as Fact[], date: "2026-08-01", code: "fine_unpaid_amount",
      zh: ["罚款尚未缴清", "20,000元"], en: ["not yet paid", "CNY 20,000"],
    },
    {
      name: "a record the law forbids repairing names the law and Order 36 art. 2",
      record: rec({ repairable: false, notRepairableBasis: "《中华人民共和国食品安全法》第一百三十五条" }), facts: [] as Fact[], date: "2026-08-01", code: "not_repairable",
      zh: ["《中华人民共和国食品安全法》第一百三十五条"], en: ["《中华人民共和国食品安全法》第一百三十五条"], basisZh: "第二条", basisEn: "Art. 2",
    },
    {
      name: "the 1-year sector minimum of Order 58 cites Order 58",
      record: rec({ decisionDate: "2024-08-31", sector: "food" }), facts: [{ kind: "fine_paid", obligationIndex: 0, on: "2024-09-10" }] as Fact[], date: "2025-01-10", code: "min_period",
      zh: ["12个月", "2025年8月31日", "2025年9月1日"], en: ["12 months", "31 August 2025", "1 September 2025"], basisZh: "国家发展和改革委员会令第58号", basisEn: "NDRC Order No. 58",
    },
    {
      name: "hand-over at the maximum gives the last public day",
      record: rec({}), facts: [] as Fact[], date: "2027-04-16", code: "max_period_hand_over",
      zh: ["2027年4月15日", "认定单位"], en: ["15 April 2027", "deciding unit"],
    },
    {
      name: "two officers for leaving the serious-dishonesty list",
      record: rec({ kind: "serious_list", severity: "serious", decisionDate: "2026-04-01", obligations: [] }), facts: [] as Fact[], date: "2027-04-02", code: "ready_two_officers",
      zh: ["两名工作人员"], en: ["two officers"],
    },
  ])("$name", (c) => {
    const e = evaluate(c.record, c.facts, NO_HISTORY, c.date, NATIONAL_POLICIES);
    const reason = e.reasons.find((r) => r.code === c.code)!;
    expect(reason, `reasons: ${e.reasons.map((r) => r.code).join(", ")}`).toBeDefined();
    expect(reason.policyVersion).toBe(e.policyVersion);
    expect(reason.ruleId.startsWith(`${e.policyVersion}.`)).toBe(true);
    const { zh, en } = sameFacts(reason);
    for (const s of c.zh) expect(zh.text).toContain(s);
    for (const s of c.en) expect(en.text).toContain(s);
    if (c.notZh) expect(zh.text).not.toContain(c.notZh);
    if (c.basisZh) expect(zh.basis).toContain(c.basisZh);
    if (c.basisEn) expect(en.basis).toContain(c.basisEn);
    // The internal rule id is for officers: it never appears in the citizen's text.
    expect(zh.text).not.toContain(reason.ruleId);
    expect(en.text).not.toContain(reason.ruleId);
    expect(reason.message).toBe(en.text);
  });

  it("the calendar warnings render from the same data", () => {
    const zh = renderTemplate("holiday_calendar_ending", { officialThrough: "2026-12-31", daysLeft: 30, nextYear: 2027 }, "zh");
    const en = renderTemplate("holiday_calendar_ending", { officialThrough: "2026-12-31", daysLeft: 30, nextYear: 2027 }, "en");
    expect(zh).toContain("2026年12月31日");
    expect(en).toContain("31 December 2026");
    expect([zh.includes("30"), en.includes("30"), zh.includes("2027"), en.includes("2027")]).toEqual([true, true, true, true]);
  });

  it("property: every reason of every evaluation has a basis and renders the same facts in both languages", () => {
    const withLocal: Policy[] = NATIONAL_POLICIES.map((p) => ({ ...p, refusalRules: p.refusalRules.map((r) => ({ ...r, enabled: true })) }));
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom(...RECORD_KINDS),
          severity: fc.constantFrom(...SEVERITIES),
          sector: fc.constantFrom(null, "food", "work_safety", "market"),
          decisionOffset: fc.integer({ min: 0, max: 2800 }),
          dateOffset: fc.integer({ min: 0, max: 1400 }),
          obligations: fc.subarray([FINE, ORDER, { type: "fine" as const, description: "罚款" }]),
          paid: fc.boolean(),
          correctionRequired: fc.boolean(),
          repairable: fc.boolean(),
          status: fc.constantFrom("published", "published", "published", "repaired", "expired"),
          repairedBefore: fc.boolean(),
        }),
        (g) => {
          const decisionDate = addDays("2019-07-01", g.decisionOffset);
          const date = addDays(decisionDate, g.dateOffset);
          const record = rec({
            kind: g.kind,
            severity: g.kind === "serious_list" ? "serious" : g.severity,
            sector: g.sector,
            decisionDate,
            obligations: g.obligations,
            correctionRequired: g.correctionRequired,
            repairable: g.repairable,
            notRepairableBasis: g.repairable ? null : "《某法》第十条",
            status: g.status as PolicyRecord["status"],
          });
          const facts: Fact[] = g.paid ? g.obligations.map((o, i) => ({ kind: o.type === "fine" ? "fine_paid" : "order_complied", obligationIndex: i, on: decisionDate })) : [];
          const history = { repairs: g.repairedBefore ? [{ kind: g.kind, decidedOn: decisionDate }] : [] };
          const e = evaluate(record, facts, history, date, withLocal);
          expect(e.reasons.length).toBeGreaterThan(0);
          for (const r of e.reasons) {
            expect(r.policyVersion).toBe(e.policyVersion);
            expect(r.basis.title.length).toBeGreaterThan(0);
            sameFacts(r);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
