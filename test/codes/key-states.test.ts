// Issuer key states with the API's real key set: the JWKS lists the signing key from boot,
// a retired key vouches only for what it signed before its retirement, and the emergency
// revocation of a compromised key (npm run keys -- compromise KID) refuses every token of
// it online at once and offline once the verifier has fetched the JWKS again; a new key
// then signs codes and the status list. Real Ed25519 keys, real database.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { openKeySet, type CodeKeySet } from "../../api/src/codes/keys.ts";
import { createOfflineVerifier, OfflineDataError } from "../../protocol/codes/offline-verifier.ts";
import { COMPROMISED_AT, RETIRED_AT } from "../../protocol/codes/issuer-keys.ts";
import { main as keysCommand } from "../../scripts/keys.ts";
import { deflateClaims, enrol, fetchCode, signRaw, splitToken, verifyOnline } from "./fixtures.ts";

let t: TestApp;
/** The same key folder the API reads, opened as `npm run keys` opens it (the test's clock). */
let keys: CodeKeySet;

beforeAll(async () => {
  t = await buildTestApp();
  keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 25 * 3600 });
});
afterAll(async () => {
  await t?.close();
});

const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);
/** The API re-reads the key folder at most once a second (wall clock). */
const apiNotices = () => new Promise((resolve) => setTimeout(resolve, 1_100));

interface Jwk {
  kid: string;
  [member: string]: unknown;
}

async function published(): Promise<{ keys: Jwk[] }> {
  const res = await t.app.inject({ url: "/.well-known/jwks.json" });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** An offline verifier that has just refreshed its keys and status list from the API. */
async function refreshedOffline() {
  const jwks = await published();
  const statusListToken = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
  return createOfflineVerifier({ jwks, statusListToken, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 600, now: () => t.clock.now() });
}

/** The claims of `token`, issued again now by the key `kid` (as whoever holds that private key could). */
function signedNowBy(token: string, kid: string): string {
  const key = keys.list().find((k) => k.kid === kid)!;
  const { header, claims } = splitToken(token);
  claims.iat = nowSeconds();
  claims.exp = nowSeconds() + 60;
  return signRaw({ ...header, kid }, deflateClaims(claims), key.privateKey);
}

describe("the JWKS at boot", () => {
  it("lists the signing key before any code is signed", async () => {
    const fresh = await buildTestApp();
    try {
      expect(readdirSync(fresh.ctx.config.codeKeysDir).filter((f) => f.endsWith(".json"))).toHaveLength(1);
      const jwks = (await fresh.app.inject({ url: "/.well-known/jwks.json" })).json() as { keys: Jwk[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(jwks.keys[0]).not.toHaveProperty(RETIRED_AT);
      expect(jwks.keys[0]).not.toHaveProperty("d");
      // The code signed next is signed by that key.
      const e = await enrol(fresh);
      expect(decodeProtectedHeader((await fetchCode(fresh, e.subjectId)).token).kid).toBe(jwks.keys[0]!.kid);
    } finally {
      await fresh.close();
    }
  });
});

describe("a retired key", () => {
  it("vouches for what it signed before its retirement, online and offline, and for nothing signed after", async () => {
    const e = await enrol(t, { kind: "enterprise", displayName: "佛山市禅城区示例贸易有限公司" });
    const before = await fetchCode(t, e.subjectId);
    const oldKid = decodeProtectedHeader(before.token).kid!;
    const fresh = keys.rotate();
    await apiNotices();
    const jwks = await published();
    const old = jwks.keys.find((k) => k.kid === oldKid)!;
    expect(old[RETIRED_AT]).toBe(nowSeconds());
    expect(old).not.toHaveProperty(COMPROMISED_AT);
    expect(jwks.keys.find((k) => k.kid === fresh.kid)).not.toHaveProperty(RETIRED_AT);

    // Signed before the retirement: still valid for its lifetime.
    expect((await verifyOnline(t, before.token)).body).toMatchObject({ valid: true });
    const offline = await refreshedOffline();
    expect(await offline.verify(before.qrText)).toMatchObject({ valid: true });

    // Within the clock leeway of the retirement (an instance that had not yet re-read the folder): accepted.
    t.clock.advance(4_000);
    expect((await verifyOnline(t, signedNowBy(before.token, oldKid))).body).toMatchObject({ valid: true });

    // Signed by the retired key a minute after its retirement: refused.
    t.clock.advance(56_000);
    const late = signedNowBy(before.token, oldKid);
    expect((await verifyOnline(t, late)).body).toMatchObject({ valid: false, reason: "key_retired" });
    const refreshed = await refreshedOffline();
    expect(await refreshed.verify(late)).toMatchObject({ valid: false, reason: "key_retired" });

    // The current key's codes are unaffected.
    const now = await fetchCode(t, e.subjectId);
    expect(decodeProtectedHeader(now.token).kid).toBe(fresh.kid);
    expect((await verifyOnline(t, now.token)).body).toMatchObject({ valid: true });
    expect(await refreshed.verify(now.qrText)).toMatchObject({ valid: true });
  });
});

describe("emergency revocation of a compromised key", () => {
  it("refuses every token of the signing key at once online, offline after a refresh; a new key signs codes and the status list", async () => {
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    const kid = decodeProtectedHeader(code.token).kid!;
    const staleJwksOffline = await refreshedOffline();
    const oldStatusList = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
    expect(decodeProtectedHeader(oldStatusList).kid).toBe(kid);
    // Verified (and so cached) while the key is good.
    expect((await verifyOnline(t, code.token)).body).toMatchObject({ valid: true });
    expect((await verifyOnline(t, code.token)).body).toMatchObject({ valid: true });

    const { compromised, signer, replaced } = keys.compromise(kid);
    expect(replaced).toBe(true);
    expect(signer.kid).not.toBe(kid);
    expect(compromised.compromisedAt).not.toBeNull();
    await apiNotices();

    const jwks = await published();
    expect(jwks.keys.find((k) => k.kid === kid)).toMatchObject({ [COMPROMISED_AT]: nowSeconds(), [RETIRED_AT]: nowSeconds() });
    // Online: refused at once, though the token was signed before the compromise and had verified.
    expect((await verifyOnline(t, code.token)).body).toMatchObject({ valid: false, reason: "key_compromised" });
    expect((await verifyOnline(t, code.qrText)).body).toMatchObject({ valid: false, reason: "key_compromised" });
    // A token an attacker signs with the stolen key, with any iat: refused.
    expect((await verifyOnline(t, signedNowBy(code.token, kid))).body).toMatchObject({ valid: false, reason: "key_compromised" });

    // Offline: a verifier that has not refreshed cannot know (it still accepts); after its refresh it refuses.
    expect(await staleJwksOffline.verify(code.qrText)).toMatchObject({ valid: true });
    const refreshed = await refreshedOffline();
    expect(await refreshed.verify(code.qrText)).toMatchObject({ valid: false, reason: "key_compromised" });

    // The status list is signed again by the new key; the copy the compromised key signed is no longer usable.
    const statusList = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
    expect(decodeProtectedHeader(statusList).kid).toBe(signer.kid);
    await expect(
      createOfflineVerifier({ jwks, statusListToken: oldStatusList, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 600, now: () => t.clock.now() }),
    ).rejects.toBeInstanceOf(OfflineDataError);

    // The holder's next code is signed by the new key and valid everywhere.
    const next = await fetchCode(t, e.subjectId);
    expect(decodeProtectedHeader(next.token).kid).toBe(signer.kid);
    expect((await verifyOnline(t, next.token)).body).toMatchObject({ valid: true });
    expect(await refreshed.verify(next.qrText)).toMatchObject({ valid: true });
  });

  it("a retired key can be declared compromised too: the signer stays", async () => {
    const signing = keys.current().kid;
    const retired = keys.rotate();
    const { replaced, signer } = keys.compromise(signing);
    expect(replaced).toBe(false);
    expect(signer.kid).toBe(retired.kid);
    await apiNotices();
    expect((await published()).keys.find((k) => k.kid === signing)).toHaveProperty(COMPROMISED_AT);
  });
});

describe("npm run keys -- compromise", () => {
  it("marks the key, replaces the signer, lists it as compromised; refuses an unknown kid", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "onecode-keys-")), "code-keys");
    const lines: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...args: unknown[]) => void lines.push(args.join(" "));
    console.error = console.log;
    try {
      expect(await keysCommand(["generate", "--dir", dir])).toBe(0);
      const kid = /signing key (\S+)/.exec(lines[0]!)![1]!;
      expect(await keysCommand(["compromise", "nosuchkey0000000", "--dir", dir])).toBe(1);
      expect(await keysCommand(["compromise", "--dir", dir])).toBe(2);
      expect(await keysCommand(["compromise", kid, "--dir", dir])).toBe(0);
      lines.length = 0;
      expect(await keysCommand(["list", "--dir", dir])).toBe(0);
    } finally {
      console.log = log;
      console.error = error;
    }
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => /SIGNING$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => / COMPROMISED \d{4}-/.test(l))).toHaveLength(1);
  });
});
