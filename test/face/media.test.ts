// Image decoding (jpeg-js, pngjs) with the size read from the header before any pixel, and the
// .y4m writer for Chromium's fake camera.
import { describe, expect, it } from "vitest";
import { decodeImage, encodeJpeg, encodePng, ImageDecodeError, readImageHeader } from "../../api/src/face/image.ts";
import { framesToY4m, imageToY4m, parseY4m, rgbaToI420 } from "../../scripts/lib/y4m.ts";
import { blank, faceApiSample, humanAsset } from "./images.ts";

/** The same 48 x 32 picture as a progressive JPEG (jpegtran -progressive of the baseline below). */
const PROGRESSIVE =
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wgARCAAgADADAREAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABgQI/8QAGAEAAwEBAAAAAAAAAAAAAAAAAwYIBwX/2gAMAwEAAhADEAAAAc5lCt3Y8U7t63djRTu3rN2Mb6ktxzu3rN2NFO7et3Y0U7uBvqy0t3U0U7t63djRTw4Ld1Mb6ktRTw3rd2NFO7gt3U0U8N//xAAWEAADAAAAAAAAAAAAAAAAAAAAAgT/2gAIAQEAAQUCSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSYSY/8QAFREBAQAAAAAAAAAAAAAAAAAAAwD/2gAIAQMBAT8BJomiaJomiaJomiaJomiaJomiaJomiaJomiaJomia/8QAFhEAAwAAAAAAAAAAAAAAAAAAAAID/9oACAECAQE/AWqNUao1RqjVGqNUao1RqjVGqNUao1RqjVGqNUao1RqjVP/EABQQAQAAAAAAAAAAAAAAAAAAAED/2gAIAQEABj8CR//EABUQAQEAAAAAAAAAAAAAAAAAAABh/9oACAEBAAE/IZpJJJJpJJpJpJJpJJpJJpJpJP/aAAwDAQACAAMAAAAQYAdinum/m9s1/8QAFxEAAwEAAAAAAAAAAAAAAAAAACExYf/aAAgBAwEBPxDcmzcmzcmybJsmybJsmybJsmybJsmybJsmybJsmz//xAAXEQEBAQEAAAAAAAAAAAAAAABhECAA/9oACAECAQE/EIq6VVdqqpVWqvLH/8QAFhABAQEAAAAAAAAAAAAAAAAAADHB/9oACAEBAAE/EIMSLFiwYsWDHCDHCOEMo4RIZRwiQyjhBiRf/9k=";

function pattern(): { width: number; height: number; data: Uint8Array } {
  const W = 48;
  const H = 32;
  const d = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      d[i] = x * 5;
      d[i + 1] = y * 7;
      d[i + 2] = ((x >> 3) + (y >> 3)) % 2 ? 220 : 30;
      d[i + 3] = 255;
    }
  }
  return { width: W, height: H, data: d };
}

/** A JPEG whose frame header claims width x height (the scan data stays the small one's). */
function claiming(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let o = 2; o + 9 < out.length; ) {
    const m = out[o + 1]!;
    const len = (out[o + 2]! << 8) | out[o + 3]!;
    if (m >= 0xc0 && m <= 0xc2) {
      out[o + 5] = height >> 8;
      out[o + 6] = height & 255;
      out[o + 7] = width >> 8;
      out[o + 8] = width & 255;
      return out;
    }
    o += 2 + len;
  }
  throw new Error("no frame header");
}

describe("image decoding", () => {
  it("decodes baseline JPEG samples to plausible RGBA, and reads their size from the header", () => {
    const bytes = faceApiSample(1);
    expect(readImageHeader(bytes)).toEqual({ format: "jpeg", width: 1920, height: 1280, progressive: false });
    const img = decodeImage(bytes);
    expect([img.width, img.height]).toEqual([1920, 1280]);
    let sum = 0;
    for (let i = 0; i < img.data.length; i += 4) sum += img.data[i]! + img.data[i + 1]! + img.data[i + 2]!;
    const mean = sum / (1920 * 1280 * 3);
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(200);
    expect([decodeImage(humanAsset("screenshot-faceid.jpg")).width]).toEqual([800]);
  });

  it("accepts a progressive JPEG, with the same pixels as the baseline one", () => {
    const progressive = new Uint8Array(Buffer.from(PROGRESSIVE, "base64"));
    expect(readImageHeader(progressive)).toMatchObject({ format: "jpeg", width: 48, height: 32, progressive: true });
    const a = decodeImage(progressive);
    const b = decodeImage(encodeJpeg(pattern(), 90));
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i]! - b.data[i]!);
    expect(diff / a.data.length).toBeLessThan(2); // both lossy copies of one picture; IDCT rounding only
  });

  it("refuses a decompression bomb from its header, before decoding a pixel", () => {
    const small = encodeJpeg(pattern(), 90);
    const bomb = claiming(small, 30000, 30000);
    const t0 = performance.now();
    const err = (() => {
      try {
        decodeImage(bomb);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).reason).toBe("too_large");
    expect(performance.now() - t0).toBeLessThan(50);
    // a PNG claiming 10000 x 10000 in its IHDR: refused before pngjs inflates anything
    const png = new Uint8Array(encodePng(blank(8, 8)));
    const view = new DataView(png.buffer);
    view.setUint32(16, 10000);
    view.setUint32(20, 10000);
    expect(() => decodeImage(png)).toThrow(/more than/);
    expect(() => decodeImage(png, 200_000_000)).toThrow(ImageDecodeError); // its CRC no longer matches
  });

  it("refuses what is not an image, a truncated one, and a size given later (DNL)", () => {
    expect(() => readImageHeader(new Uint8Array([1, 2, 3, 4, 5, 6]))).toThrow(/not a JPEG or PNG/);
    const small = encodeJpeg(pattern(), 90);
    expect(() => decodeImage(small.subarray(0, 300))).toThrow(ImageDecodeError);
    expect(() => decodeImage(claiming(small, 48, 0))).toThrow(/zero size/);
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xc2, 0, 4, 0, 0]))).toThrow(ImageDecodeError);
  });

  it("round-trips PNG and validates raw RGBA", () => {
    const img = blank(7, 5, [10, 20, 30]);
    const back = decodeImage(encodePng(img));
    expect(back.width).toBe(7);
    expect(Array.from(back.data.subarray(0, 4))).toEqual([10, 20, 30, 255]);
    expect(() => decodeImage({ data: new Uint8Array(10), width: 7, height: 5 })).toThrow(/length/);
    expect(() => decodeImage(blank(100, 100), 5000)).toThrow(/too large/);
  });
});

describe("y4m", () => {
  it("writes a 4:2:0 stream Chromium's fake camera reads", () => {
    const y4m = imageToY4m(faceApiSample(1), { frames: 3, fps: 15, width: 640, height: 480 });
    const info = parseY4m(y4m);
    expect(info).toEqual({ width: 640, height: 480, fps: "15:1", colorspace: "420jpeg", frames: 3 });
    expect(y4m.length).toBe(new TextEncoder().encode("YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n").length + 3 * (6 + 640 * 480 * 1.5));
  });

  it("writes a video from a sequence of frames, each fitted into the frame size", () => {
    const frames = [blank(64, 36, [0, 0, 0]), blank(64, 36, [255, 255, 255]), encodePng(blank(32, 32, [255, 0, 0]))];
    const y4m = framesToY4m(frames, { width: 64, height: 48, fps: 10 });
    expect(parseY4m(y4m)).toEqual({ width: 64, height: 48, fps: "10:1", colorspace: "420jpeg", frames: 3 });
    const header = new TextEncoder().encode("YUV4MPEG2 W64 H48 F10:1 Ip A1:1 C420jpeg\n").length;
    const frameBytes = 6 + 64 * 48 * 1.5;
    // frame 2 is white inside, grey (128) in the letterbox rows
    expect(y4m[header + frameBytes + 6 + 64 * 24 + 10]).toBe(255);
    expect(y4m[header + frameBytes + 6 + 10]).toBe(128);
  });

  it("converts colours with full-range BT.601", () => {
    const white = rgbaToI420(blank(2, 2, [255, 255, 255]));
    expect(Array.from(white)).toEqual([255, 255, 255, 255, 128, 128]);
    const red = rgbaToI420(blank(2, 2, [255, 0, 0]));
    expect(red[0]).toBe(76);
    expect(red[5]).toBe(255);
    const odd = parseY4m(imageToY4m(encodePng(blank(11, 7)), { frames: 2 }));
    expect([odd.width, odd.height, odd.frames]).toEqual([10, 6, 2]);
  });
});
