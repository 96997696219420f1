// One face engine (./engine.ts) in a worker thread of ./engine-pool.ts. Messages in:
// { id, op: "detect", image, passive } | { id, op: "decodeAndDetect", bytes, passive, maxPixels }
// | { id, op: "describeChip", chip }; out: { id, ok, value } or { id, ok: false, error, decodeError }.
// A decoded frame goes back to the main thread as a transferred buffer (no copy).
// The engine keeps no state between calls (every Human cache is off), so frames of one attempt can
// go to any worker.
import { parentPort, workerData } from "node:worker_threads";
import { createFaceEngine, type FaceConfig } from "./engine.ts";
import { ImageDecodeError, type DecodedImage } from "./image.ts";

type Job =
  | { id: number; op: "detect"; image: DecodedImage; passive: boolean }
  | { id: number; op: "decodeAndDetect"; bytes: Uint8Array; passive: boolean; maxPixels: number }
  | { id: number; op: "describeChip"; chip: Float32Array };

function run(engine: Awaited<ReturnType<typeof createFaceEngine>>, job: Job): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  if (job.op === "detect") return engine.detect(job.image, { passive: job.passive }).then((value) => ({ value, transfer: [] }));
  if (job.op === "describeChip") return engine.describeChip(job.chip).then((value) => ({ value, transfer: [] }));
  return engine.decodeAndDetect(job.bytes, job).then((value) => {
    // jpeg-js / pngjs give a view on a buffer of their own: transfer a buffer of exactly the pixels
    const d = value.image.data;
    const data = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice();
    return { value: { ...value, image: { ...value.image, data } }, transfer: [data.buffer as ArrayBuffer] };
  });
}

const port = parentPort;
if (!port) throw new Error("engine-worker.ts runs only as a worker thread");

try {
  const engine = await createFaceEngine(workerData as FaceConfig);
  const { model, modelLoadMs, warmupMs, backend, version } = engine;
  port.postMessage({ ready: { model, modelLoadMs, warmupMs, backend, version } });
  port.on("message", (job: Job) => {
    run(engine, job).then(
      ({ value, transfer }) => port.postMessage({ id: job.id, ok: true, value }, transfer),
      (error: unknown) =>
        port.postMessage({
          id: job.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
          decodeError: error instanceof ImageDecodeError ? error.reason : null,
        }),
    );
  });
} catch (error) {
  port.postMessage({ failed: error instanceof Error ? error.message : String(error) });
}
