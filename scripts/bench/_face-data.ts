// What `npm run bench -- face` and `npm run bench -- face-calibration` share: the descriptor of
// every shared photo and live frame (../shared/faces, found by test/face/data.ts), computed the
// way the API computes a reference (Human's mesh, the levelled dlib chip and its mirror,
// face-api's recognition net), and the genuine / impostor pairs the shared README defines.
import type { FaceEngine } from "../../api/src/face/engine.ts";
import type { Point } from "../../api/src/face/mesh.ts";
import { distance } from "../../api/src/face/verify.ts";
import { facePairs, faceImage, liveFrameNames, padTo, REFERENCE_PHOTO, type Pair } from "../../test/face/data.ts";

export interface Described {
  descriptor: number[] | null;
  yaw: number | null;
}

/** Descriptors of every image the pairs name (photos under 300 px padded onto grey: detectors miss faces that fill them). */
export async function describeAll(engine: FaceEngine, onProgress?: (done: number, total: number) => void): Promise<Map<string, Described>> {
  const { genuine, impostor, live } = facePairs();
  const names = [...new Set([...genuine, ...impostor, ...live].flatMap((p) => [p.a, p.b]))].sort();
  const out = new Map<string, Described>();
  for (const [i, name] of names.entries()) {
    const img = padTo(faceImage(name));
    const d = await engine.detect(img, { passive: false });
    out.set(name, { descriptor: d.faces >= 1 && d.mesh ? await engine.describe(img, d.mesh) : null, yaw: d.angles?.yaw ?? null });
    onProgress?.(i + 1, names.length);
  }
  return out;
}

export interface ScoredPairs {
  genuine: number[];
  live: number[];
  impostor: number[];
  /** the closest impostor pairs, for the table */
  hardestImpostors: { distance: number; pair: string }[];
  /** pairs in which a detector found no face (counted as failures: a false non-match, never a match) */
  noFace: number;
}

export function scorePairs(described: Map<string, Described>): ScoredPairs {
  const { genuine, impostor, live } = facePairs();
  let noFace = 0;
  const d = (p: Pair) => {
    const a = described.get(p.a)?.descriptor;
    const b = described.get(p.b)?.descriptor;
    if (!a || !b) {
      noFace++;
      return Infinity;
    }
    return distance(a, b);
  };
  const imp = impostor.map((p) => ({ distance: d(p), pair: `${p.a} ~ ${p.b}` }));
  return {
    genuine: genuine.map(d),
    live: live.map(d),
    impostor: imp.map((x) => x.distance),
    hardestImpostors: [...imp].sort((x, y) => x.distance - y.distance).slice(0, 5),
    noFace,
  };
}

/** Windows of the 43 live frames (10 per second): `n` frames every `step` source frames. */
export function liveWindows(n: number, step: number): number[][] {
  const count = liveFrameNames().length;
  const out: number[][] = [];
  for (let s = 0; s + (n - 1) * step < count; s++) out.push(Array.from({ length: n }, (_, i) => s + i * step));
  return out;
}

/** The identity rule of an attempt on per-frame distances to the reference and between consecutive frames. */
export function identityPasses(toReference: number[], steps: number[], t: { maxMedianDistance: number; maxFrameDistance: number; maxStepDistance: number }): boolean {
  const s = [...toReference].sort((x, y) => x - y);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return median < t.maxMedianDistance && s[s.length - 1]! < t.maxFrameDistance && steps.every((x) => x < t.maxStepDistance);
}

export const REFERENCE = REFERENCE_PHOTO;

export const count = (xs: number[], fn: (x: number) => boolean): number => xs.reduce((n, x) => n + (fn(x) ? 1 : 0), 0);

export function range(xs: number[]): string {
  const finite = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return "-";
  return `${finite[0]!.toFixed(3)}..${finite.at(-1)!.toFixed(3)} (median ${finite[finite.length >> 1]!.toFixed(3)})`;
}

/** Least-squares similarity (no reflection) from src to dst: x' = a x - b y + tx, y' = b x + a y + ty. */
export function similarity(src: Point[], dst: Point[]): [number, number, number, number] {
  const n = src.length;
  const mean = (ps: Point[]) => ps.reduce<[number, number]>((m, p) => [m[0] + p[0] / n, m[1] + p[1] / n], [0, 0]);
  const [sx, sy] = mean(src);
  const [dx, dy] = mean(dst);
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i]![0] - sx;
    const y = src[i]![1] - sy;
    const u = dst[i]![0] - dx;
    const v = dst[i]![1] - dy;
    num1 += x * u + y * v;
    num2 += x * v - y * u;
    den += x * x + y * y;
  }
  const a = num1 / den;
  const b = num2 / den;
  return [a, b, dx - (a * sx - b * sy), dy - (b * sx + a * sy)];
}
