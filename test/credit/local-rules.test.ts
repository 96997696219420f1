// Local refusal rules switched by an administrator (api/src/credit/local-rules.ts), through HTTP
// against the real PostgreSQL server: off by default; switched on for a reason from the list,
// the next evaluation refuses a second repair within a year (the kiosk's view says so, naming
// the rule and its source), a ledger entry records the switch with codes only; switched off
// again, the record is repairable again. Wrong role, a reason not on the list, no change, an
// unknown rule or version: refused, nothing changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { LOCAL_RULE_REASONS } from "../../api/src/credit/local-rules.ts";
import { generalPenalty, insertEnterprise, insertPerson } from "./fixtures.ts";

type H = { authorization: string };
const RULE = "local.interval_since_last_repair";

describe("local refusal rules", () => {
  let t: TestApp;
  let admin: H, agency: H, officer: H, kiosk: H;
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-09-01T02:00:00.000Z") });
    [admin, agency, officer, kiosk] = await Promise.all([t.auth("admin", "admin-1"), t.auth("credit_agency", "agency-1"), t.auth("repair_officer", "officer-1"), t.auth("kiosk", "kiosk-01")]);
  });
  afterAll(async () => t?.close());

  const inject = (method: "GET" | "POST", url: string, headers: H, payload?: object) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const switchRule = (version: string, enabled: boolean, reasonCode = "local_regulation_adopted", headers = admin, rule = RULE) =>
    inject("POST", `/v1/credit/policies/${version}/local-rules/${rule}`, headers, { enabled, reasonCode });

  /** A general penalty with its fine paid and the minimum period over: repairable now. */
  async function repairableRecord(ent: string) {
    const rec = (await inject("POST", "/v1/records", agency, generalPenalty(ent))).json();
    expect((await inject("POST", `/v1/records/${rec.id}/facts`, agency, { kind: "fine_paid", obligationIndex: 0, on: "2026-06-01" })).statusCode).toBe(201);
    return rec as { id: string; policyVersion: string };
  }

  it("refuses a second repair within a year while the rule is on, for the reason given, with a ledger entry", async () => {
    const rep = await insertPerson(t.db.pool);
    const ent = await insertEnterprise(t.db.pool, rep);
    const first = await repairableRecord(ent);
    // Repaired at the counter at once (秒批): the subject's last repair is today.
    const filed = await inject("POST", "/v1/repair-applications", officer, { subjectId: ent, recordIds: [first.id], applicant: { personId: rep, capacity: "legal_representative" }, commitment: { version: "cc-2026-04", accepted: true } });
    expect(filed.json(), filed.body).toMatchObject({ status: "approved" });
    const second = await repairableRecord(ent);
    const view = async () => (await inject("GET", `/v1/subjects/${ent}/records`, kiosk)).json();
    expect((await view()).repairableNow.map((r: { id: string }) => r.id)).toContain(second.id);

    const policies = async () => (await inject("GET", "/v1/credit/policies", admin)).json().policies as Array<{ version: string; refusalRules: Array<{ id: string; enabled: boolean; source: string; changed?: object }> }>;
    const ruleOf = async () => (await policies()).find((p) => p.version === second.policyVersion)!.refusalRules.find((r) => r.id === RULE)!;
    expect(await ruleOf()).toMatchObject({ enabled: false });

    const on = await switchRule(second.policyVersion, true);
    expect(on.statusCode, on.body).toBe(200);
    expect(await ruleOf()).toMatchObject({ enabled: true, source: expect.stringContaining("local list practice"), changed: { enabled: true, reasonCode: "local_regulation_adopted", by: "admin:admin-1", at: "2026-09-01T02:00:00.000Z" } });
    const v = await view();
    expect(v.repairableNow.map((r: { id: string }) => r.id)).not.toContain(second.id);
    const later = [...v.later, ...v.notRepairable].find((r: { id: string }) => r.id === second.id);
    expect(later.evaluation.reasons.map((r: { ruleId: string }) => r.ruleId)).toContain(`${second.policyVersion}.${RULE}`);
    const entry = (await t.db.pool.query("SELECT payload, actor FROM ledger WHERE type = 'policy.local_rule_changed' ORDER BY seq DESC LIMIT 1")).rows[0];
    expect(JSON.parse(entry.payload)).toEqual({ policyVersion: second.policyVersion, ruleId: RULE, enabled: true, reasonCode: "local_regulation_adopted" });
    expect(entry.actor).toBe("admin:admin-1");
    // A filing now is refused by the rule.
    const refused = await inject("POST", "/v1/repair-applications", officer, { subjectId: ent, recordIds: [second.id], applicant: { personId: rep, capacity: "legal_representative" }, commitment: { version: "cc-2026-04", accepted: true } });
    expect(refused.json()).toMatchObject({ status: "refused", ruleId: `${second.policyVersion}.${RULE}` });

    const off = await switchRule(second.policyVersion, false, "local_regulation_repealed");
    expect(off.statusCode, off.body).toBe(200);
    expect((await view()).repairableNow.map((r: { id: string }) => r.id)).toContain(second.id);
  });

  it("refuses other roles, reasons off the list, no change, unknown rules and versions; lists the reasons", async () => {
    const version = (await inject("GET", "/v1/credit/policies", admin)).json().policies.find((p: { refusalRules: unknown[] }) => p.refusalRules.length > 0).version as string;
    const ledger = async () => Number((await t.db.pool.query("SELECT count(*) AS n FROM ledger")).rows[0].n);
    const before = await ledger();
    expect((await switchRule(version, true, "local_regulation_adopted", agency)).statusCode).toBe(403);
    expect((await switchRule(version, true, "because")).json()).toMatchObject({ status: 400, code: "invalid_request" });
    expect((await switchRule(version, false)).json()).toMatchObject({ status: 409, code: "rule_unchanged" });
    expect((await switchRule(version, true, "legal_review", admin, "local.nothing")).json()).toMatchObject({ status: 404, code: "rule_not_found" });
    expect((await switchRule("no-such-version", true)).json()).toMatchObject({ status: 404, code: "policy_not_found" });
    expect(await ledger()).toBe(before);
    const reasons = await inject("GET", "/v1/credit/local-rule-reasons", admin);
    expect(reasons.json().reasons).toEqual(LOCAL_RULE_REASONS);
  });
});
