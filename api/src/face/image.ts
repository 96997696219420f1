// Image decoding for the face check: JPEG (baseline, ./jpeg.ts) and PNG (pngjs), pure JS.
import { PNG } from "pngjs";
import { decodeJpeg, isJpeg, type DecodedImage } from "./jpeg.ts";

export type { DecodedImage };

/** Raw RGBA pixels, as a browser's ImageData carries them. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export type ImageInput = Uint8Array | RgbaImage;

/** Largest accepted image, in pixels (a 4K frame). Bigger inputs are refused, not resized. */
export const MAX_PIXELS = 3840 * 2160;

export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageDecodeError";
  }
}

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

/** Decodes JPEG or PNG bytes, or validates raw RGBA, to RGBA pixels. Throws ImageDecodeError. */
export function decodeImage(input: ImageInput, maxPixels = MAX_PIXELS): DecodedImage {
  if (!(input instanceof Uint8Array)) {
    const { data, width, height } = input;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new ImageDecodeError("image: bad dimensions");
    }
    if (width * height > maxPixels) throw new ImageDecodeError("image: too large");
    if (data.length !== width * height * 4) throw new ImageDecodeError("image: RGBA data length does not match width*height*4");
    return { width, height, data: data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }
  try {
    if (isJpeg(input)) return decodeJpeg(input, maxPixels);
    if (isPng(input)) {
      const png = PNG.sync.read(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
      if (png.width * png.height > maxPixels) throw new Error("image: too large");
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
  } catch (err) {
    throw new ImageDecodeError((err as Error).message);
  }
  throw new ImageDecodeError("image: not a JPEG or PNG");
}

/** Encodes RGBA pixels as PNG (tests, fixtures, y4m tooling). */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data.set(img.data);
  return new Uint8Array(PNG.sync.write(png));
}
