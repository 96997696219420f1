// Retired and compromised issuer keys, offline: a retired key keeps vouching for what it
// signed before its retirement and for nothing after; a compromised key for nothing at
// all, whatever iat its tokens claim. Real Ed25519 keys and signatures (jose).
import { deflateRawSync, deflateSync } from "node:zlib";
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createOfflineVerifier, OfflineDataError } from "../../protocol/codes/offline-verifier.ts";
import { COMPROMISED_AT, RETIRED_AT } from "../../protocol/codes/issuer-keys.ts";

const ISSUER = "https://onecode.test";
const LIST_URI = `${ISSUER}/v1/status-lists/1`;
const NOW = 1_800_000_000;

interface IssuerKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function issuerKey(kid: string): Promise<IssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}

function sign(key: IssuerKey, typ: string, payload: Uint8Array, zip: boolean): Promise<string> {
  return new CompactSign(payload).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ, ...(zip ? { zip: "DEF" } : {}) }).sign(key.privateKey);
}

function codeToken(key: IssuerKey, iat: number): Promise<string> {
  const claims = { iss: ISSUER, sub: "0123456789abcdef0123456789abcdef", k: "e", n: "佛山市禅城区示例贸易有限公司".slice(0, 12), cs: "g", iat, exp: iat + 3600, jti: "token-0001", status: { status_list: { idx: 0, uri: LIST_URI } } };
  return sign(key, "onecode+jwt", deflateRawSync(Buffer.from(JSON.stringify(claims))), true);
}

function statusList(key: IssuerKey, iat: number): Promise<string> {
  const lst = deflateSync(Buffer.alloc(16)).toString("base64url");
  const claims = { sub: LIST_URI, iss: ISSUER, iat, exp: iat + 86_400, ttl: 300, status_list: { bits: 2, lst } };
  return sign(key, "statuslist+jwt", Buffer.from(JSON.stringify(claims)), false);
}

let current: IssuerKey;
let old: IssuerKey;

beforeAll(async () => {
  current = await issuerKey("current-key-0001");
  old = await issuerKey("retired-key-0001");
});

async function verifier(oldMembers: Record<string, number>) {
  const jwks = { keys: [current.jwk, { ...old.jwk, ...oldMembers }] };
  return createOfflineVerifier({ jwks, statusListToken: await statusList(current, NOW - 60), issuer: ISSUER, maxDataAgeSeconds: 600, now: () => new Date(NOW * 1000) });
}

describe("issuer key states in the JWKS (offline)", () => {
  it("a retired key still vouches for a token it signed before its retirement", async () => {
    const v = await verifier({ [RETIRED_AT]: NOW - 600 });
    expect(await v.verify(await codeToken(old, NOW - 900))).toMatchObject({ valid: true });
  });

  it("a retired key does not vouch for a token it signed after its retirement", async () => {
    const v = await verifier({ [RETIRED_AT]: NOW - 600 });
    expect(await v.verify(await codeToken(old, NOW - 60))).toMatchObject({ valid: false, reason: "key_retired" });
  });

  it("a compromised key vouches for nothing, even a token that claims an early iat", async () => {
    const v = await verifier({ [RETIRED_AT]: NOW - 600, [COMPROMISED_AT]: NOW - 300 });
    expect(await v.verify(await codeToken(old, NOW - 900))).toMatchObject({ valid: false, reason: "key_compromised" });
    expect(await v.verify(await codeToken(current, NOW - 10))).toMatchObject({ valid: true });
  });

  it("a status list signed by a compromised key is refused as cached data", async () => {
    const jwks = { keys: [{ ...current.jwk, [COMPROMISED_AT]: NOW - 5 }] };
    await expect(createOfflineVerifier({ jwks, statusListToken: await statusList(current, NOW - 60), issuer: ISSUER, maxDataAgeSeconds: 600, now: () => new Date(NOW * 1000) })).rejects.toBeInstanceOf(OfflineDataError);
  });

  it("a key whose state members are malformed is not trusted at all", async () => {
    const v = await verifier({ [RETIRED_AT]: -1 });
    expect(await v.verify(await codeToken(old, NOW - 900))).toMatchObject({ valid: false, reason: "unknown_key" });
  });
});
