// A software passkey for tests: a real P-256 key (node:crypto) that answers a WebAuthn `get`
// the way a browser and authenticator do: authenticator data (rpIdHash, flags, counter), the
// client data JSON with the base64url challenge, and a DER signature over
// authenticatorData || SHA-256(clientDataJSON). Nothing is mocked: the contract verifies these bytes.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { base64url, keyIdOf, p256PublicKeyFromSpki, type Hex, type WebAuthnAssertion } from "../../protocol/repair/decision-digest.ts";

export const RP_ID = "backoffice.onecode.example";
export const ORIGIN = `https://${RP_ID}`;

/** Authenticator data flags: user present 0x01, user verified 0x04. */
export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;

export interface SoftPasskey {
  x: Hex;
  y: Hex;
  keyId: Hex;
  /** SubjectPublicKeyInfo, as `AuthenticatorAttestationResponse.getPublicKey()` gives it. */
  spki: Uint8Array;
  /** Signs `challenge` as `navigator.credentials.get({ publicKey: { challenge } })` would. */
  get(challenge: Uint8Array, options?: { flags?: number; extraClientData?: Record<string, unknown> }): WebAuthnAssertion;
}

const sha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest());

export function createPasskey(): SoftPasskey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  const { x, y } = p256PublicKeyFromSpki(spki);
  let counter = 0;
  return {
    x,
    y,
    keyId: keyIdOf(x, y),
    spki,
    get(challenge, options = {}) {
      counter += 1;
      const flags = options.flags ?? FLAG_UP | FLAG_UV;
      const authenticatorData = new Uint8Array([...sha256(new TextEncoder().encode(RP_ID)), flags, 0, 0, 0, counter]);
      const clientData = { type: "webauthn.get", challenge: base64url(challenge), origin: ORIGIN, crossOrigin: false, ...options.extraClientData };
      const clientDataJSON = new TextEncoder().encode(JSON.stringify(clientData));
      return { authenticatorData, clientDataJSON, signature: signDer(privateKey, authenticatorData, clientDataJSON) };
    },
  };
}

function signDer(key: KeyObject, authenticatorData: Uint8Array, clientDataJSON: Uint8Array): Uint8Array {
  const message = new Uint8Array([...authenticatorData, ...sha256(clientDataJSON)]);
  return new Uint8Array(sign("sha256", message, { key, dsaEncoding: "der" }));
}
