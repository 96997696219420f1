// Points of Human's face mesh (MediaPipe's 468 landmarks, in image pixels) that the face check
// uses, and the face chip the recognition net was trained on.
export type Point = readonly [number, number];

/** MediaPipe face-mesh indices. "right" is the subject's right eye (the image's left, unmirrored). */
export const MESH = Object.freeze({
  rightEye: [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
  leftEye: [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466],
  lips: [
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185, 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308,
    415, 310, 311, 312, 13, 82, 81, 80, 191,
  ],
});

export function centre(points: readonly Point[], indices: readonly number[]): Point {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    x += points[i]![0];
    y += points[i]![1];
  }
  return [x / indices.length, y / indices.length];
}

/** Distance between the two eye centres, in pixels: the unit of the mesh residuals. */
export function interOcular(mesh: readonly Point[]): number {
  const l = centre(mesh, MESH.leftEye);
  const r = centre(mesh, MESH.rightEye);
  return Math.hypot(l[0] - r[0], l[1] - r[1]);
}

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Side of the chip in source pixels: the chip's scale (face-api's alignDlib: mean eye-to-mouth distance / 0.45). */
export function chipSide(mesh: readonly Point[]): number {
  const l = centre(mesh, MESH.leftEye);
  const r = centre(mesh, MESH.rightEye);
  const m = centre(mesh, MESH.lips);
  return (Math.hypot(m[0] - l[0], m[1] - l[1]) + Math.hypot(m[0] - r[0], m[1] - r[1])) / 2 / 0.45;
}

export const CHIP_SIZE = 150;

/**
 * dlib-style face chip, the crop face-api's recognition net (a dlib ResNet) was trained on:
 * side = mean eye-to-mouth distance / 0.45, centred on the mean of the two eye centres and the
 * mouth centre at (0.5, 0.43) of the chip, rotated so that the eye line is level (face-api itself
 * does not rotate; levelling lowered the false non-matches, scratch research). Returns Float32
 * RGB 0..255, CHIP_SIZE x CHIP_SIZE, bilinear; outside the image black, as face-api pads.
 */
export function dlibChip(img: Rgba, mesh: readonly Point[], size = CHIP_SIZE): Float32Array {
  const l = centre(mesh, MESH.leftEye);
  const r = centre(mesh, MESH.rightEye);
  const m = centre(mesh, MESH.lips);
  const side = chipSide(mesh);
  const cx = (l[0] + r[0] + m[0]) / 3;
  const cy = (l[1] + r[1] + m[1]) / 3;
  const [a, b] = l[0] < r[0] ? [l, r] : [r, l];
  const theta = Math.atan2(b[1] - a[1], b[0] - a[0]);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const { width: w, height: h, data: d } = img;
  const out = new Float32Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    const py = ((v + 0.5) / size - 0.43) * side;
    for (let u = 0; u < size; u++) {
      const px = ((u + 0.5) / size - 0.5) * side;
      const x = cx + cos * px - sin * py;
      const y = cy + sin * px + cos * py;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const o = (v * size + u) * 3;
      for (let k = 0; k < 4; k++) {
        const xx = x0 + (k & 1);
        const yy = y0 + (k >> 1);
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const wt = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy);
        if (wt === 0) continue;
        const i = (yy * w + xx) * 4;
        out[o] = out[o]! + wt * d[i]!;
        out[o + 1] = out[o + 1]! + wt * d[i + 1]!;
        out[o + 2] = out[o + 2]! + wt * d[i + 2]!;
      }
    }
  }
  return out;
}

/** The chip mirrored left to right (the descriptor is the mean of both: less pose-dependent). */
export function mirrorChip(chip: Float32Array, size = CHIP_SIZE): Float32Array {
  const out = new Float32Array(chip.length);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const src = (v * size + (size - 1 - u)) * 3;
      const dst = (v * size + u) * 3;
      out[dst] = chip[src]!;
      out[dst + 1] = chip[src + 1]!;
      out[dst + 2] = chip[src + 2]!;
    }
  }
  return out;
}

/**
 * Sharpness of a chip: the mean absolute Laplacian of its grey levels over the inner 60 %
 * (eyes, nose, mouth), divided by their standard deviation, so that it does not depend on
 * contrast or brightness. A blurred or upscaled photo scores low.
 */
export function chipSharpness(chip: Float32Array, size = CHIP_SIZE): number {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < grey.length; i++) grey[i] = 0.299 * chip[3 * i]! + 0.587 * chip[3 * i + 1]! + 0.114 * chip[3 * i + 2]!;
  const lo = Math.round(size * 0.2);
  const hi = Math.round(size * 0.8);
  let sum = 0;
  let sumSq = 0;
  let lap = 0;
  let n = 0;
  for (let y = lo; y < hi; y++) {
    for (let x = lo; x < hi; x++) {
      const g = grey[y * size + x]!;
      sum += g;
      sumSq += g * g;
      lap += Math.abs(4 * g - grey[y * size + x - 1]! - grey[y * size + x + 1]! - grey[(y - 1) * size + x]! - grey[(y + 1) * size + x]!);
      n++;
    }
  }
  const sd = Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2));
  return sd > 0 ? lap / n / sd : 0;
}
