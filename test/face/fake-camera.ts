// Fake camera videos for Chromium (scripts/lib/y4m.ts) made from the shared live video
// (../shared/faces/video/live-frames), and the one piece of timing a canned video needs.
//
// A real person turns when the kiosk asks; a canned video turns when it turns. The loop below
// is the clip's own frames: the person facing the camera (frames 21-24 and 30-33), then turning
// to their right and back (frames 1-20), 2.8 s at 10 per second. A kiosk attempt (12 frames,
// 200 ms apart, the first 3 facing the camera) that starts anywhere in the first 1.2 s of the
// loop shows the turn; one that starts later does not (measured: analyseAttempt on the loop
// through 4:2:0 and JPEG, starts 28 and 1-12 of 28 pass). So the test clicks "start" when the
// loop is about to begin: each frame carries its loop position as 5 dark/bright blocks in the
// grey band below the picture (outside the face), which the page reads from the preview.
import type { Page } from "playwright-core";
import { decodeImage, type DecodedImage } from "../../api/src/face/image.ts";
import { framesToY4m, imageToY4m } from "../../scripts/lib/y4m.ts";
import { faceBytes, liveFrameNames, REFERENCE_PHOTO } from "./data.ts";

/** Indices (0-based) of the live frames in the loop. */
export const LIVE_LOOP = [20, 21, 22, 23, 29, 30, 31, 32, ...Array.from({ length: 20 }, (_, i) => i)];
const W = 640;
const H = 480;
const BLOCK = { x: 16, y: 444, size: 24, pitch: 32, bits: 5 };

function withPosition(img: DecodedImage, position: number): DecodedImage {
  const out = new Uint8Array(W * H * 4).fill(128);
  const oy = (H - img.height) >> 1;
  for (let y = 0; y < img.height; y++) out.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), (y + oy) * W * 4);
  for (let b = 0; b < BLOCK.bits; b++) {
    const v = (position >> b) & 1 ? 220 : 30;
    for (let y = BLOCK.y; y < BLOCK.y + BLOCK.size; y++) {
      for (let x = BLOCK.x + b * BLOCK.pitch; x < BLOCK.x + b * BLOCK.pitch + BLOCK.size; x++) out.fill(v, (y * W + x) * 4, (y * W + x) * 4 + 3);
    }
  }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return { width: W, height: H, data: out };
}

/** The live person's loop, 640 x 480 at 10 frames a second, each frame marked with its position. */
export function liveCameraVideo(): Uint8Array {
  const names = liveFrameNames();
  return framesToY4m(
    LIVE_LOOP.map((i, position) => withPosition(decodeImage(faceBytes(names[i]!)), position)),
    { width: W, height: H, fps: 10 },
  );
}

/** The enrolled photo held still in front of the camera (a print or a phone screen), slight brightness flicker. */
export function stillCameraVideo(): Uint8Array {
  return imageToY4m(faceBytes(REFERENCE_PHOTO), { width: W, height: H, frames: 10, fps: 10, jitter: 3 });
}

/**
 * Clicks the face screen's start (or retry) button in the page the moment the preview shows loop
 * position `at` (default: the last frame, so the attempt starts as the loop begins; up to 1.2 s of
 * delay before the first frame is taken still shows the turn).
 */
export async function startWhenLoopBegins(page: Page, at = LIVE_LOOP.length - 1): Promise<void> {
  await page.evaluate(
    ({ at, block }) =>
      new Promise<void>((resolve, reject) => {
        const video = document.querySelector("video")!;
        const canvas = document.createElement("canvas");
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext("2d", { willReadFrequently: true })!;
        const sx = video.videoWidth / 640;
        const sy = video.videoHeight / 480;
        const position = () => {
          g.drawImage(video, 0, 0);
          let p = 0;
          for (let b = 0; b < block.bits; b++) {
            const px = g.getImageData(Math.round((block.x + b * block.pitch + block.size / 2) * sx), Math.round((block.y + block.size / 2) * sy), 1, 1).data;
            if (px[0]! > 128) p |= 1 << b;
          }
          return p;
        };
        const deadline = performance.now() + 20_000;
        const tick = () => {
          if (position() === at) {
            (document.querySelector("[data-test=face-start], [data-test=face-retry]") as HTMLButtonElement).click();
            resolve();
          } else if (performance.now() > deadline) reject(new Error(`the fake camera never showed loop position ${at}`));
          else video.requestVideoFrameCallback(tick);
        };
        video.requestVideoFrameCallback(tick);
      }),
    { at, block: BLOCK },
  );
}
