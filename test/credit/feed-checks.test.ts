// What the agency's feed may say, through HTTP against the real PostgreSQL server: a fact
// "condition met" names a condition of the record's own policy (nothing free-form reaches the
// ledger entry), a sector is one the rules know, and the record's kind picks its rule set.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { generalPenalty, insertEnterprise } from "./fixtures.ts";

type H = { authorization: string };

describe("feed checks", () => {
  let t: TestApp;
  let agency: H;
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-09-01T02:00:00.000Z") });
    agency = await t.auth("credit_agency", "agency-market");
    // A law's further condition on the Order 36 rule set, as a local authority would add it to its copy.
    await t.db.pool.query(
      `UPDATE credit_policies SET rules = jsonb_set(rules, '{extraConditions}', $1::jsonb) WHERE version = 'national-2026'`,
      [JSON.stringify([{ id: "tax_cleared", description: "Tax arrears cleared", text: { zh: "欠缴税款已经缴清", en: "Tax arrears are cleared" }, kinds: [], severities: [], source: "test" }])],
    );
  });
  afterAll(async () => t?.close());

  const post = (url: string, payload: object) => t.app.inject({ method: "POST", url, headers: agency, payload });
  const publish = async (over: Record<string, unknown> = {}) => (await post("/v1/records", generalPenalty(await insertEnterprise(t.db.pool), over))).json();

  it.each([
    { name: "a condition of the record's policy", decisionDate: "2026-06-01", conditionId: "tax_cleared", status: 201, code: undefined },
    { name: "a condition the policy does not have", decisionDate: "2026-06-01", conditionId: "bribed_the_clerk", status: 422, code: "unknown_condition" },
    { name: "a free sentence instead of a condition id", decisionDate: "2026-06-01", conditionId: "罚款已由张三代缴，电话13800000000", status: 422, code: "unknown_condition" },
    { name: "the condition of another rule set (Order 58 has none)", decisionDate: "2026-02-01", conditionId: "tax_cleared", status: 422, code: "unknown_condition" },
  ])("condition_met: $name → $status", async ({ decisionDate, conditionId, status, code }) => {
    const rec = await publish({ decisionDate });
    const r = await post(`/v1/records/${rec.id}/facts`, { kind: "condition_met", conditionId, on: "2026-08-01" });
    expect(r.statusCode, r.body).toBe(status);
    if (code) {
      expect(r.json().code).toBe(code);
      const written = await t.db.pool.query("SELECT count(*)::int AS n FROM ledger WHERE type = 'record.fact_added' AND payload::text LIKE $1", [`%${rec.chainId}%`]);
      expect(written.rows[0].n).toBe(0);
    } else {
      expect(r.json().evaluation.reasons.every((x: { code: string }) => x.code !== "condition_open")).toBe(true);
    }
  });

  it("names an unmet condition in the words the policy gives it", async () => {
    const rec = await publish({ decisionDate: "2026-05-01" });
    const r = await post(`/v1/records/${rec.id}/facts`, { kind: "fine_paid", obligationIndex: 0, on: "2026-05-10" });
    const open = r.json().evaluation.reasons.find((x: { code: string }) => x.code === "condition_open");
    expect(open.words.zh.text).toBe("还需满足法律规定的另一项条件：欠缴税款已经缴清。");
    expect(open.words.en.text).toBe("A further condition set by law is not yet met: Tax arrears are cleared.");
  });

  it.each([
    { sector: "fire_safety", status: 201, policyVersion: "national-2023", minimumEndsOn: "2026-02-01" },
    { sector: "fire", status: 422, code: "unknown_sector" },
    { sector: null, status: 201, policyVersion: "national-2023", minimumEndsOn: "2025-05-01" },
  ])("sector $sector → $status", async ({ sector, status, code, policyVersion, minimumEndsOn }) => {
    const r = await post("/v1/records", generalPenalty(await insertEnterprise(t.db.pool), { decisionDate: "2025-02-01", sector }));
    expect(r.statusCode, r.body).toBe(status);
    if (code) {
      expect(r.json().code).toBe(code);
      expect(r.json().sectors).toContain("fire_safety");
    } else expect(r.json()).toMatchObject({ policyVersion, minimumEndsOn });
  });

  it("an abnormal-operation listing gets the market regulator's rule set, not the NDRC one", async () => {
    const r = await post("/v1/records", { ...generalPenalty(await insertEnterprise(t.db.pool), { decisionDate: "2026-01-10" }), kind: "abnormal_operation", obligations: [] });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().policyVersion).toBe("samr-abnormal-2025");
    const penalty = await post("/v1/records", generalPenalty(await insertEnterprise(t.db.pool), { decisionDate: "2026-01-10" }));
    expect(penalty.json().policyVersion).toBe("national-2023");
  });
});
