// A tiny Y4M writer for Chromium's fake camera (--use-file-for-fake-video-capture):
// the QR PNG centred on a white frame, converted to YUV 4:2:0 (BT.601, full range).
import { writeFileSync } from "node:fs";
import { PNG } from "pngjs";

export function pngToY4m(pngBytes: Buffer, file: string, options: { width?: number; height?: number; frames?: number; fps?: number } = {}): void {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const frames = options.frames ?? 10;
  const png = PNG.sync.read(pngBytes);
  const rgb = new Uint8Array(width * height * 3).fill(255);
  const ox = Math.floor((width - png.width) / 2);
  const oy = Math.floor((height - png.height) / 2);
  for (let y = 0; y < png.height; y += 1) {
    for (let x = 0; x < png.width; x += 1) {
      const tx = x + ox;
      const ty = y + oy;
      if (tx < 0 || ty < 0 || tx >= width || ty >= height) continue;
      const s = (y * png.width + x) * 4;
      const d = (ty * width + tx) * 3;
      rgb[d] = png.data[s]!;
      rgb[d + 1] = png.data[s + 1]!;
      rgb[d + 2] = png.data[s + 2]!;
    }
  }
  const Y = new Uint8Array(width * height);
  const U = new Uint8Array((width / 2) * (height / 2));
  const V = new Uint8Array((width / 2) * (height / 2));
  for (let i = 0; i < width * height; i += 1) {
    const [r, g, b] = [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!];
    Y[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let y = 0; y < height / 2; y += 1) {
    for (let x = 0; x < width / 2; x += 1) {
      const i = (y * 2 * width + x * 2) * 3;
      const [r, g, b] = [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
      U[y * (width / 2) + x] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
      V[y * (width / 2) + x] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${options.fps ?? 10}:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), Y, U, V]);
  writeFileSync(file, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
