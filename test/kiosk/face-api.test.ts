// Kiosk sessions and server-side face checks through the API: the real face engine (Human +
// face-api's recognition net on WASM) on the shared photos and live video of real people
// (../shared/faces), real PostgreSQL, the encrypted reference, the challenge drawn per nonce,
// lockout, and single-use assertions. The challenge's direction is fixed for the canned video
// through the test-only boot option (buildTestApp → prepareApp), which production never passes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../api/src/db/database.ts";
import { consumeFaceAssertion } from "../../api/src/face/assertion.ts";
import type { Direction } from "../../api/src/face/challenge.ts";
import { FACE_MODEL } from "../../api/src/face/engine.ts";
import { encodeJpeg, encodePng, type DecodedImage } from "../../api/src/face/image.ts";
import { decryptReference, encryptReference } from "../../api/src/face/reference.ts";
import { isValidUscc } from "../../api/src/face/session.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { liveWindow } from "../face/corpus.ts";
import { faceBytes, faceImage, OTHER_PEOPLE, REFERENCE_PHOTO } from "../face/data.ts";
import { blank, resize, sideBySide } from "../face/images.ts";
import { idNumber, seedEnterprise, seedPerson, uscc } from "./seed.ts";

let t: TestApp;
let kiosk: { authorization: string };
let registrar: { authorization: string };
let alice: string; // legal representative of ent1, enrolled with the reference photo of the person in the video
let bob: string; // agent, enrolled with another person's photo
let carol: string; // not enrolled
let dave: string; // legal representative of ent3, enrolled with another person's photo
let ent1: string;
const ENT1 = uscc(101);
const ENT2 = uscc(102);
const ENT3 = uscc(103);
/** The directions the next challenges get (the canned video turns right); empty: right. */
const directions: Direction[] = [];

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const photo = (img: DecodedImage) => b64(encodePng(img));
/** 12 frames of the live video from `start`, every 200 ms: a turn to the right from frame 1. */
const turning = (start = 0) => liveWindow(start).map(b64);
/** The enrolled reference photo as a kiosk camera sees a print or a screen: one picture, 12 times. */
const stillFrames = () => Array.from({ length: 12 }, () => b64(faceBytes(REFERENCE_PHOTO)));
const noFace = () => blank(480, 480, [120, 130, 140]);

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

type Session = { sessionId: string; nonce: string; personId: string };

async function challenge(s: Session, direction?: Direction) {
  if (direction) directions.push(direction);
  const r = await post(`/v1/kiosk/sessions/${s.sessionId}/face/challenge`, { personId: s.personId });
  if (r.status === 200) s.nonce = r.body.nonce as string;
  return r;
}

/** One attempt: a challenge (right unless asked), then the frames with its nonce. */
async function faceCheck(s: Session, frames: string[], direction?: Direction) {
  const c = await challenge(s, direction);
  if (c.status !== 200) return c;
  const r = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: s.personId, nonce: s.nonce, frames });
  if (r.status === 200) s.nonce = r.body.nonce as string;
  return r;
}

async function enrol(personId: string, img: DecodedImage) {
  const r = await t.app.inject({ method: "PUT", url: `/v1/persons/${personId}/face-reference`, headers: registrar, payload: { photo: photo(img) } });
  expect(r.statusCode, r.body).toBe(200);
}

beforeAll(async () => {
  t = await buildTestApp({ boot: { testOnlyFaceChallenge: () => directions.shift() ?? "right" } });
  kiosk = await t.auth("kiosk", "kiosk-chancheng-01");
  registrar = await t.auth("registrar");
  const pool = t.db.pool;
  alice = await seedPerson(pool, { idNumber: idNumber(1), name: "李晓梅" });
  bob = await seedPerson(pool, { idNumber: idNumber(2), name: "王建国" });
  carol = await seedPerson(pool, { idNumber: idNumber(3), name: "陈小红" });
  dave = await seedPerson(pool, { idNumber: idNumber(4), name: "刘大伟" });
  ent1 = await seedEnterprise(pool, { uscc: ENT1, name: "佛山市禅城区晓梅贸易有限公司", legalRepId: alice });
  await seedEnterprise(pool, { uscc: ENT2, name: "佛山市禅城区无代表有限公司", legalRepId: null });
  await seedEnterprise(pool, { uscc: ENT3, name: "佛山市禅城区大伟五金有限公司", legalRepId: dave });
  await enrol(alice, faceImage(REFERENCE_PHOTO));
  await enrol(bob, faceImage(OTHER_PEOPLE[0]));
  await enrol(dave, faceImage(OTHER_PEOPLE[1]));
});

afterAll(async () => t?.close());

describe("enrolment of the reference face", () => {
  it("keeps the descriptor only as a JWE bound to the person and the model, and says so in the ledger without the data", async () => {
    const { rows } = await t.db.pool.query<{ reference: string; kid: string; model: string }>(`SELECT reference, kid, model FROM face_references WHERE person_id = $1`, [alice]);
    expect(rows[0]!.model).toBe(FACE_MODEL);
    const jwe = rows[0]!.reference;
    expect(jwe.split(".")).toHaveLength(5);
    const header = JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString());
    expect(header).toMatchObject({ alg: "dir", enc: "A256GCM", sub: alice, kid: "face-1", mdl: FACE_MODEL });
    const descriptor = await decryptReference(jwe, t.ctx.config.faceKey, { subject: alice });
    expect(descriptor.length).toBe(128);
    await expect(decryptReference(jwe, t.ctx.config.faceKey, { subject: bob })).rejects.toThrow(/subject mismatch/);
    const ledger = await t.db.pool.query<{ payload: string }>(`SELECT payload FROM ledger WHERE type = 'face.reference_enrolled'`);
    expect(ledger.rows).toHaveLength(3);
    for (const r of ledger.rows) expect(r.payload).not.toMatch(/eyJ|\d\.\d{5}/);
  });

  it("refuses, and tells the registrar why: no face, several, too small, blurred, not an image", async () => {
    const put = (body: string) => t.app.inject({ method: "PUT", url: `/v1/persons/${carol}/face-reference`, headers: registrar, payload: { photo: body } });
    const ref = faceImage(REFERENCE_PHOTO);
    expect((await put(photo(noFace()))).json()).toMatchObject({ status: 422, code: "photo_no_face" });
    expect((await put(photo(sideBySide([ref, faceImage(OTHER_PEOPLE[1])])))).json()).toMatchObject({ status: 422, code: "photo_several_faces" });
    const small = (await put(photo(resize(ref, 240, Math.round((240 * ref.height) / ref.width))))).json();
    expect(small).toMatchObject({ status: 422, code: "photo_face_too_small" });
    expect(small.detail).toMatch(/too small in the photo \(\d+ px, at least 150\)/);
    const soft = resize(resize(ref, 160, 139), ref.width, ref.height); // a thumbnail blown up: large, but not sharp
    const blurred = (await put(photo(soft))).json();
    expect(blurred).toMatchObject({ status: 422, code: "photo_blurred" });
    expect(blurred.detail).toMatch(/not sharp enough/);
    expect((await put(Buffer.from("not an image at all".repeat(10)).toString("base64"))).json()).toMatchObject({ status: 422, code: "photo_invalid" });
    expect((await put("*".repeat(200))).json()).toMatchObject({ status: 400, code: "photo_invalid" });
    const kioskTry = await t.app.inject({ method: "PUT", url: `/v1/persons/${carol}/face-reference`, headers: kiosk, payload: { photo: photo(ref) } });
    expect(kioskTry.statusCode).toBe(403);
    expect((await t.db.pool.query(`SELECT 1 FROM face_references WHERE person_id = $1`, [carol])).rowCount).toBe(0);
  });
});

describe("enrolment through the subjects feature (POST /v1/persons with referencePhoto)", () => {
  it("stores the reference in the enrolment transaction; a photo without a face refuses the enrolment", async () => {
    const ok = await post("/v1/persons", { idNumber: idNumber(11), name: "周文华", referencePhoto: b64(faceBytes(REFERENCE_PHOTO)) }, registrar);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const ref = await t.db.pool.query(`SELECT kid, enrolled_by FROM face_references WHERE person_id = $1`, [ok.body.id]);
    expect(ref.rows[0]).toMatchObject({ kid: "face-1", enrolled_by: "registrar:registrar-1" });
    const bad = await post("/v1/persons", { idNumber: idNumber(12), name: "吴无脸", referencePhoto: photo(noFace()) }, registrar);
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
  it("draws one challenge per nonce, and asks for it before any frame", async () => {
    const s = await identified();
    const bare = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: alice, nonce: s.nonce, frames: turning() });
    expect(bare.body).toMatchObject({ status: 409, code: "challenge_required" });
    const first = await challenge(s, "left");
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ nonce: s.nonce, attemptsLeft: 3, challenge: { action: "turn_left", frames: 12, intervalMs: 200 } });
    // asking again does not redraw: the same direction, the same deadline, whatever the draw says now
    const again = await challenge(s, "right");
    expect(again.body.challenge).toEqual(first.body.challenge);
    directions.length = 0;
    // a request cannot choose the challenge
    const chosen = await post(`/v1/kiosk/sessions/${s.sessionId}/face/challenge`, { personId: alice, challenge: "turn_right" });
    expect(chosen.body).toMatchObject({ status: 400 });
  });

  it("passes the enrolled person turning as asked, with no score in the answer; the same frames replayed are refused", async () => {
    const s = await identified();
    expect(s.personId).toBe(alice);
    const r = await faceCheck(s, turning(), "right");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ verdict: "passed", frames: 12, attemptsLeft: 3 });
    expect(Object.keys(r.body).sort()).toEqual(["assertion", "assertionExpiresAt", "attemptsLeft", "frames", "nonce", "verdict"]);
    expect(r.body.assertion).toMatch(/^fa1_[A-Za-z0-9_-]{43}$/);
    const answered = (await t.db.pool.query(`SELECT nonce FROM face_assertions WHERE session_id = $1`, [s.sessionId])).rows[0].nonce as string;
    expect(r.body.nonce).not.toBe(answered);
    // the same attempt sent again with its nonce is refused before the engine runs
    const replay = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: alice, nonce: answered, frames: turning() });
    expect(replay.body).toMatchObject({ status: 409, code: "nonce_stale" });
    // the recording replayed for the next nonce, whose challenge is the other way
    const again = await faceCheck(s, turning(), "left");
    expect(again.body).toMatchObject({ verdict: "refused", reason: "challenge_not_performed" });
    const attempts = await t.db.pool.query(`SELECT verdict, reason, challenge, distance FROM face_attempts WHERE session_id = $1 ORDER BY id`, [s.sessionId]);
    expect(attempts.rows.map((a) => [a.verdict, a.reason, a.challenge])).toEqual([
      ["passed", null, "right"],
      ["refused", "challenge_not_performed", "left"],
    ]);
    expect(attempts.rows[0].distance).toBeLessThan(0.5);
    expect(attempts.rows[1].distance).toBeNull(); // refused before identity
    const ledger = await t.db.pool.query<{ payload: string }>(`SELECT payload FROM ledger WHERE type = 'face.checked' AND payload LIKE $1 ORDER BY seq`, [`%${s.sessionId}%`]);
    expect(JSON.parse(ledger.rows[0]!.payload)).toMatchObject({ verdict: "passed", challenge: "right", frames: 12 });
  });

  it("refuses the enrolled photo held to the camera (static_capture) and another person turning (not_same_person)", async () => {
    const s = await identified();
    expect((await faceCheck(s, stillFrames())).body).toMatchObject({ verdict: "refused", reason: "static_capture", attemptsLeft: 2 });
    const other = await identified(ENT3);
    expect(other.personId).toBe(dave);
    expect((await faceCheck(other, turning())).body).toMatchObject({ verdict: "refused", reason: "not_same_person" });
  });

  it("locks the session after three refusals, and the person across sessions after five, saying how long to wait", async () => {
    t.clock.advance(16 * 60_000); // earlier refusals leave the window
    const s = await identified();
    expect((await faceCheck(s, stillFrames())).body).toMatchObject({ verdict: "refused", attemptsLeft: 2 });
    const none = Array.from({ length: 12 }, () => photo(noFace()));
    expect((await faceCheck(s, none)).body).toMatchObject({ verdict: "refused", reason: "no_face", attemptsLeft: 1 });
    t.clock.advance(60_000);
    expect((await faceCheck(s, stillFrames())).body).toMatchObject({ verdict: "refused", attemptsLeft: 0 });
    // even the right face is now refused, before any challenge: the session is locked for good
    const locked = await challenge(s);
    expect(locked.body).toMatchObject({ status: 429, code: "too_many_attempts", retryAfterSeconds: null });
    // a new session: two more refusals reach the person's limit of 5 in 15 minutes
    const fresh = await identified();
    expect((await faceCheck(fresh, stillFrames())).body).toMatchObject({ verdict: "refused", attemptsLeft: 1 });
    expect((await faceCheck(fresh, stillFrames())).body).toMatchObject({ verdict: "refused", attemptsLeft: 0 });
    const third = await identified();
    const wait = await challenge(third);
    expect(wait.body).toMatchObject({ status: 429, code: "too_many_attempts" });
    // the oldest refusal of the five leaves the window 15 minutes after it was made, 1 minute ago
    expect(wait.body.retryAfterSeconds).toBe(14 * 60);
    t.clock.advance(14 * 60_000 + 1000);
    const later = await identified();
    expect((await faceCheck(later, turning())).body).toMatchObject({ verdict: "passed" });
  });

  it("refuses frames that arrive after the challenge expired, and counts it; an expired challenge is not redrawn for free", async () => {
    t.clock.advance(16 * 60_000);
    const s = await identified();
    await challenge(s, "right");
    t.clock.advance(21_000);
    const late = await post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: alice, nonce: s.nonce, frames: turning() });
    expect(late.body).toMatchObject({ verdict: "refused", reason: "challenge_expired", attemptsLeft: 2 });
    s.nonce = late.body.nonce as string;
    // a challenge left to expire: asking again records it as refused and draws a new one for a new nonce
    const c1 = await challenge(s, "left");
    const oldNonce = s.nonce;
    t.clock.advance(21_000);
    const c2 = await challenge(s, "right");
    expect(c2.body).toMatchObject({ attemptsLeft: 1, challenge: { action: "turn_right" } });
    expect(c2.body.nonce).not.toBe(oldNonce);
    expect(c1.body.challenge).toMatchObject({ action: "turn_left" });
    const reasons = await t.db.pool.query(`SELECT reason FROM face_attempts WHERE session_id = $1 ORDER BY id`, [s.sessionId]);
    expect(reasons.rows.map((r) => r.reason)).toEqual(["challenge_expired", "challenge_expired"]);
  });

  it("binds the check to the identified applicant and refuses frames over the limits with clear 4xx", async () => {
    t.clock.advance(16 * 60_000);
    const s = await identified();
    const wrongPerson = await post(`/v1/kiosk/sessions/${s.sessionId}/face/challenge`, { personId: bob });
    expect(wrongPerson.body).toMatchObject({ status: 409, code: "person_mismatch" });
    await challenge(s);
    const send = (frames: string[]) => post(`/v1/kiosk/sessions/${s.sessionId}/face`, { personId: alice, nonce: s.nonce, frames });
    expect((await send(turning().slice(0, 9))).body).toMatchObject({ status: 400, code: "invalid_request" });
    expect((await send(Array.from({ length: 12 }, () => "A".repeat(200)))).body).toMatchObject({ status: 422, code: "frame_invalid" });
    const big = b64(encodeJpeg(blank(1600, 1200), 50));
    expect((await send([big, ...turning().slice(1)])).body).toMatchObject({ status: 422, code: "frame_too_large" });
    const other = b64(encodeJpeg(blank(320, 240), 80));
    expect((await send([...turning().slice(0, 11), other])).body).toMatchObject({ status: 422, code: "frame_size_mismatch" });
    // a small file whose header claims 30000 x 30000 pixels: refused from the header
    const bomb = new Uint8Array(encodeJpeg(blank(64, 48), 80));
    for (let o = 2; ; ) {
      if (bomb[o + 1] === 0xc0) {
        bomb.set([30000 >> 8, 30000 & 255, 30000 >> 8, 30000 & 255], o + 5);
        break;
      }
      o += 2 + ((bomb[o + 2]! << 8) | bomb[o + 3]!);
    }
    expect((await send([b64(bomb), ...turning().slice(1)])).body).toMatchObject({ status: 422, code: "frame_too_large" });
    // none of these was an attempt: the nonce and the challenge stand
    expect((await t.db.pool.query(`SELECT 1 FROM face_attempts WHERE session_id = $1`, [s.sessionId])).rowCount).toBe(0);
    const bare = await startSession();
    const notIdentified = await post(`/v1/kiosk/sessions/${bare.sessionId}/face/challenge`, { personId: alice });
    expect(notIdentified.body).toMatchObject({ status: 409, code: "applicant_not_identified" });
  });

  it("a copied reference (another person's JWE) or one of the previous model is never a pass", async () => {
    await t.db.pool.query(
      `INSERT INTO face_references (person_id, reference, kid, model, enrolled_at, enrolled_by) SELECT $1, reference, kid, model, enrolled_at, 'tamper' FROM face_references WHERE person_id = $2`,
      [carol, alice],
    );
    const now = t.clock.now().getTime();
    await post("/v1/authorisations", { enterpriseId: ent1, agentId: carol, reference: "授委-2026-009", validFrom: new Date(now - 1000).toISOString(), validUntil: new Date(now + 86_400_000).toISOString() }, registrar);
    const s = await identified(ENT1, "authorised_agent", idNumber(3));
    expect(s.personId).toBe(carol);
    expect((await faceCheck(s, turning())).body).toMatchObject({ status: 409, code: "face_reference_unusable" });
    // a reference of Human's faceres descriptor, enrolled before this model
    const old = await encryptReference(new Array(1024).fill(0.01), t.ctx.config.faceKey, { subject: carol, kid: "face-1", model: "human-faceres-1024" });
    await t.db.pool.query(`UPDATE face_references SET reference = $2, model = 'human-faceres-1024' WHERE person_id = $1`, [carol, old]);
    expect((await faceCheck(s, turning())).body).toMatchObject({ status: 409, code: "face_reference_unusable" });
  });
});

describe("a face engine that cannot load", () => {
  it("makes the challenge, the check and the enrolment answer 503, never a skipped check", async () => {
    const down = await buildTestApp({ boot: { faceEngine: () => Promise.reject(new Error("models missing")) } });
    try {
      const k = await down.auth("kiosk", "kiosk-down");
      const person = await seedPerson(down.db.pool, { idNumber: idNumber(21), name: "孙无模" });
      await seedEnterprise(down.db.pool, { uscc: uscc(121), name: "佛山市禅城区无模有限公司", legalRepId: person });
      const ask = async (url: string, payload: unknown) => {
        const r = await down.app.inject({ method: "POST", url, headers: k, payload: payload as object });
        return r.json() as Record<string, unknown>;
      };
      const s = (await ask("/v1/kiosk/sessions", {})) as { sessionId: string; nonce: string };
      await ask(`/v1/kiosk/sessions/${s.sessionId}/applicant`, { enterprise: uscc(121), capacity: "legal_representative" });
      expect(await ask(`/v1/kiosk/sessions/${s.sessionId}/face/challenge`, { personId: person })).toMatchObject({ status: 503, code: "face_engine_unavailable" });
      const enrol = await down.app.inject({
        method: "PUT",
        url: `/v1/persons/${person}/face-reference`,
        headers: await down.auth("registrar"),
        payload: { photo: b64(faceBytes(REFERENCE_PHOTO)) },
      });
      expect(enrol.json()).toMatchObject({ status: 503, code: "face_engine_unavailable" });
      expect((await down.db.pool.query(`SELECT 1 FROM face_assertions`)).rowCount).toBe(0);
    } finally {
      await down.close();
    }
  });
});

describe("assertions", () => {
  async function passed() {
    t.clock.advance(16 * 60_000);
    const s = await identified();
    const r = await faceCheck(s, turning());
    expect(r.body.verdict, JSON.stringify(r.body)).toBe("passed");
    return { ...s, assertion: r.body.assertion as string };
  }
  const consume = (input: Parameters<typeof consumeFaceAssertion>[1]) =>
    withTransaction(t.db.pool, (c) => consumeFaceAssertion(c, { now: t.clock.now(), ...input }));

  it("is single use, and refused when expired, when its session ended, or for another person, session or enterprise", async () => {
    const a = await passed();
    await expect(consume({ assertion: a.assertion, personId: bob })).rejects.toMatchObject({ code: "face_assertion_mismatch" });
    await expect(consume({ assertion: a.assertion, personId: alice, sessionId: "00000000-0000-0000-0000-000000000000" })).rejects.toMatchObject({ code: "face_assertion_mismatch" });
    await expect(consume({ assertion: a.assertion, personId: alice, enterpriseId: bob })).rejects.toMatchObject({ code: "face_assertion_mismatch" });
    await expect(consume({ assertion: a.assertion.slice(0, -2) + "AA", personId: alice })).rejects.toMatchObject({ code: "face_assertion_invalid" });
    await expect(consume({ assertion: "", personId: alice })).rejects.toMatchObject({ code: "face_assertion_invalid" });
    const stored = await t.db.pool.query(`SELECT token_hash FROM face_assertions WHERE session_id = $1`, [a.sessionId]);
    expect(JSON.stringify(stored.rows)).not.toContain(a.assertion.slice(4));
    expect(await consume({ assertion: a.assertion, personId: alice, sessionId: a.sessionId, enterpriseId: ent1, usedFor: "app-1" })).toMatchObject({
      personId: alice,
      enterpriseId: ent1,
      capacity: "legal_representative",
    });
    await expect(consume({ assertion: a.assertion, personId: alice })).rejects.toMatchObject({ status: 403, code: "face_assertion_used" });

    const b = await passed();
    t.clock.advance(5 * 60_000 + 1000);
    await expect(consume({ assertion: b.assertion, personId: alice })).rejects.toMatchObject({ code: "face_assertion_expired" });

    const c = await passed();
    const end = await t.app.inject({ method: "DELETE", url: `/v1/kiosk/sessions/${c.sessionId}`, headers: kiosk });
    expect(end.statusCode).toBe(204);
    await expect(consume({ assertion: c.assertion, personId: alice })).rejects.toMatchObject({ code: "face_assertion_expired" });
    const afterEnd = await post(`/v1/kiosk/sessions/${c.sessionId}/applicant`, { enterprise: ENT1, capacity: "legal_representative" });
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
