// The QR decoder, off the main thread: the page sends camera frames as ImageBitmaps and
// gets back the text of the QR in each (or null). BarcodeDetector where the platform has
// one for QR codes (Android, ChromeOS, macOS); otherwise ZXing-C++ built to WebAssembly
// (zxing-wasm). The page hands over the .wasm's bytes first (./camera.ts fetched them from
// this app, through the service worker's cache): the worker itself fetches nothing, so it
// never reaches for the package's default CDN and works offline whatever the browser does
// with workers' own requests.
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";

/** The little of the Barcode Detection API used here (not in TypeScript's DOM types). */
interface BarcodeDetectorLike {
  detect(image: ImageBitmap): Promise<{ rawValue: string }[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** The first message carries the decoder's .wasm, every later one a frame. */
export type ScanRequest = { wasm: ArrayBuffer } | { frame: ImageBitmap };
export interface ScanAnswer {
  text: string | null;
  decoder: "barcode-detector" | "zxing-wasm";
}

let native: Promise<BarcodeDetectorLike | null> | null = null;

async function nativeDetector(): Promise<BarcodeDetectorLike | null> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    return (await Detector.getSupportedFormats()).includes("qr_code") ? new Detector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

let canvas: OffscreenCanvas | null = null;

async function zxing(frame: ImageBitmap): Promise<string | null> {
  if (!canvas || canvas.width !== frame.width || canvas.height !== frame.height) canvas = new OffscreenCanvas(frame.width, frame.height);
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  context.drawImage(frame, 0, 0);
  const image = context.getImageData(0, 0, frame.width, frame.height);
  const found = await readBarcodes(image, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 });
  return found.find((r) => r.isValid)?.text ?? null;
}

async function decode(frame: ImageBitmap): Promise<ScanAnswer> {
  native ??= nativeDetector();
  const detector = await native;
  try {
    if (detector) return { text: (await detector.detect(frame))[0]?.rawValue ?? null, decoder: "barcode-detector" };
    return { text: await zxing(frame), decoder: "zxing-wasm" };
  } finally {
    frame.close();
  }
}

addEventListener("message", (event: MessageEvent<ScanRequest>) => {
  if ("wasm" in event.data) {
    prepareZXingModule({ overrides: { wasmBinary: event.data.wasm } });
    return;
  }
  void decode(event.data.frame).then(
    (answer) => postMessage(answer),
    () => postMessage({ text: null, decoder: "zxing-wasm" } satisfies ScanAnswer),
  );
});
