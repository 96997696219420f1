// The public credit page's API through HTTP against the real PostgreSQL server: no sign-in;
// enterprises by name or USCC in full, persons only by the exact ID number and masked; records
// under publicity with their periods and the legal basis; the repairs granted with the signed
// commitment (text, version, date; never the signature); rate-limited per client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { applyAtKiosk, publishRecord } from "../helpers/kiosk-person.ts";
import { generalPenalty } from "../credit/fixtures.ts";
import { idNumber, seedEnterprise, seedPerson, uscc } from "../kiosk/seed.ts";

describe("public credit page API", () => {
  let t: TestApp;
  const ids = { person: "", enterprise: "", other: "", recordShown: "", recordMinor: "", recordRepaired: "", personRecord: "" };
  const ID_NUMBER = idNumber(401);
  const USCC = uscc(4401);

  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-09-01T02:00:00.000Z") });
    ids.person = await seedPerson(t.db.pool, { idNumber: ID_NUMBER, name: "陈小红" });
    ids.enterprise = await seedEnterprise(t.db.pool, { uscc: USCC, name: "佛山市禅城区公示测试贸易有限公司", legalRepId: ids.person });
    ids.other = await seedEnterprise(t.db.pool, { uscc: uscc(4402), name: "广州市另一家100%_测试公司", legalRepId: null });
    ids.recordShown = await publishRecord(t, generalPenalty(ids.enterprise, { decisionNo: "禅市监罚〔2026〕501号", decisionDate: "2026-07-01" }));
    ids.recordMinor = await publishRecord(t, generalPenalty(ids.enterprise, { severity: "minor", decisionNo: "禅市监罚〔2026〕502号", decisionDate: "2026-07-02" }));
    ids.recordRepaired = await publishRecord(t, generalPenalty(ids.enterprise, { decisionNo: "禅市监罚〔2026〕503号", decisionDate: "2026-05-01" }), "2026-05-10");
    ids.personRecord = await publishRecord(t, generalPenalty(ids.person, { decisionNo: "禅市监罚〔2026〕504号", decisionDate: "2026-07-03" }));
    const filed = await applyAtKiosk(t, { device: "kiosk-public-test", enterpriseId: ids.enterprise, personId: ids.person, recordIds: [ids.recordRepaired], signature: "sha256:5ea1ed" });
    expect(filed).toMatchObject({ status: "approved" });
  });
  afterAll(async () => t?.close());

  const get = (url: string, remoteAddress = "198.51.100.1") => t.app.inject({ method: "GET", url, remoteAddress });

  it.each([
    { name: "a part of the name, any case", q: "公示测试", kinds: ["enterprise"], found: () => [ids.enterprise] },
    { name: "the USCC, in lower case", q: USCC.toLowerCase(), kinds: ["enterprise"], found: () => [ids.enterprise] },
    { name: "% and _ in a name are letters, not wildcards", q: "100%_", kinds: ["enterprise"], found: () => [ids.other] },
    { name: "a wildcard alone finds nothing", q: "%%", kinds: [], found: () => [] },
    { name: "a person by the exact ID number", q: ID_NUMBER, kinds: ["person"], found: () => [ids.person] },
    { name: "a person's name finds nobody (persons only by ID number)", q: "陈小红", kinds: [], found: () => [] },
  ])("search: $name", async ({ q, kinds, found }) => {
    const r = await get(`/v1/public/search?q=${encodeURIComponent(q)}`);
    expect(r.statusCode, r.body).toBe(200);
    const results = r.json().results as { id: string; kind: string }[];
    expect(results.map((s) => s.id)).toEqual(found());
    expect(results.map((s) => s.kind)).toEqual(kinds);
  });

  it.each([
    { q: "440604", code: "id_number_incomplete" },
    { q: "4406041980010110", code: "id_number_incomplete" },
    { q: ID_NUMBER.slice(0, 17) + (ID_NUMBER[17] === "1" ? "2" : "1"), code: "code_invalid" },
    { q: "佛", code: "query_too_short" },
  ])("search refuses $q with $code", async ({ q, code }) => {
    const r = await get(`/v1/public/search?q=${encodeURIComponent(q)}`);
    expect(r.statusCode).toBe(400);
    expect(r.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(r.json().code).toBe(code);
  });

  it("shows an enterprise in full, a person masked", async () => {
    const ent = (await get(`/v1/public/search?q=${USCC}`)).json().results[0];
    expect(ent).toMatchObject({ name: "佛山市禅城区公示测试贸易有限公司", identifier: USCC, creditStatus: "dishonest" });
    const person = (await get(`/v1/public/search?q=${ID_NUMBER}`)).json().results[0];
    expect(person).toMatchObject({ name: "陈*红", identifier: `${ID_NUMBER.slice(0, 4)}**********${ID_NUMBER.slice(-4)}` });
    const page = await get(`/v1/public/subjects/${ids.person}`);
    expect(page.body).not.toContain(ID_NUMBER);
    expect(page.body).not.toContain("陈小红");
    expect(page.json().records.map((r: { id: string }) => r.id)).toEqual([ids.personRecord]);
  });

  it("lists the records under publicity with their periods and the legal basis in both languages", async () => {
    const page = (await get(`/v1/public/subjects/${ids.enterprise}`)).json();
    // The minor record is not published by default; the repaired one left publicity.
    expect(page.records.map((r: { id: string }) => r.id)).toEqual([ids.recordShown]);
    expect(page.records[0]).toMatchObject({
      decisionNo: "禅市监罚〔2026〕501号",
      decidingUnit: "佛山市禅城区市场监督管理局",
      period: { from: "2026-07-01", minimumEndsOn: "2026-10-01", lastPublicDay: "2027-07-01", policyVersion: "national-2026" },
    });
    expect(page.records[0].period.basis.zh).toMatch(/^依据：《信用修复管理办法》（国家发展和改革委员会令第36号）/);
    expect(page.records[0].period.basis.en).toMatch(/^Legal basis: Credit Repair Management Measures \(NDRC Order No\. 36\)/);
    expect(JSON.stringify(page)).not.toContain(ids.recordMinor);
  });

  it("publishes the repair granted with its signed commitment: text, version and date, not the signature", async () => {
    const r = await get(`/v1/public/subjects/${ids.enterprise}`);
    const page = r.json();
    expect(page.repairs).toHaveLength(1);
    expect(page.repairs[0]).toMatchObject({ decidedOn: "2026-09-01", policyVersion: "national-2026", records: [{ decisionNo: "禅市监罚〔2026〕503号" }] });
    expect(page.repairs[0].basis.zh).toContain("信用修复管理办法");
    expect(page.commitments).toEqual([
      expect.objectContaining({ version: "cc-2026-04", signedOn: "2026-09-01", publicFrom: "2026-09-01", capacity: "legal_representative", applicationChainId: page.repairs[0].applicationChainId }),
    ]);
    expect(page.commitments[0].text).toContain("信用承诺书");
    const c = (await t.app.inject({ method: "GET", url: "/v1/credit/commitment" })).json();
    expect(page.commitments[0]).toMatchObject({ text: c.text, digest: c.digest });
    // The signature (a digest of the handwritten image here) and the signer are not public.
    expect(r.body).not.toContain("5ea1ed");
    expect(r.body).not.toContain(ids.person);
    expect(r.body).not.toMatch(/signature/i);
  });

  it("answers an unknown subject with a problem", async () => {
    const r = await get("/v1/public/subjects/00000000-0000-4000-8000-000000000000");
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe("public_subject_not_found");
  });

  it("is rate-limited per client: 60 a minute, then 429 rate_limited, other clients unaffected", async () => {
    const url = `/v1/public/search?q=${encodeURIComponent("公示测试")}`;
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await get(url, "203.0.113.9")).statusCode);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    const limited = await get(`/v1/public/subjects/${ids.enterprise}`, "203.0.113.9");
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: "rate_limited" });
    expect(limited.json().retryAfterSeconds).toBeGreaterThan(0);
    expect((await get(url, "203.0.113.10")).statusCode).toBe(200);
    // The limit is the public routes' own: the signed-in API is not counted.
    expect((await t.app.inject({ method: "GET", url: "/v1/credit/commitment", remoteAddress: "203.0.113.9" })).statusCode).toBe(200);
  });
});
