// Holder sign-in: the phone's passkey answers a single-use challenge; the answer opens a holder
// session (a ws1_ bearer secret, stored as its SHA-256, living WALLET_SESSION_TTL_SECONDS).
// Every holder route resolves the session to its device, and through the device to the one
// subject it may see; a removed device's sessions end with it.
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Queryable } from "../db/database.ts";
import { forbidden, unauthorized } from "../errors.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { holderCapacity } from "./binding.ts";
import { authenticationOptions, verifyAuthentication, type RelyingParty } from "./passkeys.ts";
import { createWalletRepository, type DeviceRow } from "./repository.ts";
import { hashOf, newSecret, SESSION_PREFIX } from "./secrets.ts";

/** How long a sign-in challenge may be answered. */
export const CHALLENGE_TTL_SECONDS = 180;

export interface HolderSession {
  session: string;
  expiresAt: Date;
  deviceId: string;
}

export async function openSession(db: Queryable, input: { deviceId: string; now: Date; ttlSeconds: number }): Promise<HolderSession> {
  const { secret, hash } = newSecret(SESSION_PREFIX);
  const expiresAt = new Date(input.now.getTime() + input.ttlSeconds * 1000);
  await createWalletRepository(db).insertSession({ tokenHash: hash, deviceId: input.deviceId, at: input.now, expiresAt });
  return { session: secret, expiresAt, deviceId: input.deviceId };
}

/** Options for navigator.credentials.get: the device's own passkey when the phone names it, else any (discoverable). */
export async function signInOptions(
  db: Queryable,
  input: { rp: RelyingParty; deviceId?: string; now: Date },
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const wallet = createWalletRepository(db);
  const device = input.deviceId ? await wallet.device(input.deviceId) : null;
  const allow = device && !device.removed_at ? [{ id: device.credential_id, transports: device.transports }] : [];
  const options = await authenticationOptions(input.rp, allow);
  await wallet.pruneChallenges(new Date(input.now.getTime() - 3600_000));
  const challengeId = await wallet.insertChallenge(options.challenge, input.now, new Date(input.now.getTime() + CHALLENGE_TTL_SECONDS * 1000));
  return { challengeId, options };
}

export async function signIn(
  db: Queryable,
  input: { rp: RelyingParty; challengeId: string; response: AuthenticationResponseJSON; now: Date; ttlSeconds: number },
): Promise<HolderSession> {
  const wallet = createWalletRepository(db);
  const challenge = await wallet.consumeChallenge(input.challengeId, input.now);
  if (!challenge) throw forbidden("signin_challenge_invalid", "This sign-in has expired or was already used; please try again.");
  const device = await wallet.deviceByCredential(input.response.id);
  if (!device) throw forbidden("passkey_unknown", "This passkey is not bound to any wallet.");
  if (device.removed_at) throw forbidden("device_removed", "This phone was unbound; bind it again at a kiosk or a registrar's window.");
  const { counter } = await verifyAuthentication(input.rp, input.response, {
    expectedChallenge: challenge,
    credentialId: device.credential_id,
    publicKey: device.credential_key,
    counter: device.sign_count,
    transports: device.transports,
  });
  await assertStillHolder(db, device, input.now);
  await wallet.signedIn(device.id, counter, input.now);
  return openSession(db, { deviceId: device.id, now: input.now, ttlSeconds: input.ttlSeconds });
}

/** Refuses when the device's holder may no longer act for its subject (an agent's authorisation ended). */
export async function assertStillHolder(db: Queryable, device: DeviceRow, now: Date): Promise<void> {
  // A person's own phone: the row's CHECK keeps subject and holder one person, nothing can end it.
  if (device.capacity === "self" && device.subject_id === device.holder_id) return;
  const subject = await createSubjectRepository(db).get(device.subject_id);
  if ((await holderCapacity(db, subject, device.holder_id, now)) !== device.capacity) {
    throw forbidden("holder_not_authorised", "The holder of this phone may no longer act for this subject.");
  }
}

const SESSION_HEADER = new RegExp(`^Bearer (${SESSION_PREFIX}[A-Za-z0-9_-]{43})$`);

/** The hash of the holder session a request carries; 401 wallet_session_missing without one. */
export function sessionHashOf(authorization: string | undefined): Buffer {
  const match = SESSION_HEADER.exec(authorization ?? "");
  if (!match) throw unauthorized("wallet_session_missing", "Sign in to the wallet first.");
  return hashOf(match[1]!);
}

export const sessionEnded = () => unauthorized("wallet_session_invalid", "The wallet session has ended; please sign in again.");

/** The device behind a request's holder session; 401 wallet_session_invalid otherwise. */
export async function holderDevice(db: Queryable, authorization: string | undefined, now: Date): Promise<{ device: DeviceRow; sessionHash: Buffer }> {
  const sessionHash = sessionHashOf(authorization);
  const device = await createWalletRepository(db).sessionDevice(sessionHash, now);
  if (!device) throw sessionEnded();
  return { device, sessionHash };
}
