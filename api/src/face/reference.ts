// The reference descriptor of a person, encrypted at rest as a compact JWE (dir + A256GCM).
// It is biometric data: never log it, never put it on chain; errors below never include it.
import { CompactEncrypt, compactDecrypt } from "jose";
import { fromHex } from "../../../protocol/bytes.ts";
import type { FaceEngine } from "./engine.ts";
import type { ImageInput } from "./image.ts";

/** content type in the JWE header: the plaintext is the descriptor as little-endian float32 */
const CTY = "onecode-face-descriptor+f32le";

export interface ReferenceOptions {
  /** key id written in the protected header (for key rotation) */
  kid?: string;
  /** opaque subject id, written in the authenticated protected header: decrypting with another
   * subject fails, so a reference copied onto another person's row is refused */
  subject?: string;
}

export class EnrolmentError extends Error {
  readonly reason: "no_face" | "several_faces";
  constructor(reason: "no_face" | "several_faces") {
    super(reason === "no_face" ? "enrolment photo shows no face" : "enrolment photo shows several faces");
    this.name = "EnrolmentError";
    this.reason = reason;
  }
}

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
  const header: Record<string, unknown> = { alg: "dir", enc: "A256GCM", cty: CTY };
  if (options.kid) header.kid = options.kid;
  if (options.subject) header.sub = options.subject;
  return new CompactEncrypt(pack(descriptor)).setProtectedHeader(header as never).encrypt(parseReferenceKey(key));
}

/** Decrypts and checks the header; throws FaceReferenceError on any tampering, wrong key or subject. */
export async function decryptReference(
  jwe: string,
  key: Uint8Array | string,
  options: Pick<ReferenceOptions, "subject"> = {},
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
  return unpack(result.plaintext);
}

/**
 * The descriptor of the one face in an enrolment photo (JPEG/PNG bytes or RGBA); throws
 * EnrolmentError when the photo shows no face or several. Plain biometric data: encrypt it
 * (encryptReference) and drop it; never store or log it.
 */
export async function referenceDescriptor(engine: FaceEngine, photo: ImageInput): Promise<number[]> {
  const a = await engine.analyze(photo);
  if (a.faces === 0 || !a.descriptor) throw new EnrolmentError("no_face");
  if (a.faces > 1) throw new EnrolmentError("several_faces");
  return a.descriptor;
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
