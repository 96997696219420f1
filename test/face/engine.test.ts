// Real models (Human 3.3.6 on tfjs WASM) on real photos shipped in the npm packages.
// face-api's demo/sample1.jpg holds three different women. The packages hold no verified second
// photo of any of them, so the "second photo of the same person" is made from the first by
// identity-keeping transforms (another crop and scale, brightness, a small rotation).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFaceEngine, type Analysis, type FaceEngine } from "../../api/src/face/engine.ts";
import { encodePng } from "../../api/src/face/image.ts";
import { decideFaceCheck, DEFAULT_THRESHOLDS, similarity } from "../../api/src/face/verify.ts";
import { decryptReference, enrolReference, EnrolmentError } from "../../api/src/face/reference.ts";
import { brightness, crop, cropFace, decode, faceApiSample, fit, rotate, sideBySide, type Img } from "./images.ts";

const KEY = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 255);

let engine: FaceEngine;
let personA: Img; // sample1, left woman
let personB: Img; // sample1, middle woman
let personAOther: Img[]; // three "frames" of person A, different from personA's photo
let background: Img;

beforeAll(async () => {
  engine = await createFaceEngine({});
  const group = decode(faceApiSample(1));
  const a = await engine.analyze(group);
  expect(a.faces).toBe(3);
  const byX = [...a.boxes].sort((p, q) => p.x - q.x);
  const [left, middle] = byX as [Analysis["boxes"][0], Analysis["boxes"][0]];
  personA = fit(cropFace(group, left, 0.3), 360);
  personB = fit(cropFace(group, middle, 0.3), 360);
  // the kiosk's frames: wider framing, smaller, brighter/darker, slightly tilted
  const wide = cropFace(group, { ...left, x: left.x + left.width * 0.1, y: left.y - left.height * 0.05 }, 0.45);
  personAOther = [fit(wide, 320), rotate(brightness(fit(wide, 300), 1.15, 8), 5), rotate(brightness(fit(wide, 340), 0.85), -4)];
  background = crop(group, 0, 0, 320, 240); // wall and posters, no face
});

afterAll(async () => {
  await engine?.close();
});

describe("face engine (Human on WASM)", () => {
  it("loads the models on the wasm backend", () => {
    expect(engine.backend).toBe("wasm");
    expect(engine.modelLoadMs).toBeGreaterThan(0);
  });

  it("analyzes JPEG bytes, PNG bytes and raw RGBA alike", async () => {
    const rgba = await engine.analyze(personA);
    const png = await engine.analyze(encodePng(personA));
    expect(rgba.faces).toBe(1);
    expect(png.faces).toBe(1);
    expect(rgba.descriptor).toHaveLength(1024);
    expect(similarity(rgba.descriptor!, png.descriptor!)).toBe(1);
    const jpeg = await engine.analyze(faceApiSample(1));
    expect(jpeg.faces).toBe(3);
    expect(jpeg.antispoof).toBeGreaterThan(0);
    expect(jpeg.liveness).toBeGreaterThan(0);
  });

  it("verify.similarity reproduces human.match.similarity", async () => {
    const a = (await engine.analyze(personA)).descriptor!;
    const b = (await engine.analyze(personB)).descriptor!;
    const c = (await engine.analyze(personAOther[1]!)).descriptor!;
    for (const [x, y] of [
      [a, b],
      [a, c],
      [b, c],
      [a, a],
    ] as const) {
      expect(similarity(x, y)).toBe(engine.similarity(x, y));
    }
  });

  it("rejects bytes that are not an image", async () => {
    await expect(engine.analyze(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).rejects.toThrow(/not a JPEG or PNG/);
  });
});

describe("face check against an enrolled reference", () => {
  it("passes the same person on other photos, refuses another person", async () => {
    const jwe = await enrolReference(engine, encodePng(personA), KEY, { subject: "p-1" });
    const reference = await decryptReference(jwe, KEY, { subject: "p-1" });
    const frames = await Promise.all(personAOther.map((f) => engine.analyze(f)));
    const ok = decideFaceCheck(frames, reference, DEFAULT_THRESHOLDS);
    expect(ok, JSON.stringify(ok)).toMatchObject({ verdict: "passed" });
    expect(ok.similarity).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.minSimilarity);

    const other = await Promise.all([personB, fit(personB, 300), brightness(personB, 1.1)].map((f) => engine.analyze(f)));
    const no = decideFaceCheck(other, reference, DEFAULT_THRESHOLDS);
    expect(no, JSON.stringify(no)).toMatchObject({ verdict: "refused", reason: "not_same_person" });
    expect(no.similarity).toBeLessThan(DEFAULT_THRESHOLDS.minSimilarity);
  });

  it("refuses a frame without a face (no_face)", async () => {
    const reference = (await engine.analyze(personA)).descriptor!;
    const empty = await engine.analyze(background);
    expect(empty.faces).toBe(0);
    expect(empty.descriptor).toBeNull();
    const frames = [await engine.analyze(personAOther[0]!), empty];
    expect(decideFaceCheck(frames, reference)).toMatchObject({ verdict: "refused", reason: "no_face" });
    await expect(enrolReference(engine, background, KEY)).rejects.toMatchObject({ reason: "no_face" });
  });

  it("refuses an image with two faces (several_faces), for the check and for enrolment", async () => {
    const reference = (await engine.analyze(personA)).descriptor!;
    const two = sideBySide([personA, personB]);
    const a = await engine.analyze(two);
    expect(a.faces).toBe(2);
    expect(decideFaceCheck([a, a, a], reference)).toMatchObject({ verdict: "refused", reason: "several_faces" });
    const err = await enrolReference(engine, encodePng(two), KEY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrolmentError);
    expect((err as EnrolmentError).reason).toBe("several_faces");
  });
});
