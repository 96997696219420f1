// The wallet's API with real parts: PostgreSQL, the face check's rows as the face feature writes
// them (test/helpers/face.ts), passkeys from a software authenticator with real P-256 keys and
// CBOR/DER encodings, device keys from WebCrypto, the credit scheduler for notices, and the
// offline verifier on the JWKS and status list the API serves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { endFaceSession, passedFaceCheck } from "../helpers/face.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { runCreditScheduler } from "../../api/src/repair/scheduler.ts";
import { createSession } from "../../api/src/face/session.ts";
import { createFaceRepository } from "../../api/src/face/repository.ts";
import { splitToken, verifyOnline } from "../codes/fixtures.ts";
import { call, Phone } from "./phone.ts";

let t: TestApp;
let registrar: { authorization: string };
let agency: { authorization: string };
let kiosk: { authorization: string };
const KIOSK = "kiosk-wallet-01";
const ids = { alice: "", bob: "", carol: "", enterprise: "", recordLater: "" };

async function ok(answer: Promise<{ status: number; body: Record<string, unknown> }>, status = 200) {
  const a = await answer;
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  return a.body;
}

/** A binding QR from the kiosk after a face check of `person` acting for the enterprise. */
async function kioskOffer(person: string, capacity: "legal_representative" | "authorised_agent" = "legal_representative", whom?: "subject" | "holder") {
  const check = await passedFaceCheck(t.db.pool, { device: KIOSK, enterpriseId: ids.enterprise, personId: person, capacity, now: t.clock.now() });
  const body = await ok(call(t, "POST", "/v1/wallet/offers/kiosk", kiosk, { sessionId: check.sessionId, ...(whom ? { whom } : {}) }), 201);
  return { offer: body.offer as string, sessionId: check.sessionId, body };
}

async function registrarOffer(subjectId: string, holderId?: string) {
  const body = await ok(call(t, "POST", "/v1/wallet/offers/registrar", registrar, { subjectId, ...(holderId ? { holderId } : {}) }), 201);
  return body.offer as string;
}

async function boundPhone(offer: string): Promise<Phone> {
  const phone = new Phone(t);
  await ok(phone.bind(offer), 201);
  return phone;
}

/** A ledger payload as stored (canonical JSON text). */
const payloadOf = (p: unknown): Record<string, unknown> => (typeof p === "string" ? JSON.parse(p) : p) as Record<string, unknown>;

async function offline() {
  const jwks = (await t.app.inject({ url: "/.well-known/jwks.json" })).json();
  const statusListToken = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
  return createOfflineVerifier({ jwks, statusListToken, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 24 * 3600, now: () => t.clock.now() });
}

beforeAll(async () => {
  t = await buildTestApp();
  registrar = await t.auth("registrar");
  agency = await t.auth("credit_agency");
  kiosk = await t.auth("kiosk", KIOSK);
  ids.alice = (await ok(call(t, "POST", "/v1/persons", registrar, { idNumber: personId(171), name: "李晓梅" }), 201)).id as string;
  ids.bob = (await ok(call(t, "POST", "/v1/persons", registrar, { idNumber: personId(172), name: "王建国" }), 201)).id as string;
  ids.carol = (await ok(call(t, "POST", "/v1/persons", registrar, { idNumber: personId(173), name: "陈小红" }), 201)).id as string;
  ids.enterprise = (await ok(call(t, "POST", "/v1/enterprises", registrar, { uscc: uscc(1701), name: "佛山市禅城区晓梅商贸有限公司", legalRepresentativeId: ids.alice }), 201)).id as string;
  const now = t.clock.now();
  await ok(
    call(t, "POST", "/v1/authorisations", registrar, {
      enterpriseId: ids.enterprise,
      agentId: ids.bob,
      reference: "SQWT-2026-0017",
      validFrom: new Date(now.getTime() - 86400_000).toISOString(),
      validUntil: new Date(now.getTime() + 90 * 86400_000).toISOString(),
    }),
    201,
  );
  // A general penalty of 2026-10-09, fine paid: repairable from a date in 2027 (the clock stands at 2026-11-26).
  const record = await ok(
    call(t, "POST", "/v1/records", agency, {
      subjectId: ids.enterprise,
      decidingUnit: "佛山市禅城区市场监督管理局",
      legalBasis: "《中华人民共和国行政处罚法》",
      kind: "admin_penalty",
      severity: "general",
      decisionNo: "佛禅市监罚〔2026〕305号",
      decisionDate: "2026-10-09",
      obligations: [{ type: "fine", amount: 5000, description: "罚款人民币五千元" }],
    }),
    201,
  );
  ids.recordLater = record.id as string;
  await ok(call(t, "POST", `/v1/records/${ids.recordLater}/facts`, agency, { kind: "fine_paid", obligationIndex: 0, on: "2026-10-20" }), 201);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("a binding QR", () => {
  it("is issued at a kiosk only after a face check passed in that session, on that kiosk, while it is open", async () => {
    const bare = await createSession(t.db.pool, { device: KIOSK, now: t.clock.now(), ttlSeconds: 600 });
    expect((await call(t, "POST", "/v1/wallet/offers/kiosk", kiosk, { sessionId: bare.id })).body.code).toBe("face_check_required");
    const check = await passedFaceCheck(t.db.pool, { device: KIOSK, enterpriseId: ids.enterprise, personId: ids.alice, now: t.clock.now() });
    expect((await call(t, "POST", "/v1/wallet/offers/kiosk", await t.auth("kiosk", "another-kiosk"), { sessionId: check.sessionId })).body.code).toBe("kiosk_session_not_found");
    expect((await call(t, "POST", "/v1/wallet/offers/kiosk", registrar, { sessionId: check.sessionId })).status).toBe(403);
    const offer = await ok(call(t, "POST", "/v1/wallet/offers/kiosk", kiosk, { sessionId: check.sessionId }), 201);
    expect(offer).toMatchObject({ subject: { kind: "enterprise", displayName: "佛山市禅城区晓梅商贸有限公司" }, holder: { capacity: "legal_representative" } });
    expect(offer.url).toBe(`${t.ctx.config.publicUrl}/ui/wallet/#bind=${offer.offer as string}`);
    expect((offer.qr as { version: number }).version).toBeLessThanOrEqual(10);
    expect(Date.parse(offer.expiresAt as string) - t.clock.now().getTime()).toBe(t.ctx.config.walletBindingTtlSeconds * 1000);
    await endFaceSession(t.db.pool, check, KIOSK, t.clock.now());
    expect((await call(t, "POST", "/v1/wallet/offers/kiosk", kiosk, { sessionId: check.sessionId })).body.code).toBe("kiosk_session_ended");
  });

  it("is single use and short-lived", async () => {
    const { offer } = await kioskOffer(ids.alice);
    const first = new Phone(t);
    await ok(first.bind(offer), 201);
    const second = new Phone(t);
    expect((await second.bind(offer)).body.code).toBe("binding_offer_used");
    const late = await kioskOffer(ids.alice);
    t.clock.advance((t.ctx.config.walletBindingTtlSeconds + 1) * 1000);
    expect((await new Phone(t).bind(late.offer)).body.code).toBe("binding_offer_expired");
    expect((await call(t, "POST", "/v1/wallet/bind/options", {}, { offer: `wb1_${"A".repeat(43)}` })).body.code).toBe("binding_offer_invalid");
  });

  it("refuses a passkey made for another origin, and a device key the phone cannot sign with", async () => {
    const { offer } = await kioskOffer(ids.alice);
    const phishing = new Phone(t, "http://onecode.evil.example");
    expect((await phishing.bind(offer)).body.code).toBe("passkey_invalid");
    // Same offer, right origin, but the key proof is made by another key than the one sent.
    const phone = new Phone(t);
    const options = await call(t, "POST", "/v1/wallet/bind/options", {}, { offer });
    const creation = options.body.options as Parameters<Phone["authenticator"]["register"]>[0];
    const registration = await phone.authenticator.register(creation, t.ctx.config.publicUrl);
    await phone.newDeviceKey();
    const other = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    const proof = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, other.privateKey, new TextEncoder().encode(`OC-BIND1.${creation.challenge}`)));
    const r = await call(t, "POST", "/v1/wallet/bind", {}, { offer, registration, deviceKey: phone.deviceKey, keyProof: Buffer.from(proof).toString("base64url"), name: "x" });
    expect(r.body.code).toBe("device_key_proof_invalid");
  });

  it("from a registrar binds a person's own phone, or an enterprise's to its representative; nobody else", async () => {
    const carol = await boundPhone(await registrarOffer(ids.carol));
    expect(await ok(carol.get("/v1/wallet/me"))).toMatchObject({ subject: { kind: "person", displayName: "陈*红" }, holder: { capacity: "self" } });
    expect((await call(t, "POST", "/v1/wallet/offers/registrar", registrar, { subjectId: ids.enterprise, holderId: ids.carol })).body.code).toBe("holder_not_authorised");
    expect((await call(t, "POST", "/v1/wallet/offers/registrar", registrar, { subjectId: ids.alice, holderId: ids.carol })).body.code).toBe("holder_not_authorised");
    const bob = await boundPhone(await registrarOffer(ids.enterprise, ids.bob));
    expect(await ok(bob.get("/v1/wallet/me"))).toMatchObject({ subject: { kind: "enterprise" }, holder: { displayName: "王*国", capacity: "authorised_agent" } });
  });

  it("writes a ledger entry with commitments and the key's thumbprint, no names", async () => {
    const { rows } = await t.db.pool.query("SELECT payload, actor FROM ledger WHERE type = 'wallet.device_bound' ORDER BY seq DESC LIMIT 1");
    const entry = { actor: rows[0].actor as string, payload: payloadOf(rows[0].payload) };
    expect(Object.keys(entry.payload).sort()).toEqual(["capacity", "device", "deviceKey", "holder", "via"]);
    expect(JSON.stringify(entry.payload)).not.toMatch(/王|李|陈|[0-9]{17}[0-9X]/);
    expect(entry.payload.deviceKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("a bound phone", () => {
  let alice: Phone;
  let carol: Phone;

  beforeAll(async () => {
    alice = await boundPhone((await kioskOffer(ids.alice)).offer);
    carol = await boundPhone(await registrarOffer(ids.carol));
  });

  it("signs in with its passkey (single-use challenge, counter kept), and only with it", async () => {
    alice.session = null;
    expect((await alice.get("/v1/wallet/me")).body.code).toBe("wallet_session_missing");
    await ok(alice.signIn());
    expect((await ok(alice.get("/v1/wallet/me"))).device).toMatchObject({ id: alice.deviceId });
    // A replayed answer to a used challenge.
    const options = await call(t, "POST", "/v1/wallet/signin/options", {}, { deviceId: alice.deviceId });
    const response = await alice.authenticator.authenticate(options.body.options as never, t.ctx.config.publicUrl);
    await ok(call(t, "POST", "/v1/wallet/signin", {}, { challengeId: options.body.challengeId, response }));
    expect((await call(t, "POST", "/v1/wallet/signin", {}, { challengeId: options.body.challengeId, response })).body.code).toBe("signin_challenge_invalid");
    // An answer from a phishing origin.
    const fresh = await call(t, "POST", "/v1/wallet/signin/options", {}, {});
    const phished = await alice.authenticator.authenticate({ ...(fresh.body.options as object), rpId: new URL(t.ctx.config.publicUrl).hostname } as never, "http://onecode.evil.example");
    expect((await call(t, "POST", "/v1/wallet/signin", {}, { challengeId: fresh.body.challengeId, response: phished })).body.code).toBe("passkey_invalid");
    // The session expires.
    t.clock.advance((t.ctx.config.walletSessionTtlSeconds + 1) * 1000);
    expect((await alice.get("/v1/wallet/me")).body.code).toBe("wallet_session_invalid");
    await ok(alice.signIn());
  });

  it("gets a code bound to its device key, living hours, that the verifier accepts online and offline with the phone's signature", async () => {
    const code = await ok(alice.fetchCode());
    const { claims } = splitToken(code.token as string);
    expect(claims.cnf).toEqual({ jwk: alice.deviceKey });
    expect((claims.exp as number) - (claims.iat as number)).toBe(t.ctx.config.boundCodeTtlSeconds);
    expect(code.serverTime).toBe(t.clock.now().getTime());
    const shown = await alice.show();
    expect((await verifyOnline(t, shown)).body).toMatchObject({ valid: true, deviceBound: true, subject: { kind: "enterprise" } });
    expect(await (await offline()).verify(shown)).toMatchObject({ valid: true, deviceBound: true });
  });

  it("an agent's code lives no longer than the authorisation", async () => {
    const bob = await boundPhone(await registrarOffer(ids.enterprise, ids.bob));
    const authorisation = await createFaceRepository(t.db.pool).validAuthorisation({ enterpriseId: ids.enterprise, agentId: ids.bob, at: t.clock.now() });
    const code = await ok(bob.fetchCode());
    expect(Date.parse(code.expiresAt as string)).toBeLessThanOrEqual(Math.min(authorisation!.valid_until.getTime(), t.clock.now().getTime() + t.ctx.config.boundCodeTtlSeconds * 1000));
  });

  it("sees only its own subject: records, notices, devices, code", async () => {
    await ok(carol.signIn());
    const mine = await ok(carol.get("/v1/wallet/records"));
    expect(mine.records).toEqual([]);
    const theirs = await ok(alice.get("/v1/wallet/records"));
    expect((theirs.records as { id: string }[]).map((r) => r.id)).toEqual([ids.recordLater]);
    expect(JSON.stringify(await ok(carol.get("/v1/wallet/notices")))).not.toContain(ids.recordLater);
    const devices = (await ok(carol.get("/v1/wallet/devices"))).devices as { id: string; holder: string }[];
    expect(devices.map((d) => d.id)).toContain(carol.deviceId);
    expect(devices.map((d) => d.id)).not.toContain(alice.deviceId);
    expect(new Set(devices.map((d) => d.holder))).toEqual(new Set(["陈*红"]));
    expect((await carol.post(`/v1/wallet/notices/1/seen`)).status).toBe(204); // someone else's notice id: nothing to mark
    expect((await call(t, "DELETE", `/v1/wallet/devices/${alice.deviceId}`, carol.headers)).body.code).toBe("device_not_found");
    expect((await carol.get("/v1/wallet/representatives")).body.code).toBe("not_an_enterprise");
    expect((await ok(carol.fetchCode())).codeId).not.toBe((await ok(alice.fetchCode())).codeId);
  });

  it("lists, for an enterprise, the legal representative and the agents", async () => {
    const r = await ok(alice.get("/v1/wallet/representatives"));
    expect(r).toMatchObject({ legalRepresentative: { displayName: "李*梅" }, agents: [{ displayName: "王*国", reference: "SQWT-2026-0017" }] });
  });

  it("shows each record under publicity with the date repair becomes possible", async () => {
    const r = await ok(alice.get("/v1/wallet/records"));
    const [record] = r.records as { repair: string; repairFrom: string; decisionNo: string; publicUntil: string }[];
    expect(record).toMatchObject({ repair: "later", decisionNo: "佛禅市监罚〔2026〕305号" });
    expect(record!.repairFrom).toMatch(/^2027-\d\d-\d\d$/);
  });

  it("receives the scheduler's 免申即享 notice in the representative's wallet once the record can be repaired", async () => {
    expect((await ok(alice.get("/v1/wallet/notices"))).notices).toEqual([]);
    const from = ((await ok(alice.get("/v1/wallet/records"))).records as { repairFrom: string }[])[0]!.repairFrom;
    t.clock.set(`${from}T02:00:00.000Z`);
    const run = await runCreditScheduler(t.ctx);
    expect(run.notified).toContain(ids.recordLater);
    await ok(alice.signIn());
    const notices = await ok(alice.get("/v1/wallet/notices"));
    expect(notices).toMatchObject({ unseen: 1, notices: [{ recordId: ids.recordLater, decisionNo: "佛禅市监罚〔2026〕305号", stillRepairable: true, seen: false }] });
    const id = (notices.notices as { id: number }[])[0]!.id;
    expect((await alice.post(`/v1/wallet/notices/${id}/seen`)).status).toBe(204);
    expect((await ok(alice.get("/v1/wallet/notices"))).unseen).toBe(0);
    await ok(carol.signIn());
    expect((await ok(carol.get("/v1/wallet/notices"))).notices).toEqual([]);
  });

  it("rate-limits the passkey ceremonies per client", async () => {
    let limited = 0;
    for (let i = 0; i < 25; i += 1) {
      const r = await t.app.inject({ method: "POST", url: "/v1/wallet/signin/options", payload: {}, remoteAddress: "198.51.100.7" });
      if (r.statusCode === 429) {
        limited += 1;
        expect(r.json()).toMatchObject({ code: "rate_limited" });
      }
    }
    expect(limited).toBeGreaterThanOrEqual(5);
  });
});

describe("unbinding", () => {
  it("from another bound phone: the removed phone can no longer sign in, fetch or present; the code is rotated so offline verifiers learn it", async () => {
    const first = await boundPhone(await registrarOffer(ids.carol));
    const second = await boundPhone(await registrarOffer(ids.carol));
    await ok(second.fetchCode());
    const shown = await second.show();
    expect((await verifyOnline(t, shown)).body.valid).toBe(true);
    const removal = await ok(call(t, "DELETE", `/v1/wallet/devices/${second.deviceId}`, first.headers));
    expect(removal).toEqual({ removed: [second.deviceId], codeRotated: true });
    expect((await second.get("/v1/wallet/me")).body.code).toBe("wallet_session_invalid");
    expect((await second.signIn()).body.code).toBe("device_removed");
    const again = await second.show();
    const online = (await verifyOnline(t, again)).body;
    expect(online.valid).toBe(false);
    expect(["device_removed", "superseded"]).toContain(online.reason);
    expect(await (await offline()).verify(again)).toMatchObject({ valid: false, reason: "revoked" });
    // The remaining phone gets a code of the new code id and presents it.
    await ok(first.fetchCode());
    expect((await verifyOnline(t, await first.show())).body).toMatchObject({ valid: true });
    const entries = await t.db.pool.query("SELECT payload FROM ledger WHERE type = 'wallet.device_removed' ORDER BY seq DESC LIMIT 1");
    expect(payloadOf(entries.rows[0].payload)).toMatchObject({ device: second.deviceId, by: "device", reason: "holder_unbound" });
  });

  it("an agent cannot unbind the legal representative's phone; the legal representative can unbind the agent's", async () => {
    const alice = await boundPhone(await registrarOffer(ids.enterprise, ids.alice));
    const bob = await boundPhone(await registrarOffer(ids.enterprise, ids.bob));
    expect((await call(t, "DELETE", `/v1/wallet/devices/${alice.deviceId}`, bob.headers)).body.code).toBe("device_not_yours");
    const ownList = ((await ok(bob.get("/v1/wallet/devices"))).devices as { id: string }[]).map((d) => d.id);
    expect(ownList).not.toContain(alice.deviceId);
    await ok(call(t, "DELETE", `/v1/wallet/devices/${bob.deviceId}`, alice.headers));
    expect((await bob.get("/v1/wallet/me")).status).toBe(401);
  });

  it("at the kiosk after a face check: lists that person's phones (name and dates only) and removes the one chosen", async () => {
    const phone = new Phone(t);
    await ok(phone.bind((await kioskOffer(ids.alice)).offer, "丢了的手机"), 201);
    await ok(phone.fetchCode());
    const kept = await boundPhone((await kioskOffer(ids.alice)).offer);
    const agents = await boundPhone(await registrarOffer(ids.enterprise, ids.bob));
    const bare = await createSession(t.db.pool, { device: KIOSK, now: t.clock.now(), ttlSeconds: 600 });
    expect((await call(t, "POST", "/v1/wallet/kiosk/devices", kiosk, { sessionId: bare.id })).body.code).toBe("face_check_required");
    const check = await passedFaceCheck(t.db.pool, { device: KIOSK, enterpriseId: ids.enterprise, personId: ids.alice, now: t.clock.now() });
    const list = async () => (await ok(call(t, "POST", "/v1/wallet/kiosk/devices", kiosk, { sessionId: check.sessionId }))).devices as Record<string, unknown>[];
    const before = await list();
    expect(before.map((d) => d.id)).toEqual(expect.arrayContaining([phone.deviceId, kept.deviceId]));
    expect(before.map((d) => d.id)).not.toContain(agents.deviceId); // the agent's phone is not hers to see
    for (const d of before) expect(Object.keys(d).sort()).toEqual(["boundAt", "id", "lastSeenAt", "name"]);
    // Her own personal code's phones are a list of their own (none bound here).
    expect((await ok(call(t, "POST", "/v1/wallet/kiosk/devices", kiosk, { sessionId: check.sessionId, whom: "holder" }))).devices).toEqual([]);
    expect(before.find((d) => d.id === phone.deviceId)).toMatchObject({ name: "丢了的手机" });
    // Another holder's phone, by its id, is not found (the kiosk cannot unbind it).
    expect((await call(t, "POST", "/v1/wallet/kiosk/unbind", kiosk, { sessionId: check.sessionId, deviceId: agents.deviceId })).body.code).toBe("device_not_found");
    const r = await ok(call(t, "POST", "/v1/wallet/kiosk/unbind", kiosk, { sessionId: check.sessionId, deviceId: phone.deviceId }));
    expect(r).toEqual({ removed: [phone.deviceId], codeRotated: true });
    expect((await phone.signIn()).body.code).toBe("device_removed");
    await ok(kept.get("/v1/wallet/me"));
    await ok(agents.get("/v1/wallet/me"));
    expect((await list()).map((d) => d.id)).not.toContain(phone.deviceId);
    // The same phone twice: already gone.
    expect((await call(t, "POST", "/v1/wallet/kiosk/unbind", kiosk, { sessionId: check.sessionId, deviceId: phone.deviceId })).body.code).toBe("device_not_found");
  });

  it("at the kiosk after a face check (a lost phone): every phone that person holds for the subject", async () => {
    const lost = await boundPhone((await kioskOffer(ids.alice)).offer);
    await ok(lost.fetchCode());
    const bare = await createSession(t.db.pool, { device: KIOSK, now: t.clock.now(), ttlSeconds: 600 });
    expect((await call(t, "POST", "/v1/wallet/kiosk/unbind", kiosk, { sessionId: bare.id })).body.code).toBe("face_check_required");
    const check = await passedFaceCheck(t.db.pool, { device: KIOSK, enterpriseId: ids.enterprise, personId: ids.alice, now: t.clock.now() });
    const r = await ok(call(t, "POST", "/v1/wallet/kiosk/unbind", kiosk, { sessionId: check.sessionId }));
    expect(r.removed as string[]).toContain(lost.deviceId);
    expect(r.codeRotated).toBe(true);
    expect((await lost.signIn()).body.code).toBe("device_removed");
    const left = (await t.db.pool.query("SELECT count(*)::int AS n FROM wallet_devices WHERE subject_id = $1 AND holder_id = $2 AND removed_at IS NULL", [ids.enterprise, ids.alice])).rows[0].n;
    expect(left).toBe(0);
  });

  it("by the registrar, with a reason code", async () => {
    const phone = await boundPhone(await registrarOffer(ids.carol));
    const listed = await ok(call(t, "GET", `/v1/wallet/registrar/subjects/${ids.carol}/devices`, registrar));
    expect((listed.devices as { id: string }[]).map((d) => d.id)).toContain(phone.deviceId);
    expect((await call(t, "POST", `/v1/wallet/registrar/devices/${phone.deviceId}/remove`, registrar, { reason: "丢失" })).status).toBe(400);
    const r = await ok(call(t, "POST", `/v1/wallet/registrar/devices/${phone.deviceId}/remove`, registrar, { reason: "reported_stolen" }));
    expect(r.codeRotated).toBe(false); // it never fetched a code
    expect((await phone.get("/v1/wallet/me")).status).toBe(401);
    expect((await call(t, "POST", `/v1/wallet/registrar/devices/${phone.deviceId}/remove`, registrar, { reason: "reported_stolen" })).body.code).toBe("device_not_found");
  });
});
