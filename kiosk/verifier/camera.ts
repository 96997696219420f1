// The verifier's camera: frames from getUserMedia drawn on a canvas, read by jsQR five
// times a second; each newly seen code (or the same one after 3 s) goes to `onCode`,
// unless `held()` says the verdict on screen must stay (a pasted code's).
import { Refusal } from "../../protocol/codes/token-format.ts";
import { decodeQr } from "../lib/scan.ts";

const FRAME_EVERY_MS = 200;
const SAME_CODE_AGAIN_MS = 3000;

export async function scanWithCamera(
  video: HTMLVideoElement,
  canvas: HTMLCanvasElement,
  onCode: (text: string) => Promise<void>,
  held: () => boolean,
): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  await video.play();
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  let lastText = "";
  let lastAt = 0;
  let busy = false;
  const tick = async () => {
    if (!busy && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      try {
        const text = decodeQr(image.data, image.width, image.height);
        if (!held() && (text !== lastText || Date.now() - lastAt > SAME_CODE_AGAIN_MS)) {
          lastText = text;
          lastAt = Date.now();
          busy = true;
          await onCode(text).finally(() => (busy = false));
        }
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
      }
    }
    setTimeout(() => void tick(), FRAME_EVERY_MS);
  };
  void tick();
}
