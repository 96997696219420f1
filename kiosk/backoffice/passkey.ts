// Passkeys in the back office (WebAuthn through @simplewebauthn/browser): signing in, creating
// the account's passkey at enrolment or later, and handing a repair officer's new passkey to
// the ledger's officer keys (POST /v1/officer-keys: the same P-256 key signs decisions).
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON, type RegistrationResponseJSON } from "@simplewebauthn/browser";
import { p256PublicKeyFromSpki } from "../../protocol/repair/decision-digest.ts";
import { post } from "./api.ts";
import type { Me } from "./state.ts";

export async function signInWithPasskey(login?: string): Promise<Me> {
  const { challengeId, options } = await post<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }>("/v1/auth/passkey/options", login ? { login } : {});
  const response = await startAuthentication({ optionsJSON: options });
  return post<Me>("/v1/auth/passkey", { challengeId, response });
}

function bytesOf(base64url: string): Uint8Array {
  const b64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** The P-256 point of a new passkey (its SPKI, which the browser reports at creation). */
export function publicKeyOf(response: RegistrationResponseJSON): { x: `0x${string}`; y: `0x${string}` } | null {
  const spki = response.response.publicKey;
  if (!spki) return null;
  return p256PublicKeyFromSpki(bytesOf(spki));
}

/** Enrolment with the admin's code: creates the passkey, stores it, signs in. */
export async function enrolPasskey(login: string, code: string, label: string): Promise<{ me: Me; response: RegistrationResponseJSON }> {
  const { challengeId, options } = await post<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }>("/v1/auth/enrol/passkey/options", { login, code });
  const response = await startRegistration({ optionsJSON: options });
  const me = await post<Me>("/v1/auth/enrol/passkey", { login, code, challengeId, response, label });
  return { me, response };
}

/** Another passkey for the signed-in person. */
export async function addPasskey(label: string): Promise<RegistrationResponseJSON> {
  const { challengeId, options } = await post<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }>("/v1/auth/passkeys/options");
  const response = await startRegistration({ optionsJSON: options });
  await post("/v1/auth/passkeys", { challengeId, response, label });
  return response;
}

/** Submits the new passkey as the officer's decision key (status "requested" until an admin registers it). */
export async function submitOfficerKey(response: RegistrationResponseJSON, label: string): Promise<{ keyId: string; status: string }> {
  const key = publicKeyOf(response);
  if (!key) throw new Error("the browser did not report the passkey's public key");
  return post<{ keyId: string; status: string }>("/v1/officer-keys", { credentialId: response.rawId, publicKey: key, label: label || "passkey" });
}
