// A person's reference face from a photo, for PUT /v1/persons/:id/face-reference and for the
// subjects feature's enrolment with a photo (app.face.analyseReferencePhoto, then
// app.face.storeReferencePhoto). Two steps, so that the model (~0.3 s) runs before the
// transaction and not while it holds the ledger lock:
//   const reference = await analyseReferencePhoto(engine, photo);          // before the transaction
//   await withTransaction(pool, (c) => storeReferencePhoto(c, { ...settings, personId, reference, actor, now }));
// The photo and the descriptor are never stored or logged; only the JWE is kept.
import type { Queryable } from "../db/database.ts";
import { notFound, unavailable, unprocessable } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { FACE_MODEL, type FaceEngine } from "./engine.ts";
import { decodeImage, ImageDecodeError, MAX_PIXELS, type ImageInput } from "./image.ts";
import { encryptReference, EnrolmentError, referenceDescriptor } from "./reference.ts";
import { createFaceRepository } from "./repository.ts";

/** Photo as bytes, or base64 (a data: URL prefix is accepted). */
export type ReferencePhoto = ImageInput | string;

/** The analysed face of a reference photo, held in memory between the two steps only. */
export interface AnalysedReference {
  readonly descriptor: readonly number[];
}

function photoBytes(photo: ReferencePhoto): ImageInput {
  if (typeof photo !== "string") return photo;
  const b64 = photo.replace(/^data:image\/(?:jpeg|png);base64,/, "");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw unprocessable("photo_invalid", "The reference photo is not base64");
  return new Uint8Array(Buffer.from(b64, "base64"));
}

/** The engine, or 503 face_engine_unavailable when its models cannot be loaded. */
export async function engineOrUnavailable(engine: () => Promise<FaceEngine>): Promise<FaceEngine> {
  try {
    return await engine();
  } catch {
    throw unavailable("face_engine_unavailable", "The face check is not available right now; please try again later.");
  }
}

/**
 * Runs the face engine on the reference photo: one face, large, frontal and sharp enough
 * (./reference.ts REFERENCE_QUALITY). Throws 422 ProblemErrors whose detail tells the registrar
 * why: photo_invalid, photo_too_large, photo_no_face, photo_several_faces, photo_face_too_small,
 * photo_not_frontal, photo_blurred; 503 face_engine_unavailable.
 */
export async function analyseReferencePhoto(engine: () => Promise<FaceEngine>, photo: ReferencePhoto): Promise<AnalysedReference> {
  try {
    const image = decodeImage(photoBytes(photo)); // garbage is refused before the model loads
    return { descriptor: await referenceDescriptor(await engineOrUnavailable(engine), image) };
  } catch (error) {
    if (error instanceof ImageDecodeError) {
      if (error.reason === "too_large") throw unprocessable("photo_too_large", `The reference photo is larger than ${MAX_PIXELS} pixels`);
      throw unprocessable("photo_invalid", "The reference photo is not a readable JPEG or PNG image");
    }
    if (error instanceof EnrolmentError) throw unprocessable(`photo_${error.reason}`, error.message);
    throw error;
  }
}

/**
 * Encrypts the analysed face for this person (the JWE names the person, so a row copied onto
 * another person does not decrypt), stores or replaces the reference and appends the ledger
 * entry face.reference_enrolled, in the caller's transaction.
 */
export async function storeReferencePhoto(
  client: Queryable,
  input: { key: Uint8Array; kid: string; personId: string; reference: AnalysedReference; actor: string; now: Date },
): Promise<{ replaced: boolean; kid: string }> {
  const person = await createSubjectRepository(client).find(input.personId);
  if (!person || person.kind !== "person") throw notFound("person_not_found", "No such person");
  const jwe = await encryptReference(input.reference.descriptor, input.key, { kid: input.kid, subject: input.personId, model: FACE_MODEL });
  const replaced = await createFaceRepository(client).upsertReference({
    personId: input.personId,
    reference: jwe,
    kid: input.kid,
    model: FACE_MODEL,
    at: input.now,
    actor: input.actor,
  });
  // The entry says that a reference exists, never what it is.
  await appendEntry(client, {
    type: "face.reference_enrolled",
    payload: { kid: input.kid, model: FACE_MODEL, replaced },
    actor: input.actor,
    subjectRef: subjectRef(person.commitment),
    at: input.now,
  });
  return { replaced, kid: input.kid };
}
