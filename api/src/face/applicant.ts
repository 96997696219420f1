// Identifying, at the kiosk, the credit subject and the person who applies: for an enterprise,
// its legal representative or an agent with a valid authorisation; for a person, the person
// themself (capacity self, by their own resident ID number, no enterprise step: Order 36 art. 2
// gives every credit subject the right to apply). Both are bound to the session, so that the
// face check that follows can only be made for them.
import { inflateRawSync } from "node:zlib";
import { MAX_CLAIMS_BYTES, parseCompactJws, tokenFromScan } from "../../../protocol/codes/token-format.ts";
import { checkUscc } from "../../../protocol/identifiers.ts";
import type { Queryable } from "../db/database.ts";
import { badRequest, conflict, forbidden, notFound } from "../errors.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { resolveCapacity, type Capacity } from "./assertion.ts";
import { createFaceRepository } from "./repository.ts";
import type { KioskSession } from "./session.ts";

/**
 * The code id in what a kiosk scanned: the bare 32-hex code id, or a OneCode token (the QR's
 * "OC1:/" numeric text or the compact JWS, see protocol/codes/token-format.ts) whose `sub` names
 * the code. The signature is not checked here: identifying the enterprise is not the security
 * boundary (a USCC is public too); the face check of its legal representative or authorised
 * agent is. The code must still be the enterprise's current, active code in the database.
 */
export function scannedCodeId(scanned: string): string | null {
  const text = scanned.trim();
  if (/^[0-9a-f]{32}$/i.test(text)) return text.toLowerCase();
  try {
    const jws = parseCompactJws(tokenFromScan(text));
    const claims = JSON.parse(new TextDecoder().decode(inflateRawSync(jws.payload, { maxOutputLength: MAX_CLAIMS_BYTES }))) as { sub?: unknown };
    return typeof claims.sub === "string" && /^[0-9a-f]{32}$/.test(claims.sub) ? claims.sub : null;
  } catch {
    return null;
  }
}

/** Finds an enterprise by its USCC (GB 32100, checked) or by a scanned enterprise code. */
export async function findEnterprise(db: Queryable, scanned: string): Promise<SubjectRow> {
  const subjects = createSubjectRepository(db);
  const text = scanned.trim().toUpperCase();
  if (/^[0-9A-Z]{18}$/.test(text)) {
    const check = checkUscc(text);
    if (!check.ok) throw badRequest("uscc_invalid", `This is not a valid Unified Social Credit Code: ${check.reason}.`);
    const enterprise = await subjects.byIdentifier("enterprise", text);
    if (!enterprise) throw notFound("enterprise_not_found", "No enterprise with this code is registered.");
    return enterprise;
  }
  const codeId = scannedCodeId(scanned);
  if (!codeId) throw badRequest("enterprise_code_unreadable", "Enter an 18-character USCC or scan the enterprise code.");
  const enterprise = await subjects.enterpriseByActiveCode(codeId);
  if (!enterprise) throw notFound("enterprise_not_found", "This enterprise code is not current; enter the USCC instead.");
  return enterprise;
}

export interface Applicant {
  /** The credit subject applied for (the enterprise, or the person themself). */
  subjectId: string;
  subjectKind: "person" | "enterprise";
  /** Earlier names of subjectId and its display name, kept for the kiosk of the previous release. */
  enterpriseId: string;
  enterpriseName: string;
  personId: string;
  personName: string;
  capacity: Capacity;
  authorisation: { id: string; reference: string; validUntil: Date } | null;
  faceEnrolled: boolean;
}

const notTheRepresentative = () => forbidden("not_legal_representative", "This person is not the registered legal representative of the enterprise.");
const notAuthorised = () => forbidden("not_authorised", "This person holds no valid authorisation for the enterprise.");

/** A person applying for themself: found by their own ID number, bound with their own id as the subject. */
async function identifySelf(db: Queryable, session: KioskSession, idNumber: string | undefined): Promise<Applicant> {
  if (!idNumber) throw badRequest("id_number_required", "Give your resident ID number to apply for yourself.");
  const person = await createSubjectRepository(db).byIdentifier("person", idNumber);
  if (!person) throw notFound("person_not_found", "No person with this ID number is registered; please go to the service counter.");
  const face = createFaceRepository(db);
  await face.bindApplicant(session.id, { enterpriseId: person.id, personId: person.id, capacity: "self", authorisationId: null });
  return {
    subjectId: person.id,
    subjectKind: "person",
    enterpriseId: person.id,
    enterpriseName: person.display_name,
    personId: person.id,
    personName: person.display_name,
    capacity: "self",
    authorisation: null,
    faceEnrolled: await face.hasReference(person.id),
  };
}

/**
 * Identifies who applies: for an enterprise, its legal representative, or the person with this
 * resident ID number if they hold a valid authorisation for it; with capacity self, the person
 * with this ID number for themself. Binds both to the session.
 */
export async function identifyApplicant(
  db: Queryable,
  input: { session: KioskSession; enterprise?: string; capacity: Capacity; idNumber?: string; now: Date },
): Promise<Applicant> {
  const idNumber = input.idNumber?.trim().toUpperCase();
  if (input.capacity === "self") return identifySelf(db, input.session, idNumber);
  if (!input.enterprise) throw badRequest("enterprise_required", "Enter the enterprise's USCC or scan its code.");
  const subjects = createSubjectRepository(db);
  const face = createFaceRepository(db);
  const enterprise = await findEnterprise(db, input.enterprise);
  let personId: string;
  if (input.capacity === "legal_representative") {
    if (!enterprise.legal_rep_id) {
      throw conflict("no_legal_representative", "No legal representative is registered for this enterprise; please go to the service counter.");
    }
    personId = enterprise.legal_rep_id;
    if (idNumber && (await subjects.identifierOf(personId)) !== idNumber) throw notTheRepresentative();
  } else {
    if (!idNumber) throw badRequest("id_number_required", "An authorised agent must give their resident ID number.");
    const agent = await subjects.byIdentifier("person", idNumber);
    if (!agent) throw notAuthorised();
    personId = agent.id;
  }
  const capacity = await resolveCapacity(db, { enterpriseId: enterprise.id, personId, now: input.now });
  if (!capacity || capacity.capacity !== input.capacity) throw input.capacity === "legal_representative" ? notTheRepresentative() : notAuthorised();
  await face.bindApplicant(input.session.id, { enterpriseId: enterprise.id, personId, capacity: capacity.capacity, authorisationId: capacity.authorisationId });
  const person = await subjects.get(personId);
  const authorisation = capacity.authorisationId ? await face.authorisation(capacity.authorisationId) : null;
  return {
    subjectId: enterprise.id,
    subjectKind: "enterprise",
    enterpriseId: enterprise.id,
    enterpriseName: enterprise.display_name,
    personId,
    personName: person.display_name,
    capacity: capacity.capacity,
    authorisation: authorisation ? { id: authorisation.id, reference: authorisation.reference, validUntil: authorisation.valid_until } : null,
    faceEnrolled: await face.hasReference(personId),
  };
}
