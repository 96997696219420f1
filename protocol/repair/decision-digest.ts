// What a repair officer's passkey signs for the CreditLedger, built identically by the back
// office (browser) and by the API (relayer, audit): the EIP-712 digest of a `Decision` or
// `Withdrawal`, used as the WebAuthn challenge, and the conversion of the browser's assertion into
// the contract's `OfficerSignature`. Pure and browser-safe: no node: imports, keccak-256 from
// @noble/hashes. The contract side is contracts/CreditLedger.sol (DECISION_TYPEHASH).
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

export type Hex = `0x${string}`;

/** The ledger's EIP-712 domain: name and version are fixed, chain and contract name the deployment. */
export interface LedgerDomain {
  chainId: bigint | number;
  verifyingContract: string;
}

export const DOMAIN_NAME = "OneCode CreditLedger";
export const DOMAIN_VERSION = "1";

export const OUTCOME_APPROVED = 1;
export const OUTCOME_REFUSED = 2;

export const DECISION_TYPE =
  "Decision(bytes32 recordId,bytes32 applicationId,uint8 outcome,bytes32 decisionDigest,string policyVersion,string ruleId,uint256 nonce,uint256 deadline)";
export const WITHDRAWAL_TYPE = "Withdrawal(bytes32 recordId,bytes32 applicationId,uint256 nonce,uint256 deadline)";
const DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

/** The same types in the shape EIP-712 libraries take (ethers' TypedDataEncoder, wallets). */
export const EIP712_TYPES = {
  Decision: [
    { name: "recordId", type: "bytes32" },
    { name: "applicationId", type: "bytes32" },
    { name: "outcome", type: "uint8" },
    { name: "decisionDigest", type: "bytes32" },
    { name: "policyVersion", type: "string" },
    { name: "ruleId", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  Withdrawal: [
    { name: "recordId", type: "bytes32" },
    { name: "applicationId", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** A repair decision as the officer approves it on screen. */
export interface RepairDecision {
  /** Chain id of the record (bytes32). */
  recordId: Hex;
  /** Chain id of the application (bytes32). */
  applicationId: Hex;
  /** 1 approved, 2 refused. */
  outcome: 1 | 2;
  /** Digest of the off-chain decision document (bytes32), the same for both officers of four eyes. */
  decisionDigest: Hex;
  /** Policy version, e.g. "national-2026" (signed as its keccak-256). */
  policyVersion: string;
  /** Deciding rule id, e.g. "national-2026.decision.serious_list_two_officers". */
  ruleId: string;
  /** Any number never used before by this officer for this record (see randomNonce). */
  nonce: bigint;
  /** Unix seconds after which the chain refuses the signature. */
  deadline: bigint;
}

/** A withdrawal of the pending approval of a two-officer record. */
export interface RepairWithdrawal {
  recordId: Hex;
  /** The application whose approval is pending. */
  applicationId: Hex;
  nonce: bigint;
  deadline: bigint;
}

/** The contract's `Decision` tuple: the two strings travel as their keccak-256. */
export interface DecisionCall {
  recordId: Hex;
  applicationId: Hex;
  outcome: number;
  decisionDigest: Hex;
  policyVersionHash: Hex;
  ruleIdHash: Hex;
  nonce: bigint;
  deadline: bigint;
}

/** The contract's `OfficerSignature` tuple. */
export interface OfficerSignature {
  keyId: Hex;
  r: Hex;
  s: Hex;
  challengeIndex: number;
  typeIndex: number;
  authenticatorData: Hex;
  clientDataJSON: string;
}

/** What `navigator.credentials.get()` returns in `AuthenticatorAssertionResponse` (as bytes). */
export interface WebAuthnAssertion {
  authenticatorData: Uint8Array;
  clientDataJSON: Uint8Array;
  /** ASN.1 DER ECDSA signature, as browsers return it. */
  signature: Uint8Array;
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

export function keccakUtf8(text: string): Hex {
  return hex(keccak_256(utf8ToBytes(text)));
}

/** EIP-712 digest of a decision: the WebAuthn challenge the officer's passkey signs. */
export function decisionDigest(domain: LedgerDomain, decision: RepairDecision): Hex {
  return typedDataDigest(domain, decisionStructHash(decisionCall(decision)));
}

/** EIP-712 digest of a withdrawal. */
export function withdrawalDigest(domain: LedgerDomain, withdrawal: RepairWithdrawal): Hex {
  checkBytes32(withdrawal.recordId, "recordId");
  checkBytes32(withdrawal.applicationId, "applicationId");
  const encoded = concat(
    keccak_256(utf8ToBytes(WITHDRAWAL_TYPE)),
    hexToBytes(strip(withdrawal.recordId)),
    hexToBytes(strip(withdrawal.applicationId)),
    uint256(withdrawal.nonce),
    uint256(withdrawal.deadline),
  );
  return typedDataDigest(domain, keccak_256(encoded));
}

/** The `decision` argument of `CreditLedger.decideRepair`. */
export function decisionCall(decision: RepairDecision): DecisionCall {
  checkBytes32(decision.recordId, "recordId");
  checkBytes32(decision.applicationId, "applicationId");
  checkBytes32(decision.decisionDigest, "decisionDigest");
  if (decision.outcome !== OUTCOME_APPROVED && decision.outcome !== OUTCOME_REFUSED) throw new Error(`invalid outcome ${String(decision.outcome)}`);
  return {
    recordId: lower(decision.recordId),
    applicationId: lower(decision.applicationId),
    outcome: decision.outcome,
    decisionDigest: lower(decision.decisionDigest),
    policyVersionHash: keccakUtf8(decision.policyVersion),
    ruleIdHash: keccakUtf8(decision.ruleId),
    nonce: decision.nonce,
    deadline: decision.deadline,
  };
}

/** The 32 bytes to pass as `publicKey.challenge` to `navigator.credentials.get()`. */
export function challengeOf(digest: Hex): Uint8Array<ArrayBuffer> {
  checkBytes32(digest, "digest");
  // A copy on a plain ArrayBuffer: WebAuthn's BufferSource type refuses a shared buffer.
  return new Uint8Array(hexToBytes(strip(digest)));
}

/** A fresh 256-bit nonce (Web Crypto, available in browsers and Node). */
export function randomNonce(): bigint {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return BigInt(hex(bytes));
}

/** The ledger's id of a P-256 public key: keccak256(abi.encode(x, y)). */
export function keyIdOf(x: Hex, y: Hex): Hex {
  checkBytes32(x, "x");
  checkBytes32(y, "y");
  return hex(keccak_256(concat(hexToBytes(strip(x)), hexToBytes(strip(y)))));
}

/**
 * The P-256 public key of a passkey from its SubjectPublicKeyInfo (DER), as the browser's
 * `AuthenticatorAttestationResponse.getPublicKey()` returns it at registration.
 */
export function p256PublicKeyFromSpki(spki: Uint8Array): { x: Hex; y: Hex } {
  // id-ecPublicKey with prime256v1, then a BIT STRING holding the uncompressed point 04 || x || y.
  const prefix = hexToBytes("3059301306072a8648ce3d020106082a8648ce3d030107034200");
  if (spki.length !== prefix.length + 65 || !prefix.every((b, i) => spki[i] === b) || spki[prefix.length] !== 0x04) {
    throw new Error("not an uncompressed P-256 public key (SPKI)");
  }
  const x = hex(spki.subarray(prefix.length + 1, prefix.length + 33));
  const y = hex(spki.subarray(prefix.length + 33));
  const bx = BigInt(x);
  const by = BigInt(y);
  // The contract refuses a point off the curve; refuse it here first (y² = x³ − 3x + b mod p).
  if (bx >= P256_P || by >= P256_P || mod(by * by - (bx * bx * bx - 3n * bx + P256_B)) !== 0n) throw new Error("point is not on P-256");
  return { x, y };
}

/**
 * Turns a WebAuthn assertion into the contract's `OfficerSignature`: parses the DER signature,
 * moves `s` to the lower half of the curve order (the contract refuses the upper half), and finds
 * the offsets of the type and challenge members in the client data. When `expectedDigest` is given,
 * throws unless the assertion is a user-verified `webauthn.get` over exactly that digest.
 */
export function officerSignatureOf(keyId: Hex, assertion: WebAuthnAssertion, expectedDigest?: Hex): OfficerSignature {
  checkBytes32(keyId, "keyId");
  const { r, s } = parseDerSignature(assertion.signature);
  const lowS = s > P256_N / 2n ? P256_N - s : s;
  const json = assertion.clientDataJSON;
  const typeIndex = indexOf(json, utf8ToBytes('"type":"webauthn.get"'));
  const challengeIndex = indexOf(json, utf8ToBytes('"challenge":"'));
  if (typeIndex < 0) throw new Error('clientDataJSON has no "type":"webauthn.get"');
  if (challengeIndex < 0) throw new Error('clientDataJSON has no "challenge"');
  if (assertion.authenticatorData.length < 37) throw new Error("authenticatorData is too short");
  if (expectedDigest !== undefined) {
    const expected = utf8ToBytes(`"challenge":"${base64url(challengeOf(expectedDigest))}"`);
    if (!expected.every((b, i) => json[challengeIndex + i] === b)) throw new Error("the assertion signs another challenge");
    if ((assertion.authenticatorData[32]! & 0x05) !== 0x05) throw new Error("the authenticator did not verify the user (UP and UV flags)");
  }
  return {
    keyId: lower(keyId),
    r: word(r),
    s: word(lowS),
    challengeIndex,
    typeIndex,
    authenticatorData: hex(assertion.authenticatorData),
    clientDataJSON: new TextDecoder().decode(json),
  };
}

/** Base64url without padding, as WebAuthn writes the challenge in clientDataJSON. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decisionStructHash(call: DecisionCall): Uint8Array {
  return keccak_256(
    concat(
      keccak_256(utf8ToBytes(DECISION_TYPE)),
      hexToBytes(strip(call.recordId)),
      hexToBytes(strip(call.applicationId)),
      uint256(BigInt(call.outcome)),
      hexToBytes(strip(call.decisionDigest)),
      hexToBytes(strip(call.policyVersionHash)),
      hexToBytes(strip(call.ruleIdHash)),
      uint256(call.nonce),
      uint256(call.deadline),
    ),
  );
}

function typedDataDigest(domain: LedgerDomain, structHash: Uint8Array): Hex {
  const contract = strip(domain.verifyingContract);
  if (!/^[0-9a-fA-F]{40}$/.test(contract)) throw new Error(`invalid verifyingContract ${domain.verifyingContract}`);
  const domainSeparator = keccak_256(
    concat(
      keccak_256(utf8ToBytes(DOMAIN_TYPE)),
      keccak_256(utf8ToBytes(DOMAIN_NAME)),
      keccak_256(utf8ToBytes(DOMAIN_VERSION)),
      uint256(BigInt(domain.chainId)),
      concat(new Uint8Array(12), hexToBytes(contract)),
    ),
  );
  return hex(keccak_256(concat(new Uint8Array([0x19, 0x01]), domainSeparator, structHash)));
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (DER). */
function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  let at = 0;
  const take = (tag: number): Uint8Array => {
    if (der[at] !== tag) throw new Error("malformed DER signature");
    const length = der[at + 1]!;
    if (length > 0x7f) throw new Error("malformed DER signature (long length)");
    const value = der.subarray(at + 2, at + 2 + length);
    if (value.length !== length) throw new Error("malformed DER signature (truncated)");
    at += 2 + length;
    return value;
  };
  const sequence = take(0x30);
  if (at !== der.length) throw new Error("malformed DER signature (trailing bytes)");
  der = sequence;
  at = 0;
  const r = BigInt(hex(take(0x02)));
  const s = BigInt(hex(take(0x02)));
  if (at !== der.length) throw new Error("malformed DER signature (trailing bytes)");
  if (r <= 0n || r >= P256_N || s <= 0n || s >= P256_N) throw new Error("signature values out of range");
  return { r, s };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function uint256(value: bigint): Uint8Array {
  if (value < 0n || value >= 2n ** 256n) throw new Error(`not a uint256: ${value}`);
  return hexToBytes(value.toString(16).padStart(64, "0"));
}

function word(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, "0")}`;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function mod(value: bigint): bigint {
  const m = value % P256_P;
  return m < 0n ? m + P256_P : m;
}

function hex(bytes: Uint8Array): Hex {
  return `0x${bytesToHex(bytes)}`;
}

function strip(value: string): string {
  return value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
}

function lower(value: Hex): Hex {
  return value.toLowerCase() as Hex;
}

function checkBytes32(value: string, name: string): void {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new Error(`${name} must be 32 bytes of hex (0x…), got ${value}`);
}
