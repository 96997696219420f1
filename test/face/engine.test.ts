// The real engine (Human's detector and mesh + face-api's recognition net, on WASM) on the shared
// photos of real people (../shared/faces), and the enrolment quality checks of reference photos.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFaceEngine, FACE_MODEL, type FaceEngine } from "../../api/src/face/engine.ts";
import { encodePng, type DecodedImage } from "../../api/src/face/image.ts";
import { decryptReference, encryptReference, enrolReference, EnrolmentError, referenceDescriptor } from "../../api/src/face/reference.ts";
import { distance } from "../../api/src/face/verify.ts";
import { faceImage, OTHER_PEOPLE, padTo, REFERENCE_PHOTO } from "./data.ts";
import { blank, decode, faceApiSample, resize, sideBySide } from "./images.ts";

const KEY = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 255);

let engine: FaceEngine;
let reference: DecodedImage;

beforeAll(async () => {
  engine = await createFaceEngine();
  reference = faceImage(REFERENCE_PHOTO);
});

afterAll(async () => {
  await engine?.close();
});

async function descriptor(img: DecodedImage): Promise<number[]> {
  const d = await engine.detect(img);
  expect(d.faces).toBe(1);
  return engine.describe(img, d.mesh!);
}

/** Box blur of radius r (a (2r+1)^2 box): an out-of-focus photo. */
function blurred(img: DecodedImage, r: number): DecodedImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            s += data[(Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))) * 4 + c]!;
            n++;
          }
        }
        out[(y * w + x) * 4 + c] = s / n;
      }
      out[(y * w + x) * 4 + 3] = 255;
    }
  }
  return { width: w, height: h, data: out };
}

describe("face engine (Human + face-api's recognition net on WASM)", () => {
  it("loads both models on the wasm backend", () => {
    expect(engine.backend).toBe("wasm");
    expect(engine.model).toBe(FACE_MODEL);
    expect(engine.modelLoadMs).toBeGreaterThan(0);
  });

  it("finds the face, its mesh and head angles, and the passive scores only when asked", async () => {
    const d = await engine.detect(reference);
    expect(d.faces).toBe(1);
    expect(d.mesh).toHaveLength(468);
    expect(Math.abs(d.angles!.yaw)).toBeLessThan(15);
    expect(d.antispoof).toBeGreaterThan(0);
    expect(d.liveness).toBeGreaterThan(0);
    const quick = await engine.detect(reference, { passive: false });
    expect(quick.antispoof).toBeNull();
    expect(quick.liveness).toBeNull();
    expect(quick.angles!.yaw).toBeCloseTo(d.angles!.yaw, 5);
    expect((await engine.detect(faceApiSample(1))).faces).toBe(3);
    expect((await engine.detect(blank(320, 240))).faces).toBe(0);
  });

  it("gives the same 128-number descriptor for JPEG, PNG and RGBA input", async () => {
    const a = await descriptor(reference);
    expect(a).toHaveLength(128);
    const fromPng = decode(encodePng(reference));
    expect(distance(a, await descriptor(fromPng))).toBeLessThan(1e-6);
  });

  it("tells the person in the video from other people", async () => {
    const ref = await descriptor(reference);
    const frame = await descriptor(faceImage("video/live-frames/f021.jpg"));
    expect(distance(ref, frame)).toBeLessThan(0.5);
    for (const other of OTHER_PEOPLE) expect(distance(ref, await descriptor(padTo(faceImage(other))))).toBeGreaterThan(0.6);
  });

  it("rejects bytes that are not an image", async () => {
    await expect(engine.detect(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).rejects.toThrow(/not a JPEG or PNG/);
  });
});

describe("enrolment quality: one face, large, frontal, sharp", () => {
  const reason = async (img: DecodedImage) => {
    const e = await referenceDescriptor(engine, img).catch((error: unknown) => error);
    expect(e, "refused").toBeInstanceOf(EnrolmentError);
    return { reason: (e as EnrolmentError).reason, message: (e as EnrolmentError).message };
  };

  it("accepts the reference photo", async () => {
    expect(await referenceDescriptor(engine, reference)).toHaveLength(128);
  });

  it("refuses no face and several faces", async () => {
    expect((await reason(blank(480, 480))).reason).toBe("no_face");
    expect((await reason(sideBySide([reference, padTo(faceImage(OTHER_PEOPLE[1]))]))).reason).toBe("several_faces");
  });

  it("refuses a face too small for the recognition net's chip, saying how large it is", async () => {
    const small = resize(reference, 240, Math.round((240 * reference.height) / reference.width));
    const r = await reason(small);
    expect(r.reason).toBe("face_too_small");
    expect(r.message).toMatch(/\d+ px, at least 150/);
  });

  it("refuses a face turned away from the camera", async () => {
    const turned = faceImage("video/live-frames/f012.jpg"); // yaw ~24 degrees
    const r = await reason(resize(turned, turned.width * 2, turned.height * 2));
    expect(r.reason).toBe("not_frontal");
    expect(r.message).toMatch(/turned \d+ degrees sideways/);
  });

  it("refuses a blurred photo, and takes a slightly soft one", async () => {
    expect((await reason(blurred(reference, 3))).reason).toBe("blurred");
    expect(await referenceDescriptor(engine, blurred(reference, 1))).toHaveLength(128);
  });

  it("writes the model into the reference's authenticated header; one of another model is refused", async () => {
    const jwe = await enrolReference(engine, encodePng(reference), KEY, { subject: "p-1" });
    const header = JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString());
    expect(header).toMatchObject({ mdl: FACE_MODEL, sub: "p-1" });
    expect(await decryptReference(jwe, KEY, { subject: "p-1" })).toHaveLength(128);
    const old = await encryptReference(new Array(1024).fill(0.01), KEY, { subject: "p-1", model: "human-faceres-1024" });
    await expect(decryptReference(old, KEY, { subject: "p-1" })).rejects.toThrow(/another face model/);
  });
});
