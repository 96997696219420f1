// Who may file a repair application (api/src/face/applicant-check.ts), through HTTP against
// the real PostgreSQL server: a kiosk application needs the single-use assertion of a face
// check that passed on that kiosk for that applicant and enterprise, and nothing else will do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { endFaceSession, passedFaceCheck } from "../helpers/face.ts";
import { generalPenalty, insertEnterprise, insertPerson } from "../credit/fixtures.ts";

type H = { authorization: string };
const DEVICE = "kiosk-01";

describe("a kiosk application carries a passed face check", () => {
  let t: TestApp;
  let agency: H, kiosk: H, officer: H;
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-06-01T02:00:00.000Z") });
    agency = await t.auth("credit_agency", "agency-market");
    kiosk = await t.auth("kiosk", DEVICE);
    officer = await t.auth("repair_officer", "officer-li");
  });
  afterAll(async () => t?.close());

  /** An enterprise with a record that is repairable now (fine paid, minimum period over). */
  async function repairable() {
    const rep = await insertPerson(t.db.pool);
    const ent = await insertEnterprise(t.db.pool, rep);
    const rec = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: generalPenalty(ent, { decisionDate: "2026-02-02" }) });
    expect(rec.statusCode, rec.body).toBe(201);
    const paid = await t.app.inject({ method: "POST", url: `/v1/records/${rec.json().id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: "2026-03-01" } });
    expect(paid.statusCode, paid.body).toBe(201);
    return { rep, ent, record: rec.json().id as string };
  }
  const apply = (ent: string, rep: string, record: string, headers: H, faceAssertion?: string) =>
    t.app.inject({
      method: "POST",
      url: "/v1/repair-applications",
      headers,
      payload: {
        enterpriseId: ent,
        recordIds: [record],
        applicant: { personId: rep, capacity: "legal_representative" },
        commitment: { version: "cc-2026-04", accepted: true, signature: "sha256:ab12" },
        ...(faceAssertion === undefined ? {} : { faceAssertion }),
      },
    });
  const applications = async (ent: string) =>
    (await t.db.pool.query("SELECT count(*)::int AS n FROM repair_applications WHERE subject_id = $1", [ent])).rows[0].n as number;
  const check = (ent: string, person: string, device = DEVICE) => passedFaceCheck(t.db.pool, { device, enterpriseId: ent, personId: person, now: t.clock.now() });

  it("refuses a kiosk application without an assertion, or with one that is not an assertion, and writes nothing", async () => {
    const { rep, ent, record } = await repairable();
    const none = await apply(ent, rep, record, kiosk);
    expect(none.statusCode).toBe(403);
    expect(none.json().code).toBe("face_assertion_required");
    expect((await apply(ent, rep, record, kiosk, "")).json().code).toBe("face_assertion_required");
    expect((await apply(ent, rep, record, kiosk, "fa1_" + "A".repeat(43))).json().code).toBe("face_assertion_invalid");
    expect((await apply(ent, rep, record, kiosk, "not-an-assertion")).json().code).toBe("face_assertion_invalid");
    expect(await applications(ent)).toBe(0);
  });

  it("refuses the assertion of another kiosk's session, and of a session that has ended", async () => {
    const { rep, ent, record } = await repairable();
    const elsewhere = await check(ent, rep, "kiosk-other");
    expect((await apply(ent, rep, record, kiosk, elsewhere.assertion)).json()).toMatchObject({ status: 403, code: "face_assertion_mismatch" });
    const ended = await check(ent, rep);
    await endFaceSession(t.db.pool, ended, DEVICE, t.clock.now());
    expect((await apply(ent, rep, record, kiosk, ended.assertion)).json()).toMatchObject({ status: 403, code: "face_assertion_expired" });
    expect(await applications(ent)).toBe(0);
  });

  it("refuses the assertion of another person, and of the same person for another enterprise", async () => {
    const { rep, ent, record } = await repairable();
    const stranger = await insertPerson(t.db.pool, "李四");
    const theirs = await check(ent, stranger);
    expect((await apply(ent, rep, record, kiosk, theirs.assertion)).json()).toMatchObject({ status: 403, code: "face_assertion_mismatch" });
    const otherEnt = await insertEnterprise(t.db.pool, rep);
    const forOther = await check(otherEnt, rep);
    expect((await apply(ent, rep, record, kiosk, forOther.assertion)).json()).toMatchObject({ status: 403, code: "face_assertion_mismatch" });
    expect(await applications(ent)).toBe(0);
  });

  it("accepts a fresh assertion once; the same assertion a second time is refused", async () => {
    const first = await repairable();
    const second = await repairable();
    const passed = await check(first.ent, first.rep);
    const filed = await apply(first.ent, first.rep, first.record, kiosk, passed.assertion);
    expect(filed.statusCode, filed.body).toBe(201);
    expect(filed.json()).toMatchObject({ status: "approved", channel: "kiosk" });
    const used = await t.db.pool.query("SELECT used_at, used_for FROM face_assertions WHERE session_id = $1", [passed.sessionId]);
    expect(used.rows[0].used_at).not.toBeNull();
    // The assertion names the application that consumed it, and the officer's case file says so.
    expect(used.rows[0].used_for).toBe(filed.json().id);
    const file = await t.app.inject({ method: "GET", url: `/v1/backoffice/applications/${filed.json().id}/file`, headers: officer });
    expect(file.statusCode, file.body).toBe(200);
    expect(file.json().faceCheck).toMatchObject({ verdict: "passed", assertion: { usedFor: filed.json().id, matchedBy: "used_for" } });
    const again = await apply(first.ent, first.rep, second.record, kiosk, passed.assertion);
    expect(again.json()).toMatchObject({ status: 403, code: "face_assertion_used" });
  });

  it("does not burn the assertion of an application refused after the check (its transaction rolls back)", async () => {
    const { rep, ent, record } = await repairable();
    const other = await repairable();
    const passed = await check(ent, rep);
    // The other enterprise's record: refused after the assertion was consumed in the transaction.
    const refused = await apply(ent, rep, other.record, kiosk, passed.assertion);
    expect(refused.json().code).toBe("record_of_other_subject");
    expect((await t.db.pool.query("SELECT used_for FROM face_assertions WHERE session_id = $1", [passed.sessionId])).rows[0].used_for).toBeNull();
    const filed = await apply(ent, rep, record, kiosk, passed.assertion);
    expect(filed.statusCode, filed.body).toBe(201);
    expect((await t.db.pool.query("SELECT used_for FROM face_assertions WHERE session_id = $1", [passed.sessionId])).rows[0].used_for).toBe(filed.json().id);
  });

  it("lets a repair officer file at the counter without an assertion (channel officer_assisted)", async () => {
    const { rep, ent, record } = await repairable();
    const filed = await apply(ent, rep, record, officer);
    expect(filed.statusCode, filed.body).toBe(201);
    expect(filed.json()).toMatchObject({ channel: "officer_assisted", status: "approved" });
  });
});
