// Passkeys (WebAuthn, @simplewebauthn/server) for operators: registration at enrolment and
// sign-in. P-256 (ES256) only and user verification required, so the same passkey can also
// be the officer's decision key that the chain checks (issue 14: POST /v1/officer-keys). Each
// challenge is a row used once (operator_challenges): a replayed assertion names a used or
// unknown challenge and is refused; the signature counter must grow where the authenticator
// keeps one.
import { randomUUID } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { unauthorized, unprocessable } from "../errors.ts";
import { originAllowed, type AuthSettings } from "../auth/settings.ts";
import type { AccountRow, OperatorRepository } from "./repository.ts";

const ES256 = -7;

/** The origin the browser wrote into clientDataJSON, if it is one of ours. */
function originOf(settings: AuthSettings, clientDataJSON: string): string {
  let origin: unknown;
  try {
    origin = (JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { origin?: unknown }).origin;
  } catch {
    throw unauthorized("passkey_invalid", "The passkey answer cannot be read");
  }
  if (typeof origin !== "string" || !originAllowed(settings, origin)) throw unauthorized("origin_not_allowed", "The passkey answer comes from another site");
  return origin;
}

export async function registrationOptions(repo: OperatorRepository, settings: AuthSettings, account: AccountRow, now: Date) {
  const existing = await repo.passkeysOf(account.id);
  const options = await generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userName: account.login,
    userDisplayName: account.name,
    userID: new TextEncoder().encode(account.id),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: p.transports })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    supportedAlgorithmIDs: [ES256],
    timeout: settings.challengeSeconds * 1000,
  });
  const challengeId = randomUUID();
  await repo.insertChallenge({ id: challengeId, purpose: "register", accountId: account.id, challenge: options.challenge, at: now, expiresAt: new Date(now.getTime() + settings.challengeSeconds * 1000) });
  return { challengeId, options };
}

/** Verifies a new passkey of `account` and stores it. */
export async function finishRegistration(
  repo: OperatorRepository,
  settings: AuthSettings,
  account: AccountRow,
  input: { challengeId: string; response: RegistrationResponseJSON; label?: string },
  now: Date,
): Promise<{ credentialId: string }> {
  const challenge = await repo.takeChallenge(input.challengeId, "register", now);
  if (!challenge || challenge.account_id !== account.id) throw unauthorized("challenge_invalid", "The passkey request is unknown, used or expired; start again");
  const expectedOrigin = originOf(settings, input.response.response.clientDataJSON);
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin,
      expectedRPID: settings.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: [ES256],
    });
  } catch (error) {
    throw unprocessable("passkey_invalid", `The new passkey was not accepted: ${(error as Error).message}`);
  }
  if (!verified.verified) throw unprocessable("passkey_invalid", "The new passkey was not accepted");
  const { credential } = verified.registrationInfo;
  if (await repo.passkey(credential.id)) throw unprocessable("passkey_exists", "This passkey is already registered");
  await repo.insertPasskey({
    credentialId: credential.id,
    accountId: account.id,
    publicKey: credential.publicKey,
    counter: credential.counter,
    transports: credential.transports ?? [],
    label: (input.label ?? "").slice(0, 100),
    at: now,
  });
  return { credentialId: credential.id };
}

/** Options for signing in; with a login, only that account's passkeys are offered (else any discoverable one). */
export async function signInOptions(repo: OperatorRepository, settings: AuthSettings, login: string | undefined, now: Date) {
  const account = login ? await repo.byLogin(login) : null;
  const passkeys = account ? await repo.passkeysOf(account.id) : [];
  const options = await generateAuthenticationOptions({
    rpID: settings.rpId,
    userVerification: "required",
    allowCredentials: passkeys.map((p) => ({ id: p.credential_id, transports: p.transports as never })),
    timeout: settings.challengeSeconds * 1000,
  });
  const challengeId = randomUUID();
  await repo.insertChallenge({ id: challengeId, purpose: "sign_in", accountId: null, challenge: options.challenge, at: now, expiresAt: new Date(now.getTime() + settings.challengeSeconds * 1000) });
  return { challengeId, options };
}

/** The account an assertion proves, after the challenge (once), origin, RP id, user verification, signature and counter. */
export async function finishSignIn(
  repo: OperatorRepository,
  settings: AuthSettings,
  input: { challengeId: string; response: AuthenticationResponseJSON },
  now: Date,
): Promise<AccountRow> {
  const challenge = await repo.takeChallenge(input.challengeId, "sign_in", now);
  if (!challenge) throw unauthorized("challenge_invalid", "The sign-in request is unknown, used or expired; start again");
  const passkey = await repo.passkey(input.response.id, { lock: true });
  if (!passkey || passkey.revoked_at) throw unauthorized("passkey_unknown", "This passkey is not registered for any account");
  const expectedOrigin = originOf(settings, input.response.response.clientDataJSON);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin,
      expectedRPID: settings.rpId,
      requireUserVerification: true,
      credential: { id: passkey.credential_id, publicKey: new Uint8Array(passkey.public_key), counter: Number(passkey.counter), transports: passkey.transports as never },
    });
  } catch (error) {
    throw unauthorized("passkey_invalid", `The passkey answer was not accepted: ${(error as Error).message}`);
  }
  if (!verified.verified) throw unauthorized("passkey_invalid", "The passkey answer was not accepted");
  await repo.usePasskey(passkey.credential_id, verified.authenticationInfo.newCounter, now);
  return repo.get(passkey.account_id);
}
