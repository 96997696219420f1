// The forged-token suite: every case is refused with its own reason, online
// (POST /v1/codes/verify) and, where the offline verifier can know, offline
// (kiosk/lib/offline-verifier.ts with the JWKS and status list the API serves).
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { openKeySet, type CodeKey } from "../../api/src/codes/keys.ts";
import { createOfflineVerifier, type OfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { Refusal, qrTextFromToken } from "../../protocol/codes/token-format.ts";
import { decodeQr } from "../../kiosk/lib/scan.ts";
import { attackerKey, b64u, deflateClaims, enrol, fetchCode, signRaw, splitToken, verifyOnline, type Enrolled } from "./fixtures.ts";

let t: TestApp;
let ours: CodeKey;
let good: { token: string; qrText: string };
let revoked: string;
let suspended: string;
let superseded: string;
let offline: OfflineVerifier;
let person: Enrolled;

beforeAll(async () => {
  t = await buildTestApp();
  person = await enrol(t);
  const [b, c, d] = [await enrol(t), await enrol(t, { kind: "enterprise" }), await enrol(t)];
  good = await fetchCode(t, person.subjectId);
  revoked = (await fetchCode(t, b.subjectId)).token;
  suspended = (await fetchCode(t, c.subjectId)).token;
  superseded = (await fetchCode(t, d.subjectId)).token;
  const registrar = await t.auth("registrar");
  expect((await t.app.inject({ method: "POST", url: `/v1/codes/${b.codeId}/revoke`, headers: registrar, payload: { reason: "lost" } })).statusCode).toBe(200);
  expect((await t.app.inject({ method: "POST", url: `/v1/codes/${c.codeId}/suspend`, headers: registrar, payload: {} })).statusCode).toBe(200);
  expect((await t.app.inject({ method: "POST", url: `/v1/subjects/${d.subjectId}/code/rotate`, headers: registrar })).statusCode).toBe(200);
  ours = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 3600 }).current();
  const jwks = (await t.app.inject({ url: "/.well-known/jwks.json" })).json();
  const statusListToken = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
  offline = await createOfflineVerifier({ jwks, statusListToken, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 600, now: () => t.clock.now() });
});

afterAll(async () => {
  await t?.close();
});

/** Claims of the good token, re-signed with changes by a key of the test's choice. */
function resign(change: (claims: Record<string, unknown>, header: Record<string, unknown>) => void, key: CodeKey["privateKey"] | null = ours.privateKey): string {
  const { header, claims } = splitToken(good.token);
  change(claims, header);
  return signRaw(header, deflateClaims(claims), key);
}

function nowSeconds(): number {
  return Math.floor(t.clock.now().getTime() / 1000);
}

interface Case {
  name: string;
  input: () => string;
  reason: string;
  /** Reason the offline verifier gives; null: it cannot know (skip). Default: same as online. */
  offline?: string | null;
}

const cases: Case[] = [
  {
    name: "payload edited (display name changed, signature kept)",
    input: () => {
      const { h, s, claims } = splitToken(good.token);
      claims.n = "李*四";
      return `${h}.${b64u(deflateClaims(claims))}.${s}`;
    },
    reason: "bad_signature",
  },
  {
    name: "payload edited (credit status upgraded, signature kept)",
    input: () => {
      const { h, s, claims } = splitToken(good.token);
      claims.cs = "g";
      claims.exp = (claims.exp as number) + 3600;
      return `${h}.${b64u(deflateClaims(claims))}.${s}`;
    },
    reason: "bad_signature",
  },
  {
    name: "signature edited (one byte flipped)",
    input: () => {
      const { h, p, s } = splitToken(good.token);
      const sig = Buffer.from(s, "base64url");
      sig[10]! ^= 0x01;
      return `${h}.${p}.${b64u(sig)}`;
    },
    reason: "bad_signature",
  },
  {
    name: "signature of another token spliced in",
    input: () => `${good.token.split(".").slice(0, 2).join(".")}.${revoked.split(".")[2]}`,
    reason: "bad_signature",
  },
  {
    name: 'alg "none", no signature',
    input: () => resign((_c, h) => (h.alg = "none"), null),
    reason: "wrong_algorithm",
  },
  {
    name: "HS256 signed with the public key as HMAC secret (algorithm confusion)",
    input: () => {
      const { header, claims } = splitToken(good.token);
      header.alg = "HS256";
      const input = `${b64u(JSON.stringify(header))}.${b64u(deflateClaims(claims))}`;
      const secret = createPublicKey(ours.privateKey).export({ format: "der", type: "spki" });
      return `${input}.${b64u(createHmac("sha256", secret).update(input).digest())}`;
    },
    reason: "wrong_algorithm",
  },
  {
    name: "ES256 signed by an attacker key under our kid",
    input: () => {
      const { header, claims } = splitToken(good.token);
      header.alg = "ES256";
      const input = `${b64u(JSON.stringify(header))}.${b64u(deflateClaims(claims))}`;
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      return `${input}.${b64u(sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }))}`;
    },
    reason: "wrong_algorithm",
  },
  {
    name: "unknown kid (attacker's own key and thumbprint)",
    input: () => {
      const attacker = attackerKey();
      return resign((_c, h) => (h.kid = attacker.kid), attacker.privateKey);
    },
    reason: "unknown_key",
  },
  {
    name: "key of another issuer, claiming our kid",
    input: () => resign(() => {}, attackerKey().privateKey),
    reason: "bad_signature",
  },
  {
    name: "kid path traversal",
    input: () => resign((_c, h) => (h.kid = "../../../../etc/passwd")),
    reason: "unknown_key",
  },
  {
    name: "kid missing",
    input: () => resign((_c, h) => delete h.kid),
    reason: "unknown_key",
  },
  {
    name: "jku header injection (keys from the attacker's URL)",
    input: () => resign((_c, h) => (h.jku = "https://evil.example/jwks.json")),
    reason: "forbidden_header",
  },
  {
    name: "jwk header injection (attacker's key embedded, signed with it)",
    input: () => {
      const attacker = attackerKey();
      return resign((_c, h) => {
        h.jwk = attacker.jwk;
        h.kid = attacker.kid;
      }, attacker.privateKey);
    },
    reason: "forbidden_header",
  },
  {
    name: "x5u header injection",
    input: () => resign((_c, h) => (h.x5u = "https://evil.example/cert.pem")),
    reason: "forbidden_header",
  },
  {
    name: "crit header",
    input: () => resign((_c, h) => (h.crit = ["exp"])),
    reason: "forbidden_header",
  },
  {
    name: "b64:false (unencoded payload) header",
    input: () => resign((_c, h) => (h.b64 = false)),
    reason: "forbidden_header",
  },
  {
    name: 'wrong typ "JWT"',
    input: () => resign((_c, h) => (h.typ = "JWT")),
    reason: "wrong_type",
  },
  {
    name: "typ missing",
    input: () => resign((_c, h) => delete h.typ),
    reason: "wrong_type",
  },
  {
    name: "a status list token presented as a code",
    input: () => signRaw({ alg: "EdDSA", kid: ours.kid, typ: "statuslist+jwt" }, Buffer.from("{}"), ours.privateKey),
    reason: "wrong_type",
  },
  {
    name: "expired (exp in the past, signed by our key)",
    input: () => resign((c) => {
      c.iat = nowSeconds() - 600;
      c.exp = nowSeconds() - 540;
    }),
    reason: "expired",
  },
  {
    name: "not yet valid (iat an hour ahead)",
    input: () => resign((c) => {
      c.iat = nowSeconds() + 3600;
      c.exp = nowSeconds() + 3660;
    }),
    reason: "not_yet_valid",
  },
  {
    name: "nbf an hour ahead (signed by our key)",
    input: () => resign((c) => (c.nbf = nowSeconds() + 3600)),
    reason: "not_yet_valid",
  },
  {
    name: "an audience of another service (signed by our key)",
    input: () => resign((c) => (c.aud = "https://other-service.example")),
    reason: "wrong_audience",
  },
  {
    name: "kind claim naming an Object.prototype member (k: constructor)",
    input: () => resign((c) => (c.k = "constructor")),
    reason: "malformed_claims",
  },
  {
    name: "credit status naming an Object.prototype member (cs: __proto__)",
    input: () => resign((c) => (c.cs = "__proto__")),
    reason: "malformed_claims",
  },
  {
    name: "credit status toString (signed by our key)",
    input: () => resign((c) => (c.cs = "toString")),
    reason: "malformed_claims",
  },
  {
    name: "a claim we never issue (signed by our key)",
    input: () => resign((c) => (c.role = "admin")),
    reason: "malformed_claims",
  },
  {
    name: "wrong issuer (signed by our key)",
    input: () => resign((c) => (c.iss = "https://other-district.example")),
    reason: "wrong_issuer",
  },
  {
    name: "missing claims (no status reference)",
    input: () => resign((c) => delete c.status),
    reason: "malformed_claims",
  },
  {
    name: "missing claims (no exp)",
    input: () => resign((c) => delete c.exp),
    reason: "malformed_claims",
  },
  {
    name: "payload not deflated (plain JSON signed)",
    input: () => {
      const { header, claims } = splitToken(good.token);
      return signRaw(header, Buffer.from(JSON.stringify(claims)), ours.privateKey);
    },
    reason: "malformed_claims",
  },
  {
    name: "inflates beyond the claims limit (signed by our key)",
    input: () => resign((c) => (c.pad = "x".repeat(5000))),
    reason: "malformed_claims",
  },
  { name: "revoked code", input: () => revoked, reason: "revoked" },
  { name: "suspended code", input: () => suspended, reason: "suspended" },
  { name: "superseded code (rotated)", input: () => superseded, reason: "superseded", offline: "revoked" },
  {
    name: "unknown code (signed by our key, never issued)",
    input: () => resign((c) => (c.sub = randomBytes(16).toString("hex"))),
    reason: "unknown_code",
    offline: null,
  },
  {
    name: "status index of another code",
    input: () => resign((c) => ((c.status as { status_list: { idx: number } }).status_list.idx += 1)),
    reason: "unknown_code",
    offline: null,
  },
  { name: "oversized input", input: () => `${good.token}${"A".repeat(2100)}`, reason: "too_large" },
  { name: "truncated token (cut in half)", input: () => good.token.slice(0, Math.floor(good.token.length / 2)), reason: "malformed" },
  { name: "truncated token (signature cut)", input: () => good.token.slice(0, -22), reason: "bad_signature" },
  { name: "truncated QR text (odd digit count)", input: () => good.qrText.slice(0, -1), reason: "malformed" },
  { name: "QR text with a digit pair outside the alphabet", input: () => `${good.qrText.slice(0, -2)}99`, reason: "malformed" },
  { name: "non-JWS text", input: () => "https://evil.example/?code=123", reason: "malformed" },
  { name: "duplicated dot segments", input: () => good.token.replace(".", ".."), reason: "malformed" },
  { name: "four segments", input: () => `${good.token}.${good.token.split(".")[2]}`, reason: "malformed" },
  {
    name: "non-canonical base64url (signature padding bits altered)",
    input: () => {
      const [h, p, s] = good.token.split(".") as [string, string, string];
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const last = alphabet.indexOf(s[s.length - 1]!);
      return `${h}.${p}.${s.slice(0, -1)}${alphabet[last ^ 1]}`;
    },
    reason: "malformed",
  },
  { name: "header is not JSON", input: () => `${b64u("not json")}.${good.token.split(".").slice(1).join(".")}`, reason: "malformed" },
  { name: "empty input", input: () => "   ", reason: "malformed" },
];

describe("forged token suite", () => {
  it("has at least 20 cases and a valid control", async () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    const online = await verifyOnline(t, good.token);
    expect(online.body).toMatchObject({ valid: true, status: "active", subject: { codeId: person.codeId, displayName: "张*三", kind: "person", creditStatus: "good" } });
    expect((await verifyOnline(t, good.qrText)).body.valid).toBe(true);
    expect((await offline.verify(good.qrText)).valid).toBe(true);
  });

  for (const c of cases) {
    it(`online refuses: ${c.name} → ${c.reason}`, async () => {
      const { status, body } = await verifyOnline(t, c.input());
      expect(status).toBe(200);
      expect(body.valid).toBe(false);
      expect(body.reason).toBe(c.reason);
    });
    if (c.offline !== null) {
      it(`offline refuses: ${c.name} → ${c.offline ?? c.reason}`, async () => {
        const verdict = await offline.verify(c.input());
        expect(verdict.valid).toBe(false);
        expect(verdict.reason).toBe(c.offline ?? c.reason);
      });
    }
  }

  it("an image with no QR is refused at the decode step (no_qr)", () => {
    const png = new PNG({ width: 200, height: 200 });
    for (let i = 0; i < png.data.length; i += 4) {
      const v = (i / 4) % 7 === 0 ? 0 : 255;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
    const decoded = PNG.sync.read(PNG.sync.write(png));
    let refusal: unknown;
    try {
      decodeQr(new Uint8ClampedArray(decoded.data), decoded.width, decoded.height);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(Refusal);
    expect((refusal as Refusal).reason).toBe("no_qr");
  });

  it("bad input shapes are 4xx problems, never 5xx", async () => {
    // A number is coerced to text by the schema and refused as a token.
    expect((await verifyOnline(t, 42)).body).toMatchObject({ valid: false, reason: "malformed" });
    const bodies: unknown[] = [{}, { token: good.token, extra: 1 }, [good.token], { token: "x".repeat(5000) }];
    for (const payload of bodies) {
      const res = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload).slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    const raw = await t.app.inject({ method: "POST", url: "/v1/codes/verify", headers: { "content-type": "application/json" }, payload: "{not json" });
    expect(raw.statusCode).toBe(400);
    const big = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: "A".repeat(10_000) } });
    expect(big.statusCode).toBe(413);
  });

  it("the QR text round-trips to the same token", () => {
    expect(qrTextFromToken(good.token)).toBe(good.qrText);
  });
});
