// Checks an officer's WebAuthn assertion before the API relays it: the API refuses what the
// chain would refuse, so a bad signature never becomes a database decision. The checks are the
// contract's (P-256 over authenticatorData ‖ SHA-256(clientDataJSON), type webauthn.get, the
// challenge is this decision's EIP-712 digest, user present and verified) plus what the chain
// does not check: the origin and the RP ID, when configured.
import { createHash, createPublicKey, verify } from "node:crypto";
import { base64url, challengeOf, officerSignatureOf, type Hex, type OfficerSignature } from "../../../protocol/repair/decision-digest.ts";
import { unprocessable } from "../errors.ts";

/** The assertion as the back office posts it (base64url without padding). */
export interface PostedAssertion {
  authenticatorData: string;
  clientDataJSON: string;
  signature: string;
}

export interface AssertionPolicy {
  /** RP ID whose SHA-256 must open the authenticator data; null: not checked. */
  rpId: string | null;
  /** Allowed clientData origins; empty: not checked. */
  origins: string[];
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

function bytesOf(text: string, field: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw unprocessable("signature_invalid", `${field} is not base64url`, { field });
  return new Uint8Array(Buffer.from(text, "base64url"));
}

/**
 * Verifies `posted` as a signature of `digest` by the P-256 key (x, y) and returns the contract's
 * OfficerSignature tuple (DER parsed, s normalised to the lower half). Throws a 422 problem naming
 * what is wrong.
 */
export function verifyOfficerAssertion(key: { keyId: Hex; x: Uint8Array; y: Uint8Array }, posted: PostedAssertion, digest: Hex, policy: AssertionPolicy): OfficerSignature {
  const authenticatorData = bytesOf(posted.authenticatorData, "authenticatorData");
  const clientDataJSON = bytesOf(posted.clientDataJSON, "clientDataJSON");
  const signature = bytesOf(posted.signature, "signature");
  let clientData: { type?: unknown; challenge?: unknown; origin?: unknown };
  try {
    clientData = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(clientDataJSON)) as typeof clientData;
  } catch {
    throw unprocessable("signature_invalid", "clientDataJSON is not JSON");
  }
  if (clientData.type !== "webauthn.get") throw unprocessable("signature_invalid", 'clientDataJSON is not a "webauthn.get" assertion');
  if (clientData.challenge !== base64url(challengeOf(digest))) {
    throw unprocessable("signature_for_other_decision", "The assertion signs another decision (record, outcome, application, nonce or deadline differ)");
  }
  if (policy.origins.length > 0 && !policy.origins.includes(String(clientData.origin))) {
    throw unprocessable("origin_not_allowed", `Origin ${String(clientData.origin)} is not one of the back office's`);
  }
  if (authenticatorData.length < 37) throw unprocessable("signature_invalid", "authenticatorData is too short");
  if (policy.rpId !== null) {
    const rpIdHash = createHash("sha256").update(policy.rpId).digest();
    if (!rpIdHash.equals(authenticatorData.subarray(0, 32))) throw unprocessable("origin_not_allowed", `The passkey is not one of RP ID ${policy.rpId}`);
  }
  const flags = authenticatorData[32]!;
  if ((flags & FLAG_UP) === 0 || (flags & FLAG_UV) === 0) throw unprocessable("user_not_verified", "The authenticator did not verify the officer (user presence and verification are required)");

  const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: Buffer.from(key.x).toString("base64url"), y: Buffer.from(key.y).toString("base64url") }, format: "jwk" });
  const message = Buffer.concat([authenticatorData, createHash("sha256").update(clientDataJSON).digest()]);
  let valid = false;
  try {
    valid = verify("sha256", message, { key: publicKey, dsaEncoding: "der" }, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw unprocessable("signature_invalid", "The signature does not verify with the officer's registered key");
  try {
    // The contract reads the challenge at the first "challenge" member: that one must be ours too.
    return officerSignatureOf(key.keyId, { authenticatorData, clientDataJSON, signature }, digest);
  } catch (error) {
    throw unprocessable("signature_invalid", (error as Error).message);
  }
}
