// The device proof of a code bound to the holder's phone (DESIGN "Codes"; as ISO 18013-5
// device authentication does). Pure and browser-safe: WebCrypto only. The phone signs, the API
// (online) and the officials' verifier (offline) check, with the same functions.
//
// The issued token carries the phone's public key in `cnf` (RFC 7800, a P-256 jwk) and may live
// hours. What the phone shows is the token plus a fresh signature of its device key, whose
// private half was generated non-extractable on the phone and never left it:
//
//   QR text   "OC2:/" + digits(<compact JWS> "." <t> "." <signature>)
//             (digits: two per character, as "OC1:/" codes; token-format.ts digitsFromText)
//   t         the start of the proof's 30-second window: whole seconds since the epoch, in
//             decimal, on the issuer's clock (the wallet measures its offset at each refresh)
//   signature ECDSA P-256 with SHA-256 (WebCrypto's raw r||s, 64 bytes), canonical base64url,
//             over the UTF-8 bytes of "OC-DP1." <t> "." <jti of the token>
//
// A verifier accepts the proof from t − DEVICE_PROOF_TOLERANCE_SECONDS (a phone clock ahead of
// the verifier's) until t + DEVICE_PROOF_WINDOW_SECONDS (exclusive) on its own clock. So a
// screenshot is refused 30 s after it was taken when the clocks agree, and at most 30 s + the
// tolerance later when the verifier's clock runs behind the phone's; a clock running ahead only
// shortens a proof's life. The phone re-signs every few seconds, so a live phone always shows a
// proof with most of its window left.
//
// A token with `cnf` is refused without a proof (device_proof_missing: a copied token), and a
// proof is refused on a token without `cnf` (a proof binds nothing there).
import { base64url, calculateJwkThumbprint, type CryptoKey } from "jose";
import { digitsFromText, Refusal, textFromDigits, tokenFromScan, MAX_INPUT_CHARS, type CodeFacts, type DeviceKey } from "./token-format.ts";

export const BOUND_QR_PREFIX = "OC2:/";
/** How long one device signature is good for. */
export const DEVICE_PROOF_WINDOW_SECONDS = 30;
/** How far in the verifier's future a proof's window may start (the phone's clock ahead of the verifier's). */
export const DEVICE_PROOF_TOLERANCE_SECONDS = 5;
/** Domain separation: what a device key signs for a code presentation, and for proving possession at binding. */
export const DEVICE_PROOF_CONTEXT = "OC-DP1";
export const BINDING_PROOF_CONTEXT = "OC-BIND1";

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN = { name: "ECDSA", hash: "SHA-256" } as const;
const WINDOW_START = /^[1-9][0-9]{0,11}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

export interface DeviceProof {
  /** Start of the proof's window, seconds since the epoch. */
  windowStart: number;
  /** Raw ECDSA signature r||s, 64 bytes. */
  signature: Uint8Array;
}

/** What a scan holds: the code token, and the device proof when the phone showed one. */
export interface Presentation {
  token: string;
  proof: DeviceProof | null;
}

const refuse = (reason: "malformed" | "device_proof_invalid" | "device_proof_stale" | "device_proof_missing", detail: string): never => {
  throw new Refusal(reason, detail);
};

/** The bytes a device key signs to present the token `tokenId` in the window starting at `windowStart`. */
export function deviceProofMessage(windowStart: number, tokenId: string): Uint8Array {
  return new TextEncoder().encode(`${DEVICE_PROOF_CONTEXT}.${windowStart}.${tokenId}`);
}

/** The bytes a device key signs at binding, to prove the phone holds it (the WebAuthn challenge of the binding). */
export function bindingProofMessage(challenge: string): Uint8Array {
  return new TextEncoder().encode(`${BINDING_PROOF_CONTEXT}.${challenge}`);
}

/** The start of the window a proof made now opens (whole seconds). */
export const windowStartAt = (nowMs: number): number => Math.floor(nowMs / 1000);

/** The QR text a bound phone shows. */
export function boundQrText(token: string, proof: DeviceProof): string {
  return BOUND_QR_PREFIX + digitsFromText(`${token}.${proof.windowStart}.${base64url.encode(proof.signature)}`);
}

function proofOf(windowStart: string, signature: string): DeviceProof {
  if (!WINDOW_START.test(windowStart)) refuse("device_proof_invalid", "the proof's window start is not a number of seconds");
  if (!SIGNATURE.test(signature)) refuse("device_proof_invalid", "the device signature is not 64 bytes of base64url");
  const bytes = base64url.decode(signature);
  // Canonical only: two texts must not be one proof.
  if (base64url.encode(bytes) !== signature) refuse("device_proof_invalid", "the device signature is not canonical base64url");
  return { windowStart: Number(windowStart), signature: bytes };
}

/**
 * Splits a scan into the token and the device proof: "OC2:/" digits (token + proof), "OC1:/"
 * digits (a token alone), or text pasted as is (a token, or token.t.signature).
 */
export function presentationFromScan(text: unknown): Presentation {
  if (typeof text === "string") {
    const raw = text.trim();
    if (raw.slice(0, BOUND_QR_PREFIX.length).toUpperCase() === BOUND_QR_PREFIX) {
      if (raw.length > MAX_INPUT_CHARS) refuse("malformed", `input is ${raw.length} characters; at most ${MAX_INPUT_CHARS}`);
      const parts = textFromDigits(raw.slice(BOUND_QR_PREFIX.length)).split(".");
      if (parts.length !== 5) refuse("malformed", `a bound code holds a token and a device proof (5 segments), this has ${parts.length}`);
      return { token: parts.slice(0, 3).join("."), proof: proofOf(parts[3]!, parts[4]!) };
    }
  }
  const token = tokenFromScan(text);
  const parts = token.split(".");
  if (parts.length === 5) return { token: parts.slice(0, 3).join("."), proof: proofOf(parts[3]!, parts[4]!) };
  return { token, proof: null };
}

/** Imported device keys, by their coordinates (a verifier sees the same phones again and again). */
const imported = new Map<string, CryptoKey>();
const MAX_IMPORTED = 10_000;

async function importDeviceKey(jwk: DeviceKey): Promise<CryptoKey> {
  const name = `${jwk.x}.${jwk.y}`;
  const known = imported.get(name);
  if (known) return known;
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, ECDSA, false, ["verify"]);
  } catch {
    // Not a point on P-256: the issuer never binds such a key.
    return refuse("device_proof_invalid", "the code's device key is not a P-256 public key");
  }
  if (imported.size >= MAX_IMPORTED) imported.clear();
  imported.set(name, key);
  return key;
}

/** True when `signature` (raw r||s) is the device key's ECDSA P-256/SHA-256 signature of `message`. */
export async function verifyDeviceSignature(jwk: DeviceKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== 64) return false;
  const key = await importDeviceKey(jwk);
  return crypto.subtle.verify(SIGN, key, new Uint8Array(signature), new Uint8Array(message));
}

export interface DeviceProofInput {
  /** The token's `cnf` key (CodeFacts.deviceKey). */
  deviceKey: DeviceKey;
  /** The token's `jti`. */
  tokenId: string;
  proof: DeviceProof;
  /** The verifier's clock, seconds since the epoch. */
  nowSeconds: number;
  toleranceSeconds?: number;
}

/**
 * Checks a device proof: the signature of the token's device key over its window and the
 * token id, then the window against the verifier's clock. Throws Refusal device_proof_invalid
 * (not the device's signature) or device_proof_stale (outside its window, with the age).
 */
export async function verifyDeviceProof(input: DeviceProofInput): Promise<void> {
  const tolerance = input.toleranceSeconds ?? DEVICE_PROOF_TOLERANCE_SECONDS;
  const { windowStart, signature } = input.proof;
  if (!(await verifyDeviceSignature(input.deviceKey, deviceProofMessage(windowStart, input.tokenId), signature))) {
    refuse("device_proof_invalid", "the device signature was not made by this code's device key for this code");
  }
  if (windowStart > input.nowSeconds + tolerance) {
    refuse("device_proof_stale", `the proof's window starts ${windowStart - input.nowSeconds} s in the future (tolerance ${tolerance} s)`);
  }
  if (input.nowSeconds >= windowStart + DEVICE_PROOF_WINDOW_SECONDS) {
    refuse("device_proof_stale", `the proof is ${input.nowSeconds - windowStart} s old; a device proof is good for ${DEVICE_PROOF_WINDOW_SECONDS} s`);
  }
}

/**
 * The device-binding rule for a verified token: a bound token (cnf) needs a good proof, an
 * unbound one must come without a proof. What the API and the offline verifier both call
 * after the token's signature and claims passed.
 */
export async function checkDeviceBinding(facts: Pick<CodeFacts, "deviceKey" | "tokenId">, proof: DeviceProof | null, nowSeconds: number): Promise<void> {
  if (facts.deviceKey === null) {
    if (proof !== null) refuse("malformed", "a device proof came with a code that is not bound to a device");
    return;
  }
  if (proof === null) refuse("device_proof_missing", "this code is bound to the holder's phone and must be shown by it (with its device signature)");
  await verifyDeviceProof({ deviceKey: facts.deviceKey, tokenId: facts.tokenId, proof: proof!, nowSeconds });
}

/** Signs a presentation with the phone's device key (a non-extractable CryptoKey): the phone's side. */
export async function signDeviceProof(privateKey: CryptoKey, tokenId: string, windowStart: number): Promise<DeviceProof> {
  const signature = new Uint8Array(await crypto.subtle.sign(SIGN, privateKey, new Uint8Array(deviceProofMessage(windowStart, tokenId))));
  return { windowStart, signature };
}

/** RFC 7638 thumbprint (SHA-256) of a device key: its name in the API's device table and ledger. */
export function deviceKeyThumbprint(jwk: DeviceKey): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, "sha256");
}
