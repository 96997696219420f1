// The offline verifier: decides on a code with nothing but a cached JWKS and a
// cached signed status list. The same file runs in the officials' browser page
// and in Node (tests, benchmark): jose and web platform APIs only, no node: imports.
//
// It never says "valid" on data older than `maxDataAgeSeconds` (measured from the
// status list's signed `iat`, and from `jwksFetchedAt` when given): the verdict is
// then { valid: false, reason: "stale_data" } with the ages in `detail` and `dataAge`.
//
// A code bound to the holder's phone ("OC2:/", a token with `cnf`) is accepted only with a
// device signature inside its 30-second window (./device-proof.ts): decided here with no
// network, so a screenshot is refused once its window has passed.
import { compactVerify, importJWK, type CryptoKey, type JWK } from "jose";
import {
  ALGORITHM,
  LEEWAY_SECONDS,
  MAX_CLAIMS_BYTES,
  Refusal,
  STATUS_INVALID,
  STATUS_LIST_TYPE,
  STATUS_SUSPENDED,
  checkClaims,
  checkStatusListClaims,
  parseCompactJws,
  statusAt,
  type CodeKind,
  type CreditStatus,
  type Reason,
} from "./token-format.ts";
import { checkIssuerKey, issuerKeyState, type IssuerKeyState } from "./issuer-keys.ts";
import { checkDeviceBinding, presentationFromScan } from "./device-proof.ts";

export interface OfflineVerifierOptions {
  jwks: { keys: JWK[] };
  statusListToken: string;
  issuer: string;
  maxDataAgeSeconds: number;
  /** When the JWKS was fetched (unsigned, so only the page's own record); counts towards data age. */
  jwksFetchedAt?: Date | string | number;
  now?: () => Date;
}

export interface DataAge {
  /** Seconds since the status list was signed. */
  statusListSeconds: number;
  /** Seconds since the JWKS was fetched, when known. */
  jwksSeconds: number | null;
  limitSeconds: number;
  stale: boolean;
  statusListIssuedAt: string;
  statusListExpiresAt: string | null;
}

export interface OfflineVerdict {
  valid: boolean;
  reason?: Reason;
  detail?: string;
  subject?: { codeId: string; kind: CodeKind; displayName: string; creditStatus: CreditStatus };
  status?: "active" | "suspended" | "revoked";
  expiresAt?: string;
  /** True when the code is bound to the holder's phone and its device signature was checked. */
  deviceBound?: boolean;
  dataAge: DataAge;
  offline: true;
}

export interface OfflineVerifier {
  verify(scanned: unknown): Promise<OfflineVerdict>;
  dataAge(): DataAge;
}

/** Cached data that cannot be used at all (bad signature on the status list, wrong issuer, no keys). */
export class OfflineDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OfflineDataError";
  }
}

/** Inflates with the platform's DecompressionStream, refusing output beyond `limit` bytes. */
export async function inflate(data: Uint8Array, format: "deflate" | "deflate-raw", limit: number): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(data)]).stream().pipeThrough(new DecompressionStream(format));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`inflated data exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

interface TrustedKey {
  key: CryptoKey;
  state: IssuerKeyState;
}

/** Largest decompressed status list accepted: 2^24 bytes (2^25 entries of 4 bits). */
export const MAX_STATUS_LIST_BYTES = 1 << 24;

/**
 * The bytes of a Token Status List `lst` (draft-ietf-oauth-status-list: base64url of the
 * ZLIB-compressed byte array); read entries from it with statusAt(list, idx, bits).
 */
export async function decodeStatusList(lst: string): Promise<Uint8Array> {
  if (!/^[A-Za-z0-9_-]+$/.test(lst)) throw new Error("status list lst is not base64url");
  const compressed = Uint8Array.from(atob(lst.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  return inflate(compressed, "deflate", MAX_STATUS_LIST_BYTES);
}

async function importKeys(jwks: { keys: JWK[] }): Promise<Map<string, TrustedKey>> {
  const keys = new Map<string, TrustedKey>();
  if (!jwks || !Array.isArray(jwks.keys)) throw new OfflineDataError("the cached JWKS has no keys array");
  for (const jwk of jwks.keys) {
    // Only the key type we issue; a JWKS entry of another type is ignored, never trusted.
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.kid !== "string" || jwk.d !== undefined) continue;
    if (jwk.alg !== undefined && jwk.alg !== ALGORITHM) continue;
    const state = issuerKeyState(jwk as Record<string, unknown>);
    if (!state) continue;
    keys.set(jwk.kid, { key: (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, ALGORITHM)) as CryptoKey, state });
  }
  if (keys.size === 0) throw new OfflineDataError("the cached JWKS holds no Ed25519 key");
  return keys;
}

/** Verifies a compact JWS whose header code-format.ts already checked, with jose (WebCrypto). */
async function verifySignature(token: string, key: CryptoKey): Promise<Uint8Array> {
  try {
    const { payload } = await compactVerify(token, key, { algorithms: [ALGORITHM] });
    return payload;
  } catch {
    throw new Refusal("bad_signature", "the signature does not match the token");
  }
}

export async function createOfflineVerifier(options: OfflineVerifierOptions): Promise<OfflineVerifier> {
  const now = options.now ?? (() => new Date());
  const issuer = options.issuer.replace(/\/+$/, "");
  const keys = await importKeys(options.jwks);
  const jwksFetchedAt = options.jwksFetchedAt === undefined ? null : new Date(options.jwksFetchedAt).getTime();

  // The status list: same pinning as codes (EdDSA, our kid, typ statuslist+jwt, no other header).
  let list: Uint8Array;
  let listIat: number;
  let listExp: number | null;
  let listSub: string;
  try {
    const jws = parseCompactJws(options.statusListToken, STATUS_LIST_TYPE);
    const trusted = keys.get(jws.kid);
    if (!trusted) throw new Refusal("unknown_key", "the status list was signed by a key not in the cached JWKS");
    const claims = checkStatusListClaims(await verifySignature(options.statusListToken, trusted.key));
    checkIssuerKey(trusted.state, claims.iat, LEEWAY_SECONDS);
    if (claims.iss !== undefined && claims.iss !== issuer) throw new Refusal("wrong_issuer", `status list issuer ${claims.iss} is not ${issuer}`);
    list = await decodeStatusList(claims.status_list.lst);
    listIat = claims.iat;
    listExp = claims.exp ?? null;
    listSub = claims.sub;
  } catch (error) {
    throw new OfflineDataError(`the cached status list cannot be used: ${(error as Error).message}`);
  }

  function dataAge(): DataAge {
    const t = now().getTime();
    const statusListSeconds = Math.floor(t / 1000) - listIat;
    const jwksSeconds = jwksFetchedAt === null ? null : Math.floor((t - jwksFetchedAt) / 1000);
    const expired = listExp !== null && Math.floor(t / 1000) >= listExp;
    const stale = expired || statusListSeconds > options.maxDataAgeSeconds || (jwksSeconds !== null && jwksSeconds > options.maxDataAgeSeconds);
    return {
      statusListSeconds,
      jwksSeconds,
      limitSeconds: options.maxDataAgeSeconds,
      stale,
      statusListIssuedAt: new Date(listIat * 1000).toISOString(),
      statusListExpiresAt: listExp === null ? null : new Date(listExp * 1000).toISOString(),
    };
  }

  async function verify(scanned: unknown): Promise<OfflineVerdict> {
    const age = dataAge();
    try {
      const { token, proof } = presentationFromScan(scanned);
      const jws = parseCompactJws(token);
      const trusted = keys.get(jws.kid);
      if (!trusted) throw new Refusal("unknown_key", "the key that signed this code is not in the cached JWKS");
      const payload = await verifySignature(token, trusted.key);
      let claimsJson: Uint8Array;
      try {
        claimsJson = await inflate(payload, "deflate-raw", MAX_CLAIMS_BYTES);
      } catch {
        throw new Refusal("malformed_claims", "the signed payload does not inflate to a claims set");
      }
      const nowSeconds = Math.floor(now().getTime() / 1000);
      const facts = checkClaims(claimsJson, { issuer, nowSeconds });
      checkIssuerKey(trusted.state, facts.issuedAt, LEEWAY_SECONDS);
      await checkDeviceBinding(facts, proof, nowSeconds);
      const subject = { codeId: facts.codeId, kind: facts.kind, displayName: facts.displayName, creditStatus: facts.creditStatus };
      const base = { subject, expiresAt: new Date(facts.expiresAt * 1000).toISOString(), deviceBound: facts.deviceKey !== null, dataAge: age, offline: true as const };
      if (facts.statusUri !== listSub) {
        return { valid: false, reason: "stale_data", detail: `the code's status list ${facts.statusUri} is not the cached one (${listSub})`, ...base };
      }
      const status = statusAt(list, facts.statusIndex, 2);
      if (status === null) {
        return { valid: false, reason: "stale_data", detail: "the code is newer than the cached status list", ...base };
      }
      if (status === STATUS_INVALID) return { valid: false, reason: "revoked", detail: "revoked or superseded (per the cached status list)", status: "revoked", ...base };
      if (status === STATUS_SUSPENDED) return { valid: false, reason: "suspended", detail: "suspended (per the cached status list)", status: "suspended", ...base };
      if (status !== 0) return { valid: false, reason: "malformed", detail: `status value ${status} is not defined`, ...base };
      if (age.stale) {
        const parts = [`status list signed ${age.statusListSeconds} s ago`];
        if (age.jwksSeconds !== null) parts.push(`keys fetched ${age.jwksSeconds} s ago`);
        if (age.statusListExpiresAt && now().getTime() >= Date.parse(age.statusListExpiresAt)) parts.push("status list expired");
        return {
          valid: false,
          reason: "stale_data",
          detail: `signature and expiry are good, but the cached data is too old to trust the status (${parts.join(", ")}; limit ${age.limitSeconds} s)`,
          status: "active",
          ...base,
        };
      }
      return { valid: true, status: "active", ...base };
    } catch (error) {
      if (error instanceof Refusal) return { valid: false, reason: error.reason, detail: error.message, dataAge: age, offline: true };
      throw error;
    }
  }

  return { verify, dataAge };
}
