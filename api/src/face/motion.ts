// How much two frames of an attempt differ beyond a global transform: the measurements behind the
// static-capture check (./liveness.ts). Pure functions on the frames' RGBA pixels and Human's
// mesh (468 points, pixels); no model. A photo or a screen held in front of the camera, moved,
// zoomed or re-lit, is ONE picture under a global transform: after the best alignment only noise
// is left. A real head that turns, blinks or speaks changes shape (mesh) and shading (pixels).
// Ported from the scratch research (lib/liveness.mjs), which measured both on genuine frames and
// on rendered attacks.
import { interOcular, type Point, type Rgba } from "./mesh.ts";

// ---------------------------------------------------------------------------------------------
// small linear algebra

/** Solves A x = b (n x n; Gaussian elimination with partial pivoting); null when singular. */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const pivot = M[c]![c]!;
    if (Math.abs(pivot) < 1e-12) return null;
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / pivot;
      for (let k = c; k <= n; k++) M[r]![k] = M[r]![k]! - f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

type Transform = (p: Point) => Point;

/** Least-squares 2D affine transform T with T(src) ≈ dst; null when degenerate. */
export function fitAffine(src: readonly Point[], dst: readonly Point[]): Transform | null {
  const N = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const bx = [0, 0, 0];
  const by = [0, 0, 0];
  for (let i = 0; i < src.length; i++) {
    const v = [src[i]![0], src[i]![1], 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) N[r]![c] = N[r]![c]! + v[r]! * v[c]!;
      bx[r] = bx[r]! + v[r]! * dst[i]![0];
      by[r] = by[r]! + v[r]! * dst[i]![1];
    }
  }
  const ax = solve(N, bx);
  const ay = solve(N, by);
  if (!ax || !ay) return null;
  return (p) => [ax[0]! * p[0] + ax[1]! * p[1] + ax[2]!, ay[0]! * p[0] + ay[1]! * p[1] + ay[2]!];
}

/** Hartley normalisation: centroid to 0, mean distance √2. */
function normalise(P: readonly Point[]): { Q: Point[]; s: number; cx: number; cy: number } {
  let cx = 0;
  let cy = 0;
  for (const p of P) {
    cx += p[0];
    cy += p[1];
  }
  cx /= P.length;
  cy /= P.length;
  let d = 0;
  for (const p of P) d += Math.hypot(p[0] - cx, p[1] - cy);
  const s = Math.SQRT2 / (d / P.length || 1);
  return { Q: P.map((p) => [s * (p[0] - cx), s * (p[1] - cy)] as Point), s, cx, cy };
}

/** Least-squares homography (normalised DLT, h33 = 1) with H(src) ≈ dst: a flat picture seen from any angle. */
export function fitHomography(src: readonly Point[], dst: readonly Point[]): Transform | null {
  const a = normalise(src);
  const b = normalise(dst);
  const N = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  const r = new Array<number>(8).fill(0);
  const addRow = (row: number[], rhs: number) => {
    for (let i = 0; i < 8; i++) {
      r[i] = r[i]! + row[i]! * rhs;
      for (let j = 0; j < 8; j++) N[i]![j] = N[i]![j]! + row[i]! * row[j]!;
    }
  };
  for (let i = 0; i < src.length; i++) {
    const [x, y] = a.Q[i]!;
    const [u, v] = b.Q[i]!;
    addRow([x, y, 1, 0, 0, 0, -u * x, -u * y], u);
    addRow([0, 0, 0, x, y, 1, -v * x, -v * y], v);
  }
  const h = solve(N, r);
  if (!h) return null;
  return (p) => {
    const x = a.s * (p[0] - a.cx);
    const y = a.s * (p[1] - a.cy);
    const w = h[6]! * x + h[7]! * y + 1;
    const u = (h[0]! * x + h[1]! * y + h[2]!) / w;
    const v = (h[3]! * x + h[4]! * y + h[5]!) / w;
    return [u / b.s + b.cx, v / b.s + b.cy];
  };
}

/**
 * RMS transfer error of the best homography from mesh a to mesh b, in inter-ocular distances of
 * b. Near 0: b is a flat picture of a, seen another way. Infinity when no fit exists.
 */
export function meshResidual(a: readonly Point[], b: readonly Point[]): number {
  const T = fitHomography(a, b);
  if (!T) return Infinity;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const q = T(a[i]!);
    s += (q[0] - b[i]![0]) ** 2 + (q[1] - b[i]![1]) ** 2;
  }
  return Math.sqrt(s / a.length) / (interOcular(b) || 1);
}

// ---------------------------------------------------------------------------------------------
// pixels

/** Bilinear grey level at (x, y); NaN outside the image. */
function grey(img: Rgba, x: number, y: number): number {
  const { width: w, height: h, data: d } = img;
  if (!(x >= 0 && y >= 0 && x <= w - 2 && y <= h - 2)) return NaN;
  const x0 = x | 0;
  const y0 = y | 0;
  const fx = x - x0;
  const fy = y - y0;
  const i = (y0 * w + x0) * 4;
  const g = (k: number) => 0.299 * d[k]! + 0.587 * d[k + 1]! + 0.114 * d[k + 2]!;
  return (1 - fy) * ((1 - fx) * g(i) + fx * g(i + 4)) + fy * ((1 - fx) * g(i + w * 4) + fx * g(i + w * 4 + 4));
}

/** Mean absolute grey difference of two same-sized frames, without alignment, on a 64 x 48 grid. */
export function rawDifference(a: Rgba, b: Rgba): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  let s = 0;
  let n = 0;
  for (let j = 0; j < 48; j++) {
    for (let i = 0; i < 64; i++) {
      const x = ((i + 0.5) / 64) * (a.width - 2);
      const y = ((j + 0.5) / 48) * (a.height - 2);
      s += Math.abs(grey(a, x, y) - grey(b, x, y));
      n++;
    }
  }
  return s / n;
}

const greyBlur = (img: Rgba, x: number, y: number): number =>
  (grey(img, x - 0.7, y - 0.7) + grey(img, x + 0.7, y - 0.7) + grey(img, x - 0.7, y + 0.7) + grey(img, x + 0.7, y + 0.7)) / 4;

/**
 * Grey residual of frame b against frame a after the BEST affine alignment of a's face patch
 * (Gauss-Newton / Lucas-Kanade, started from the mesh affine; gain and offset fitted in closed
 * form at every step), as a fraction of the patch's standard deviation. A pure global transform
 * of one picture (shift, zoom, rotation, brightness) leaves only noise (research: 0.02..0.10);
 * a real face moving leaves much more (0.56..0.75).
 */
export function alignedResidual(imgA: Rgba, meshA: readonly Point[], imgB: Rgba, meshB: readonly Point[], grid = 40, iterations = 12): number {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of meshA) {
    x0 = Math.min(x0, p[0]);
    y0 = Math.min(y0, p[1]);
    x1 = Math.max(x1, p[0]);
    y1 = Math.max(y1, p[1]);
  }
  const mx = 0.12 * (x1 - x0);
  const my = 0.12 * (y1 - y0);
  const P: Point[] = [];
  const A: number[] = [];
  for (let j = 0; j < grid; j++) {
    for (let i = 0; i < grid; i++) {
      const x = x0 + mx + (i / (grid - 1)) * (x1 - x0 - 2 * mx);
      const y = y0 + my + (j / (grid - 1)) * (y1 - y0 - 2 * my);
      const v = greyBlur(imgA, x, y);
      if (Number.isFinite(v)) {
        P.push([x, y]);
        A.push(v);
      }
    }
  }
  if (A.length < 100) return Infinity;
  const meanA = A.reduce((s, v) => s + v, 0) / A.length;
  const sdA = Math.sqrt(A.reduce((s, v) => s + (v - meanA) ** 2, 0) / A.length) || 1;
  // normalised source coordinates, for conditioning
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const sc = Math.max(x1 - x0, y1 - y0) / 2 || 1;
  const Q = P.map(([x, y]) => [(x - cx) / sc, (y - cy) / sc] as Point);
  const T = fitAffine(
    meshA.map((p) => [(p[0] - cx) / sc, (p[1] - cy) / sc] as Point),
    meshB.map((p) => [p[0], p[1]] as Point),
  );
  if (!T) return Infinity;
  const o = T([0, 0]);
  const ex = T([1, 0]);
  const ey = T([0, 1]);
  let p = [ex[0] - o[0], ey[0] - o[0], o[0], ex[1] - o[1], ey[1] - o[1], o[1]];
  let best = Infinity;
  for (let it = 0; it <= iterations; it++) {
    const B: number[] = [];
    const G: Point[] = [];
    const idx: number[] = [];
    for (let k = 0; k < Q.length; k++) {
      const [qx, qy] = Q[k]!;
      const u = p[0]! * qx + p[1]! * qy + p[2]!;
      const v = p[3]! * qx + p[4]! * qy + p[5]!;
      const b = greyBlur(imgB, u, v);
      if (!Number.isFinite(b)) continue;
      const gx = (greyBlur(imgB, u + 1, v) - greyBlur(imgB, u - 1, v)) / 2;
      const gy = (greyBlur(imgB, u, v + 1) - greyBlur(imgB, u, v - 1)) / 2;
      if (!Number.isFinite(gx) || !Number.isFinite(gy)) continue;
      B.push(b);
      G.push([gx, gy]);
      idx.push(k);
    }
    if (B.length < 100) break;
    let ma = 0;
    let mb = 0;
    for (let n = 0; n < B.length; n++) {
      ma += A[idx[n]!]!;
      mb += B[n]!;
    }
    ma /= B.length;
    mb /= B.length;
    let sab = 0;
    let sbb = 0;
    for (let n = 0; n < B.length; n++) {
      sab += (A[idx[n]!]! - ma) * (B[n]! - mb);
      sbb += (B[n]! - mb) ** 2;
    }
    const g = sbb > 0 ? sab / sbb : 1;
    let err = 0;
    const H = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
    const r = new Array<number>(6).fill(0);
    for (let n = 0; n < B.length; n++) {
      const res = A[idx[n]!]! - ma - g * (B[n]! - mb);
      err += Math.abs(res);
      const [qx, qy] = Q[idx[n]!]!;
      const [gx, gy] = G[n]!;
      const J = [g * gx * qx, g * gx * qy, g * gx, g * gy * qx, g * gy * qy, g * gy];
      for (let i = 0; i < 6; i++) {
        r[i] = r[i]! + J[i]! * res;
        for (let j = 0; j < 6; j++) H[i]![j] = H[i]![j]! + J[i]! * J[j]!;
      }
    }
    best = Math.min(best, err / B.length / sdA);
    if (it === iterations) break;
    for (let i = 0; i < 6; i++) H[i]![i] = H[i]![i]! * 1.001;
    const dp = solve(H, r);
    if (!dp) break;
    p = p.map((v, i) => v + dp[i]!);
  }
  return best;
}
