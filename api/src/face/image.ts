// Image decoding for the face check: JPEG (jpeg-js, baseline and progressive) and PNG (pngjs),
// pure JS. The size is read from the header and checked BEFORE any pixel is decoded: a small
// file can claim 30000 x 30000 pixels (a decompression bomb), and pngjs would allocate it all.
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

/** RGBA pixels, 4 bytes a pixel, rows top to bottom. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Raw RGBA pixels, as a browser's ImageData carries them. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export type ImageInput = Uint8Array | RgbaImage;

/** Largest accepted image by default, in pixels (a 4K frame). Bigger inputs are refused, not resized. */
export const MAX_PIXELS = 3840 * 2160;

export class ImageDecodeError extends Error {
  /** unreadable: not a JPEG/PNG or broken; too_large: the header claims more pixels than allowed */
  readonly reason: "unreadable" | "too_large";
  constructor(message: string, reason: "unreadable" | "too_large" = "unreadable") {
    super(message);
    this.name = "ImageDecodeError";
    this.reason = reason;
  }
}

export interface ImageHeader {
  format: "jpeg" | "png";
  width: number;
  height: number;
  /** JPEG: a progressive frame (SOF2, SOF6, SOF10, SOF14) */
  progressive: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Width and height from the header, never reading past the buffer:
 * JPEG: the marker segments up to the first frame header (SOFn: C0..CF except C4 DHT, C8 JPG,
 * CC DAC), whose payload is length(2) precision(1) height(2) width(2) components(1);
 * PNG: the signature, then the first chunk must be IHDR: length(4) "IHDR" width(4) height(4).
 * Throws ImageDecodeError("unreadable") on anything else.
 */
export function readImageHeader(b: Uint8Array): ImageHeader {
  const bad = (why: string) => new ImageDecodeError(`image: ${why}`);
  if (b.length >= 24 && PNG_SIGNATURE.every((v, i) => b[i] === v)) {
    const u32 = (o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    if (u32(8) !== 13 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== "IHDR") throw bad("png: first chunk is not IHDR");
    const width = u32(16);
    const height = u32(20);
    if (width === 0 || height === 0) throw bad("png: zero size");
    return { format: "png", width, height, progressive: false };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let o = 2;
    while (o + 4 <= b.length) {
      if (b[o] !== 0xff) throw bad("jpeg: marker expected");
      const m = b[o + 1]!;
      if (m === 0xff) {
        o++; // fill byte
        continue;
      }
      if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
        o += 2; // markers without a length
        continue;
      }
      if (m === 0xd9 || m === 0xda) throw bad("jpeg: no frame header before the scan");
      const len = (b[o + 2]! << 8) | b[o + 3]!;
      if (len < 2 || o + 2 + len > b.length) throw bad("jpeg: truncated segment");
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        if (len < 8) throw bad("jpeg: short frame header");
        const height = (b[o + 5]! << 8) | b[o + 6]!;
        const width = (b[o + 7]! << 8) | b[o + 8]!;
        // height 0 means "given later by a DNL marker": the size must be known up front
        if (width === 0 || height === 0) throw bad("jpeg: zero size");
        return { format: "jpeg", width, height, progressive: m === 0xc2 || m === 0xc6 || m === 0xca || m === 0xce };
      }
      o += 2 + len;
    }
    throw bad("jpeg: no frame header");
  }
  throw bad("not a JPEG or PNG");
}

/**
 * Decodes JPEG or PNG bytes, or validates raw RGBA, to RGBA pixels. The header's size is checked
 * against `maxPixels` first (ImageDecodeError "too_large"); jpeg-js gets the same limit and a
 * memory cap of its own. Throws ImageDecodeError.
 */
export function decodeImage(input: ImageInput, maxPixels = MAX_PIXELS): DecodedImage {
  if (!(input instanceof Uint8Array)) {
    const { data, width, height } = input;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new ImageDecodeError("image: bad dimensions");
    }
    if (width * height > maxPixels) throw new ImageDecodeError("image: too large", "too_large");
    if (data.length !== width * height * 4) throw new ImageDecodeError("image: RGBA data length does not match width*height*4");
    return { width, height, data: data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }
  const header = readImageHeader(input);
  if (header.width * header.height > maxPixels) {
    throw new ImageDecodeError(`image: ${header.width}x${header.height} is more than ${maxPixels} pixels`, "too_large");
  }
  try {
    if (header.format === "jpeg") {
      const img = jpeg.decode(input, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: maxPixels / 1e6,
        // RGBA output + the decoder's component buffers: about 8 bytes a pixel, plus slack
        maxMemoryUsageInMB: Math.ceil((maxPixels * 8) / 1e6) + 16,
      });
      if (img.width !== header.width || img.height !== header.height) throw new Error("jpeg: size differs from its header");
      return { width: img.width, height: img.height, data: img.data };
    }
    const png = PNG.sync.read(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
  } catch (err) {
    throw new ImageDecodeError(`image: ${(err as Error).message}`);
  }
}

/** Encodes RGBA pixels as PNG (tests, fixtures, y4m tooling). */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data.set(img.data);
  return new Uint8Array(PNG.sync.write(png));
}

/** Encodes RGBA pixels as baseline JPEG (tests and benchmarks: what a kiosk camera sends). */
export function encodeJpeg(img: RgbaImage, quality = 90): Uint8Array {
  return new Uint8Array(jpeg.encode({ data: img.data, width: img.width, height: img.height }, quality).data);
}
