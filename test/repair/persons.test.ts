// Persons apply too (NDRC Order No. 36 art. 2: every credit subject has the right to credit
// repair): a person files for themself in capacity "self", at the kiosk with a face check of
// their own face for their own subject id, or at the counter. Table-driven through HTTP
// against the real PostgreSQL server; each vector names what it shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { passedFaceCheck } from "../helpers/face.ts";
import { generalPenalty, insertEnterprise, insertPerson } from "../credit/fixtures.ts";
import { idNumber, seedPerson } from "../kiosk/seed.ts";

type H = { authorization: string };
const DEVICE = "kiosk-persons";

interface World {
  person: string;
  other: string;
  enterprise: string;
  /** the person's record, repairable now (general, Order 36, fine paid, minimum over) */
  ready: string;
  /** the person's record still in its minimum period */
  young: string;
  /** the person's serious record, decided by an officer */
  serious: string;
  /** the enterprise's record (the person is its legal representative) */
  entRecord: string;
  /** another person's record */
  othersRecord: string;
}

type Vector = {
  name: string;
  headers: "kiosk" | "officer";
  body: (w: World) => Record<string, unknown>;
  /** who the face check was made for; null: none carried */
  face?: ((w: World) => { subject: string; person: string; capacity: "self" | "legal_representative" }) | null;
  status: number;
  expect: (w: World) => Record<string, unknown>;
};

const application = (subject: string, person: string, records: string[], capacity = "self", key: "subjectId" | "enterpriseId" = "subjectId") => ({
  [key]: subject,
  recordIds: records,
  applicant: { personId: person, capacity },
  commitment: { version: "cc-2026-04", accepted: true, signature: "sha256:0f0f" },
});

const own = (w: World) => ({ subject: w.person, person: w.person, capacity: "self" as const });

const VECTORS: Vector[] = [
  { name: "a person repairs their own record at the kiosk with their own face (秒批)", headers: "kiosk", body: (w) => application(w.person, w.person, [w.ready]), face: own, status: 201, expect: () => ({ status: "approved", channel: "kiosk", applicant: { capacity: "self" }, ruleId: "national-2026.decision.automatic" }) },
  { name: "a person at the counter, no face check (the officer has the ID card)", headers: "officer", body: (w) => application(w.person, w.person, [w.ready]), face: null, status: 201, expect: () => ({ status: "approved", channel: "officer_assisted" }) },
  { name: "the earlier field name enterpriseId still names the subject", headers: "kiosk", body: (w) => application(w.person, w.person, [w.ready], "self", "enterpriseId"), face: own, status: 201, expect: (w) => ({ status: "approved", subjectId: w.person, enterpriseId: w.person }) },
  { name: "a record in its minimum period: refused by rule, with the reasons", headers: "kiosk", body: (w) => application(w.person, w.person, [w.young]), face: own, status: 201, expect: () => ({ status: "refused", ruleId: "national-2026.min_period.general" }) },
  { name: "a serious record: filed for an officer, with the due date", headers: "kiosk", body: (w) => application(w.person, w.person, [w.serious]), face: own, status: 201, expect: () => ({ status: "submitted", decisionMode: "officer", acceptDue: "2026-09-04", acceptDueProvisional: false }) },
  { name: "a person may not claim to be their own legal representative", headers: "officer", body: (w) => application(w.person, w.person, [w.ready], "legal_representative"), status: 422, expect: () => ({ code: "self_required" }) },
  { name: "nor an agent of themself", headers: "officer", body: (w) => ({ ...application(w.person, w.person, [w.ready], "authorised_agent"), applicant: { personId: w.person, capacity: "authorised_agent", authorisationRef: "A-1" } }), status: 422, expect: () => ({ code: "self_required" }) },
  { name: "nobody applies in capacity self for somebody else", headers: "officer", body: (w) => application(w.person, w.other, [w.ready]), status: 422, expect: () => ({ code: "not_self" }) },
  { name: "an enterprise does not apply in capacity self", headers: "officer", body: (w) => application(w.enterprise, w.person, [w.entRecord]), status: 422, expect: () => ({ code: "not_a_person" }) },
  { name: "another person's record is not theirs to repair", headers: "officer", body: (w) => application(w.person, w.person, [w.othersRecord]), status: 422, expect: () => ({ code: "record_of_other_subject" }) },
  { name: "a kiosk application without a face check", headers: "kiosk", body: (w) => application(w.person, w.person, [w.ready]), face: null, status: 403, expect: () => ({ code: "face_assertion_required" }) },
  { name: "another person's face", headers: "kiosk", body: (w) => application(w.person, w.person, [w.ready]), face: (w) => ({ subject: w.other, person: w.other, capacity: "self" }), status: 403, expect: () => ({ code: "face_assertion_mismatch" }) },
  { name: "their own face, checked as the enterprise's representative, does not do for themself", headers: "kiosk", body: (w) => application(w.person, w.person, [w.ready]), face: (w) => ({ subject: w.enterprise, person: w.person, capacity: "legal_representative" }), status: 403, expect: () => ({ code: "face_assertion_mismatch" }) },
  { name: "a face check for themself does not do for their enterprise", headers: "kiosk", body: (w) => application(w.enterprise, w.person, [w.entRecord], "legal_representative"), face: own, status: 403, expect: () => ({ code: "face_assertion_mismatch" }) },
  { name: "subjectId and enterpriseId naming different subjects", headers: "officer", body: (w) => ({ ...application(w.person, w.person, [w.ready]), enterpriseId: w.enterprise }), status: 400, expect: () => ({ code: "subject_mismatch" }) },
  { name: "no subject at all", headers: "officer", body: (w) => { const { subjectId: _s, ...rest } = application(w.person, w.person, [w.ready]); return rest; }, status: 400, expect: () => ({}) },
];

describe("persons apply for themselves", () => {
  let t: TestApp;
  let agency: H, kiosk: H, officer: H;
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-09-01T02:00:00.000Z") });
    agency = await t.auth("credit_agency", "agency-market");
    kiosk = await t.auth("kiosk", DEVICE);
    officer = await t.auth("repair_officer", "officer-li");
  });
  afterAll(async () => t?.close());

  async function publish(body: object, paidOn?: string): Promise<string> {
    const r = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: body });
    expect(r.statusCode, r.body).toBe(201);
    if (paidOn) expect((await t.app.inject({ method: "POST", url: `/v1/records/${r.json().id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: paidOn } })).statusCode).toBe(201);
    return r.json().id;
  }

  /** A fresh world per vector: a vector that succeeds must not change the next one's records. */
  async function world(): Promise<World> {
    const person = await insertPerson(t.db.pool, "周晓敏");
    const other = await insertPerson(t.db.pool, "吴国强");
    const enterprise = await insertEnterprise(t.db.pool, person);
    return {
      person,
      other,
      enterprise,
      ready: await publish(generalPenalty(person, { decisionDate: "2026-05-04" }), "2026-05-10"),
      young: await publish(generalPenalty(person, { decisionDate: "2026-07-20" }), "2026-07-25"),
      serious: await publish(generalPenalty(person, { severity: "serious", decisionDate: "2025-06-02" }), "2025-06-10"),
      entRecord: await publish(generalPenalty(enterprise, { decisionDate: "2026-05-04" }), "2026-05-10"),
      othersRecord: await publish(generalPenalty(other, { decisionDate: "2026-05-04" }), "2026-05-10"),
    };
  }

  it.each(VECTORS)("$name", async (v) => {
    const w = await world();
    const made = v.face ? v.face(w) : null;
    const face = made ? await passedFaceCheck(t.db.pool, { device: DEVICE, enterpriseId: made.subject, personId: made.person, capacity: made.capacity, now: t.clock.now() }) : null;
    const r = await t.app.inject({
      method: "POST",
      url: "/v1/repair-applications",
      headers: v.headers === "kiosk" ? kiosk : officer,
      payload: { ...v.body(w), ...(face ? { faceAssertion: face.assertion } : {}) },
    });
    expect(r.statusCode, r.body).toBe(v.status);
    expect(r.json()).toMatchObject(v.expect(w));
    if (v.status !== 201) {
      const n = (await t.db.pool.query("SELECT count(*)::int AS n FROM repair_applications WHERE subject_id = ANY($1::uuid[])", [[w.person, w.enterprise]])).rows[0].n;
      expect(n, "a refused filing writes nothing").toBe(0);
    }
  });

  it("a refusal names the rule, the policy version and the legal basis, with the same facts in Chinese and English", async () => {
    const w = await world();
    const face = await passedFaceCheck(t.db.pool, { device: DEVICE, enterpriseId: w.person, personId: w.person, capacity: "self", now: t.clock.now() });
    const refused = (await t.app.inject({ method: "POST", url: "/v1/repair-applications", headers: kiosk, payload: { ...application(w.person, w.person, [w.young]), faceAssertion: face.assertion } })).json();
    const reason = refused.decisions[0].reasons[0];
    expect(reason).toMatchObject({ ruleId: "national-2026.min_period.general", policyVersion: "national-2026", code: "min_period", params: { months: 3, minimumEndsOn: "2026-10-20", firstDay: "2026-10-21" } });
    expect(reason.words.zh.text).toBe("最短公示期为3个月，到2026年10月20日届满，2026年10月21日起可以申请信用修复。");
    expect(reason.words.en.text).toBe("The minimum publicity period is 3 months and ends on 20 October 2026: you can apply for credit repair from 21 October 2026.");
    expect(reason.words.zh.basis).toBe("依据：《信用修复管理办法》（国家发展和改革委员会令第36号）");
    expect(refused.decisions[0].reason).toBe(reason.words.zh.text);
    // The decision document (its digest is on chain) carries the structured reasons.
    const doc = JSON.parse((await t.db.pool.query("SELECT document FROM repair_decisions WHERE application_id = $1", [refused.id])).rows[0].document);
    expect(doc.reasons[0]).toMatchObject({ ruleId: "national-2026.min_period.general", code: "min_period", policyVersion: "national-2026" });
  });

  it("the database refuses capacity self for someone else's subject", async () => {
    const w = await world();
    await expect(
      t.db.pool.query(
        `INSERT INTO repair_applications (chain_id, subject_id, applicant_person_id, capacity, channel, commitment_version, commitment_digest, status,
           decision_mode, policy_version, rule_id, filed_at, filed_on, created_by)
         SELECT decode(md5(random()::text) || md5(random()::text), 'hex'), $1, $2, 'self', 'officer_assisted', 'cc-2026-04', digest, 'submitted', 'officer', 'national-2026', 'x', now(), current_date, 'test'
           FROM credit_commitment_texts WHERE version = 'cc-2026-04'`,
        [w.enterprise, w.person],
      ),
    ).rejects.toMatchObject({ code: "23514" });
  });

  describe("the kiosk identifies a person applying for themself by their own ID number", () => {
    const identify = async (body: object) => {
      const session = (await t.app.inject({ method: "POST", url: "/v1/kiosk/sessions", headers: kiosk, payload: {} })).json();
      const r = await t.app.inject({ method: "POST", url: `/v1/kiosk/sessions/${session.sessionId}/applicant`, headers: kiosk, payload: body });
      return Object.assign(r, { sessionId: session.sessionId as string });
    };

    it.each([
      { name: "their own ID number: bound as self, their own subject", body: (n: string) => ({ capacity: "self", idNumber: n }), status: 200 },
      { name: "no ID number", body: () => ({ capacity: "self" }), status: 400, code: "id_number_required" },
      { name: "an ID number nobody enrolled", body: () => ({ capacity: "self", idNumber: idNumber(777) }), status: 404, code: "person_not_found" },
      { name: "an enterprise capacity without the enterprise", body: () => ({ capacity: "legal_representative" }), status: 400, code: "enterprise_required" },
    ])("$name", async ({ body, status, code }) => {
      const n = idNumber(501 + Math.floor(Math.random() * 300));
      const person = await seedPerson(t.db.pool, { idNumber: n, name: "郑小雨" }).catch(async () => (await t.db.pool.query("SELECT id FROM subjects WHERE identifier = $1", [n])).rows[0].id as string);
      const r = await identify(body(n));
      expect(r.statusCode, r.body).toBe(status);
      if (code) expect(r.json().code).toBe(code);
      else {
        expect(r.json()).toMatchObject({ subjectId: person, subjectKind: "person", personId: person, capacity: "self", personName: "郑*雨", faceEnrolled: false });
        const bound = (await t.db.pool.query("SELECT enterprise_id, person_id, capacity FROM kiosk_sessions WHERE id = $1", [r.sessionId])).rows[0];
        expect(bound).toEqual({ enterprise_id: person, person_id: person, capacity: "self" });
      }
    });
  });
});
