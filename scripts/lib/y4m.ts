// YUV4MPEG2 (.y4m) writer, pure TypeScript: turns a still image, or a sequence of frames (the
// shared live video's frames, ../shared/faces/video/live-frames), into a video for Chromium's
// fake camera (`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE.y4m`).
//
//   node scripts/lib/y4m.ts IN.(jpg|png) OUT.y4m [--frames 10] [--fps 10] [--size 640x480]
//   node scripts/lib/y4m.ts FOLDER OUT.y4m [--fps 10] [--size 640x480]     (its *.jpg / *.png in name order)
//
// Output: 4:2:0, full-range BT.601 (JFIF) YCbCr, tagged C420jpeg (or C420 with colorspace "420").
// Chromium loops the file, so a few frames are enough. The image is scaled to fit the frame
// (aspect kept, grey borders), or with `fit: "centre"` placed at its own size (a QR code on a
// white frame, as a phone screen shows it); width and height are made even, as 4:2:0 needs.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeImage, type ImageInput } from "../../api/src/face/image.ts";

export interface Y4mOptions {
  /** frames to write (default 10) */
  frames?: number;
  /** frame rate (default 10) */
  fps?: number;
  /** output size; default: the image's size (rounded down to even) */
  width?: number;
  height?: number;
  /** chroma tag: "420jpeg" (default) or "420" */
  colorspace?: "420jpeg" | "420";
  /** per-frame brightness jitter, +-N levels (default 0): gives a "moving" camera */
  jitter?: number;
  /** "scale" (default): fit the image into the frame; "centre": keep its size (cropped if larger) */
  fit?: "scale" | "centre";
  /** grey level around the image, 0..255 (default 128) */
  background?: number;
}

interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Places `img` centred in width x height on `background`, scaled to fit (bilinear) or at scale 1. */
function fitInto(img: Rgba, width: number, height: number, scale: boolean, background: number): Rgba {
  if (img.width === width && img.height === height) return img;
  const s = scale ? Math.min(width / img.width, height / img.height) : 1;
  const w = Math.max(1, Math.round(img.width * s));
  const h = Math.max(1, Math.round(img.height * s));
  const ox = Math.floor((width - w) / 2);
  const oy = Math.floor((height - h) / 2);
  const out = new Uint8Array(width * height * 4).fill(background);
  const d = img.data;
  for (let y = 0; y < h; y++) {
    if (oy + y < 0 || oy + y >= height) continue;
    const fy = Math.min(Math.max((y + 0.5) / s - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const ay = fy - y0;
    for (let x = 0; x < w; x++) {
      if (ox + x < 0 || ox + x >= width) continue;
      const fx = Math.min(Math.max((x + 0.5) / s - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const ax = fx - x0;
      const o = ((oy + y) * width + ox + x) * 4;
      for (let c = 0; c < 3; c++) {
        const a = d[(y0 * img.width + x0) * 4 + c]! * (1 - ax) + d[(y0 * img.width + x1) * 4 + c]! * ax;
        const b = d[(y1 * img.width + x0) * 4 + c]! * (1 - ax) + d[(y1 * img.width + x1) * 4 + c]! * ax;
        out[o + c] = Math.round(a * (1 - ay) + b * ay);
      }
      out[o + 3] = 255;
    }
  }
  return { data: out, width, height };
}

/** One 4:2:0 frame (Y plane, then Cb, then Cr) from RGBA; width and height even. */
export function rgbaToI420(img: Rgba, offset = 0): Uint8Array {
  const { width: w, height: h, data: d } = img;
  const cw = w >> 1;
  const ch = h >> 1;
  const out = new Uint8Array(w * h + 2 * cw * ch);
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let i = 0, p = 0; i < w * h; i++, p += 4) {
    out[i] = clamp(0.299 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]! + offset);
  }
  const u = w * h;
  const v = u + cw * ch;
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const p = ((2 * y + dy) * w + 2 * x + dx) * 4;
        r += d[p]!;
        g += d[p + 1]!;
        b += d[p + 2]!;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      out[u + y * cw + x] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      out[v + y * cw + x] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
  return out;
}

/** Builds a .y4m file (bytes) from JPEG/PNG bytes or RGBA pixels. */
export function imageToY4m(image: ImageInput, options: Y4mOptions = {}): Uint8Array {
  const src = decodeImage(image);
  const frames = options.frames ?? 10;
  const fps = options.fps ?? 10;
  if (!Number.isInteger(frames) || frames < 1) throw new Error("y4m: frames must be a positive integer");
  if (!Number.isInteger(fps) || fps < 1) throw new Error("y4m: fps must be a positive integer");
  const width = (options.width ?? src.width) & ~1;
  const height = (options.height ?? src.height) & ~1;
  if (width < 2 || height < 2) throw new Error("y4m: image too small");
  const background = options.background ?? 128;
  if (!Number.isInteger(background) || background < 0 || background > 255) throw new Error("y4m: background must be 0..255");
  const img = fitInto(src, width, height, (options.fit ?? "scale") === "scale", background);
  const cs = options.colorspace ?? "420jpeg";
  const header = new TextEncoder().encode(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C${cs}\n`);
  const frameTag = new TextEncoder().encode("FRAME\n");
  const frameSize = width * height + 2 * (width >> 1) * (height >> 1);
  const out = new Uint8Array(header.length + frames * (frameTag.length + frameSize));
  out.set(header, 0);
  let pos = header.length;
  const jitter = options.jitter ?? 0;
  const base = jitter ? null : rgbaToI420(img);
  for (let f = 0; f < frames; f++) {
    out.set(frameTag, pos);
    pos += frameTag.length;
    const offset = jitter ? Math.round(jitter * Math.sin((2 * Math.PI * f) / frames)) : 0;
    out.set(base ?? rgbaToI420(img, offset), pos);
    pos += frameSize;
  }
  return out;
}

/**
 * Builds a .y4m video from a sequence of frames (JPEG/PNG bytes or RGBA), one video frame each,
 * every frame fitted into width x height (default: the first frame's size). Chromium loops it.
 */
export function framesToY4m(images: readonly ImageInput[], options: Omit<Y4mOptions, "frames" | "jitter"> = {}): Uint8Array {
  if (images.length === 0) throw new Error("y4m: no frames");
  const decoded = images.map((i) => decodeImage(i));
  const fps = options.fps ?? 10;
  if (!Number.isInteger(fps) || fps < 1) throw new Error("y4m: fps must be a positive integer");
  const width = (options.width ?? decoded[0]!.width) & ~1;
  const height = (options.height ?? decoded[0]!.height) & ~1;
  if (width < 2 || height < 2) throw new Error("y4m: image too small");
  const background = options.background ?? 128;
  const cs = options.colorspace ?? "420jpeg";
  const header = new TextEncoder().encode(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C${cs}\n`);
  const frameTag = new TextEncoder().encode("FRAME\n");
  const frameSize = width * height + 2 * (width >> 1) * (height >> 1);
  const out = new Uint8Array(header.length + decoded.length * (frameTag.length + frameSize));
  out.set(header, 0);
  let pos = header.length;
  for (const img of decoded) {
    out.set(frameTag, pos);
    pos += frameTag.length;
    out.set(rgbaToI420(fitInto(img, width, height, (options.fit ?? "scale") === "scale", background)), pos);
    pos += frameSize;
  }
  return out;
}

/** Reads an image file and writes a .y4m file. Returns the output size in bytes. */
export function writeY4m(imagePath: string, outPath: string, options: Y4mOptions = {}): number {
  const bytes = imageToY4m(new Uint8Array(readFileSync(imagePath)), options);
  writeFileSync(outPath, bytes);
  return bytes.length;
}

/** Parses a .y4m header and counts frames (for tests and sanity checks). */
export function parseY4m(bytes: Uint8Array): { width: number; height: number; fps: string; colorspace: string; frames: number } {
  const nl = bytes.indexOf(0x0a);
  const header = new TextDecoder().decode(bytes.subarray(0, nl));
  if (!header.startsWith("YUV4MPEG2 ")) throw new Error("y4m: bad signature");
  const tag = (c: string) => header.split(" ").find((t) => t.startsWith(c))?.slice(1) ?? "";
  const width = Number(tag("W"));
  const height = Number(tag("H"));
  const frameSize = width * height + 2 * (width >> 1) * (height >> 1);
  let pos = nl + 1;
  let frames = 0;
  while (pos < bytes.length) {
    const e = bytes.indexOf(0x0a, pos);
    if (e < 0 || !new TextDecoder().decode(bytes.subarray(pos, e)).startsWith("FRAME")) throw new Error("y4m: bad frame header");
    pos = e + 1 + frameSize;
    if (pos > bytes.length) throw new Error("y4m: truncated frame");
    frames++;
  }
  return { width, height, fps: tag("F"), colorspace: tag("C") || "420jpeg", frames };
}

if (import.meta.main) {
  const [input, output, ...rest] = process.argv.slice(2);
  if (!input || !output) {
    console.error("usage: node scripts/lib/y4m.ts (IN.(jpg|png) | FOLDER) OUT.y4m [--frames 10] [--fps 10] [--size 640x480]");
    process.exit(2);
  }
  const opt = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const size = opt("--size")?.split("x").map(Number);
  if (statSync(input).isDirectory()) {
    const names = readdirSync(input).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
    const bytes = framesToY4m(
      names.map((f) => new Uint8Array(readFileSync(join(input, f)))),
      { fps: opt("--fps") ? Number(opt("--fps")) : undefined, width: size?.[0], height: size?.[1] },
    );
    writeFileSync(output, bytes);
    console.log(`${output}: ${names.length} frames, ${bytes.length} bytes`);
    process.exit(0);
  }
  const n = writeY4m(input, output, {
    frames: opt("--frames") ? Number(opt("--frames")) : undefined,
    fps: opt("--fps") ? Number(opt("--fps")) : undefined,
    width: size?.[0],
    height: size?.[1],
  });
  console.log(`${output}: ${n} bytes`);
}
