// Enrolment of a person's reference face, for the subjects feature (POST /v1/persons with a
// referencePhoto) and for PUT /v1/persons/:id/face-reference. Two steps, so that the model
// (~0.3 s) does not run while a transaction holds locks:
//   const ref = await prepareFaceReference(ctx.config, personId, photo);   // before the transaction
//   await withTransaction(pool, (c) => { ...insert person...; return storeFaceReference(c, {...ref, personId, actor, now}); });
// or, when holding a transaction during inference is acceptable, enrolFaceReference(client, ...).
// The photo and the descriptor are never stored or logged; only the JWE is kept.
import type { Config } from "../config.ts";
import type { Queryable } from "../db/database.ts";
import { notFound, unprocessable } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { decodeImage, ImageDecodeError, type ImageInput } from "./image.ts";
import { enrolReference, EnrolmentError } from "./reference.ts";
import { faceEngineOrUnavailable, faceSettings } from "./session.ts";

export interface PreparedReference {
  /** compact JWE of the descriptor, bound to the person's id */
  reference: string;
  kid: string;
}

/** Photo as bytes, or base64 (a data: URL prefix is accepted). */
export type ReferencePhoto = ImageInput | string;

function photoBytes(photo: ReferencePhoto): ImageInput {
  if (typeof photo !== "string") return photo;
  const b64 = photo.replace(/^data:image\/(?:jpeg|png);base64,/, "");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw unprocessable("photo_invalid", "The reference photo is not base64");
  return new Uint8Array(Buffer.from(b64, "base64"));
}

/**
 * Runs the face engine on the reference photo: exactly one face. Throws 422 ProblemErrors with
 * codes photo_invalid, photo_no_face, photo_several_faces; 503 face_engine_unavailable.
 */
export async function prepareFaceReference(config: Config, personId: string, photo: ReferencePhoto): Promise<PreparedReference> {
  const kid = faceSettings(config).referenceKid;
  try {
    const image = decodeImage(photoBytes(photo)); // garbage is refused before the model loads
    const engine = await faceEngineOrUnavailable();
    const reference = await enrolReference(engine, image, config.faceKey, { kid, subject: personId });
    return { reference, kid };
  } catch (error) {
    if (error instanceof ImageDecodeError) throw unprocessable("photo_invalid", "The reference photo is not a readable JPEG or PNG image");
    if (error instanceof EnrolmentError) {
      throw unprocessable(
        error.reason === "no_face" ? "photo_no_face" : "photo_several_faces",
        error.reason === "no_face" ? "No face was found in the reference photo" : "The reference photo shows more than one face",
      );
    }
    throw error;
  }
}

/** Stores (or replaces) the person's reference and appends the ledger entry face.reference_enrolled. */
export async function storeFaceReference(
  client: Queryable,
  input: PreparedReference & { personId: string; actor: string; now: Date },
): Promise<{ replaced: boolean }> {
  const person = await client.query<{ commitment: Buffer }>(`SELECT commitment FROM subjects WHERE id = $1 AND kind = 'person'`, [
    input.personId,
  ]);
  if (!person.rows[0]) throw notFound("person_not_found", "No such person");
  const { rows } = await client.query<{ replaced: boolean }>(
    `INSERT INTO face_references (person_id, reference, kid, enrolled_at, enrolled_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (person_id) DO UPDATE SET reference = EXCLUDED.reference, kid = EXCLUDED.kid,
       enrolled_at = EXCLUDED.enrolled_at, enrolled_by = EXCLUDED.enrolled_by
     RETURNING (xmax <> 0) AS replaced`,
    [input.personId, input.reference, input.kid, input.now, input.actor],
  );
  const replaced = rows[0]!.replaced;
  // The entry says that a reference exists, never what it is.
  await appendEntry(client, {
    type: "face.reference_enrolled",
    payload: { kid: input.kid, replaced },
    actor: input.actor,
    subjectRef: person.rows[0].commitment.toString("hex"),
    at: input.now,
  });
  return { replaced };
}

/** Both steps in one call, inside the caller's transaction. */
export async function enrolFaceReference(
  client: Queryable,
  input: { config: Config; personId: string; photo: ReferencePhoto; actor: string; now: Date },
): Promise<{ replaced: boolean }> {
  const prepared = await prepareFaceReference(input.config, input.personId, input.photo);
  return storeFaceReference(client, { ...prepared, personId: input.personId, actor: input.actor, now: input.now });
}

/**
 * The hook for the subjects feature's enrolment (api/src/subjects/enrol.ts `setReferencePhotoHook`):
 * runs inside the enrolment transaction; a photo without exactly one face refuses the enrolment
 * (422), so no person is enrolled with a photo that can never pass. The ledger actor is the
 * enrolling operator (the new subject's created_by). Registered by the face routes plugin.
 */
export function createReferencePhotoHook(ctx: { config: Config; clock: { now(): Date } }) {
  return async (client: Queryable, subjectId: string, photo: Uint8Array): Promise<void> => {
    const { rows } = await client.query<{ created_by: string }>(`SELECT created_by FROM subjects WHERE id = $1`, [subjectId]);
    await enrolFaceReference(client, {
      config: ctx.config,
      personId: subjectId,
      photo: new Uint8Array(photo.buffer, photo.byteOffset, photo.byteLength),
      actor: rows[0]?.created_by ?? "system:enrolment",
      now: ctx.clock.now(),
    });
  };
}
