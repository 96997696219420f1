// Enrolment of persons and enterprises: the subject row, the ledger entry
// 'subject.enrolled' and the first code (codes row, 'code.issued', chain write) in the
// caller's one transaction, and for a person who brings a reference photo the face
// reference too (written by the face feature: see storeReference below). Throws
// ProblemError for refusals (bad checksum, duplicate).
import type { Queryable } from "../db/database.ts";
import { badRequest, conflict, notFound, unprocessable } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { issueCode } from "../codes/issue.ts";
import { toHex } from "../../../protocol/bytes.ts";
import { checkResidentId, checkUscc } from "../../../protocol/identifiers.ts";
import { maskIdentifier, maskPersonName } from "./masking.ts";
import { subjectCommitment, type SubjectKind } from "./commitment.ts";
import { createSubjectRepository, type NewSubjectRow } from "./repository.ts";

export interface PersonInput {
  idNumber: string;
  name: string;
}

/**
 * Writes the new person's face reference inside the enrolment transaction, after the
 * subject row and its code (the face feature's storeReferencePhoto, bound to a photo the
 * caller analysed before the transaction). A failure refuses the whole enrolment.
 */
export type StoreReference = (client: Queryable, personId: string) => Promise<unknown>;

export interface EnterpriseInput {
  uscc: string;
  name: string;
  /** Subject id of an enrolled person. */
  legalRepresentativeId: string;
}

export interface Enrolled {
  id: string;
  kind: SubjectKind;
  displayName: string;
  identifierMasked: string;
  codeId: string;
  statusIndex: number;
  commitment: string;
}

const NAME_MAX = 100;

function checkName(name: string, what: string): string {
  const value = name.trim().normalize("NFC");
  if (value.length === 0 || value.length > NAME_MAX) throw badRequest("invalid_name", `${what} must have 1 to ${NAME_MAX} characters`);
  return value;
}

async function refuseDuplicate(client: Queryable, identifier: string, commitment: Buffer, what: string): Promise<void> {
  const existing = await createSubjectRepository(client).existing(identifier, commitment);
  if (existing) throw conflict("subject_already_enrolled", `This ${what} is already enrolled`, { subjectId: existing });
}

async function insertSubject(client: Queryable, row: NewSubjectRow): Promise<string> {
  try {
    return await createSubjectRepository(client).insert(row);
  } catch (error) {
    // Two enrolments of one identifier at once: the unique index decides.
    if ((error as { code?: string }).code === "23505") throw duplicateSubject(row.kind);
    throw error;
  }
}

/** A subject's row as validated from input, before anything is written. */
export interface ValidSubject {
  identifier: string;
  name: string;
  displayName: string;
  commitment: Buffer;
}

/** Checks a person's input (checksum, birth date, name); throws ProblemError. */
export function validatePerson(subjectKey: Uint8Array, input: Pick<PersonInput, "idNumber" | "name">, at: Date): ValidSubject {
  const id = checkResidentId(String(input.idNumber ?? ""), at);
  if (!id.ok) throw badRequest("invalid_id_number", `Resident ID number: ${id.reason}`);
  const name = checkName(String(input.name ?? ""), "name");
  return { identifier: id.value, name, displayName: maskPersonName(name), commitment: subjectCommitment(subjectKey, "person", id.value) };
}

/**
 * Checks an enterprise's input (USCC checksum, name); the legal representative is checked
 * against the database. The display name is the registered name in full: it is public.
 */
export function validateEnterprise(subjectKey: Uint8Array, input: Pick<EnterpriseInput, "uscc" | "name">): ValidSubject {
  const uscc = checkUscc(String(input.uscc ?? ""));
  if (!uscc.ok) throw badRequest("invalid_uscc", `Unified Social Credit Code: ${uscc.reason}`);
  const name = checkName(String(input.name ?? ""), "name");
  return { identifier: uscc.value, name, displayName: name, commitment: subjectCommitment(subjectKey, "enterprise", uscc.value) };
}

export const duplicateSubject = (kind: SubjectKind) => conflict("subject_already_enrolled", `This ${kind} is already enrolled`);
export const legalRepresentativeNotFound = () =>
  notFound("legal_representative_not_found", "The legal representative is not enrolled; enrol the person first");
export const legalRepresentativeNotPerson = () => unprocessable("legal_representative_not_person", "The legal representative must be an enrolled person");

export async function enrolPerson(
  client: Queryable,
  subjectKey: Uint8Array,
  input: PersonInput,
  actor: string,
  at: Date,
  storeReference?: StoreReference,
): Promise<Enrolled> {
  const { identifier, name, displayName, commitment } = validatePerson(subjectKey, input, at);
  const id = { value: identifier };
  await refuseDuplicate(client, id.value, commitment, "person");
  const subjectId = await insertSubject(client, { kind: "person", identifier: id.value, name, displayName, commitment, legalRepId: null, actor, at });
  await appendEntry(client, {
    type: "subject.enrolled",
    payload: { subjectId, kind: "person", commitment: toHex(commitment) },
    actor,
    subjectRef: subjectRef(commitment),
    at,
  });
  const code = await issueCode(client, { subjectId, commitment, kind: "person", actor, at });
  if (storeReference) await storeReference(client, subjectId);
  return { id: subjectId, kind: "person", displayName, identifierMasked: maskIdentifier(id.value), codeId: code.codeId, statusIndex: code.statusIndex, commitment: toHex(commitment) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isSubjectId = (value: string) => UUID.test(value);
export const invalidLegalRepresentative = () => badRequest("invalid_legal_representative", "legalRepresentativeId must be a subject id");

export async function enrolEnterprise(client: Queryable, subjectKey: Uint8Array, input: EnterpriseInput, actor: string, at: Date): Promise<Enrolled> {
  const { identifier, name, displayName, commitment } = validateEnterprise(subjectKey, input);
  const uscc = { value: identifier };
  const repId = String(input.legalRepresentativeId ?? "");
  if (!isSubjectId(repId)) throw invalidLegalRepresentative();
  const rep = await createSubjectRepository(client).find(repId);
  if (!rep) throw legalRepresentativeNotFound();
  if (rep.kind !== "person") throw legalRepresentativeNotPerson();
  await refuseDuplicate(client, uscc.value, commitment, "enterprise");
  const subjectId = await insertSubject(client, { kind: "enterprise", identifier: uscc.value, name, displayName, commitment, legalRepId: repId, actor, at });
  await appendEntry(client, {
    type: "subject.enrolled",
    payload: { subjectId, kind: "enterprise", commitment: toHex(commitment), legalRepresentativeId: repId },
    actor,
    subjectRef: subjectRef(commitment),
    at,
  });
  const code = await issueCode(client, { subjectId, commitment, kind: "enterprise", actor, at });
  return { id: subjectId, kind: "enterprise", displayName, identifierMasked: maskIdentifier(uscc.value), codeId: code.codeId, statusIndex: code.statusIndex, commitment: toHex(commitment) };
}
