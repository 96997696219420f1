// The face engine on worker threads (api/src/face/engine-pool.ts), which the API uses: the same
// numbers as one engine on the main thread, bad frames refused as such, and fail-closed when a
// worker dies (its job is rejected, never answered, and the next job runs on a restarted worker).
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyseAttempt, analyseFrames, decodeFrames, FrameError } from "../../api/src/face/check.ts";
import { ConfigError, type Config } from "../../api/src/config.ts";
import { createFaceEnginePool, poolSize, type FaceEnginePool } from "../../api/src/face/engine-pool.ts";
import { createFaceEngine, type FaceEngine } from "../../api/src/face/engine.ts";
import { encodeJpeg, ImageDecodeError } from "../../api/src/face/image.ts";
import { DEFAULT_FACE_SETTINGS, faceSettings } from "../../api/src/face/settings.ts";
import { DEFAULT_THRESHOLDS } from "../../api/src/face/verify.ts";
import { liveWindow } from "./corpus.ts";
import { faceImage, REFERENCE_PHOTO } from "./data.ts";

let pool: FaceEnginePool;
let single: FaceEngine;
let reference: number[];

beforeAll(async () => {
  [pool, single] = await Promise.all([createFaceEnginePool({ workers: 2 }), createFaceEngine()]);
  const img = faceImage(REFERENCE_PHOTO);
  reference = await single.describe(img, (await single.detect(img)).mesh!);
}, 120_000);

afterAll(async () => {
  await Promise.all([pool?.close(), single?.close()]);
});

describe("face engine pool", () => {
  it("gives the same detection and descriptor as one engine", async () => {
    const img = faceImage(REFERENCE_PHOTO);
    const [a, b] = await Promise.all([pool.detect(img), single.detect(img)]);
    expect(a.faces).toBe(1);
    expect(a.mesh!.length).toBe(b.mesh!.length);
    a.mesh!.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(b.mesh![i]![0], 3);
      expect(p[1]).toBeCloseTo(b.mesh![i]![1], 3);
    });
    const d = await pool.describe(img, b.mesh!);
    expect(d.length).toBe(128);
    d.forEach((v, i) => expect(v).toBeCloseTo(reference[i]!, 5));
    expect(pool.model).toBe(single.model);
  });

  it("decides a live attempt as one engine does, from the frames' bytes", async () => {
    const frames = liveWindow(0);
    const viaPool = await analyseFrames(pool, frames, DEFAULT_FACE_SETTINGS, reference, "right", DEFAULT_THRESHOLDS);
    const viaOne = await analyseAttempt(single, decodeFrames(frames, DEFAULT_FACE_SETTINGS), reference, "right", DEFAULT_THRESHOLDS);
    expect(viaPool.decision.verdict).toBe("passed");
    expect(viaOne.decision.verdict).toBe("passed");
    expect(viaPool.decision.metrics.medianDistance).toBeCloseTo(viaOne.decision.metrics.medianDistance!, 5);
    expect(viaPool.decision.metrics.turn).toBeCloseTo(viaOne.decision.metrics.turn!, 5);
  });

  it("refuses a frame whose header is fine but whose pixels are not as frame_invalid", async () => {
    const frames = liveWindow(0);
    const broken = frames.map((f, i) => (i === 5 ? f.slice(0, 700) : f));
    await expect(pool.decodeAndDetect(broken[5]!, { passive: false, maxPixels: 1e6 })).rejects.toBeInstanceOf(ImageDecodeError);
    const refused = analyseFrames(pool, broken, DEFAULT_FACE_SETTINGS, reference, "right", DEFAULT_THRESHOLDS);
    await expect(refused).rejects.toBeInstanceOf(FrameError);
    await expect(refused).rejects.toMatchObject({ code: "frame_invalid", message: expect.stringContaining("Frame 6") });
    // more pixels than allowed: refused in the worker from the header, like decodeImage
    const big = encodeJpeg({ width: 1200, height: 1000, data: new Uint8Array(1200 * 1000 * 4).fill(90) });
    await expect(pool.decodeAndDetect(big, { passive: false, maxPixels: 1e6 })).rejects.toMatchObject({ reason: "too_large" });
  });

  it("rejects the jobs of a worker that dies, then runs the next ones on a restarted worker", async () => {
    const img = faceImage(REFERENCE_PHOTO);
    const jobs = Array.from({ length: 6 }, () => pool.detect(img, { passive: true }));
    await new Promise((r) => setTimeout(r, 5));
    await pool.stopWorker(0);
    const settled = await Promise.allSettled(jobs);
    const rejected = settled.filter((s) => s.status === "rejected");
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect(String((r as PromiseRejectedResult).reason)).toMatch(/face engine: worker/);
    for (const s of settled) if (s.status === "fulfilled") expect(s.value.faces).toBe(1);
    // both workers serve again (the stopped one is started for the next job)
    const again = await Promise.all(Array.from({ length: 4 }, () => pool.detect(img, { passive: false })));
    for (const d of again) expect(d.faces).toBe(1);
  }, 120_000);

  it("refuses every call once closed", async () => {
    const p = await createFaceEnginePool({ workers: 1 });
    await p.close();
    await expect(p.detect(faceImage(REFERENCE_PHOTO))).rejects.toThrow(/closed/);
  }, 120_000);
});

describe("fast Concat on the WASM backend (api/src/face/tf-kernels.ts)", () => {
  // the tfjs instance the engine runs on (loaded by require, as api/src/face/engine.ts does)
  const tf = createRequire(import.meta.url)("@tensorflow/tfjs-core") as {
    getBackend(): string;
    tensor(values: number[], shape: number[], dtype?: string): { dataSync(): Float32Array | Int32Array; shape: number[]; dispose(): void };
    concat(ts: unknown[], axis: number): { dataSync(): Float32Array | Int32Array; shape: number[]; dispose(): void };
    getKernel(name: string, backend: string): { kernelFunc: { fastConcat?: true } } | undefined;
  };
  /** Concatenation on the last axis, in plain JS: rows of each piece side by side. */
  const expected = (pieces: { values: number[]; width: number }[], rows: number) =>
    Array.from({ length: rows }, (_, r) => pieces.flatMap((p) => p.values.slice(r * p.width, (r + 1) * p.width))).flat();

  it("is installed and gives the same numbers as a plain concatenation, for small and wide pieces, float and int", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.getKernel("Concat", "wasm")?.kernelFunc.fastConcat).toBe(true);
    for (const [widths, dtype] of [
      [[1, 1, 1], "float32"],
      [[3, 2], "float32"],
      [[20, 5], "float32"], // wider than 16: tfjs's own kernel
      [[1, 2], "int32"], // not float: tfjs's own kernel
    ] as const) {
      const rows = 2 * 3 * 5;
      const pieces = widths.map((w, i) => ({ width: w, values: Array.from({ length: rows * w }, (_, k) => k * 3 + i * 1000 + 0.5 * (dtype === "float32" ? 1 : 0)) }));
      const ts = pieces.map((p) => tf.tensor(p.values, [2, 3, 5, p.width], dtype));
      const out = tf.concat(ts, 3);
      expect(out.shape).toEqual([2, 3, 5, widths.reduce((a, b) => a + b, 0)]);
      expect(Array.from(out.dataSync())).toEqual(expected(pieces, rows));
      const neg = tf.concat(ts, -1);
      expect(Array.from(neg.dataSync())).toEqual(expected(pieces, rows));
      for (const t of [...ts, out, neg]) t.dispose();
    }
    // another axis: tfjs's own kernel
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.tensor([5, 6], [1, 2]);
    const c = tf.concat([a, b], 0);
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("FACE_ENGINE_THREADS", () => {
  it("sets the API's pool size, 1 to 8, and a bad value stops the boot", () => {
    expect(poolSize({ FACE_ENGINE_THREADS: "1" })).toBe(1);
    expect(poolSize({ FACE_ENGINE_THREADS: "3" })).toBe(3);
    expect(poolSize({})).toBe(Math.max(1, Math.min(2, availableParallelism())));
    for (const bad of ["0", "9", "1.5", "two"]) {
      expect(() => poolSize({ FACE_ENGINE_THREADS: bad })).toThrow(/FACE_ENGINE_THREADS/);
      expect(() => faceSettings({} as Config, { FACE_ENGINE_THREADS: bad })).toThrow(ConfigError);
    }
    expect(faceSettings({} as Config, { FACE_ENGINE_THREADS: "1" }).engineThreads).toBe(1);
  });
});
