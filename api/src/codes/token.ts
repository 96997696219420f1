// Signing and (cryptographically) checking code tokens on the server.
// The format is in protocol/codes/token-format.ts, shared with the offline verifier; the
// device proof of a phone-bound code in protocol/codes/device-proof.ts.
// Signing goes through jose; the online check verifies the Ed25519 signature with
// node:crypto directly on a cached KeyObject (1.6x the throughput of jose's
// WebCrypto path, measured in scripts/bench/verify.ts) after the strict parse
// in token-format.ts, which pins alg, typ and the header parameters.
import { randomBytes, verify as cryptoVerify } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { CompactSign } from "jose";
import {
  ALGORITHM,
  CREDIT_TO_CLAIM,
  LEEWAY_SECONDS,
  KIND_TO_CLAIM,
  MAX_CLAIMS_BYTES,
  Refusal,
  TOKEN_TYPE,
  checkClaims,
  tokenDisplayName,
  parseCompactJws,
  qrTextFromToken,
  type CodeClaims,
  type CodeFacts,
  type CodeKind,
  type CreditStatus,
  type DeviceKey,
} from "../../../protocol/codes/token-format.ts";
import { presentationFromScan, type DeviceProof } from "../../../protocol/codes/device-proof.ts";
import { checkIssuerKey } from "../../../protocol/codes/issuer-keys.ts";
import { keyState, type CodeKeySet } from "./keys.ts";

export interface TokenSubject {
  codeId: string;
  kind: CodeKind;
  displayName: string;
  creditStatus: CreditStatus;
  statusIndex: number;
}

export interface IssuedToken {
  token: string;
  /** What the QR carries (numeric form of the token). */
  qrText: string;
  issuedAt: Date;
  expiresAt: Date;
  kid: string;
  /** The token's jti: what the phone's device signature names. */
  tokenId: string;
}

export function statusListUri(publicUrl: string, listId = 1): string {
  return `${publicUrl.replace(/\/+$/, "")}/v1/status-lists/${listId}`;
}

export async function signCodeToken(
  keys: CodeKeySet,
  subject: TokenSubject,
  options: { issuer: string; now: Date; ttlSeconds: number; statusUri: string; deviceKey?: DeviceKey },
): Promise<IssuedToken> {
  const key = keys.current();
  const iat = Math.floor(options.now.getTime() / 1000);
  const exp = iat + options.ttlSeconds;
  const claims: CodeClaims = {
    iss: options.issuer,
    sub: subject.codeId,
    k: KIND_TO_CLAIM[subject.kind],
    n: tokenDisplayName(subject.displayName),
    cs: CREDIT_TO_CLAIM[subject.creditStatus],
    iat,
    exp,
    // 64 random bits: unique among the tokens of a minute, and cheap in the QR.
    jti: randomBytes(8).toString("base64url"),
    status: { status_list: { idx: subject.statusIndex, uri: options.statusUri } },
    // Bound to the holder's phone (RFC 7800): only that phone's signature presents it.
    ...(options.deviceKey ? { cnf: { jwk: { kty: "EC", crv: "P-256", x: options.deviceKey.x, y: options.deviceKey.y } } } : {}),
  };
  const payload = deflateRawSync(Buffer.from(JSON.stringify(claims)), { level: 9 });
  const token = await new CompactSign(payload)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: TOKEN_TYPE, zip: "DEF" })
    .sign(key.privateKey);
  return { token, qrText: qrTextFromToken(token), issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000), kid: key.kid, tokenId: claims.jti };
}

/**
 * Everything that can be decided from the token alone: form, header, key,
 * signature, claims, time, the key's state (retired, compromised). Throws Refusal with a stable reason.
 */
export function checkCodeToken(keys: CodeKeySet, input: unknown, options: { issuer: string; now: Date }): CodeFacts & { kid: string; proof: DeviceProof | null } {
  // The device proof a bound phone adds comes back unchecked: checkDeviceBinding (WebCrypto) decides it.
  const { token, proof } = presentationFromScan(input);
  const jws = parseCompactJws(token);
  const key = keys.byKid(jws.kid);
  if (!key) throw new Refusal("unknown_key", "the key that signed this code is not (or no longer) in the key set");
  if (!cryptoVerify(null, jws.signingInput, key.publicKey, jws.signature)) {
    throw new Refusal("bad_signature", "the signature does not match the token");
  }
  let claims: Buffer;
  try {
    // Only signed bytes are inflated, and never beyond the claims limit.
    claims = inflateRawSync(jws.payload, { maxOutputLength: MAX_CLAIMS_BYTES });
  } catch {
    throw new Refusal("malformed_claims", "the signed payload does not inflate to a claims set");
  }
  const facts = checkClaims(claims, { issuer: options.issuer, nowSeconds: Math.floor(options.now.getTime() / 1000) });
  // After the claims, as offline: a retired key vouches only for what it signed before, a compromised one for nothing.
  checkIssuerKey(keyState(key), facts.issuedAt, LEEWAY_SECONDS);
  return { ...facts, kid: jws.kid, proof };
}
