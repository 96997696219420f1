// Face engine: @vladmandic/human on the tfjs WASM backend, in Node, no native code, no network.
//
// Loading: Human's Node-WASM build loads models through tfjs `GraphModel` + fetch, and Node's fetch
// does not read file:// URLs. We register a tfjs IO router for `file://` URLs that reads the model
// JSON and weight shards from disk (the same thing tfjs-node does), so no HTTP server and no global
// fetch override are needed. The WASM binaries are read from @tensorflow/tfjs-backend-wasm/dist.
//
// Safety: Human caches detector results between calls ("skip frames") to speed up video. On a
// server each call may come from a different person, so every cache is disabled here.
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Config, FaceResult, Human as HumanType } from "@vladmandic/human";
import { decodeImage, type ImageInput } from "./image.ts";

const require = createRequire(import.meta.url);

export interface FaceConfig {
  /** folder with Human's model files (blazeface.json, ...); default: the npm package's models/ */
  modelDir?: string;
  /** folder with tfjs-backend-wasm's *.wasm files; default: the npm package's dist/ */
  wasmDir?: string;
  /** most faces the detector reports; >1 so that "several faces" can be refused. Default 5. */
  maxFaces?: number;
  /** detector confidence below which a candidate box is not a face. Default 0.5 (see below). */
  minDetectConfidence?: number;
  /** smallest face box, in pixels, that counts. Default 48: a face smaller than that on a kiosk
   * camera is a person in the background, and its descriptor is unreliable. */
  minFaceSize?: number;
  /** align the face (roll) with the mesh before the descriptor and the scores; default true (see below) */
  rotation?: boolean;
  /** run a warm-up pass after loading (default true) */
  warmup?: boolean;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface Analysis {
  /** number of faces found (after the confidence and size filters) */
  faces: number;
  /** boxes of all faces, largest first, in input pixels */
  boxes: FaceBox[];
  /** overall score of the main (largest) face, 0..1; 0 without a face */
  score: number;
  /** anti-spoof "real" confidence of the main face, 0..1 (1 = real); null without a face */
  antispoof: number | null;
  /** liveness confidence of the main face, 0..1 (1 = live); null without a face */
  liveness: number | null;
  /** 1024-number face descriptor (faceres) of the main face; null without a face */
  descriptor: number[] | null;
  width: number;
  height: number;
  /** inference time for this image, ms (decode excluded) */
  ms: number;
}

export interface FaceEngine {
  analyze(image: ImageInput): Promise<Analysis>;
  /** Human's own normalized similarity of two descriptors, 0..1 */
  similarity(a: number[], b: number[]): number;
  /** time to load the backend and the models, ms (warm-up excluded) */
  readonly modelLoadMs: number;
  readonly warmupMs: number;
  readonly backend: string;
  readonly version: string;
  close(): Promise<void>;
}

type HumanModule = typeof import("@vladmandic/human");
type Tf = HumanType["tf"];

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
          const total = parts.reduce((n, p) => n + p.byteLength, 0);
          const all = new Uint8Array(total);
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

// Human's package "exports" expose only its main entry (dist/human.node.js, the tfjs-node build):
// locate the package from it, then load the WASM build and the models by absolute path.
function humanDistDir(): string {
  return dirname(require.resolve("@vladmandic/human"));
}

function defaultModelDir(): string {
  return join(humanDistDir(), "..", "models");
}

function defaultWasmDir(): string {
  return dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
}

const REQUIRED_MODELS = ["blazeface", "facemesh", "faceres", "antispoof", "liveness"] as const;

export async function createFaceEngine(config: FaceConfig = {}): Promise<FaceEngine> {
  const t0 = performance.now();
  const H = require(join(humanDistDir(), "human.node-wasm.js")) as HumanModule;
  const modelDir = config.modelDir ?? defaultModelDir();
  const wasmDir = config.wasmDir ?? defaultWasmDir();
  const maxFaces = config.maxFaces ?? 5;
  // 0.5: Human's default for blazeface is 0.2, tuned for recall in video; a kiosk sees one person
  // close to the camera, and false boxes (textures, posters) would wrongly give "several_faces".
  const minDetectConfidence = config.minDetectConfidence ?? 0.5;
  const minFaceSize = config.minFaceSize ?? 48;
  const off = { enabled: false };
  const noSkip = { skipFrames: 0, skipTime: 0 };
  const humanConfig: Partial<Config> = {
    backend: "wasm",
    wasmPath: wasmDir.endsWith("/") ? wasmDir : wasmDir + "/",
    wasmPlatformFetch: false,
    modelBasePath: pathToFileURL(modelDir).href + "/",
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
        // Rotation correction: a kiosk user tilts the head; without it the descriptor of a tilted face
        // drops (measured on face-api sample1/sample3, same woman: see verify.ts).
        rotation: config.rotation ?? true,
        maxDetected: maxFaces,
        minConfidence: minDetectConfidence,
        minSize: minFaceSize,
        return: false,
        ...noSkip,
      },
      mesh: { enabled: true, modelPath: "facemesh.json" },
      attention: off,
      iris: off,
      emotion: off,
      gear: off,
      description: { enabled: true, modelPath: "faceres.json", ...noSkip },
      antispoof: { enabled: true, modelPath: "antispoof.json", ...noSkip },
      liveness: { enabled: true, modelPath: "liveness.json", ...noSkip },
    } as Config["face"],
  };
  const human = new H.Human(humanConfig);
  const tf = human.tf as Tf;
  registerFileRouter(tf);
  await human.init();
  if (tf.getBackend() !== "wasm") throw new Error(`face engine: expected wasm backend, got ${tf.getBackend()}`);
  await human.load();
  const models = human.models.models as unknown as Record<string, unknown>;
  const missing = REQUIRED_MODELS.filter((m) => !models[m]);
  if (missing.length) throw new Error(`face engine: models failed to load from ${modelDir}: ${missing.join(", ")}`);
  const modelLoadMs = performance.now() - t0;

  // Serialize inference: one Human instance is not re-entrant, and on two cores parallel
  // inference only adds contention.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function analyzeDecoded(img: { data: Uint8Array; width: number; height: number }): Promise<Analysis> {
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
      const result = await human.detect(tensor as never);
      if ((result as { error?: string }).error) throw new Error(`face engine: ${(result as { error?: string }).error}`);
      faces = result.face;
    } finally {
      tf.dispose(tensor);
    }
    const kept = faces
      .filter((f) => f.box[2] >= minFaceSize && f.box[3] >= minFaceSize)
      .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    const main = kept[0];
    const descriptor = main?.embedding && main.embedding.length > 0 ? Array.from(main.embedding) : null;
    return {
      faces: kept.length,
      boxes: kept.map((f) => ({ x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3], score: f.score })),
      score: main?.score ?? 0,
      // Human omits `real` / `live` when the model returns 0 (`c&&(y0.real=c)`), so an absent
      // score on a detected face means 0 (spoof / not live), never "unknown".
      antispoof: main ? (main.real ?? 0) : null,
      liveness: main ? (main.live ?? 0) : null,
      descriptor,
      width,
      height,
      ms: performance.now() - t,
    };
  }

  const analyze = async (image: ImageInput): Promise<Analysis> => {
    const img = decodeImage(image); // decode outside the queue: a bad upload never waits for the model
    return serial(() => analyzeDecoded(img));
  };

  // Warm-up: run every loaded model once on zeros (compiles the WASM kernels), then one
  // full pass through the pipeline on a blank frame.
  const w0 = performance.now();
  if (config.warmup !== false) {
    for (const name of REQUIRED_MODELS) {
      const m = models[name] as { inputs?: { shape?: number[] }[]; execute(t: unknown): unknown } | null;
      const shape = (m?.inputs?.[0]?.shape ?? [1, 64, 64, 3]).map((v, i) => (v === -1 || v == null ? (i === 0 ? 1 : 64) : v));
      const z = tf.zeros(shape);
      try {
        const out = m!.execute(z);
        tf.dispose(out as never);
      } finally {
        tf.dispose(z);
      }
    }
    await analyze({ data: new Uint8Array(320 * 240 * 4).fill(128), width: 320, height: 240 });
  }
  const warmupMs = performance.now() - w0;

  return {
    analyze,
    similarity: (a, b) => human.match.similarity(a, b),
    modelLoadMs,
    warmupMs,
    backend: tf.getBackend(),
    version: human.version,
    async close() {
      await queue;
      for (const m of Object.values(models)) (m as { dispose?: () => void } | null)?.dispose?.();
    },
  };
}

// One engine per process, loaded on first use: the models take seconds and hundreds of MB,
// and every app in the process (tests build many) can share it, since analyze() keeps no
// state between calls. The boot step hands this loader to the face plugin (api/src/boot.ts).
let sharedEngine: Promise<FaceEngine> | null = null;

/** The process-wide engine; a failed load is retried on the next call. */
export function sharedFaceEngine(): Promise<FaceEngine> {
  sharedEngine ??= createFaceEngine().catch((error: unknown) => {
    sharedEngine = null;
    throw error;
  });
  return sharedEngine;
}
