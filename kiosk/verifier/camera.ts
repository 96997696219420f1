// The verifier's camera: frames from getUserMedia go to the decoder in a Web Worker
// (./scan-worker.ts) as ImageBitmaps, one at a time, about six a second; the main thread
// only grabs frames and shows verdicts. Each newly seen code (or the same one after 3 s)
// goes to `onCode`, unless `held()` says the verdict on screen must stay.
//
// The worker's script and the decoder's .wasm are fetched by the page (so through the
// service worker's cache when offline) and the worker is started from that copy: Chromium
// does not route a dedicated worker's own script request through the page's service
// worker (seen offline in test/verifier: ERR_ABORTED), so `new Worker(url)` fails offline.
import workerUrl from "./scan-worker.ts?worker&url";
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";
import type { ScanAnswer, ScanRequest } from "./scan-worker.ts";

async function startWorker(): Promise<{ worker: Worker; url: string }> {
  const [script, wasm] = await Promise.all([fetch(workerUrl).then((r) => r.blob()), fetch(wasmUrl).then((r) => r.arrayBuffer())]);
  const url = URL.createObjectURL(new Blob([script], { type: "text/javascript" }));
  const worker = new Worker(url);
  worker.postMessage({ wasm } satisfies ScanRequest, [wasm]);
  return { worker, url };
}

const FRAME_EVERY_MS = 150;
const SAME_CODE_AGAIN_MS = 3000;

export interface Camera {
  stop(): void;
}

export async function startCamera(
  video: HTMLVideoElement,
  onCode: (text: string) => void,
  held: () => boolean,
  onDecoder: (decoder: ScanAnswer["decoder"]) => void,
): Promise<Camera> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  await video.play();
  const { worker, url } = await startWorker().catch((error: unknown) => {
    for (const track of stream.getTracks()) track.stop();
    throw error;
  });
  let stopped = false;
  let lastText = "";
  let lastAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const next = () => {
    if (!stopped) timer = setTimeout(() => void grab(), FRAME_EVERY_MS);
  };
  const grab = async () => {
    if (video.videoWidth === 0) return next();
    try {
      const frame = await createImageBitmap(video);
      worker.postMessage({ frame } satisfies ScanRequest, [frame]);
    } catch {
      next();
    }
  };
  worker.addEventListener("message", (event: MessageEvent<ScanAnswer>) => {
    const { text, decoder } = event.data;
    onDecoder(decoder);
    if (text && !held() && (text !== lastText || Date.now() - lastAt > SAME_CODE_AGAIN_MS)) {
      lastText = text;
      lastAt = Date.now();
      onCode(text);
    }
    next();
  });
  void grab();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      worker.terminate();
      URL.revokeObjectURL(url);
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
}
