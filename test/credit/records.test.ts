// Credit records through HTTP against the real PostgreSQL server.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { listOutbox } from "../../api/src/chain/outbox.ts";
import { generalPenalty, insertEnterprise, insertPerson } from "./fixtures.ts";

describe("credit records", () => {
  let t: TestApp;
  let agency: { authorization: string };
  let kiosk: { authorization: string };
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-06-01T02:00:00.000Z") });
    agency = await t.auth("credit_agency", "agency-market");
    kiosk = await t.auth("kiosk", "kiosk-01");
  });
  afterAll(async () => t?.close());

  it("publishes a record with its window from the policy, a ledger entry and a chain write, and the subject turns dishonest", async () => {
    const rep = await insertPerson(t.db.pool);
    const ent = await insertEnterprise(t.db.pool, rep);
    const res = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: generalPenalty(ent) });
    expect(res.statusCode, res.body).toBe(201);
    const rec = res.json();
    expect(rec).toMatchObject({ status: "published", policyVersion: "national-2026", decisionMode: "automatic", minimumEndsOn: "2026-08-12", lastPublicDay: "2027-05-12", public: true, creditStatus: "dishonest" });
    expect(rec.publicUntil).toBe("2027-05-12T16:00:00.000Z");
    const subject = (await t.db.pool.query("SELECT credit_status FROM subjects WHERE id = $1", [ent])).rows[0];
    expect(subject.credit_status).toBe("dishonest");
    const entry = (await t.db.pool.query("SELECT type, payload, actor FROM ledger WHERE seq = $1", [rec.ledgerSeq])).rows[0];
    expect(entry.type).toBe("record.published");
    expect(entry.actor).toBe("credit_agency:agency-market");
    expect(JSON.parse(entry.payload)).toMatchObject({ recordId: rec.chainId, digest: rec.digest, policyVersion: "national-2026" });
    const outbox = (await listOutbox(t.db.pool)).filter((o) => o.kind === "record.publish");
    expect(outbox.at(-1)!.write).toMatchObject({ recordId: rec.chainId, digest: rec.digest, category: 1, severity: 2, approvalsNeeded: 0, publicUntil: Date.parse(rec.publicUntil) / 1000 });
    // The digest is the SHA-256 of the stored canonical document.
    const doc = (await t.db.pool.query("SELECT document, encode(digest, 'hex') AS d, encode(sha256(convert_to(document, 'UTF8')), 'hex') AS again FROM credit_records WHERE id = $1", [rec.id])).rows[0];
    expect(doc.again).toBe(doc.d);
  });

  it("refuses a second copy of the same decision, a future decision date, and an unrepairable record without a basis", async () => {
    const ent = await insertEnterprise(t.db.pool);
    const body = generalPenalty(ent);
    expect((await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: body })).statusCode).toBe(201);
    const again = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: body });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe("record_exists");
    const future = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: generalPenalty(ent, { decisionDate: "2026-06-02" }) });
    expect(future.json().code).toBe("decision_date_in_future");
    const nobasis = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: generalPenalty(ent, { repairable: false }) });
    expect(nobasis.json().code).toBe("basis_required");
    expect((await t.app.inject({ method: "POST", url: "/v1/records", headers: kiosk, payload: generalPenalty(ent) })).statusCode).toBe(403);
  });

  it("groups a subject's records for the kiosk: now, later (date + rule), not repairable (basis)", async () => {
    const ent = await insertEnterprise(t.db.pool);
    const post = (b: object) => t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: b });
    const paid = (await post(generalPenalty(ent, { decisionDate: "2026-02-10" }))).json(); // Order 58 rules, 3 months over
    const unpaid = (await post(generalPenalty(ent, { decisionDate: "2026-02-11" }))).json();
    const young = (await post(generalPenalty(ent, { decisionDate: "2026-05-20" }))).json();
    const never = (await post(generalPenalty(ent, { repairable: false, notRepairableBasis: "法律明确禁止修复" }))).json();
    for (const r of [paid, young]) {
      const f = await t.app.inject({ method: "POST", url: `/v1/records/${r.id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: "2026-05-25" } });
      expect(f.statusCode, f.body).toBe(201);
    }
    const view = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ent}/records`, headers: kiosk })).json();
    expect(view.repairableNow.map((r: { id: string }) => r.id)).toEqual([paid.id]);
    expect(view.repairableNow[0].evaluation).toMatchObject({ ruleId: "national-2023.decision.automatic", policyVersion: "national-2023" });
    const later = Object.fromEntries(view.later.map((r: { id: string; evaluation: object }) => [r.id, r.evaluation]));
    expect(later[unpaid.id]).toMatchObject({ repairable: "later", ruleId: "national-2023.obligations_fulfilled" });
    expect(later[young.id]).toMatchObject({ repairable: "later", earliestDate: "2026-08-21", ruleId: "national-2026.min_period.general" });
    expect(view.notRepairable[0]).toMatchObject({ id: never.id, evaluation: { ruleId: "national-2026.not_repairable" } });
    expect(view.notRepairable[0].evaluation.reasons[0].source).toBe("法律明确禁止修复");
    // 免申即享: the paid record that is repairable now was marked at once.
    expect(view.notifications.map((n: { recordId: string }) => n.recordId)).toEqual([paid.id]);
    const seen = await t.app.inject({ method: "POST", url: `/v1/subjects/${ent}/notifications/${view.notifications[0].id}/seen`, headers: kiosk });
    expect(seen.statusCode).toBe(204);
    const again = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ent}/records`, headers: kiosk })).json();
    expect(again.notifications[0].seen).toBe(true);
    const one = (await t.app.inject({ method: "GET", url: `/v1/records/${paid.id}`, headers: kiosk })).json();
    expect(one.obligations[0]).toMatchObject({ type: "fine", fulfilledOn: "2026-05-25" });
    // Public view: only what is in publicity, no auth needed.
    const pub = (await t.app.inject({ method: "GET", url: `/v1/public/subjects/${ent}/records` })).json();
    expect(pub.records).toHaveLength(4);
    expect(pub.subject.creditStatus).toBe("dishonest");
  });

  it("serves the policy versions and the commitment text as data", async () => {
    const policies = (await t.app.inject({ method: "GET", url: "/v1/credit/policies" })).json();
    expect(policies.policies.map((p: { version: string }) => p.version)).toEqual(["national-2019", "national-2023", "samr-abnormal-2025", "national-2026"]);
    expect(policies.policies[1].refusalRules.every((r: { enabled: boolean; source: string }) => !r.enabled && r.source.length > 0)).toBe(true);
    const c = (await t.app.inject({ method: "GET", url: "/v1/credit/commitment" })).json();
    expect(c.version).toBe("cc-2026-04");
    expect(c.digest).toBe(`0x${createHash("sha256").update(c.text).digest("hex")}`);
  });

  it("checks facts against the obligations", async () => {
    const ent = await insertEnterprise(t.db.pool);
    const rec = (await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: generalPenalty(ent) })).json();
    const fact = (payload: object) => t.app.inject({ method: "POST", url: `/v1/records/${rec.id}/facts`, headers: agency, payload });
    expect((await fact({ kind: "order_complied", obligationIndex: 0, on: "2026-05-20" })).json().code).toBe("obligation_mismatch");
    expect((await fact({ kind: "fine_paid", obligationIndex: 3, on: "2026-05-20" })).json().code).toBe("obligation_mismatch");
    expect((await fact({ kind: "fine_paid", obligationIndex: 0, on: "2026-06-20" })).json().code).toBe("fact_in_future");
    expect((await fact({ kind: "fine_paid", obligationIndex: 0, on: "2026-05-11" })).json().code).toBe("fact_before_decision");
    expect((await fact({ kind: "fine_paid", obligationIndex: 0, on: "2026-05-20" })).statusCode).toBe(201);
    expect((await fact({ kind: "fine_paid", obligationIndex: 0, on: "2026-05-21" })).json().code).toBe("fact_exists");
  });

  it("minor records are not public by default and do not change the credit status; serious-list entries make it serious", async () => {
    const ent = await insertEnterprise(t.db.pool);
    const minor = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: generalPenalty(ent, { severity: "minor" }) });
    expect(minor.json()).toMatchObject({ public: false, creditStatus: "good" });
    const list = await t.app.inject({
      method: "POST",
      url: "/v1/records",
      headers: agency,
      payload: generalPenalty(ent, { kind: "serious_list", severity: "serious", obligations: [], decisionNo: "禅应急〔2026〕1号" }),
    });
    expect(list.json()).toMatchObject({ decisionMode: "two_officers", creditStatus: "serious" });
    const outbox = (await listOutbox(t.db.pool)).filter((o) => o.kind === "record.publish");
    expect(outbox.at(-1)!.write).toMatchObject({ category: 2, severity: 3, approvalsNeeded: 2 });
  });

  it("takes a bulk feed as NDJSON and as a JSON array, with one result per line", async () => {
    const ent = await insertEnterprise(t.db.pool);
    const good = generalPenalty(ent);
    const lines = [JSON.stringify(good), "{not json", JSON.stringify({ ...generalPenalty(ent), kind: "bogus" }), JSON.stringify(good), JSON.stringify(generalPenalty(ent, { decisionDate: "2010-01-01" }))].join("\n");
    const res = await t.app.inject({ method: "POST", url: "/v1/records:batch", headers: { ...agency, "content-type": "application/x-ndjson" }, payload: lines });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // Line 4 repeats line 1: no second record, the report names the first (already_published).
    expect(body).toMatchObject({ total: 5, published: 1, alreadyPublished: 1, failed: 3 });
    expect(body.results.map((r: { status: number; code?: string }) => [r.status, r.code])).toEqual([
      [201, undefined],
      [400, "malformed_json"],
      [400, "invalid_request"],
      [200, "already_published"],
      [422, "no_policy"],
    ]);
    expect(body.results[3].id).toBe(body.results[0].id);
    const arr = await t.app.inject({ method: "POST", url: "/v1/records:batch", headers: agency, payload: [generalPenalty(ent), generalPenalty(ent)] });
    expect(arr.json()).toMatchObject({ total: 2, published: 2 });
  });
});
