// Face engine, in Node on the tfjs WASM backend (no native code, no network), two models on ONE
// tfjs instance (the API runs two of these, one a worker thread: ./engine-pool.ts):
//   - @vladmandic/human: face detector (blazeface) and 468-point mesh, which give the head angles
//     the challenge is judged on and the eye and mouth centres; its passive anti-spoof and
//     liveness models as extra signals. Human's own descriptor (faceres) is NOT used: on the
//     project's test photos it could not tell people apart (issue 13; scratch research).
//   - @vladmandic/face-api's recognition net (a dlib ResNet, 128 numbers, compared by euclidean
//     distance) on a 150 px dlib-style chip cut from Human's mesh, levelled, and mirrored: the
//     descriptor is the mean of the chip's and its mirror's.
//
// Loading: both packages load models through tfjs, and Node's fetch does not read file:// URLs; a
// tfjs IO router for file:// reads the model JSON and weight shards from disk. The WASM binaries
// come from @tensorflow/tfjs-backend-wasm/dist.
//
// Safety: Human caches detector results between calls ("skip frames") to speed up video. On a
// server each call may come from a different person, so every cache is disabled here, and every
// call passes the settings it depends on (Human merges a call's settings into its own for good).
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Config, FaceResult, Human as HumanType } from "@vladmandic/human";
import { decodeImage, type DecodedImage, type ImageInput } from "./image.ts";
import { createFaceEnginePool, poolSize } from "./engine-pool.ts";
import { CHIP_SIZE, dlibChip, mirrorChip, type Point } from "./mesh.ts";
import { installFastConcat, type TfKernels } from "./tf-kernels.ts";

const require = createRequire(import.meta.url);

/** The recognition model, as written in new references (a reference of another model is refused). */
export const FACE_MODEL = "faceapi-resnet128-meshchip-v1";

export interface FaceConfig {
  /** folder with Human's model files (blazeface.json, ...); default: the npm package's models/ */
  modelDir?: string;
  /** folder with face-api's model files (face_recognition_model*); default: the npm package's model/ */
  recognitionModelDir?: string;
  /** folder with tfjs-backend-wasm's *.wasm files; default: the npm package's dist/ */
  wasmDir?: string;
  /** most faces the detector reports; >1 so that "several faces" can be refused. Default 5. */
  maxFaces?: number;
  /** detector confidence below which a candidate box is not a face. Default 0.5. */
  minDetectConfidence?: number;
  /** smallest face box, in pixels, that counts (a face smaller than that is someone in the background). Default 48. */
  minFaceSize?: number;
  /** run a warm-up pass after loading (default true) */
  warmup?: boolean;
  /** descriptor = mean of the chip's and its mirror's (default true; false only for the calibration bench's comparison) */
  mirror?: boolean;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

/** Head angles of the main face, in degrees. yaw > 0: the nose towards the image's left. */
export interface HeadAngles {
  yaw: number;
  pitch: number;
  roll: number;
}

export interface Detection {
  /** number of faces found (after the confidence and size filters) */
  faces: number;
  /** boxes of all faces, largest first, in input pixels */
  boxes: FaceBox[];
  /** detector score of the main (largest) face, 0..1; 0 without a face */
  score: number;
  /** the main face's 468 mesh points (pixels); null without a face */
  mesh: Point[] | null;
  angles: HeadAngles | null;
  /** passive anti-spoof "real" and liveness scores, 0..1; null without a face or when not asked for */
  antispoof: number | null;
  liveness: number | null;
  width: number;
  height: number;
  /** inference time for this image, ms */
  ms: number;
}

export interface FaceEngine {
  /** Faces, mesh and head angles; `passive` also runs the anti-spoof and liveness models. */
  detect(image: ImageInput, options?: { passive?: boolean }): Promise<Detection>;
  /** Decodes JPEG/PNG bytes (at most `maxPixels`; ImageDecodeError otherwise) and detects: a pool does both on its threads. */
  decodeAndDetect(bytes: Uint8Array, options: { passive: boolean; maxPixels: number }): Promise<{ image: DecodedImage; detection: Detection }>;
  /** The 128-number descriptor of the face with this mesh in this image. */
  describe(image: DecodedImage, mesh: readonly Point[]): Promise<number[]>;
  /** The descriptor of a chip already cut by ./mesh.ts dlibChip (what a worker pool sends: 270 kB, not the frame). */
  describeChip(chip: Float32Array): Promise<number[]>;
  readonly model: string;
  /** time to load the backend and the models, ms (warm-up excluded) */
  readonly modelLoadMs: number;
  readonly warmupMs: number;
  readonly backend: string;
  readonly version: string;
  close(): Promise<void>;
}

type HumanModule = typeof import("@vladmandic/human");
type Tf = HumanType["tf"];
interface Tensor {
  dispose(): void;
}
interface RecognitionNet {
  loadFromDisk(dir: string): Promise<void>;
  computeFaceDescriptor(input: Tensor | Tensor[]): Promise<Float32Array | Float32Array[]>;
  isLoaded: boolean;
  dispose(): void;
}

let routerRegistered = false;

/** tfjs IO router: `file://` model URLs are read from disk. */
function registerFileRouter(tf: Tf): void {
  if (routerRegistered) return;
  routerRegistered = true;
  tf.io.registerLoadRouter((url: string | string[]) => {
    if (typeof url !== "string" || !url.startsWith("file://")) return null;
    const jsonPath = fileURLToPath(url);
    return {
      async load() {
        const modelJSON = JSON.parse(await readFile(jsonPath, "utf8"));
        return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest: { paths: string[]; weights: unknown[] }[]) => {
          const specs = manifest.flatMap((g) => g.weights);
          const parts: Uint8Array[] = [];
          for (const group of manifest) {
            for (const p of group.paths) parts.push(await readFile(join(dirname(jsonPath), p)));
          }
          const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
          let off = 0;
          for (const p of parts) {
            all.set(p, off);
            off += p.byteLength;
          }
          return [specs as never, all.buffer];
        });
      },
    };
  });
}

// The packages' "exports" expose only their main entries (tfjs-node builds): locate each package
// from it, then load the WASM builds and the models by absolute path.
const humanDistDir = () => dirname(require.resolve("@vladmandic/human"));
const faceApiDistDir = () => dirname(require.resolve("@vladmandic/face-api"));
const defaultWasmDir = () => dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));

const REQUIRED_MODELS = ["blazeface", "facemesh", "antispoof", "liveness"] as const;
const DEG = 180 / Math.PI;

/**
 * Human's configuration for the engine: the detector and the mesh, and the passive antispoof and
 * liveness models (`passive` false leaves them out), nothing else. Also what the model
 * comparison bench detects with (scripts/bench/face-models.ts), so both see the same faces.
 */
export function humanEngineConfig(options: {
  modelDir: string;
  wasmDir: string;
  maxFaces?: number;
  minDetectConfidence?: number;
  minFaceSize?: number;
  returnCrop?: boolean;
  passive?: boolean;
}): Partial<Config> {
  const off = { enabled: false };
  const noSkip = { skipFrames: 0, skipTime: 0 };
  return {
    backend: "wasm",
    wasmPath: options.wasmDir.endsWith("/") ? options.wasmDir : options.wasmDir + "/",
    wasmPlatformFetch: false,
    modelBasePath: pathToFileURL(options.modelDir).href + "/",
    debug: false,
    async: true,
    warmup: "none",
    cacheModels: false,
    cacheSensitivity: 0, // never reuse a previous input's results
    skipAllowed: false,
    validateModels: false,
    filter: { enabled: false },
    gesture: off,
    body: off,
    hand: off,
    object: off,
    segmentation: off,
    face: {
      enabled: true,
      detector: {
        enabled: true,
        modelPath: "blazeface.json",
        rotation: true, // a tilted head still gets a mesh
        maxDetected: options.maxFaces ?? 5,
        // Human's default 0.2 is tuned for recall in video; false boxes (posters) would give "several faces"
        minConfidence: options.minDetectConfidence ?? 0.5,
        minSize: options.minFaceSize ?? 48,
        return: options.returnCrop ?? false, // the aligned crop (the model bench feeds it to Human's own recognition models)
        ...noSkip,
      },
      mesh: { enabled: true, modelPath: "facemesh.json" },
      attention: off,
      iris: off,
      emotion: off,
      gear: off,
      description: off,
      antispoof: options.passive === false ? off : { enabled: true, modelPath: "antispoof.json", ...noSkip },
      liveness: options.passive === false ? off : { enabled: true, modelPath: "liveness.json", ...noSkip },
    } as Config["face"],
  };
}

export async function createFaceEngine(config: FaceConfig = {}): Promise<FaceEngine> {
  const t0 = performance.now();
  const H = require(join(humanDistDir(), "human.node-wasm.js")) as HumanModule;
  const modelDir = config.modelDir ?? join(humanDistDir(), "..", "models");
  const recognitionDir = config.recognitionModelDir ?? join(faceApiDistDir(), "..", "model");
  const wasmDir = config.wasmDir ?? defaultWasmDir();
  const minFaceSize = config.minFaceSize ?? 48;
  const humanConfig = humanEngineConfig({ modelDir, wasmDir, maxFaces: config.maxFaces, minDetectConfidence: config.minDetectConfidence, minFaceSize });
  const human = new H.Human(humanConfig);
  const tf = human.tf as Tf;
  registerFileRouter(tf);
  await human.init();
  if (tf.getBackend() !== "wasm") throw new Error(`face engine: expected wasm backend, got ${tf.getBackend()}`);
  installFastConcat(tf as unknown as TfKernels); // ./tf-kernels.ts: ~10 % of the descriptor's time, same numbers
  await human.load();
  const models = human.models.models as unknown as Record<string, unknown>;
  const missing = REQUIRED_MODELS.filter((m) => !models[m]);
  if (missing.length) throw new Error(`face engine: models failed to load from ${modelDir}: ${missing.join(", ")}`);
  // face-api's WASM build uses the same @tensorflow/tfjs-core, so the backend Human set up.
  const faceapi = require(join(faceApiDistDir(), "face-api.node-wasm.js")) as { nets: { faceRecognitionNet: RecognitionNet } };
  const recognition = faceapi.nets.faceRecognitionNet;
  await recognition.loadFromDisk(recognitionDir);
  if (!recognition.isLoaded) throw new Error(`face engine: recognition model failed to load from ${recognitionDir}`);
  const modelLoadMs = performance.now() - t0;

  // Serialize inference within this engine: one Human instance is not re-entrant. Parallelism
  // comes from several engines, one a thread (./engine-pool.ts).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function detectDecoded(img: DecodedImage, passive: boolean): Promise<Detection> {
    const t = performance.now();
    const { width, height } = img;
    const rgb = new Float32Array(width * height * 3);
    const d = img.data;
    for (let i = 0, j = 0; i < d.length; i += 4, j += 3) {
      rgb[j] = d[i]!;
      rgb[j + 1] = d[i + 1]!;
      rgb[j + 2] = d[i + 2]!;
    }
    const tensor = tf.tensor4d(rgb, [1, height, width, 3], "float32");
    let faces: FaceResult[];
    try {
      const perCall = { face: { antispoof: { enabled: passive }, liveness: { enabled: passive } } } as Partial<Config>;
      const result = await human.detect(tensor as never, perCall);
      if ((result as { error?: string }).error) throw new Error(`face engine: ${(result as { error?: string }).error}`);
      faces = result.face;
    } finally {
      tf.dispose(tensor);
    }
    const kept = faces.filter((f) => f.box[2] >= minFaceSize && f.box[3] >= minFaceSize).sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    const main = kept[0];
    const angle = main?.rotation?.angle;
    return {
      faces: kept.length,
      boxes: kept.map((f) => ({ x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3], score: f.score })),
      score: main?.score ?? 0,
      mesh: main && main.mesh.length >= 468 ? main.mesh.map((p) => [p[0], p[1]] as Point) : null,
      angles: angle ? { yaw: angle.yaw * DEG, pitch: angle.pitch * DEG, roll: angle.roll * DEG } : null,
      // Human omits `real` / `live` when the model returns 0, so an absent score on a detected
      // face means 0 (spoof / not live), never "unknown".
      antispoof: main && passive ? (main.real ?? 0) : null,
      liveness: main && passive ? (main.live ?? 0) : null,
      width,
      height,
      ms: performance.now() - t,
    };
  }

  /** Descriptors of chips run as one batch (two chips in one batch: ~8 % faster than one by one). */
  async function descriptorsOf(chips: Float32Array[]): Promise<Float32Array[]> {
    const ts = chips.map((chip) => tf.tensor3d(chip, [CHIP_SIZE, CHIP_SIZE, 3], "float32"));
    try {
      const d = await recognition.computeFaceDescriptor((ts.length === 1 ? ts[0] : ts) as unknown as Tensor);
      return Array.isArray(d) ? d : [d];
    } finally {
      tf.dispose(ts);
    }
  }

  const mirror = config.mirror ?? true;
  const describeChip = (chip: Float32Array): Promise<number[]> =>
    serial(async () => {
      if (chip.length !== CHIP_SIZE * CHIP_SIZE * 3) throw new Error("face engine: chip of the wrong size");
      if (!mirror) return Array.from((await descriptorsOf([chip]))[0]!);
      const [a, b] = await descriptorsOf([chip, mirrorChip(chip)]);
      return Array.from(a!, (v, i) => (v + b![i]!) / 2);
    });
  const engine: FaceEngine = {
    // decode outside the queue: a bad upload never waits for the model
    detect: async (image, options = {}) => {
      const img = decodeImage(image);
      return serial(() => detectDecoded(img, options.passive ?? true));
    },
    decodeAndDetect: async (bytes, options) => {
      const image = decodeImage(bytes, options.maxPixels);
      return { image, detection: await serial(() => detectDecoded(image, options.passive)) };
    },
    describe: (image, mesh) => describeChip(dlibChip(image, mesh)),
    describeChip,
    model: mirror ? FACE_MODEL : `${FACE_MODEL}-nomirror`,
    modelLoadMs,
    warmupMs: 0,
    backend: tf.getBackend(),
    version: `human ${human.version}, face-api recognition net`,
    async close() {
      await queue;
      for (const m of Object.values(models)) (m as { dispose?: () => void } | null)?.dispose?.();
      // face-api's nets are module singletons: two engines in one process share one (the first close disposes it)
      if (recognition.isLoaded) recognition.dispose();
    },
  };

  // Warm-up: one full pass on a blank frame and one descriptor (compiles the WASM kernels).
  const w0 = performance.now();
  if (config.warmup !== false) {
    const blank = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 4).fill(128) };
    await engine.detect(blank);
    const grey = new Float32Array(CHIP_SIZE * CHIP_SIZE * 3).fill(128);
    await serial(() => descriptorsOf([grey, grey]));
  }
  return { ...engine, warmupMs: performance.now() - w0 };
}

// One engine per process, loaded on first use: the models take seconds and hundreds of MB,
// and every app in the process (tests build many) can share it, since the engine keeps no
// state between calls. The boot step hands this loader to the face plugin (api/src/boot.ts).
// It is a pool of engines on worker threads (./engine-pool.ts: the frames of an attempt on both
// cores, the HTTP thread free).
let sharedEngine: Promise<FaceEngine> | null = null;

/** The process-wide engine; a failed load is retried on the next call. */
export function sharedFaceEngine(): Promise<FaceEngine> {
  sharedEngine ??= createFaceEnginePool({ workers: poolSize() }).catch((error: unknown) => {
    sharedEngine = null;
    throw error;
  });
  return sharedEngine;
}
