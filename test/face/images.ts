// Test helpers: sample photos from the npm packages, and identity-keeping transforms on RGBA.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { decodeImage, type DecodedImage } from "../../api/src/face/image.ts";

const require = createRequire(import.meta.url);

/** face-api's demo photos: 1920 px wide group photos, 3-4 adults each, different people per photo. */
export function faceApiSample(n: 1 | 2 | 3 | 4 | 5 | 6): Uint8Array {
  const dir = join(dirname(require.resolve("@vladmandic/face-api")), "..", "demo");
  return new Uint8Array(readFileSync(join(dir, `sample${n}.jpg`)));
}

/** A photo from Human's own assets folder. */
export function humanAsset(name: string): Uint8Array {
  const dir = join(dirname(require.resolve("@vladmandic/human")), "..", "assets");
  return new Uint8Array(readFileSync(join(dir, name)));
}

export type Img = DecodedImage;

export function decode(bytes: Uint8Array): Img {
  return decodeImage(bytes);
}

export function blank(width: number, height: number, rgb: [number, number, number] = [128, 128, 128]): Img {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
    data[i + 3] = 255;
  }
  return { width, height, data };
}

/** Crop [x, y, w, h] (clamped to the image). */
export function crop(img: Img, x: number, y: number, w: number, h: number): Img {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  const cw = x1 - x0;
  const ch = y1 - y0;
  const data = new Uint8Array(cw * ch * 4);
  for (let r = 0; r < ch; r++) {
    data.set(img.data.subarray(((y0 + r) * img.width + x0) * 4, ((y0 + r) * img.width + x1) * 4), r * cw * 4);
  }
  return { width: cw, height: ch, data };
}

/** Crop a face box enlarged by `margin` on each side (a fraction of the box size). */
export function cropFace(img: Img, box: { x: number; y: number; width: number; height: number }, margin = 0.6): Img {
  return crop(img, box.x - box.width * margin, box.y - box.height * margin, box.width * (1 + 2 * margin), box.height * (1 + 2 * margin));
}

function sample(img: Img, fx: number, fy: number, out: Uint8Array, o: number): void {
  // bilinear, edge-clamped
  const x = Math.min(Math.max(fx, 0), img.width - 1);
  const y = Math.min(Math.max(fy, 0), img.height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, img.width - 1);
  const y1 = Math.min(y0 + 1, img.height - 1);
  const ax = x - x0;
  const ay = y - y0;
  const d = img.data;
  for (let c = 0; c < 4; c++) {
    const a = d[(y0 * img.width + x0) * 4 + c]! * (1 - ax) + d[(y0 * img.width + x1) * 4 + c]! * ax;
    const b = d[(y1 * img.width + x0) * 4 + c]! * (1 - ax) + d[(y1 * img.width + x1) * 4 + c]! * ax;
    out[o + c] = Math.round(a * (1 - ay) + b * ay);
  }
}

/** Resize to width x height (bilinear; fine for the moderate factors used here). */
export function resize(img: Img, width: number, height: number): Img {
  const data = new Uint8Array(width * height * 4);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) sample(img, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, data, (y * width + x) * 4);
  }
  return { width, height, data };
}

/** Scale so that the longer side is `maxSide` pixels. */
export function fit(img: Img, maxSide: number): Img {
  const s = maxSide / Math.max(img.width, img.height);
  return resize(img, Math.max(1, Math.round(img.width * s)), Math.max(1, Math.round(img.height * s)));
}

/** Multiply RGB by `gain` and add `offset` (clamped). */
export function brightness(img: Img, gain: number, offset = 0): Img {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i += 4) {
    for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(img.data[i + c]! * gain + offset)));
    data[i + 3] = 255;
  }
  return { width: img.width, height: img.height, data };
}

/** Rotate by `degrees` around the centre, same canvas size, edges clamped. */
export function rotate(img: Img, degrees: number): Img {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = img.width / 2;
  const cy = img.height / 2;
  const data = new Uint8Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const dx = x - cx;
      const dy = y - cy;
      sample(img, cx + dx * cos + dy * sin, cy - dx * sin + dy * cos, data, (y * img.width + x) * 4);
    }
  }
  return { width: img.width, height: img.height, data };
}

/** Place images side by side on a grey canvas, vertically centred, with a gap. */
export function sideBySide(images: Img[], gap = 40): Img {
  const width = images.reduce((n, i) => n + i.width, 0) + gap * (images.length + 1);
  const height = Math.max(...images.map((i) => i.height)) + 2 * gap;
  const out = blank(width, height);
  let ox = gap;
  for (const i of images) {
    const oy = Math.floor((height - i.height) / 2);
    for (let r = 0; r < i.height; r++) out.data.set(i.data.subarray(r * i.width * 4, (r + 1) * i.width * 4), ((oy + r) * width + ox) * 4);
    ox += i.width + gap;
  }
  return out;
}
