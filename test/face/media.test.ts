// Pure-JS image decoding (JPEG decoder vs PNG) and the .y4m writer.
import { describe, expect, it } from "vitest";
import { decodeImage, encodePng } from "../../api/src/face/image.ts";
import { decodeJpeg } from "../../api/src/face/jpeg.ts";
import { imageToY4m, parseY4m, rgbaToI420 } from "../../scripts/lib/y4m.ts";
import { blank, faceApiSample, humanAsset } from "./images.ts";

describe("image decoding", () => {
  it("decodes the baseline JPEG samples to plausible RGBA", () => {
    const img = decodeJpeg(faceApiSample(1));
    expect([img.width, img.height]).toEqual([1920, 1280]);
    expect(img.data.length).toBe(1920 * 1280 * 4);
    let sum = 0;
    for (let i = 0; i < img.data.length; i += 4) sum += img.data[i]! + img.data[i + 1]! + img.data[i + 2]!;
    const mean = sum / (1920 * 1280 * 3);
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(200);
    const other = decodeImage(humanAsset("screenshot-faceid.jpg"));
    expect([other.width, other.height]).toEqual([800, 564]);
  });

  it("round-trips PNG and validates raw RGBA", () => {
    const img = blank(7, 5, [10, 20, 30]);
    const back = decodeImage(encodePng(img));
    expect(back.width).toBe(7);
    expect(Array.from(back.data.subarray(0, 4))).toEqual([10, 20, 30, 255]);
    expect(() => decodeImage({ data: new Uint8Array(10), width: 7, height: 5 })).toThrow(/length/);
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xc2, 0, 4, 0, 0]))).toThrow();
  });
});

describe("y4m", () => {
  it("writes a 4:2:0 stream Chromium's fake camera reads", () => {
    const y4m = imageToY4m(faceApiSample(1), { frames: 3, fps: 15, width: 640, height: 480 });
    const info = parseY4m(y4m);
    expect(info).toEqual({ width: 640, height: 480, fps: "15:1", colorspace: "420jpeg", frames: 3 });
    expect(y4m.length).toBe(new TextEncoder().encode("YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n").length + 3 * (6 + 640 * 480 * 1.5));
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
