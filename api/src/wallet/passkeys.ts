// The holder's passkey (WebAuthn, @simplewebauthn/server): created on the phone at binding,
// used to sign in to the wallet. The relying party is the API's public origin (PUBLIC_URL):
// its host name is the RP ID, its origin the only origin accepted. User verification is
// required (the phone's screen lock or biometrics), so a passkey alone from a stolen phone that
// is locked signs in nobody. The passkey never presents codes: the device key does.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { forbidden } from "../errors.ts";

export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** The relying party of the wallet's passkeys: PUBLIC_URL's host and origin. */
export function relyingParty(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin, name: "一码通 OneCode" };
}

/** ES256 (-7) and Ed25519 (-8): what phones' platform authenticators offer. */
const ALGORITHMS = [-7, -8];

export async function registrationOptions(
  rp: RelyingParty,
  input: { deviceId: string; userName: string; displayName: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new TextEncoder().encode(input.deviceId),
    userName: input.userName,
    userDisplayName: input.displayName,
    attestationType: "none",
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    supportedAlgorithmIDs: ALGORITHMS,
    timeout: 120_000,
  });
}

export interface NewPasskey {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

const refused = () => forbidden("passkey_invalid", "The passkey could not be verified; please try again.");

export async function verifyRegistration(rp: RelyingParty, response: RegistrationResponseJSON, expectedChallenge: string): Promise<NewPasskey> {
  let result;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch {
    throw refused();
  }
  if (!result.verified) throw refused();
  const { credential } = result.registrationInfo;
  return { credentialId: credential.id, publicKey: credential.publicKey, counter: credential.counter, transports: credential.transports ?? [] };
}

export async function authenticationOptions(rp: RelyingParty, allow: { id: string; transports: string[] }[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({ rpID: rp.id, allowCredentials: allow, userVerification: "required", timeout: 120_000 });
}

export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  input: { expectedChallenge: string; credentialId: string; publicKey: Uint8Array; counter: number; transports: string[] },
): Promise<{ counter: number }> {
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: input.credentialId, publicKey: new Uint8Array(input.publicKey), counter: input.counter, transports: input.transports as never },
      requireUserVerification: true,
    });
  } catch {
    throw refused();
  }
  if (!result.verified) throw refused();
  return { counter: result.authenticationInfo.newCounter };
}
