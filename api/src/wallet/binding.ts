// Binding a phone to a subject, in three steps:
//  1. an offer: a one-time binding secret (short-lived, single use) issued where the holder was
//     identified: at a kiosk whose session passed a face check of that person, or by a registrar
//     at the window. The kiosk shows it as a QR of the wallet's address (the secret in the
//     fragment, so that it reaches no server log);
//  2. the phone opens it and asks for the passkey options (the offer names the subject and the
//     holder, and gets a WebAuthn challenge and the id the device will have);
//  3. the phone sends its new passkey and its device key (WebCrypto P-256, generated
//     non-extractable), with a signature of that key over the challenge (it holds the key). The
//     offer is burnt, the device row and the ledger entry 'wallet.device_bound' commit together,
//     and the phone is signed in.
// An enterprise's phone is bound to the person acting for it (legal representative or
// authorised agent), and that right is checked again at every step.
import { randomUUID } from "node:crypto";
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Queryable } from "../db/database.ts";
import { conflict, forbidden, notFound, ProblemError } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { resolveCapacity } from "../face/assertion.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { bindingProofMessage, deviceKeyThumbprint, verifyDeviceSignature } from "../../../protocol/codes/device-proof.ts";
import type { DeviceKey } from "../../../protocol/codes/token-format.ts";
import { fromB64url } from "./encoding.ts";
import { registrationOptions, verifyRegistration, type RelyingParty } from "./passkeys.ts";
import { createWalletRepository, type HolderCapacity, type OfferRow } from "./repository.ts";
import { hashOf, newSecret, OFFER_PREFIX } from "./secrets.ts";

/** In what capacity `holderId` may hold a phone for `subject` now; null: not at all. */
export async function holderCapacity(db: Queryable, subject: SubjectRow, holderId: string, now: Date): Promise<HolderCapacity | null> {
  if (subject.kind === "person") return subject.id === holderId ? "self" : null;
  const capacity: string | undefined = (await resolveCapacity(db, { enterpriseId: subject.id, personId: holderId, now }))?.capacity;
  return capacity === "legal_representative" || capacity === "authorised_agent" ? capacity : null;
}

const notAuthorised = () => forbidden("holder_not_authorised", "This person may not hold a phone for this subject (not its legal representative or an authorised agent).");

export interface IssuedOffer {
  offer: string;
  expiresAt: Date;
  subject: SubjectRow;
  holder: SubjectRow;
  capacity: HolderCapacity;
}

async function issueOffer(
  db: Queryable,
  input: { subjectId: string; holderId: string; kioskSessionId: string | null; actor: string; now: Date; ttlSeconds: number },
): Promise<IssuedOffer> {
  const subjects = createSubjectRepository(db);
  const subject = await subjects.get(input.subjectId);
  const holder = await subjects.get(input.holderId);
  if (holder.kind !== "person") throw notAuthorised();
  const capacity = await holderCapacity(db, subject, holder.id, input.now);
  if (!capacity) throw notAuthorised();
  const { secret, hash } = newSecret(OFFER_PREFIX);
  const expiresAt = new Date(input.now.getTime() + input.ttlSeconds * 1000);
  await createWalletRepository(db).insertOffer({
    tokenHash: hash,
    subjectId: subject.id,
    holderId: holder.id,
    capacity,
    kioskSessionId: input.kioskSessionId,
    actor: input.actor,
    at: input.now,
    expiresAt,
  });
  return { offer: secret, expiresAt, subject, holder, capacity };
}

export type BindWhom = "subject" | "holder";

/**
 * The kiosk's session must be this kiosk's, still open, and its person must have passed a face
 * check in it. `whom`: the session's subject (its enterprise, or the person applying for
 * themself), or the person's own code.
 */
export async function kioskSessionHolder(db: Queryable, input: { sessionId: string; device: string; whom: BindWhom; now: Date }): Promise<{ subjectId: string; holderId: string }> {
  const session = await createWalletRepository(db).kioskSession(input.sessionId, input.device);
  if (!session) throw notFound("kiosk_session_not_found", "No such session on this kiosk");
  if (session.ended_at || session.expires_at.getTime() <= input.now.getTime()) throw conflict("kiosk_session_ended", "This kiosk session has ended; please start again.");
  if (!session.person_id || !session.face_passed) throw forbidden("face_check_required", "A passed face check in this session is needed first.");
  const subjectId = input.whom === "holder" ? session.person_id : (session.enterprise_id ?? session.person_id);
  return { subjectId, holderId: session.person_id };
}

export async function offerAtKiosk(
  db: Queryable,
  input: { sessionId: string; device: string; whom: BindWhom; actor: string; now: Date; ttlSeconds: number },
): Promise<IssuedOffer> {
  const { subjectId, holderId } = await kioskSessionHolder(db, input);
  return issueOffer(db, { subjectId, holderId, kioskSessionId: input.sessionId, actor: input.actor, now: input.now, ttlSeconds: input.ttlSeconds });
}

/** At the registrar's window: the registrar has identified the holder in person. */
export async function offerAtRegistrar(
  db: Queryable,
  input: { subjectId: string; holderId: string; actor: string; now: Date; ttlSeconds: number },
): Promise<IssuedOffer> {
  return issueOffer(db, { ...input, kioskSessionId: null });
}

/** The offer behind a secret, if it can still be used; the refusal otherwise. */
function usable(row: OfferRow | null, now: Date): OfferRow {
  if (!row) throw notFound("binding_offer_invalid", "This binding code is not valid; please ask for a new one.");
  if (row.used_at) throw conflict("binding_offer_used", "This binding code was already used; please ask for a new one.");
  if (row.expires_at.getTime() <= now.getTime()) throw conflict("binding_offer_expired", "This binding code has expired; please ask for a new one.");
  return row;
}

export interface BindingOptions {
  options: PublicKeyCredentialCreationOptionsJSON;
  subject: SubjectRow;
  holder: SubjectRow;
  capacity: HolderCapacity;
  expiresAt: Date;
}

/** Step 2: whom the offer binds to, and a fresh passkey challenge for it (the offer stays unused). */
export async function bindingOptions(db: Queryable, input: { offer: string; rp: RelyingParty; now: Date }): Promise<BindingOptions> {
  const wallet = createWalletRepository(db);
  const hash = hashOf(input.offer);
  const row = usable(await wallet.offer(hash), input.now);
  const subjects = createSubjectRepository(db);
  const subject = await subjects.get(row.subject_id);
  const holder = await subjects.get(row.holder_id);
  const deviceId = row.device_id ?? randomUUID();
  const options = await registrationOptions(input.rp, {
    deviceId,
    userName: `onecode-${deviceId.slice(0, 8)}`,
    displayName: subject.id === holder.id ? subject.display_name : `${subject.display_name} · ${holder.display_name}`,
  });
  await wallet.setOfferChallenge(hash, options.challenge, deviceId);
  return { options, subject, holder, capacity: row.capacity, expiresAt: row.expires_at };
}

export interface BindInput {
  offer: string;
  registration: RegistrationResponseJSON;
  deviceKey: DeviceKey;
  /** base64url of the device key's ECDSA signature over "OC-BIND1." + the passkey challenge. */
  keyProof: string;
  name: string;
  rp: RelyingParty;
  now: Date;
}

export interface BoundDevice {
  deviceId: string;
  subject: SubjectRow;
  holderId: string;
  capacity: HolderCapacity;
  thumbprint: string;
}

/** Step 3, in the caller's transaction: burns the offer and registers passkey and device key. */
export async function bindDevice(client: Queryable, input: BindInput): Promise<BoundDevice> {
  const wallet = createWalletRepository(client);
  const hash = hashOf(input.offer);
  const row = usable(await wallet.offer(hash, { lock: true }), input.now);
  if (!row.challenge || !row.device_id) throw conflict("binding_not_started", "Ask for the passkey options of this binding first.");
  const passkey = await verifyRegistration(input.rp, input.registration, row.challenge);
  let proof: Uint8Array;
  try {
    proof = fromB64url(input.keyProof);
  } catch {
    throw new ProblemError(400, "device_key_proof_invalid", "Bad request", "keyProof is not base64url");
  }
  if (!(await verifyDeviceSignature(input.deviceKey, bindingProofMessage(row.challenge), proof).catch(() => false))) {
    throw forbidden("device_key_proof_invalid", "The device key's signature over the binding challenge does not verify.");
  }
  const thumbprint = await deviceKeyThumbprint(input.deviceKey);
  if (await wallet.deviceKeyTaken(thumbprint)) throw conflict("device_key_taken", "This device key is already bound; make a new one.");
  const subjects = createSubjectRepository(client);
  const subject = await subjects.get(row.subject_id, { lock: true });
  const holder = await subjects.get(row.holder_id);
  // The right to act for an enterprise may have ended since the offer.
  if ((await holderCapacity(client, subject, holder.id, input.now)) !== row.capacity) throw notAuthorised();
  try {
    await wallet.insertDevice({
      id: row.device_id,
      subjectId: subject.id,
      holderId: holder.id,
      capacity: row.capacity,
      name: input.name,
      credentialId: passkey.credentialId,
      credentialKey: passkey.publicKey,
      signCount: passkey.counter,
      transports: passkey.transports,
      deviceKey: input.deviceKey,
      thumbprint,
      at: input.now,
      via: row.issued_by,
    });
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw conflict("passkey_taken", "This passkey is already registered.");
    throw error;
  }
  await wallet.markOfferUsed(hash, input.now);
  await appendEntry(client, {
    type: "wallet.device_bound",
    // Commitments and the key's thumbprint only: no names, no identifiers.
    payload: { device: row.device_id, deviceKey: thumbprint, holder: subjectRef(holder.commitment), capacity: row.capacity, via: row.kiosk_session_id ? "kiosk" : "registrar" },
    actor: row.issued_by,
    subjectRef: subjectRef(subject.commitment),
    at: input.now,
  });
  return { deviceId: row.device_id, subject, holderId: holder.id, capacity: row.capacity, thumbprint };
}
