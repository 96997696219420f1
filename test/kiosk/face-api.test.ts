// Kiosk sessions and server-side face checks through the API: real face engine (Human on WASM),
// real PostgreSQL, the encrypted reference, lockout, and single-use assertions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../api/src/db/database.ts";
import { consumeFaceAssertion } from "../../api/src/face/assertion.ts";
import { decryptReference } from "../../api/src/face/reference.ts";
import { isValidUscc } from "../../api/src/face/session.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { b64, bothFaces, faceA, faceB, frames, idNumber, noFace, seedEnterprise, seedPerson, uscc } from "./seed.ts";

let t: TestApp;
let kiosk: { authorization: string };
let registrar: { authorization: string };
let alice: string; // legal representative of ent1, enrolled with face A
let bob: string; // agent, enrolled with face B
let carol: string; // not enrolled
let ent1: string;
const ENT1 = uscc(101);
const ENT2 = uscc(102);

async function post(url: string, payload: unknown, headers = kiosk) {
  const r = await t.app.inject({ method: "POST", url, payload: payload as object, headers });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> };
}

async function startSession(headers = kiosk): Promise<{ sessionId: string; nonce: string }> {
  const r = await post("/v1/kiosk/sessions", {}, headers);
  expect(r.status).toBe(201);
  return r.body as { sessionId: string; nonce: string };
}

async function identified(enterprise = ENT1, capacity = "legal_representative", idNumber?: string) {
  const s = await startSession();
  const r = await post(`/v1/kiosk/sessions/${s.sessionId}/applicant`, { enterprise, capacity, ...(idNumber ? { idNumber } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { ...s, personId: r.body.personId as string, enterpriseId: r.body.enterpriseId as string };
}

async function faceCheck(s: { sessionId: string; nonce: string; personId: string }, fs: string[]) {
  const r = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: s.personId, nonce: s.nonce, frames: fs });
  if (r.status === 200) s.nonce = r.body.nonce as string;
  return r;
}

beforeAll(async () => {
  t = await buildTestApp();
  kiosk = await t.auth("kiosk", "kiosk-chancheng-01");
  registrar = await t.auth("registrar");
  const pool = t.db.pool;
  alice = await seedPerson(pool, { idNumber: idNumber(1), name: "李晓梅" });
  bob = await seedPerson(pool, { idNumber: idNumber(2), name: "王建国" });
  carol = await seedPerson(pool, { idNumber: idNumber(3), name: "陈小红" });
  ent1 = await seedEnterprise(pool, { uscc: ENT1, name: "佛山市禅城区晓梅贸易有限公司", legalRepId: alice });
  await seedEnterprise(pool, { uscc: ENT2, name: "佛山市禅城区无代表有限公司", legalRepId: null });
  for (const [id, img] of [
    [alice, faceA()],
    [bob, faceB()],
  ] as const) {
    const r = await t.app.inject({ method: "PUT", url: `/v1/persons/${id}/face-reference`, headers: registrar, payload: { photo: b64(img) } });
    expect(r.statusCode, r.body).toBe(200);
  }
});

afterAll(async () => t?.close());

describe("enrolment of the reference face", () => {
  it("keeps the descriptor only as a JWE bound to the person, and says so in the ledger without the data", async () => {
    const { rows } = await t.db.pool.query<{ reference: string; kid: string }>(`SELECT reference, kid FROM face_references WHERE person_id = $1`, [alice]);
    const jwe = rows[0]!.reference;
    expect(jwe.split(".")).toHaveLength(5);
    const header = JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString());
    expect(header).toMatchObject({ alg: "dir", enc: "A256GCM", sub: alice, kid: "face-1" });
    const descriptor = await decryptReference(jwe, t.ctx.config.faceKey, { subject: alice });
    expect(descriptor.length).toBe(1024);
    await expect(decryptReference(jwe, t.ctx.config.faceKey, { subject: bob })).rejects.toThrow(/subject mismatch/);
    const ledger = await t.db.pool.query<{ payload: string }>(`SELECT payload FROM ledger WHERE type = 'face.reference_enrolled'`);
    expect(ledger.rows).toHaveLength(2);
    for (const r of ledger.rows) expect(r.payload).not.toMatch(/eyJ|\d\.\d{5}/);
  });

  it("refuses a photo without a face, with several faces, or that is not an image", async () => {
    const put = (photo: string) => t.app.inject({ method: "PUT", url: `/v1/persons/${carol}/face-reference`, headers: registrar, payload: { photo } });
    expect((await put(b64(noFace()))).json()).toMatchObject({ status: 422, code: "photo_no_face" });
    expect((await put(b64(bothFaces()))).json()).toMatchObject({ status: 422, code: "photo_several_faces" });
    expect((await put(Buffer.from("not an image at all".repeat(10)).toString("base64"))).json()).toMatchObject({ status: 400, code: "photo_invalid" });
    const kioskTry = await t.app.inject({ method: "PUT", url: `/v1/persons/${carol}/face-reference`, headers: kiosk, payload: { photo: b64(faceA()) } });
    expect(kioskTry.statusCode).toBe(403);
    expect((await t.db.pool.query(`SELECT 1 FROM face_references WHERE person_id = $1`, [carol])).rowCount).toBe(0);
  });
});

describe("enrolment through the subjects feature (POST /v1/persons with referencePhoto)", () => {
  it("stores the reference in the enrolment transaction; a photo without a face refuses the enrolment", async () => {
    const ok = await post("/v1/persons", { idNumber: idNumber(11), name: "周文华", referencePhoto: b64(faceA()) }, registrar);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const ref = await t.db.pool.query(`SELECT kid, enrolled_by FROM face_references WHERE person_id = $1`, [ok.body.id]);
    expect(ref.rows[0]).toMatchObject({ kid: "face-1", enrolled_by: "registrar:registrar-1" });
    const bad = await post("/v1/persons", { idNumber: idNumber(12), name: "吴无脸", referencePhoto: b64(noFace()) }, registrar);
    expect(bad.body).toMatchObject({ status: 422, code: "photo_no_face" });
    const none = await t.db.pool.query(`SELECT 1 FROM subjects WHERE identifier = $1`, [idNumber(12)]);
    expect(none.rowCount).toBe(0);
  });

  it("identifies an enterprise from its scanned code (QR text or token), not from a stale one", async () => {
    const rep = await post("/v1/persons", { idNumber: idNumber(13), name: "郑码扫" }, registrar);
    const ent = await post("/v1/enterprises", { uscc: uscc(113), name: "佛山市禅城区扫码科技有限公司", legalRepresentativeId: rep.body.id }, registrar);
    expect(ent.status, JSON.stringify(ent.body)).toBe(201);
    const code = await t.app.inject({ method: "GET", url: `/v1/subjects/${ent.body.id}/code`, headers: kiosk });
    expect(code.statusCode, code.body).toBe(200);
    const { qrText, token } = code.json() as { qrText: string; token: string };
    for (const scanned of [qrText, token]) {
      const s = await startSession();
      const r = await post(`/v1/kiosk/sessions/${s.sessionId}/applicant`, { enterprise: scanned, capacity: "legal_representative" });
      expect(r.body).toMatchObject({ enterpriseId: ent.body.id, personId: rep.body.id, faceEnrolled: false });
    }
    const rotate = await post(`/v1/subjects/${ent.body.id}/code/rotate`, {}, registrar);
    expect(rotate.status).toBe(200);
    const s = await startSession();
    const stale = await post(`/v1/kiosk/sessions/${s.sessionId}/applicant`, { enterprise: qrText, capacity: "legal_representative" });
    expect(stale.body).toMatchObject({ status: 404, code: "enterprise_not_found" });
  });
});

describe("kiosk sessions and applicants", () => {
  it("only a kiosk device opens sessions; sessions belong to their device", async () => {
    expect((await post("/v1/kiosk/sessions", {}, registrar)).status).toBe(403);
    const none = await t.app.inject({ method: "POST", url: "/v1/kiosk/sessions", payload: {} });
    expect(none.statusCode).toBe(401);
    const s = await startSession();
    expect(s.nonce.length).toBeGreaterThanOrEqual(32);
    const other = await t.auth("kiosk", "kiosk-other");
    const r = await post(`/v1/kiosk/sessions/${s.sessionId}/applicant`, { enterprise: ENT1, capacity: "legal_representative" }, other);
    expect(r.body).toMatchObject({ status: 404, code: "session_not_found" });
  });

  it("identifies the legal representative from the USCC, with masked names", async () => {
    const s = await startSession();
    const r = await post(`/v1/kiosk/sessions/${s.sessionId}/applicant`, { enterprise: ENT1.toLowerCase(), capacity: "legal_representative" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ enterpriseId: ent1, personId: alice, personName: "李*梅", capacity: "legal_representative", faceEnrolled: true, authorisation: null });
  });

  it("refuses a wrong check character, an unknown enterprise, and an enterprise without a representative", async () => {
    expect(isValidUscc("91350100M000100Y43") && isValidUscc("91310110666007217T") && !isValidUscc("91350100M000100Y44")).toBe(true);
    const s = await startSession();
    const url = `/v1/kiosk/sessions/${s.sessionId}/applicant`;
    expect((await post(url, { enterprise: ENT1.slice(0, 17) + (ENT1[17] === "0" ? "1" : "0"), capacity: "legal_representative" })).body.code).toBe("uscc_invalid");
    expect((await post(url, { enterprise: uscc(999), capacity: "legal_representative" })).body.code).toBe("enterprise_not_found");
    expect((await post(url, { enterprise: ENT2, capacity: "legal_representative" })).body.code).toBe("no_legal_representative");
    expect((await post(url, { enterprise: "hello", capacity: "legal_representative" })).body.code).toBe("enterprise_code_unreadable");
  });

  it("an agent needs an authorisation that is valid now and not revoked", async () => {
    const s = await startSession();
    const url = `/v1/kiosk/sessions/${s.sessionId}/applicant`;
    const asBob = { enterprise: ENT1, capacity: "authorised_agent", idNumber: idNumber(2) };
    expect((await post(url, asBob)).body).toMatchObject({ status: 403, code: "not_authorised" });
    const now = t.clock.now().getTime();
    const day = 86_400_000;
    const expired = await post(
      "/v1/authorisations",
      { enterpriseId: ent1, agentId: bob, reference: "授委-2025-001", validFrom: new Date(now - 60 * day).toISOString(), validUntil: new Date(now - day).toISOString() },
      registrar,
    );
    expect(expired.status).toBe(201);
    expect((await post(url, asBob)).body.code).toBe("not_authorised");
    const valid = await post(
      "/v1/authorisations",
      { enterpriseId: ent1, agentId: bob, reference: "授委-2026-007", validFrom: new Date(now - day).toISOString(), validUntil: new Date(now + 30 * day).toISOString() },
      registrar,
    );
    expect(valid.status).toBe(201);
    const ok = await post(url, asBob);
    expect(ok.body).toMatchObject({ personId: bob, capacity: "authorised_agent", authorisation: { reference: "授委-2026-007" } });
    // the legal representative needs no authorisation, and a kiosk cannot grant one
    const forRep = { enterpriseId: ent1, agentId: alice, reference: "x1", validFrom: new Date(now).toISOString(), validUntil: new Date(now + day).toISOString() };
    expect((await post("/v1/authorisations", forRep, registrar)).body.code).toBe("is_legal_representative");
    expect((await post("/v1/authorisations", { enterpriseId: ent1, agentId: carol, reference: "x2", validFrom: new Date(now).toISOString(), validUntil: new Date(now + day).toISOString() }, kiosk)).status).toBe(403);
    const list = await t.app.inject({ method: "GET", url: `/v1/enterprises/${ent1}/authorisations`, headers: registrar });
    expect(list.json().items).toHaveLength(2);
    const revoke = await post(`/v1/authorisations/${valid.body.id}/revoke`, {}, registrar);
    expect(revoke.body.revokedAt).toEqual(expect.any(String));
    expect((await post(url, asBob)).body.code).toBe("not_authorised");
    const types = await t.db.pool.query<{ type: string }>(`SELECT type FROM ledger WHERE type LIKE 'authorisation.%' ORDER BY seq`);
    expect(types.rows.map((r) => r.type)).toEqual(["authorisation.granted", "authorisation.granted", "authorisation.revoked"]);
  });
});

describe("face check", () => {
  it("passes the enrolled person, issues a single-use assertion, and refuses a replayed attempt", async () => {
    const s = await identified();
    expect(s.personId).toBe(alice);
    const firstNonce = s.nonce;
    const r = await faceCheck(s, frames(faceA()));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ verdict: "passed", frames: 3 });
    const scores = r.body.scores as { similarity: number; antispoof: number; liveness: number };
    expect(scores.similarity).toBeGreaterThanOrEqual(0.55);
    expect(r.body.assertion).toMatch(/^fa1_[A-Za-z0-9_-]{43}$/);
    expect(r.body.nonce).not.toBe(firstNonce);
    // the same attempt sent again (old nonce) is refused before the engine runs
    const replay = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: alice, nonce: firstNonce, frames: frames(faceA()) });
    expect(replay.body).toMatchObject({ status: 409, code: "nonce_stale" });
    // only the hash is stored
    const stored = await t.db.pool.query(`SELECT token_hash FROM face_assertions WHERE session_id = $1`, [s.sessionId]);
    expect(stored.rowCount).toBe(1);
    expect(JSON.stringify(stored.rows)).not.toContain((r.body.assertion as string).slice(4));

    const assertion = r.body.assertion as string;
    const consumed = await withTransaction(t.db.pool, (c) =>
      consumeFaceAssertion(c, { assertion, personId: alice, sessionId: s.sessionId, enterpriseId: ent1, usedFor: "app-1", now: t.clock.now() }),
    );
    expect(consumed).toMatchObject({ personId: alice, enterpriseId: ent1, capacity: "legal_representative", sessionId: s.sessionId });
    const again = withTransaction(t.db.pool, (c) => consumeFaceAssertion(c, { assertion, personId: alice, now: t.clock.now() }));
    await expect(again).rejects.toMatchObject({ status: 403, code: "face_assertion_used" });
  });

  it("refuses another person's face, then locks the session after three refusals", async () => {
    const s = await identified();
    const r1 = await faceCheck(s, frames(faceB()));
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ verdict: "refused", reason: "not_same_person", attemptsLeft: 2 });
    expect(r1.body.assertion).toBeUndefined();
    expect((r1.body.scores as { similarity: number }).similarity).toBeLessThan(0.55);
    const r2 = await faceCheck(s, [b64(noFace()), b64(noFace()), b64(noFace())]);
    expect(r2.body).toMatchObject({ verdict: "refused", reason: "no_face", attemptsLeft: 1 });
    const r3 = await faceCheck(s, [b64(bothFaces()), b64(bothFaces()), b64(bothFaces())]);
    expect(r3.body).toMatchObject({ verdict: "refused", reason: "several_faces", attemptsLeft: 0 });
    // even the right face is now refused: too many attempts
    const r4 = await faceCheck(s, frames(faceA()));
    expect(r4.body).toMatchObject({ status: 429, code: "too_many_attempts" });
    const attempts = await t.db.pool.query(`SELECT verdict, reason FROM face_attempts WHERE session_id = $1 ORDER BY id`, [s.sessionId]);
    expect(attempts.rows.map((a) => a.reason)).toEqual(["not_same_person", "no_face", "several_faces"]);
    const ledger = await t.db.pool.query<{ payload: string }>(`SELECT payload FROM ledger WHERE type = 'face.checked' AND payload LIKE $1`, [`%${s.sessionId}%`]);
    expect(ledger.rowCount).toBe(3);
  });

  it("locks the person across sessions after repeated failures (a new session does not reset it)", async () => {
    // alice has 3 refusals above; the per-person limit is 5 within 15 minutes
    const s = await identified();
    expect((await faceCheck(s, frames(faceB()))).body).toMatchObject({ verdict: "refused", attemptsLeft: 1 });
    expect((await faceCheck(s, frames(faceB()))).body).toMatchObject({ verdict: "refused", attemptsLeft: 0 });
    const fresh = await identified();
    expect((await faceCheck(fresh, frames(faceA()))).body).toMatchObject({ status: 429, code: "too_many_attempts" });
    // the window passes: the person may try again
    t.clock.advance(16 * 60_000);
    const later = await identified();
    expect((await faceCheck(later, frames(faceA()))).body).toMatchObject({ verdict: "passed" });
  });

  it("binds the check to the identified applicant and refuses bad frames", async () => {
    const s = await identified();
    const wrongPerson = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: bob, nonce: s.nonce, frames: frames(faceB()) });
    expect(wrongPerson.body).toMatchObject({ status: 409, code: "person_mismatch" });
    const two = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: alice, nonce: s.nonce, frames: frames(faceA()).slice(0, 2) });
    expect(two.body).toMatchObject({ status: 400 });
    const garbage = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: alice, nonce: s.nonce, frames: ["A".repeat(200), "A".repeat(200), "A".repeat(200)] });
    expect(garbage.body).toMatchObject({ status: 422, code: "frame_invalid" });
    const bare = await startSession();
    const notIdentified = await post(`/v1/kiosk/sessions/${bare.sessionId}/face`, { personId: alice, nonce: bare.nonce, frames: frames(faceA()) });
    expect(notIdentified.body).toMatchObject({ status: 409, code: "applicant_not_identified" });
  });

  it("a copied reference (another person's JWE) is never a pass", async () => {
    await t.db.pool.query(
      `INSERT INTO face_references (person_id, reference, kid, enrolled_at, enrolled_by) SELECT $1, reference, kid, enrolled_at, 'tamper' FROM face_references WHERE person_id = $2`,
      [carol, alice],
    );
    const now = t.clock.now().getTime();
    await post("/v1/authorisations", { enterpriseId: ent1, agentId: carol, reference: "授委-2026-009", validFrom: new Date(now - 1000).toISOString(), validUntil: new Date(now + 86_400_000).toISOString() }, registrar);
    const s = await identified(ENT1, "authorised_agent", idNumber(3));
    expect(s.personId).toBe(carol);
    const r = await faceCheck(s, frames(faceA()));
    expect(r.body).toMatchObject({ status: 409, code: "face_reference_unusable" });
  });
});

describe("assertions", () => {
  async function passed() {
    const s = await identified();
    const r = await faceCheck(s, frames(faceA()));
    expect(r.body.verdict).toBe("passed");
    return { ...s, assertion: r.body.assertion as string };
  }
  const consume = (input: Parameters<typeof consumeFaceAssertion>[1]) =>
    withTransaction(t.db.pool, (c) => consumeFaceAssertion(c, { now: t.clock.now(), ...input }));

  it("is refused when expired, when its session ended, or for another person, session or enterprise", async () => {
    const a = await passed();
    await expect(consume({ assertion: a.assertion, personId: bob })).rejects.toMatchObject({ code: "face_assertion_mismatch" });
    await expect(consume({ assertion: a.assertion, personId: alice, sessionId: "00000000-0000-0000-0000-000000000000" })).rejects.toMatchObject({ code: "face_assertion_mismatch" });
    await expect(consume({ assertion: a.assertion, personId: alice, enterpriseId: bob })).rejects.toMatchObject({ code: "face_assertion_mismatch" });
    await expect(consume({ assertion: a.assertion.slice(0, -2) + "AA", personId: alice })).rejects.toMatchObject({ code: "face_assertion_invalid" });
    await expect(consume({ assertion: "", personId: alice })).rejects.toMatchObject({ code: "face_assertion_invalid" });
    t.clock.advance(5 * 60_000 + 1000);
    await expect(consume({ assertion: a.assertion, personId: alice })).rejects.toMatchObject({ code: "face_assertion_expired" });

    const b = await passed();
    const end = await t.app.inject({ method: "DELETE", url: `/v1/kiosk/sessions/${b.sessionId}`, headers: kiosk });
    expect(end.statusCode).toBe(204);
    await expect(consume({ assertion: b.assertion, personId: alice })).rejects.toMatchObject({ code: "face_assertion_expired" });
    const afterEnd = await post(`/v1/kiosk/sessions/${b.sessionId}/applicant`, { enterprise: ENT1, capacity: "legal_representative" });
    expect(afterEnd.body.code).toBe("session_ended");
  });

  it("is refused when the applicant lost the right to act since the check", async () => {
    const a = await passed();
    const other = await seedPerson(t.db.pool, { idNumber: idNumber(9), name: "赵新任" });
    await t.db.pool.query(`UPDATE subjects SET legal_rep_id = $2 WHERE id = $1`, [ent1, other]);
    try {
      await expect(consume({ assertion: a.assertion, personId: alice })).rejects.toMatchObject({ code: "applicant_not_authorised" });
    } finally {
      await t.db.pool.query(`UPDATE subjects SET legal_rep_id = $2 WHERE id = $1`, [ent1, alice]);
    }
    // a failed consumption inside a rolled-back transaction did not burn it
    expect(await consume({ assertion: a.assertion, personId: alice })).toMatchObject({ personId: alice });
  });
});
