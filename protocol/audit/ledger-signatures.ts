// Ledger signatures: what the API's ledger key signs, and how anyone checks it (browser-safe).
//
// A database intruder can append rows that hash-chain correctly, because the chain needs no
// secret. So the API signs what it appends with a ledger key kept outside the database: each
// append (one INSERT, atomic) carries one signature on its LAST entry, over that entry's hash.
// The hash covers the entry and, through prev_hash, every entry before it, so one signature
// vouches for the whole prefix; an entry is "covered" when a valid signature sits at it or
// after it. Entries after the last valid signature were not written by the API.
//
// The signature is a detached compact JWS (RFC 7515 appendix F) over the 32-byte entry hash:
//   BASE64URL(header) ".." BASE64URL(Ed25519 signature)
//   header  = {"alg":"EdDSA","kid":<RFC 7638 thumbprint of the public key>,"typ":"onecode-ledger+jws"}
//   signing input = BASE64URL(header) "." BASE64URL(entry hash)
// The algorithm and typ are pinned when verifying; kid names which published key signed, so
// the ledger key can rotate (GET /v1/ledger/keys publishes current and retired public keys).
import { base64url, flattenedVerify, importJWK, type CryptoKey } from "jose";

export const LEDGER_SIGNATURE_TYP = "onecode-ledger+jws";

/** A published ledger public key: an Ed25519 JWK (x, base64url) with its thumbprint as kid. */
export interface LedgerPublicKey {
  kid: string;
  x: string;
}

/** The protected header (base64url) for a key id: the same text for every signature of that key. */
export function ledgerSignatureHeader(kid: string): string {
  return base64url.encode(JSON.stringify({ alg: "EdDSA", kid, typ: LEDGER_SIGNATURE_TYP }));
}

/** The bytes an Ed25519 signature covers: ASCII(header "." BASE64URL(hash)). */
export function ledgerSigningInput(header: string, entryHash: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`${header}.${base64url.encode(entryHash)}`);
}

export interface ParsedLedgerSignature {
  header: string;
  kid: string;
  signature: string;
}

/** The parts of a stored signature, or null when it is not one (wrong shape, algorithm or typ). */
export function parseLedgerSignature(jws: string): ParsedLedgerSignature | null {
  const parts = jws.split(".");
  if (parts.length !== 3 || parts[1] !== "" || !/^[A-Za-z0-9_-]{86}$/.test(parts[2]!)) return null;
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0]!))) as typeof header;
  } catch {
    return null;
  }
  if (header.alg !== "EdDSA" || header.typ !== LEDGER_SIGNATURE_TYP || typeof header.kid !== "string") return null;
  return { header: parts[0]!, kid: header.kid, signature: parts[2]! };
}

export type SignatureVerdict = "valid" | "invalid" | "unknown_key" | "malformed";

/** Checks signatures against a set of published keys (WebCrypto through jose: Node and browsers). */
export interface LedgerSignatureVerifier {
  verify(jws: string, entryHash: Uint8Array): Promise<SignatureVerdict>;
}

export function ledgerSignatureVerifier(keys: readonly LedgerPublicKey[]): LedgerSignatureVerifier {
  const imported = new Map<string, Promise<CryptoKey>>();
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  return {
    async verify(jws, entryHash) {
      const parsed = parseLedgerSignature(jws);
      if (!parsed) return "malformed";
      const key = byKid.get(parsed.kid);
      if (!key) return "unknown_key";
      let cryptoKey = imported.get(key.kid);
      if (!cryptoKey) {
        cryptoKey = importJWK({ kty: "OKP", crv: "Ed25519", x: key.x }, "EdDSA") as Promise<CryptoKey>;
        imported.set(key.kid, cryptoKey);
      }
      try {
        await flattenedVerify(
          { protected: parsed.header, payload: base64url.encode(entryHash), signature: parsed.signature },
          await cryptoKey,
          { algorithms: ["EdDSA"] },
        );
        return "valid";
      } catch {
        return "invalid";
      }
    },
  };
}
