// Issuance (QR decoded by a real decoder, version ≤ 15 at M), the status list,
// lifecycle transitions with their ledger entries and chain writes, key rotation.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { openKeySet } from "../../api/src/codes/keys.ts";
import { signCodeToken } from "../../api/src/codes/token.ts";
import { qrVersion } from "../../api/src/codes/qr.ts";
import { statusAt } from "../../protocol/codes/token-format.ts";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { decodePngDataUrl, enrol, fetchCode, fromB64u, verifyOnline } from "./fixtures.ts";

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

async function statusList() {
  const res = await t.app.inject({ url: "/v1/status-lists/1" });
  expect(res.statusCode).toBe(200);
  const [, p] = res.body.split(".") as [string, string];
  const claims = JSON.parse(fromB64u(p).toString()) as { sub: string; iat: number; exp: number; ttl: number; status_list: { bits: number; lst: string } };
  return { res, claims, list: new Uint8Array(inflateSync(fromB64u(claims.status_list.lst))) };
}

describe("issuing a code", () => {
  it("returns a token jose verifies with the JWKS, and a QR a real decoder reads back, version ≤ 15 at M", async () => {
    const e = await enrol(t, { kind: "enterprise", displayName: "佛山市禅城区示例科技有限公司", creditStatus: "dishonest" });
    const code = await fetchCode(t, e.subjectId);
    expect(code.codeId).toBe(e.codeId);
    expect(decodeProtectedHeader(code.token)).toMatchObject({ alg: "EdDSA", typ: "onecode+jwt", zip: "DEF" });
    const jwks = await t.app.inject({ url: "/.well-known/jwks.json" });
    expect(jwks.headers["cache-control"]).toMatch(/max-age=\d+/);
    await compactVerify(code.token, createLocalJWKSet(jwks.json()), { algorithms: ["EdDSA"] });
    expect(decodePngDataUrl(code.qr.png)).toBe(code.qrText);
    expect(code.qr.version).toBeLessThanOrEqual(15);
    expect(code.qr.svg).toMatch(/^<svg/);
    expect(Date.parse(code.expiresAt) - t.clock.now().getTime()).toBe(60_000);
    const verdict = await verifyOnline(t, decodePngDataUrl(code.qr.png));
    expect(verdict.body).toMatchObject({ valid: true, subject: { kind: "enterprise", creditStatus: "dishonest", displayName: "佛山市禅城区示例科技有限公司" } });
    expect(verdict.body.anchor).toMatchObject({ state: "pending", proofUrl: expect.stringMatching(/^\/v1\/ledger\/entries\/\d+\/proof$/) });
    // The same token sent as raw bytes would need a bigger symbol: the numeric form is what keeps it small.
    expect(QRCode.create(code.token, { errorCorrectionLevel: "M" }).version).toBeGreaterThan(code.qr.version);
  });

  it("stays at version ≤ 15 with a long production issuer URL, long names and large indexes", async () => {
    const keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 3600 });
    const issuer = "https://onecode.chancheng.foshan.gov.cn"; // 39 characters
    for (const displayName of ["张*三", "欧阳**", "佛山市示例有限公司", "佛山市禅城区示例科技有限公司", "广东省佛山市禅城区示例贸易有限责任公司", "广东省佛山市禅城区祖庙街道示例五金机电设备进出口贸易有限责任公司"]) {
      const issued = await signCodeToken(
        keys,
        { codeId: "f".repeat(32), kind: "enterprise", displayName, creditStatus: "serious", statusIndex: 9_999_999 },
        { issuer, now: t.clock.now(), ttlSeconds: 3600, statusUri: `${issuer}/v1/status-lists/1` },
      );
      expect(qrVersion(issued.qrText), displayName).toBeLessThanOrEqual(15);
    }
  });

  it("refuses a subject with no code, an unknown subject, and callers without the role", async () => {
    expect((await t.app.inject({ url: `/v1/subjects/00000000-0000-4000-8000-000000000000/code`, headers: await t.auth("kiosk") })).statusCode).toBe(404);
    const e = await enrol(t);
    expect((await t.app.inject({ url: `/v1/subjects/${e.subjectId}/code` })).statusCode).toBe(401);
    expect((await t.app.inject({ url: `/v1/subjects/${e.subjectId}/code`, headers: await t.auth("auditor") })).statusCode).toBe(403);
    expect((await t.app.inject({ url: `/v1/subjects/not-a-uuid/code`, headers: await t.auth("kiosk") })).statusCode).toBe(400);
  });

  it("a token expires with the clock", async () => {
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    t.clock.advance(61_000 + 5_000);
    expect((await verifyOnline(t, code.token)).body.reason).toBe("expired");
  });
});

describe("lifecycle", () => {
  it("suspend, reinstate, revoke: one ledger entry and one chain write each, clear 409s for wrong states", async () => {
    const e = await enrol(t);
    const registrar = await t.auth("registrar");
    const post = (action: string) => t.app.inject({ method: "POST", url: `/v1/codes/${e.codeId}/${action}`, headers: registrar, payload: { reason: "holder_request" } });
    const token = (await fetchCode(t, e.subjectId)).token;

    expect((await post("reinstate")).json()).toMatchObject({ code: "code_not_suspended" });
    const s = await post("suspend");
    expect(s.statusCode).toBe(200);
    expect((await verifyOnline(t, token)).body.reason).toBe("suspended");
    expect((await post("suspend")).json()).toMatchObject({ status: 409, code: "code_not_active" });
    expect((await t.app.inject({ url: `/v1/subjects/${e.subjectId}/code`, headers: await t.auth("kiosk") })).json()).toMatchObject({ code: "code_suspended" });
    expect((await t.app.inject({ method: "POST", url: `/v1/subjects/${e.subjectId}/code/rotate`, headers: registrar })).json()).toMatchObject({ code: "code_suspended" });

    let list = await statusList();
    expect(statusAt(list.list, e.statusIndex, 2)).toBe(2);
    expect((await post("reinstate")).statusCode).toBe(200);
    expect((await verifyOnline(t, token)).body.valid).toBe(true);
    list = await statusList();
    expect(statusAt(list.list, e.statusIndex, 2)).toBe(0);

    expect((await post("revoke")).statusCode).toBe(200);
    expect((await verifyOnline(t, token)).body.reason).toBe("revoked");
    expect((await post("revoke")).json()).toMatchObject({ status: 409, code: "code_revoked" });
    expect((await post("reinstate")).json()).toMatchObject({ status: 409, code: "code_revoked" });
    list = await statusList();
    expect(statusAt(list.list, e.statusIndex, 2)).toBe(1);

    const ledger = await t.db.pool.query<{ type: string; payload: string }>("SELECT type, payload FROM ledger WHERE subject_ref = $1 ORDER BY seq", [e.codeId]);
    expect(ledger.rows.map((r) => r.type)).toEqual(["code.issued", "code.suspended", "code.reinstated", "code.revoked"]);
    const outbox = await t.db.pool.query<{ kind: string; payload: { codeId: string } }>(
      "SELECT kind, payload FROM chain_outbox WHERE payload->>'codeId' = $1 ORDER BY id",
      [`0x${e.codeId}`],
    );
    expect(outbox.rows.map((r) => r.kind)).toEqual(["code.issue", "code.suspend", "code.reinstate", "code.revoke"]);
    expect((await t.app.inject({ method: "POST", url: `/v1/codes/${e.codeId}/revoke`, headers: await t.auth("kiosk") })).statusCode).toBe(403);
    expect((await t.app.inject({ method: "POST", url: `/v1/codes/${"0".repeat(32)}/revoke`, headers: registrar })).json()).toMatchObject({ code: "code_not_found" });
  });

  it("rotation supersedes the old code and hands out the new one", async () => {
    const e = await enrol(t);
    const registrar = await t.auth("registrar");
    const old = await fetchCode(t, e.subjectId);
    const r = await t.app.inject({ method: "POST", url: `/v1/subjects/${e.subjectId}/code/rotate`, headers: registrar });
    expect(r.statusCode).toBe(200);
    const rotated = r.json() as { codeId: string; replaces: string };
    expect(rotated.replaces).toBe(e.codeId);
    expect((await verifyOnline(t, old.token)).body.reason).toBe("superseded");
    const fresh = await fetchCode(t, e.subjectId);
    expect(fresh.codeId).toBe(rotated.codeId);
    expect((await verifyOnline(t, fresh.token)).body.valid).toBe(true);
    expect((await t.app.inject({ method: "POST", url: `/v1/codes/${e.codeId}/suspend`, headers: registrar })).json()).toMatchObject({ code: "code_superseded" });
    const outbox = await t.db.pool.query("SELECT 1 FROM chain_outbox WHERE kind = 'code.rotate' AND payload->>'oldCodeId' = $1", [`0x${e.codeId}`]);
    expect(outbox.rowCount).toBe(1);
  });
});

describe("status list", () => {
  it("is a signed statuslist+jwt with cache headers, regenerated on change", async () => {
    const { res, claims } = await statusList();
    expect(res.headers["content-type"]).toMatch(/^application\/statuslist\+jwt/);
    expect(res.headers["cache-control"]).toMatch(/max-age=\d+/);
    expect(decodeProtectedHeader(res.body)).toMatchObject({ alg: "EdDSA", typ: "statuslist+jwt" });
    await compactVerify(res.body, createLocalJWKSet((await t.app.inject({ url: "/.well-known/jwks.json" })).json()));
    expect(claims.sub).toBe(`${t.ctx.config.publicUrl}/v1/status-lists/1`);
    expect(claims.status_list.bits).toBe(2);
    expect(claims.ttl).toBeGreaterThan(0);
    expect(claims.exp).toBeGreaterThan(claims.iat);
    // Cached while nothing changes…
    expect((await statusList()).res.body).toBe(res.body);
    // …regenerated when another writer (not this instance's routes) changes a code.
    const e = await enrol(t);
    await t.db.pool.query("UPDATE codes SET status = 'suspended' WHERE code_id = $1", [e.codeId]);
    const after = await statusList();
    expect(after.res.body).not.toBe(res.body);
    expect(statusAt(after.list, e.statusIndex, 2)).toBe(2);
  });
});

describe("key rotation", () => {
  it("new key signs, old key verifies until its tokens expire, then is dropped from the JWKS and the disk", async () => {
    const e = await enrol(t);
    const before = await fetchCode(t, e.subjectId);
    const oldKid = decodeProtectedHeader(before.token).kid!;
    const keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 120 });
    const fresh = keys.rotate();
    expect(fresh.kid).not.toBe(oldKid);
    t.clock.advance(6_000); // past the API's folder re-read interval (wall clock is used for that; force with a new request)
    await new Promise((r) => setTimeout(r, 5_100));
    const after = await fetchCode(t, e.subjectId);
    expect(decodeProtectedHeader(after.token).kid).toBe(fresh.kid);
    const jwks = (await t.app.inject({ url: "/.well-known/jwks.json" })).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([oldKid, fresh.kid].sort());
    expect((await verifyOnline(t, before.token)).body.valid).toBe(true);
    // Past the retention the API uses (max(code ttl, status list lifetime) + leeway): old key gone.
    t.clock.advance(25 * 3600 * 1000);
    await new Promise((r) => setTimeout(r, 5_100));
    const later = (await t.app.inject({ url: "/.well-known/jwks.json" })).json() as { keys: { kid: string }[] };
    expect(later.keys.map((k) => k.kid)).toEqual([fresh.kid]);
    expect(existsSync(join(t.ctx.config.codeKeysDir, `${oldKid}.json`))).toBe(false);
    const forgedOld = await verifyOnline(t, before.token);
    expect(forgedOld.body.reason).toBe("unknown_key");
  });
});

describe("offline verifier data age", () => {
  it("refuses valid on stale data and says why; accepts within the limit", async () => {
    const e = await enrol(t);
    const jwks = (await t.app.inject({ url: "/.well-known/jwks.json" })).json();
    const statusListToken = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
    let now = t.clock.now();
    const v = await createOfflineVerifier({ jwks, statusListToken, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 300, now: () => now });
    const fresh = await fetchCode(t, e.subjectId);
    expect(await v.verify(fresh.qrText)).toMatchObject({ valid: true, offline: true, dataAge: { stale: false } });
    // Ten minutes later: a new code from the holder's phone, but the cached list is 600 s old.
    t.clock.advance(600_000);
    now = t.clock.now();
    const later = await fetchCode(t, e.subjectId);
    const verdict = await v.verify(later.qrText);
    expect(verdict).toMatchObject({ valid: false, reason: "stale_data", dataAge: { stale: true, limitSeconds: 300 } });
    expect(verdict.dataAge.statusListSeconds).toBeGreaterThanOrEqual(600);
    expect(verdict.detail).toMatch(/too old/);
    // Stale data still lets a forgery be named for what it is.
    expect((await v.verify(later.qrText.slice(0, -4))).reason).not.toBe("stale_data");
    // A tampered status list is not usable at all.
    const [h, p, s] = statusListToken.split(".");
    await expect(createOfflineVerifier({ jwks, statusListToken: `${h}.${p}A.${s}`, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 300 })).rejects.toThrow(/cannot be used/);
  });
});
