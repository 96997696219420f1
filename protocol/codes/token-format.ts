// The wire format of a OneCode token, shared by the API (online verification)
// and the offline verifier (browser and Node). Pure: no node: imports, no DOM.
//
// A code is a compact JWS:
//   header  {"alg":"EdDSA","kid":<RFC 7638 thumbprint>,"typ":"onecode+jwt","zip":"DEF"}
//   payload raw DEFLATE (RFC 1951) of the JSON claims (as SMART Health Cards do),
//           because the issuer URL appears twice (iss and the status list uri) and
//           the QR must stay at version 15 or lower at error correction M.
//   claims  iss, sub (code id, 32 hex), k (p|e), n (display name: a person's masked, an enterprise's as registered),
//           (n at most 12 characters: tokenDisplayName), cs (credit status g|d|s), iat, exp, jti,
//           status.status_list {idx, uri} (IETF OAuth Token Status List),
//           and, for a code bound to the holder's phone, cnf {jwk: {kty EC, crv P-256, x, y}}
//           (RFC 7800): the phone's device key, whose signature the QR must carry
//           (./device-proof.ts). A bound token may live hours; the proof lives 30 s.
// In the QR the JWS travels as "OC1:/" + two decimal digits per character
// (QR numeric mode: 3.3 bits per digit instead of 8 bits per byte), so the same
// token needs a smaller symbol. Verifiers accept either form. A bound code travels as
// "OC2:/" + the same digits of token + "." + window start + "." + device signature.
import { base64url } from "jose";

export const TOKEN_TYPE = "onecode+jwt";
export const STATUS_LIST_TYPE = "statuslist+jwt";
/** The one signature algorithm accepted: Ed25519 (see api/src/codes/keys.ts for the measurement behind it). */
export const ALGORITHM = "EdDSA";
export const QR_PREFIX = "OC1:/";
/** Longest accepted input (raw QR text or token), in characters. */
export const MAX_INPUT_CHARS = 2048;
/** Longest accepted inflated claims set, in bytes. */
export const MAX_CLAIMS_BYTES = 2048;
/** Clock skew tolerated between the issuer and a verifier. */
export const LEEWAY_SECONDS = 5;
/** Header parameters a OneCode token may carry; anything else is refused (jku, jwk, x5u, x5c, crit, b64…). */
const ALLOWED_HEADER = new Set(["alg", "kid", "typ", "zip"]);
const B64URL = /^[A-Za-z0-9_-]+$/;
const KID = /^[A-Za-z0-9_-]{16}$/;
const CODE_ID = /^[0-9a-f]{32}$/;

/** Stable reasons a code is refused. Clients branch on these; never rename. */
export const REASONS = [
  "malformed", // not a compact JWS / not our QR text
  "too_large", // input longer than MAX_INPUT_CHARS
  "forbidden_header", // header parameters we never issue (jku, jwk, x5u, x5c, crit, b64, cty…)
  "wrong_algorithm", // alg is not EdDSA (none, HS256, ES256…)
  "wrong_type", // typ is not onecode+jwt
  "unknown_key", // kid not in the key set (or retired and dropped)
  "bad_signature",
  "malformed_claims", // signed but the claims are missing or of the wrong shape
  "wrong_issuer",
  "not_yet_valid", // iat or nbf in the future
  "expired",
  "wrong_audience", // an aud claim: our codes are for any verifier, so an audience means someone else's token
  "key_retired", // signed by a retired key after its retirement
  "key_compromised", // signed by a key the issuer marked compromised
  "unknown_code", // signed by us, but no such code (online)
  "revoked",
  "suspended",
  "superseded", // replaced by a newer code (rotation)
  "stale_data", // offline: cached keys / status list older than allowed
  "no_qr", // an image with no readable QR code
  "device_proof_missing", // a code bound to a phone (cnf) shown without the phone's signature (a copied token)
  "device_proof_invalid", // the device signature is malformed or not made by the code's device key
  "device_proof_stale", // the device signature is outside its 30-second window (a screenshot)
  "device_removed", // online: the device key was unbound from the holder (lost phone)
] as const;
export type Reason = (typeof REASONS)[number];

export type CodeKind = "person" | "enterprise";
export type CreditStatus = "good" | "dishonest" | "serious";
export const KIND_CLAIM: Record<string, CodeKind> = { p: "person", e: "enterprise" };
export const CREDIT_CLAIM: Record<string, CreditStatus> = { g: "good", d: "dishonest", s: "serious" };
export const KIND_TO_CLAIM: Record<CodeKind, string> = { person: "p", enterprise: "e" };
export const CREDIT_TO_CLAIM: Record<CreditStatus, string> = { good: "g", dishonest: "d", serious: "s" };

/** A phone's public device key (WebCrypto ECDSA P-256) as a code's `cnf` carries it (RFC 7800 jwk). */
export interface DeviceKey {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
}

/** The claims as carried in a token (short names keep the QR small). */
export interface CodeClaims {
  iss: string;
  sub: string;
  k: string;
  n: string;
  cs: string;
  iat: number;
  exp: number;
  jti: string;
  status: { status_list: { idx: number; uri: string } };
  cnf?: { jwk: DeviceKey };
}

/** The claims read back with their long names. */
export interface CodeFacts {
  issuer: string;
  codeId: string;
  kind: CodeKind;
  displayName: string;
  creditStatus: CreditStatus;
  issuedAt: number;
  expiresAt: number;
  tokenId: string;
  statusIndex: number;
  statusUri: string;
  /** The holder's device key when the code is bound to a phone (cnf); null for a server-shown code. */
  deviceKey: DeviceKey | null;
}

export class Refusal extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, detail: string) {
    super(detail);
    this.name = "Refusal";
    this.reason = reason;
  }
}

const refuse = (reason: Reason, detail: string): never => {
  throw new Refusal(reason, detail);
};

/** Longest display name carried in a token, in characters. */
export const MAX_TOKEN_NAME = 12;

/**
 * The display name as carried in a token: at most MAX_TOKEN_NAME characters, the middle
 * of a longer name elided as "…" (not "*", which is how a person's name is masked):
 * 广东省佛山市禅城区示例贸易有限责任公司 → 广东省佛山市…限责任公司. Enterprise names are public and
 * stored in full, but a full long name does not fit the QR budget (measured at M with a
 * 39-character issuer URL: a 19-character name takes a server code to version 16 and a
 * phone-bound code to 20, a 32-character one to 17 and 21; shortened, both stay at 15 and
 * 19). The online verdict shows the full name from the database.
 */
export function tokenDisplayName(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_TOKEN_NAME) return name;
  return `${chars.slice(0, 6).join("")}…${chars.slice(-5).join("")}`;
}

// ---------------------------------------------------------------- QR text

/** Two digits (char code − 45) per character of a token text (base64url and "."), for QR numeric mode. */
export function digitsFromText(text: string): string {
  let digits = "";
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i) - 45;
    if (code < 0 || code > 77) throw new TypeError("token holds a character outside base64url");
    digits += code < 10 ? `0${code}` : String(code);
  }
  return digits;
}

/** The text behind the digits of a scanned numeric QR (the inverse of digitsFromText). */
export function textFromDigits(digits: string): string {
  if (!/^[0-9]*$/.test(digits) || digits.length % 2 !== 0) refuse("malformed", "QR text is not an even run of digits");
  // Character codes first, one string at the end: 7x faster than slicing and appending per pair
  // (27 µs → 4 µs for an 850-digit code), which every online and offline scan pays.
  const codes = new Array<number>(digits.length / 2);
  for (let i = 0; i < codes.length; i += 1) {
    const code = (digits.charCodeAt(2 * i) - 48) * 10 + (digits.charCodeAt(2 * i + 1) - 48);
    if (code > 77) refuse("malformed", "QR text holds a digit pair outside the token alphabet");
    codes[i] = code + 45;
  }
  return String.fromCharCode(...codes);
}

/** The QR text of a token: prefix + two digits (char code − 45) per character, for QR numeric mode. */
export function qrTextFromToken(token: string): string {
  return QR_PREFIX + digitsFromText(token);
}

/** The token inside a scanned text: the numeric QR form, or a compact JWS pasted as is. */
export function tokenFromScan(text: unknown): string {
  if (typeof text !== "string") refuse("malformed", "input is not text");
  const raw = (text as string).trim();
  if (raw.length > MAX_INPUT_CHARS) refuse("too_large", `input is ${raw.length} characters; at most ${MAX_INPUT_CHARS}`);
  if (raw.length === 0) refuse("malformed", "input is empty");
  if (raw.slice(0, QR_PREFIX.length).toUpperCase() !== QR_PREFIX) return raw;
  return textFromDigits(raw.slice(QR_PREFIX.length));
}

// ---------------------------------------------------------------- compact JWS

export interface ParsedJws {
  header: Record<string, unknown>;
  kid: string;
  /** ASCII bytes of "header.payload": what the signature covers. */
  signingInput: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
}

function decodeSegment(segment: string, what: string): Uint8Array {
  if (!B64URL.test(segment)) refuse("malformed", `${what} is not base64url`);
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(segment);
  } catch {
    return refuse("malformed", `${what} is not base64url`);
  }
  // Canonical encoding only: a segment with altered padding bits decodes to the same
  // bytes, and letting it through would make two texts one token.
  if (base64url.encode(bytes) !== segment) refuse("malformed", `${what} is not canonical base64url`);
  return bytes;
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

function parseJsonObject(bytes: Uint8Array, reason: Reason, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(textDecoder.decode(bytes));
  } catch {
    return refuse(reason, `${what} is not UTF-8 JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) refuse(reason, `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Splits and checks a compact JWS before any key is touched: three non-empty
 * canonical base64url segments, a header with exactly the parameters we issue,
 * the pinned algorithm and type. `type` is onecode+jwt for codes, statuslist+jwt
 * for status lists (which carry no zip).
 */
export function parseCompactJws(token: string, type: string = TOKEN_TYPE): ParsedJws {
  if (token.length > MAX_INPUT_CHARS) refuse("too_large", `token is ${token.length} characters; at most ${MAX_INPUT_CHARS}`);
  const parts = token.split(".");
  if (parts.length !== 3) refuse("malformed", `a compact JWS has 3 segments, this has ${parts.length}`);
  const [h, p, s] = parts as [string, string, string];
  if (!h || !p) refuse("malformed", "a JWS segment is empty");
  const header = parseJsonObject(decodeSegment(h, "header"), "malformed", "header");
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER.has(name)) refuse("forbidden_header", `header parameter "${name}" is not accepted`);
  }
  if (header.alg !== ALGORITHM) refuse("wrong_algorithm", `alg must be ${ALGORITHM}, got ${JSON.stringify(header.alg) ?? "nothing"}`);
  if (header.typ !== type) refuse("wrong_type", `typ must be ${type}, got ${JSON.stringify(header.typ) ?? "nothing"}`);
  const zipExpected = type === TOKEN_TYPE;
  if (zipExpected ? header.zip !== "DEF" : header.zip !== undefined) {
    refuse("forbidden_header", zipExpected ? 'zip must be "DEF"' : "zip is not accepted here");
  }
  if (typeof header.kid !== "string" || !KID.test(header.kid)) refuse("unknown_key", "kid is not a key thumbprint of this issuer");
  // Checked after the header, so that an unsigned "alg":"none" token is named for what it is.
  if (!s) refuse("bad_signature", "the signature is empty");
  const payload = decodeSegment(p, "payload");
  const signature = decodeSegment(s, "signature");
  if (signature.length !== 64) refuse("bad_signature", `an Ed25519 signature has 64 bytes, this has ${signature.length}`);
  const signingInput = new Uint8Array(h.length + 1 + p.length);
  for (let i = 0; i < h.length; i += 1) signingInput[i] = h.charCodeAt(i);
  signingInput[h.length] = 46;
  for (let i = 0; i < p.length; i += 1) signingInput[h.length + 1 + i] = p.charCodeAt(i);
  return { header, kid: header.kid as string, signingInput, payload, signature };
}

// ---------------------------------------------------------------- claims

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
/** Own properties only: "constructor" or "__proto__" must never be found on Object.prototype. */
const own = <T>(table: Record<string, T>, key: unknown): T | undefined =>
  typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
const field = (object: unknown, key: string): unknown =>
  typeof object === "object" && object !== null && !Array.isArray(object) && Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;

/** Every claim a OneCode token may carry; any other is refused (a foreign or forged token). */
const CLAIMS = new Set(["iss", "sub", "k", "n", "cs", "iat", "exp", "jti", "status", "nbf", "aud", "cnf"]);
/** A P-256 coordinate: 32 bytes in canonical unpadded base64url. */
const COORDINATE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * The device key of a `cnf` claim: exactly {jwk: {kty "EC", crv "P-256", x, y}}, nothing else
 * (no kid, no private part, no jku/x5u indirection); undefined when the shape is wrong.
 */
function deviceKeyOf(cnf: unknown): DeviceKey | undefined {
  if (typeof cnf !== "object" || cnf === null || Array.isArray(cnf) || Object.keys(cnf).join() !== "jwk") return undefined;
  const jwk = field(cnf, "jwk");
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) return undefined;
  if (Object.keys(jwk).sort().join() !== "crv,kty,x,y") return undefined;
  const [kty, crv, x, y] = ["kty", "crv", "x", "y"].map((name) => field(jwk, name));
  if (kty !== "EC" || crv !== "P-256" || typeof x !== "string" || typeof y !== "string" || !COORDINATE.test(x) || !COORDINATE.test(y)) return undefined;
  return { kty, crv, x, y };
}

/** Reads the inflated claims of a verified token and checks their shape, issuer and time. */
export function checkClaims(claimsJson: Uint8Array, options: { issuer: string; nowSeconds: number; leewaySeconds?: number }): CodeFacts {
  if (claimsJson.length > MAX_CLAIMS_BYTES) refuse("malformed_claims", "claims set too large");
  const c = parseJsonObject(claimsJson, "malformed_claims", "claims set");
  const claim = (name: string) => field(c, name);
  const unknown = Object.keys(c).filter((name) => !CLAIMS.has(name));
  if (unknown.length > 0) refuse("malformed_claims", `claims we never issue: ${unknown.join(", ")}`);
  const status = field(claim("status"), "status_list");
  const idx = field(status, "idx");
  const uri = field(status, "uri");
  const [iss, sub, k, n, cs, iat, exp, jti, nbf] = ["iss", "sub", "k", "n", "cs", "iat", "exp", "jti", "nbf"].map(claim);
  const missing: string[] = [];
  if (typeof iss !== "string") missing.push("iss");
  if (typeof sub !== "string" || !CODE_ID.test(sub)) missing.push("sub");
  if (own(KIND_CLAIM, k) === undefined) missing.push("k");
  if (typeof n !== "string" || n.length === 0 || n.length > 64) missing.push("n");
  if (own(CREDIT_CLAIM, cs) === undefined) missing.push("cs");
  if (!isInt(iat)) missing.push("iat");
  if (!isInt(exp)) missing.push("exp");
  if (nbf !== undefined && !isInt(nbf)) missing.push("nbf");
  if (typeof jti !== "string" || jti.length < 8 || jti.length > 64) missing.push("jti");
  if (!isInt(idx) || idx < 0 || typeof uri !== "string") missing.push("status.status_list");
  const cnf = claim("cnf");
  const deviceKey = cnf === undefined ? null : deviceKeyOf(cnf);
  if (deviceKey === undefined) missing.push("cnf");
  if (missing.length > 0) refuse("malformed_claims", `missing or malformed claims: ${missing.join(", ")}`);
  if (iss !== options.issuer) refuse("wrong_issuer", `issuer ${JSON.stringify(iss)} is not ${options.issuer}`);
  if (claim("aud") !== undefined) refuse("wrong_audience", "OneCode codes carry no audience; this token was issued for someone else");
  const leeway = options.leewaySeconds ?? LEEWAY_SECONDS;
  if ((exp as number) <= (iat as number)) refuse("malformed_claims", "exp is not after iat");
  if ((iat as number) > options.nowSeconds + leeway) refuse("not_yet_valid", `issued ${(iat as number) - options.nowSeconds} s in the future`);
  if (nbf !== undefined && (nbf as number) > options.nowSeconds + leeway) refuse("not_yet_valid", `not valid before ${(nbf as number) - options.nowSeconds} s from now`);
  if ((exp as number) <= options.nowSeconds - leeway) refuse("expired", `expired ${options.nowSeconds - (exp as number)} s ago`);
  return {
    issuer: iss as string,
    codeId: sub as string,
    kind: own(KIND_CLAIM, k)!,
    displayName: n as string,
    creditStatus: own(CREDIT_CLAIM, cs)!,
    issuedAt: iat as number,
    expiresAt: exp as number,
    tokenId: jti as string,
    statusIndex: idx as number,
    statusUri: uri as string,
    deviceKey: deviceKey ?? null,
  };
}

// ---------------------------------------------------------------- status list

/** Token Status List values with 2 bits per entry. */
export const STATUS_VALID = 0;
export const STATUS_INVALID = 1; // revoked or superseded
export const STATUS_SUSPENDED = 2;

/** The status of entry `idx` in a decompressed list of `bits`-wide entries (least significant bits first). */
export function statusAt(list: Uint8Array, idx: number, bits: number): number | null {
  if (!Number.isSafeInteger(idx) || idx < 0) return null;
  if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8) throw new RangeError(`a status list has 1, 2, 4 or 8 bits per entry, not ${bits}`);
  const perByte = 8 / bits;
  const byte = Math.floor(idx / perByte);
  if (byte >= list.length) return null;
  const shift = (idx % perByte) * bits;
  return (list[byte]! >> shift) & ((1 << bits) - 1);
}

/** Sets entry `idx` (the list must be large enough). */
export function setStatus(list: Uint8Array, idx: number, bits: number, value: number): void {
  const perByte = 8 / bits;
  const byte = Math.floor(idx / perByte);
  const shift = (idx % perByte) * bits;
  const mask = ((1 << bits) - 1) << shift;
  list[byte] = (list[byte]! & ~mask) | ((value << shift) & mask);
}

export interface StatusListClaims {
  sub: string;
  iss?: string;
  iat: number;
  exp?: number;
  ttl?: number;
  status_list: { bits: number; lst: string };
}

/**
 * The claims of a Status List Token as the draft requires them of ours: `sub` (the list's
 * own uri, which a code's status reference must equal), `iat`, `exp` after it, `ttl`, and a
 * 2-bit `status_list`. Own properties only.
 */
export function checkStatusListClaims(json: Uint8Array): StatusListClaims {
  const c = parseJsonObject(json, "malformed", "status list claims");
  const sl = field(c, "status_list");
  const [sub, iss, iat, exp, ttl] = ["sub", "iss", "iat", "exp", "ttl"].map((name) => field(c, name));
  const bits = field(sl, "bits");
  const lst = field(sl, "lst");
  if (typeof sub !== "string" || !isInt(iat) || bits !== 2 || typeof lst !== "string" || !B64URL.test(lst)) {
    refuse("malformed", "status list token has missing or malformed claims");
  }
  if (!isInt(exp) || (exp as number) <= (iat as number)) refuse("malformed", "status list exp is missing or not after iat");
  if (!isInt(ttl) || (ttl as number) <= 0) refuse("malformed", "status list ttl is missing or not a positive integer");
  if (iss !== undefined && typeof iss !== "string") refuse("malformed", "status list iss is not a string");
  return {
    sub: sub as string,
    ...(iss === undefined ? {} : { iss: iss as string }),
    iat: iat as number,
    exp: exp as number,
    ttl: ttl as number,
    status_list: { bits: 2, lst: lst as string },
  };
}
