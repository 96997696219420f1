// Codes bound to the holder's phone (cnf, RFC 7800) and the device proof the phone adds
// (protocol/codes/device-proof.ts): real Ed25519 tokens from the API's signer, real P-256 device
// keys made non-extractable with WebCrypto, real signatures. Online (POST /v1/codes/verify, with
// the wallet_devices row the wallet feature writes) and offline (protocol/codes/offline-verifier.ts).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { openKeySet } from "../../api/src/codes/keys.ts";
import { signCodeToken, statusListUri } from "../../api/src/codes/token.ts";
import { qrVersion } from "../../api/src/codes/qr.ts";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { checkClaims, type DeviceKey } from "../../protocol/codes/token-format.ts";
import {
  DEVICE_PROOF_TOLERANCE_SECONDS,
  DEVICE_PROOF_WINDOW_SECONDS,
  boundQrText,
  deviceKeyThumbprint,
  presentationFromScan,
  signDeviceProof,
  verifyDeviceProof,
} from "../../protocol/codes/device-proof.ts";
import { b64u, deflateClaims, enrol, signRaw, splitToken, verifyOnline, type Enrolled } from "./fixtures.ts";

let t: TestApp;
let person: Enrolled;
let enterprise: Enrolled;
let device: CryptoKeyPair;
let deviceKey: DeviceKey;
let thief: CryptoKeyPair;

async function newDeviceKey(): Promise<{ pair: CryptoKeyPair; jwk: DeviceKey }> {
  // As the wallet makes it: the private half cannot be exported.
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { pair, jwk: { kty: kty as "EC", crv: crv as "P-256", x: x!, y: y! } };
}

const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);

async function bound(subject: Enrolled, key: DeviceKey, kind: "person" | "enterprise" = "person", displayName = "张*三") {
  const keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 3600 });
  return signCodeToken(
    keys,
    { codeId: subject.codeId, kind, displayName, creditStatus: "good", statusIndex: subject.statusIndex },
    { issuer: t.ctx.config.publicUrl, now: t.clock.now(), ttlSeconds: 4 * 3600, statusUri: statusListUri(t.ctx.config.publicUrl), deviceKey: key },
  );
}

/** What the wallet's page shows at this moment. */
async function shown(token: string, tokenId: string, pair: CryptoKeyPair = device, at = nowSeconds()): Promise<string> {
  return boundQrText(token, await signDeviceProof(pair.privateKey, tokenId, at));
}

/** The device row the wallet feature writes at binding (so that the online check finds the key bound). */
async function registerDevice(subject: Enrolled, key: DeviceKey): Promise<string> {
  const id = randomUUID();
  await t.db.pool.query(
    `INSERT INTO wallet_devices (id, subject_id, holder_id, capacity, name, credential_id, credential_key, device_jwk, device_jkt, bound_at, bound_via)
     VALUES ($1, $2, $2, 'self', 'test phone', $3, '\\x00', $4, $5, $6, 'registrar:test')`,
    [id, subject.subjectId, `cred-${id}`, JSON.stringify(key), await deviceKeyThumbprint(key), t.clock.now()],
  );
  return id;
}

async function offlineVerifier() {
  const jwks = (await t.app.inject({ url: "/.well-known/jwks.json" })).json();
  const statusListToken = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
  return createOfflineVerifier({ jwks, statusListToken, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 24 * 3600, now: () => t.clock.now() });
}

beforeAll(async () => {
  t = await buildTestApp();
  person = await enrol(t);
  enterprise = await enrol(t, { kind: "enterprise" });
  ({ pair: device, jwk: deviceKey } = await newDeviceKey());
  ({ pair: thief } = await newDeviceKey());
  await registerDevice(person, deviceKey);
});

afterAll(async () => {
  await t?.close();
});

describe("the token carries the device key", () => {
  it("cnf holds exactly the public jwk, and checkClaims reads it back", async () => {
    const issued = await bound(person, deviceKey);
    const { claims } = splitToken(issued.token);
    expect(claims.cnf).toEqual({ jwk: { kty: "EC", crv: "P-256", x: deviceKey.x, y: deviceKey.y } });
    expect(claims.exp as number).toBe((claims.iat as number) + 4 * 3600);
    expect(claims.jti).toBe(issued.tokenId);
    const facts = checkClaims(new TextEncoder().encode(JSON.stringify(claims)), { issuer: t.ctx.config.publicUrl, nowSeconds: nowSeconds() });
    expect(facts.deviceKey).toEqual(deviceKey);
  });

  it("a cnf of any other shape is refused as malformed claims (only {jwk:{kty,crv,x,y}} of P-256)", () => {
    const claims = (cnf: unknown) => ({
      iss: t.ctx.config.publicUrl,
      sub: "0".repeat(32),
      k: "p",
      n: "张*三",
      cs: "g",
      iat: nowSeconds(),
      exp: nowSeconds() + 60,
      jti: "abcdefghijk",
      status: { status_list: { idx: 1, uri: "x" } },
      cnf,
    });
    const jwk = { kty: "EC", crv: "P-256", x: deviceKey.x, y: deviceKey.y };
    const bad: unknown[] = [
      null,
      "key",
      { jwk, jkt: "x" },
      { jku: "https://evil.example/jwks" },
      { jwk: { ...jwk, d: deviceKey.x } }, // a private key
      { jwk: { ...jwk, kid: "k" } },
      { jwk: { ...jwk, crv: "P-384" } },
      { jwk: { ...jwk, kty: "OKP" } },
      { jwk: { ...jwk, x: deviceKey.x.slice(1) } },
      { jwk: { ...jwk, y: `${deviceKey.y.slice(0, 42)}B` } }, // non-canonical last character
      { jwk: [jwk] },
    ];
    for (const cnf of bad) {
      expect(() => checkClaims(new TextEncoder().encode(JSON.stringify(claims(cnf))), { issuer: t.ctx.config.publicUrl, nowSeconds: nowSeconds() }), JSON.stringify(cnf)).toThrow(
        /missing or malformed claims: cnf/,
      );
    }
    expect(checkClaims(new TextEncoder().encode(JSON.stringify(claims({ jwk }))), { issuer: t.ctx.config.publicUrl, nowSeconds: nowSeconds() }).deviceKey).toEqual(jwk);
  });

  it("an unbound code stays as today: no cnf, no proof, OC1 text", async () => {
    const r = await t.app.inject({ method: "GET", url: `/v1/subjects/${person.subjectId}/code`, headers: await t.auth("kiosk") });
    const code = r.json() as { token: string; qrText: string };
    expect(splitToken(code.token).claims.cnf).toBeUndefined();
    expect(code.qrText.startsWith("OC1:/")).toBe(true);
    const verdict = await verifyOnline(t, code.qrText);
    expect(verdict.body.valid).toBe(true);
    expect(verdict.body).toMatchObject({ deviceBound: false });
  });
});

describe("the QR a bound phone shows", () => {
  it("stays at QR version ≤ 20 at error correction M (measured with the longest enterprise name)", async () => {
    const issued = await bound(enterprise, deviceKey, "enterprise", "广东省佛山市禅城区**贸易有限责任公司");
    const text = await shown(issued.token, issued.tokenId);
    const version = qrVersion(text);
    const keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 3600 });
    const unbound = await signCodeToken(
      keys,
      { codeId: enterprise.codeId, kind: "enterprise", displayName: "广东省佛山市禅城区**贸易有限责任公司", creditStatus: "good", statusIndex: enterprise.statusIndex },
      { issuer: t.ctx.config.publicUrl, now: t.clock.now(), ttlSeconds: 60, statusUri: statusListUri(t.ctx.config.publicUrl) },
    );
    console.log(`bound QR: ${text.length} characters, version ${version} at M (the same code unbound: version ${qrVersion(unbound.qrText)})`);
    expect(version).toBeLessThanOrEqual(20);
    const parsed = presentationFromScan(text);
    expect(parsed.token).toBe(issued.token);
    expect(parsed.proof!.signature.length).toBe(64);
  });

  it("is accepted online and offline inside its window, and says it is device-bound", async () => {
    const issued = await bound(person, deviceKey);
    const text = await shown(issued.token, issued.tokenId);
    const online = await verifyOnline(t, text);
    expect(online.body).toMatchObject({ valid: true, deviceBound: true, status: "active" });
    const offline = await (await offlineVerifier()).verify(text);
    expect(offline).toMatchObject({ valid: true, deviceBound: true });
  });

  it("the same QR 31 s later is refused as stale, online and offline with no network", async () => {
    const issued = await bound(person, deviceKey);
    const text = await shown(issued.token, issued.tokenId);
    const offline = await offlineVerifier();
    t.clock.advance(29_000);
    expect((await offline.verify(text)).valid).toBe(true);
    t.clock.advance(2_000);
    const late = await offline.verify(text);
    expect(late).toMatchObject({ valid: false, reason: "device_proof_stale" });
    expect((await verifyOnline(t, text)).body).toMatchObject({ valid: false, reason: "device_proof_stale" });
    // The phone, re-signing now, is accepted again: the token itself lives hours.
    expect((await offline.verify(await shown(issued.token, issued.tokenId))).valid).toBe(true);
  });

  it("a proof from the future is accepted within the stated tolerance only", async () => {
    const issued = await bound(person, deviceKey);
    const offline = await offlineVerifier();
    const ahead = await shown(issued.token, issued.tokenId, device, nowSeconds() + DEVICE_PROOF_TOLERANCE_SECONDS);
    expect((await offline.verify(ahead)).valid).toBe(true);
    const tooFar = await shown(issued.token, issued.tokenId, device, nowSeconds() + DEVICE_PROOF_TOLERANCE_SECONDS + 1);
    expect(await offline.verify(tooFar)).toMatchObject({ valid: false, reason: "device_proof_stale" });
  });

  it("the token without the phone's signature is refused (a copied token)", async () => {
    const issued = await bound(person, deviceKey);
    expect((await verifyOnline(t, issued.qrText)).body).toMatchObject({ valid: false, reason: "device_proof_missing" });
    expect((await verifyOnline(t, issued.token)).body).toMatchObject({ valid: false, reason: "device_proof_missing" });
    expect(await (await offlineVerifier()).verify(issued.qrText)).toMatchObject({ valid: false, reason: "device_proof_missing" });
  });

  it("another key's signature, another token's id, or an edited window is refused as invalid", async () => {
    const issued = await bound(person, deviceKey);
    const other = await bound(person, deviceKey);
    const offline = await offlineVerifier();
    const cases = {
      "a thief's key": await shown(issued.token, issued.tokenId, thief),
      "another token's id": boundQrText(issued.token, await signDeviceProof(device.privateKey, other.tokenId, nowSeconds())),
      "an edited window": boundQrText(issued.token, { ...(await signDeviceProof(device.privateKey, issued.tokenId, nowSeconds() - 60)), windowStart: nowSeconds() }),
    };
    for (const [name, text] of Object.entries(cases)) {
      expect(await offline.verify(text), name).toMatchObject({ valid: false, reason: "device_proof_invalid" });
      expect((await verifyOnline(t, text)).body, name).toMatchObject({ valid: false, reason: "device_proof_invalid" });
    }
  });

  it("a proof glued to an unbound token, or a malformed proof, is refused", async () => {
    const r = await t.app.inject({ method: "GET", url: `/v1/subjects/${person.subjectId}/code`, headers: await t.auth("kiosk") });
    const unbound = r.json() as { token: string };
    const proof = await signDeviceProof(device.privateKey, "whatever1", nowSeconds());
    expect((await verifyOnline(t, boundQrText(unbound.token, proof))).body).toMatchObject({ valid: false, reason: "malformed" });
    const issued = await bound(person, deviceKey);
    const good = presentationFromScan(await shown(issued.token, issued.tokenId)).proof!;
    const raw = `${issued.token}.${good.windowStart}.${b64u(good.signature)}`;
    expect((await verifyOnline(t, raw)).body).toMatchObject({ valid: true }); // pasted as text
    for (const text of [`${issued.token}.0${good.windowStart}.${b64u(good.signature)}`, `${issued.token}.${good.windowStart}.${b64u(good.signature).slice(2)}`, `${issued.token}.${good.windowStart}`]) {
      expect((await verifyOnline(t, text)).body.valid, text.slice(-20)).toBe(false);
    }
  });

  it("a token bound to a device key that was never registered, or was removed, is refused online", async () => {
    const { pair, jwk } = await newDeviceKey();
    const issued = await bound(person, jwk);
    const text = await shown(issued.token, issued.tokenId, pair);
    expect((await verifyOnline(t, text)).body).toMatchObject({ valid: false, reason: "device_removed" });
    const id = await registerDevice(person, jwk);
    t.clock.advance(1_100); // the verifier's 1 s cache
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await verifyOnline(t, await shown(issued.token, issued.tokenId, pair))).body).toMatchObject({ valid: true });
    await t.db.pool.query("UPDATE wallet_devices SET removed_at = now() WHERE id = $1", [id]);
    t.app.codes.deviceRemoved(await deviceKeyThumbprint(jwk));
    expect((await verifyOnline(t, await shown(issued.token, issued.tokenId, pair))).body).toMatchObject({ valid: false, reason: "device_removed" });
  });

  it("re-signing the claims with the cnf of another device is a bad signature (the issuer's signature covers cnf)", async () => {
    const issued = await bound(person, deviceKey);
    const { header, claims } = splitToken(issued.token);
    const { jwk } = await newDeviceKey();
    claims.cnf = { jwk };
    const forged = signRaw(header, deflateClaims(claims), null);
    const parts = issued.token.split(".");
    const swapped = `${parts[0]}.${forged.split(".")[1]}.${parts[2]}`;
    expect((await verifyOnline(t, swapped)).body).toMatchObject({ valid: false, reason: "bad_signature" });
  });
});

describe("verifyDeviceProof, the pure function the verifier calls", () => {
  it("accepts from the window start minus the tolerance until 30 s after it, exclusive", async () => {
    const tokenId = "tok12345";
    const start = 2_000_000_000;
    const proof = await signDeviceProof(device.privateKey, tokenId, start);
    const at = (now: number) => verifyDeviceProof({ deviceKey, tokenId, proof, nowSeconds: now });
    await expect(at(start - DEVICE_PROOF_TOLERANCE_SECONDS)).resolves.toBeUndefined();
    await expect(at(start - DEVICE_PROOF_TOLERANCE_SECONDS - 1)).rejects.toMatchObject({ reason: "device_proof_stale" });
    await expect(at(start + DEVICE_PROOF_WINDOW_SECONDS - 1)).resolves.toBeUndefined();
    await expect(at(start + DEVICE_PROOF_WINDOW_SECONDS)).rejects.toMatchObject({ reason: "device_proof_stale" });
    await expect(verifyDeviceProof({ deviceKey, tokenId: "tok12346", proof, nowSeconds: start })).rejects.toMatchObject({ reason: "device_proof_invalid" });
  });
});
