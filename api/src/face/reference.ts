// The reference descriptor of a person, encrypted at rest as a compact JWE (dir + A256GCM).
// It is biometric data: never log it, never put it on chain; errors below never include it.
import { CompactEncrypt, compactDecrypt } from "jose";
import { fromHex } from "../../../protocol/bytes.ts";
import { FACE_MODEL, type FaceEngine } from "./engine.ts";
import { decodeImage, type ImageInput } from "./image.ts";
import { chipSharpness, chipSide, dlibChip } from "./mesh.ts";

/** content type in the JWE header: the plaintext is the descriptor as little-endian float32 */
const CTY = "onecode-face-descriptor+f32le";

export interface ReferenceOptions {
  /** key id written in the protected header (for key rotation) */
  kid?: string;
  /** opaque subject id, written in the authenticated protected header: decrypting with another
   * subject fails, so a reference copied onto another person's row is refused */
  subject?: string;
  /** the recognition model of the descriptor, in the authenticated header (default FACE_MODEL);
   * decrypting for another model fails: its descriptor cannot be compared */
  model?: string;
}

export type EnrolmentRefusal = "no_face" | "several_faces" | "face_too_small" | "not_frontal" | "blurred";

export class EnrolmentError extends Error {
  readonly reason: EnrolmentRefusal;
  constructor(reason: EnrolmentRefusal, message: string) {
    super(message);
    this.name = "EnrolmentError";
    this.reason = reason;
  }
}

/**
 * What a reference photo must be (measured on ../shared/faces, `node` scratch research + the
 * enrolment test): one face; the chip the recognition net reads (150 px) cut without upscaling,
 * i.e. a face of at least 150 px (eye-to-mouth distance / 0.45); facing the camera (the 61
 * deepface portraits: |yaw| <= 14, |pitch| <= 14 degrees); sharp: the chip's normalised Laplacian
 * at least 0.15 (portraits 0.17..0.89, the kiosk test reference 0.20; the same photo blurred by a
 * 5 x 5 box 0.14, by a 7 x 7 box 0.11).
 */
export const REFERENCE_QUALITY = Object.freeze({ minFaceSide: 150, maxYaw: 15, maxPitch: 20, minSharpness: 0.15 });

export class FaceReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaceReferenceError";
  }
}

/** Accepts a 32-byte key as bytes, 64 hex digits, or base64/base64url. */
export function parseReferenceKey(key: Uint8Array | string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof key !== "string") bytes = key;
  else if (/^[0-9a-fA-F]{64}$/.test(key)) bytes = fromHex(key);
  else bytes = new Uint8Array(Buffer.from(key.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
  if (bytes.length !== 32) throw new FaceReferenceError("face reference key must be 32 bytes (A256GCM)");
  return bytes;
}

function pack(descriptor: readonly number[]): Uint8Array {
  const f = new Float32Array(descriptor);
  return new Uint8Array(f.buffer);
}

function unpack(bytes: Uint8Array): number[] {
  if (bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) throw new FaceReferenceError("face reference: bad payload");
  const copy = new Uint8Array(bytes); // aligned copy
  return Array.from(new Float32Array(copy.buffer));
}

export async function encryptReference(
  descriptor: readonly number[],
  key: Uint8Array | string,
  options: ReferenceOptions = {},
): Promise<string> {
  if (descriptor.length === 0 || descriptor.some((x) => !Number.isFinite(x))) throw new FaceReferenceError("face reference: bad descriptor");
  const header: Record<string, unknown> = { alg: "dir", enc: "A256GCM", cty: CTY, mdl: options.model ?? FACE_MODEL };
  if (options.kid) header.kid = options.kid;
  if (options.subject) header.sub = options.subject;
  return new CompactEncrypt(pack(descriptor)).setProtectedHeader(header as never).encrypt(parseReferenceKey(key));
}

/** Decrypts and checks the header; throws FaceReferenceError on any tampering, wrong key or subject. */
export async function decryptReference(
  jwe: string,
  key: Uint8Array | string,
  options: Pick<ReferenceOptions, "subject" | "model"> = {},
): Promise<number[]> {
  let result;
  try {
    result = await compactDecrypt(jwe, parseReferenceKey(key), {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
  } catch (err) {
    if (err instanceof FaceReferenceError) throw err;
    throw new FaceReferenceError("face reference: cannot decrypt (tampered, or wrong key)");
  }
  const h = result.protectedHeader as Record<string, unknown>;
  if (h.cty !== CTY) throw new FaceReferenceError("face reference: unexpected content type");
  if ((options.subject ?? undefined) !== (h.sub ?? undefined)) throw new FaceReferenceError("face reference: subject mismatch");
  // A reference enrolled with the previous model (no mdl) or another one: enrol again.
  if (h.mdl !== (options.model ?? FACE_MODEL)) throw new FaceReferenceError("face reference: made with another face model; enrol the person again");
  return unpack(result.plaintext);
}

/**
 * The descriptor of the one face in an enrolment photo (JPEG/PNG bytes or RGBA); throws
 * EnrolmentError unless it is one face, large, frontal and sharp enough (REFERENCE_QUALITY), with
 * the reason in words for the registrar. Plain biometric data: encrypt it (encryptReference) and
 * drop it; never store or log it.
 */
export async function referenceDescriptor(engine: FaceEngine, photo: ImageInput): Promise<number[]> {
  const image = decodeImage(photo);
  const a = await engine.detect(image);
  const q = REFERENCE_QUALITY;
  if (a.faces === 0 || !a.mesh || !a.angles) throw new EnrolmentError("no_face", "No face was found in the reference photo");
  if (a.faces > 1) throw new EnrolmentError("several_faces", "The reference photo shows more than one face");
  const side = chipSide(a.mesh);
  if (side < q.minFaceSide) {
    throw new EnrolmentError("face_too_small", `The face is too small in the photo (${Math.round(side)} px, at least ${q.minFaceSide}): use a larger or closer photo`);
  }
  const { yaw, pitch } = a.angles;
  if (Math.abs(yaw) > q.maxYaw || Math.abs(pitch) > q.maxPitch) {
    throw new EnrolmentError(
      "not_frontal",
      `The face is not turned to the camera (turned ${Math.round(Math.abs(yaw))} degrees sideways, at most ${q.maxYaw}; ${Math.round(Math.abs(pitch))} up or down, at most ${q.maxPitch})`,
    );
  }
  const sharpness = chipSharpness(dlibChip(image, a.mesh));
  if (sharpness < q.minSharpness) {
    throw new EnrolmentError("blurred", `The photo is not sharp enough (sharpness ${sharpness.toFixed(2)}, at least ${q.minSharpness}): take it again in focus`);
  }
  return engine.describe(image, a.mesh);
}

/**
 * Enrols a person from a photo: exactly one face is required. Returns the encrypted
 * reference (compact JWE) to store; the plain descriptor is not returned.
 */
export async function enrolReference(
  engine: FaceEngine,
  photo: ImageInput,
  key: Uint8Array | string,
  options: ReferenceOptions = {},
): Promise<string> {
  parseReferenceKey(key); // fail fast on a bad key, before the model runs
  return encryptReference(await referenceDescriptor(engine, photo), key, options);
}
