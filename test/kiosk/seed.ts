// Seed data for the kiosk tests: persons and enterprises written with SQL (valid GB 11643 ID
// numbers and GB 32100 USCCs, check characters from protocol/identifiers.ts), and face
// pictures cut from the photos in the npm packages.
import { randomBytes } from "node:crypto";
import type { Queryable } from "../../api/src/db/database.ts";
import { encodePng } from "../../api/src/face/image.ts";
import { maskPersonName } from "../../api/src/subjects/masking.ts";
import { residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";
import { brightness, cropFace, decode, faceApiSample, fit, sideBySide, blank, type Img } from "../face/images.ts";

/** A valid resident ID number (Chancheng area 440604), distinct per `seq`. */
export function idNumber(seq: number): string {
  const body = `440604198${(seq % 10).toString()}0${1 + (Math.floor(seq / 10) % 9)}1${(seq % 9) + 1}${String(100 + (seq % 899)).padStart(3, "0")}`;
  return body + residentIdCheckChar(body);
}

/** A valid USCC of an enterprise registered in Chancheng (91 440604 …). */
export function uscc(seq: number): string {
  const body = `91440604${String(seq).padStart(8, "0")}M`;
  return body + usccCheckChar(body);
}

export async function seedPerson(db: Queryable, input: { idNumber: string; name: string }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO subjects (kind, identifier, name, display_name, commitment, created_by)
     VALUES ('person', $1, $2, $3, $4, 'registrar:seed') RETURNING id`,
    [input.idNumber, input.name, maskPersonName(input.name), randomBytes(32)],
  );
  return rows[0]!.id;
}

export async function seedEnterprise(db: Queryable, input: { uscc: string; name: string; legalRepId: string | null }): Promise<string> {
  // An enterprise's name is public: shown as registered, never masked.
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO subjects (kind, identifier, name, display_name, commitment, legal_rep_id, created_by)
     VALUES ('enterprise', $1, $2, $3, $4, $5, 'registrar:seed') RETURNING id`,
    [input.uscc, input.name, input.name, randomBytes(32), input.legalRepId],
  );
  return rows[0]!.id;
}

// ---- faces -----------------------------------------------------------------------------------
// Chosen with the real engine (anti-spoof / liveness well above the thresholds):
// person A is face-api sample1's second face from the left, person B sample2's rightmost face.
// Both keep anti-spoof >= 0.65 and liveness >= 0.95 after the trip through a .y4m fake camera;
// A vs B similarity is about 0.41 (threshold 0.55), A vs itself through the camera about 0.96.

let cache: { a: Img; b: Img } | null = null;

function faces(): { a: Img; b: Img } {
  if (cache) return cache;
  const s1 = decode(faceApiSample(1));
  const s2 = decode(faceApiSample(2));
  cache = {
    a: fit(cropFace(s1, { x: 776, y: 384, width: 324, height: 324 }, 0.6), 480),
    b: fit(cropFace(s2, { x: 1378, y: 106, width: 347, height: 347 }, 0.6), 480),
  };
  return cache;
}

export const faceA = (): Img => faces().a;
export const faceB = (): Img => faces().b;
export const bothFaces = (): Img => fit(sideBySide([faces().a, faces().b]), 960);
export const noFace = (): Img => blank(480, 480, [120, 130, 140]);

export const png = (img: Img): Uint8Array => encodePng(img);
export const b64 = (img: Img): string => Buffer.from(png(img)).toString("base64");

/** Three frames of one picture with small brightness changes, as a camera gives. */
export const frames = (img: Img): string[] => [b64(img), b64(brightness(img, 1.06, 2)), b64(brightness(img, 0.95))];
