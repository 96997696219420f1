// The face engine on worker threads: N engines (./engine-worker.ts, each its own tfjs WASM
// instance), frames dispatched to whichever is free. Why: tfjs's WASM backend runs single-threaded
// in Node (its threaded build spawns its workers from blob: URLs, which Node refuses; measured),
// so one engine uses one core; an attempt's 12 frames are independent, and two engines on a
// 2-core kiosk server halve an attempt's time when the machine is otherwise idle (`npm run bench
// -- face --time-only` compares both in one run). The main thread stays free for HTTP.
//
// Same interface and guarantees as ./engine.ts: every call is answered or rejected, never
// skipped; a worker that dies rejects its jobs (the check fails closed) and is started again for
// the next job; a pool whose engines do not load rejects at creation (503 at the kiosk).
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Detection, FaceConfig, FaceEngine } from "./engine.ts";
import { decodeImage, ImageDecodeError, type DecodedImage, type ImageInput } from "./image.ts";
import { dlibChip, type Point } from "./mesh.ts";

export interface PoolConfig extends FaceConfig {
  /** engines (threads); default min(2, available cores) (the API: ./poolSize) */
  workers?: number;
}

type Job =
  | { op: "detect"; image: DecodedImage; passive: boolean }
  | { op: "decodeAndDetect"; bytes: Uint8Array; passive: boolean; maxPixels: number }
  | { op: "describeChip"; chip: Float32Array };
interface Pending {
  job: Job;
  resolve(value: unknown): void;
  reject(error: Error): void;
}
interface Info {
  model: string;
  modelLoadMs: number;
  warmupMs: number;
  backend: string;
  version: string;
}

const WORKER_URL = new URL("./engine-worker.ts", import.meta.url);

class Slot {
  worker: Worker | null = null;
  ready: Promise<Info> | null = null;
  busy: (Pending & { id: number }) | null = null;
  private readonly config: FaceConfig;
  constructor(config: FaceConfig) {
    this.config = config;
  }

  start(): Promise<Info> {
    const worker = new Worker(WORKER_URL, { workerData: this.config });
    worker.unref(); // an idle pool does not keep the process alive; ref() while a job runs
    this.worker = worker;
    this.ready = new Promise<Info>((resolve, reject) => {
      worker.on("message", (m: { ready?: Info; failed?: string; id?: number; ok?: boolean; value?: unknown; error?: string; decodeError?: ImageDecodeError["reason"] | null }) => {
        if (m.ready) return resolve(m.ready);
        if (m.failed !== undefined) return reject(new Error(`face engine: worker failed to load: ${m.failed}`));
        const busy = this.busy;
        if (!busy || busy.id !== m.id) return;
        this.busy = null;
        worker.unref();
        if (m.ok) busy.resolve(m.value);
        else busy.reject(m.decodeError ? new ImageDecodeError(m.error ?? "image: unreadable", m.decodeError) : new Error(m.error ?? "face engine: worker error"));
        this.onFree();
      });
      const down = (why: string) => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.ready = null;
        reject(new Error(`face engine: worker ${why}`));
        const busy = this.busy;
        this.busy = null;
        busy?.reject(new Error(`face engine: worker ${why}`));
        this.onFree();
      };
      worker.on("error", (e) => down(`crashed: ${e.message}`));
      worker.on("exit", (code) => down(`exited (${code})`));
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  onFree: () => void = () => undefined;

  async run(p: Pending, id: number): Promise<void> {
    this.busy = { ...p, id };
    try {
      if (!this.ready) this.start();
      await this.ready;
    } catch (error) {
      this.busy = null;
      p.reject(error as Error);
      this.onFree();
      return;
    }
    if (!this.worker || this.busy?.id !== id) return; // died while loading: already rejected
    this.worker.ref();
    this.worker.postMessage({ id, ...p.job });
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    this.busy?.reject(new Error("face engine: closed"));
    this.busy = null;
    if (w) await w.terminate();
  }
}

/**
 * The API's pool size: FACE_ENGINE_THREADS (1..8), default min(2, cores). Two engines halve an
 * attempt on an otherwise idle 2-core server, but cost ~20 % more CPU when both cores are busy
 * with other work (measured: `npm run bench -- face --time-only [--workers N]`); 1 still keeps
 * the inference off the HTTP thread at ~0-5 % more CPU than the main thread. Throws on a bad
 * value (./settings.ts checks it at boot).
 */
export function poolSize(env: Record<string, string | undefined> = process.env): number {
  const raw = env.FACE_ENGINE_THREADS;
  if (raw === undefined || raw === "") return Math.max(1, Math.min(2, availableParallelism()));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`FACE_ENGINE_THREADS must be an integer from 1 to 8, got "${raw}"`);
  return n;
}

export interface FaceEnginePool extends FaceEngine {
  readonly workers: number;
  /** Terminates worker `index` as a crash would (its job is rejected; the next job starts it again): for test/face/engine-pool.test.ts. */
  stopWorker(index: number): Promise<void>;
}

export async function createFaceEnginePool(config: PoolConfig = {}): Promise<FaceEnginePool> {
  const { workers = poolSize({}), ...engineConfig } = config;
  const slots = Array.from({ length: workers }, () => new Slot(engineConfig));
  let info: Info[];
  try {
    info = await Promise.all(slots.map((s) => s.start()));
  } catch (error) {
    await Promise.all(slots.map((s) => s.stop()));
    throw error;
  }
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;
  const dispatch = () => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.busy) continue;
      void slot.run(queue.shift()!, nextId++);
    }
  };
  for (const s of slots) s.onFree = dispatch;
  const submit = <T>(job: Job): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(new Error("face engine: closed"));
      queue.push({ job, resolve: resolve as (v: unknown) => void, reject });
      dispatch();
    });

  const first = info[0]!;
  return {
    // decode here, not in the worker: a bad upload fails before it takes a worker
    detect: (image: ImageInput, options = {}) => submit<Detection>({ op: "detect", image: decodeImage(image), passive: options.passive ?? true }),
    decodeAndDetect: (bytes: Uint8Array, options: { passive: boolean; maxPixels: number }) =>
      submit<{ image: DecodedImage; detection: Detection }>({ op: "decodeAndDetect", bytes, ...options }),
    describe: (image: DecodedImage, mesh: readonly Point[]) => submit<number[]>({ op: "describeChip", chip: dlibChip(image, mesh) }),
    describeChip: (chip: Float32Array) => submit<number[]>({ op: "describeChip", chip }),
    model: first.model,
    modelLoadMs: Math.max(...info.map((i) => i.modelLoadMs)),
    warmupMs: Math.max(...info.map((i) => i.warmupMs)),
    backend: first.backend,
    version: `${first.version}, ${workers} worker thread${workers === 1 ? "" : "s"}`,
    workers,
    async stopWorker(index: number) {
      await slots[index]?.worker?.terminate();
    },
    async close() {
      closed = true;
      for (const p of queue.splice(0)) p.reject(new Error("face engine: closed"));
      await Promise.all(slots.map((s) => s.stop()));
    },
  };
}
