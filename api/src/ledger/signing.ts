// The API's ledger key (Ed25519, node:crypto): it signs the last entry of every append and
// checks the signatures the anchoring worker and the append path meet. The key lives outside
// the database (LEDGER_SIGNING_KEY in the environment or a file; `npm start` generates it into
// DATA_DIR/secrets.env), so a database intruder cannot make a signature. The format is
// protocol/audit/ledger-signatures.ts (a detached JWS over the entry hash), so the audit and
// the console verify what this file signs.
//
// Rotation: set LEDGER_SIGNING_KEY to a new seed and add the old public key to
// LEDGER_RETIRED_KEYS; entries signed before stay verifiable, new ones are signed with the
// new key. GET /v1/ledger/keys publishes both.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import {
  ledgerSignatureHeader,
  ledgerSigningInput,
  parseLedgerSignature,
  type LedgerPublicKey,
  type SignatureVerdict,
} from "../../../protocol/audit/ledger-signatures.ts";

// PKCS #8 DER of an Ed25519 private key is this prefix and the 32-byte seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
// SPKI DER of an Ed25519 public key is this prefix and the 32 raw bytes.
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface LedgerKeys {
  /** Key id of the signing key (RFC 7638 thumbprint). */
  kid: string;
  /** Every key whose signatures are accepted: the signing key first, then the retired ones. */
  published: LedgerPublicKey[];
  /** The JWS of the signing key over one entry hash. */
  sign(entryHash: Uint8Array): string;
  /** Checks a stored signature over an entry hash against the published keys. */
  verify(jws: string, entryHash: Uint8Array): SignatureVerdict;
}

/** RFC 7638 thumbprint of an Ed25519 public JWK (x in base64url). */
export function thumbprint(x: string): string {
  return createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest("base64url");
}

function publicKeyOf(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
}

/** A new 32-byte seed, as LEDGER_SIGNING_KEY holds it (64 hex). */
export function generateLedgerSeed(): string {
  return randomBytes(32).toString("hex");
}

/**
 * The key set from the signing seed (32 bytes) and the retired public keys (32 raw bytes
 * each). Throws on a seed or key that is not 32 bytes.
 */
export function ledgerKeys(seed: Uint8Array, retired: readonly Uint8Array[] = []): LedgerKeys {
  if (seed.length !== 32) throw new Error("the ledger signing key must be 32 bytes");
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  const x = createPublicKey(privateKey).export({ format: "jwk" }).x!;
  const kid = thumbprint(x);
  const header = ledgerSignatureHeader(kid);
  const verifiers = new Map<string, KeyObject>([[kid, createPublicKey(privateKey)]]);
  const published: LedgerPublicKey[] = [{ kid, x }];
  for (const raw of retired) {
    if (raw.length !== 32) throw new Error("a retired ledger public key must be 32 bytes");
    const rx = Buffer.from(raw).toString("base64url");
    const rkid = thumbprint(rx);
    if (verifiers.has(rkid)) continue;
    verifiers.set(rkid, publicKeyOf(raw));
    published.push({ kid: rkid, x: rx });
  }
  return {
    kid,
    published,
    sign(entryHash) {
      return `${header}..${sign(null, ledgerSigningInput(header, entryHash), privateKey).toString("base64url")}`;
    },
    verify(jws, entryHash) {
      const parsed = parseLedgerSignature(jws);
      if (!parsed) return "malformed";
      const key = verifiers.get(parsed.kid);
      if (!key) return "unknown_key";
      const ok = verify(null, ledgerSigningInput(parsed.header, entryHash), key, Buffer.from(parsed.signature, "base64url"));
      return ok ? "valid" : "invalid";
    },
  };
}

/** Raw 32-byte public key of a seed, hex: what goes into LEDGER_RETIRED_KEYS when the seed retires. */
export function publicKeyHex(seed: Uint8Array): string {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  return Buffer.from(createPublicKey(privateKey).export({ format: "jwk" }).x!, "base64url").toString("hex");
}
