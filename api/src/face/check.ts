// One face attempt on the engine: decode the frames within the limits, detect and mesh every
// frame, measure how the frames differ after alignment (./motion.ts), judge the challenge, and
// only then compute a descriptor on EVERY frame (a subset would let frames of another person in
// unseen) and decide (./verify.ts). Shared by the kiosk route (./attempt.ts), the benchmark and the
// attack-corpus tests, so all three run the same code. The frames of an attempt are sent to the
// engine all at once: on the worker pool (./engine-pool.ts) they run on both cores; the order of
// the checks (nothing that needs a descriptor before the cheap refusals) is unchanged.
import type { DecodedImage } from "./image.ts";
import { decodeImage, ImageDecodeError, readImageHeader } from "./image.ts";
import type { Direction } from "./challenge.ts";
import type { Detection, FaceEngine } from "./engine.ts";
import { alignedResidual, meshResidual, rawDifference } from "./motion.ts";
import {
  decideAttempt,
  distance,
  LIVENESS_RULE,
  refusalBeforeIdentity,
  type AttemptMeasures,
  type FaceDecision,
  type FaceThresholds,
  type FrameMeasure,
} from "./verify.ts";

export interface FrameLimits {
  /** most pixels in one frame (read from the header before decoding) */
  maxFramePixels: number;
  /** most pixels over all frames of one attempt */
  maxAttemptPixels: number;
}

export class FrameError extends Error {
  readonly code: "frame_invalid" | "frame_too_large" | "frame_size_mismatch" | "attempt_too_large";
  constructor(code: FrameError["code"], message: string) {
    super(message);
    this.name = "FrameError";
    this.code = code;
  }
}

/**
 * Decodes an attempt's frames. Every header is read and checked first (size per frame, the same
 * size for all frames, as one camera gives, and the total), so nothing is decoded from an
 * attempt that breaks a limit. Throws FrameError.
 */
export function decodeFrames(frames: readonly Uint8Array[], limits: FrameLimits): DecodedImage[] {
  checkFrameHeaders(frames, limits);
  return frames.map((bytes, i) => {
    try {
      return decodeImage(bytes, limits.maxFramePixels);
    } catch (error) {
      if (error instanceof ImageDecodeError) throw new FrameError("frame_invalid", `Frame ${i + 1} is not a readable JPEG or PNG image`);
      throw error;
    }
  });
}

/** The header checks of ./decodeFrames alone (nothing decoded). Throws FrameError. */
export function checkFrameHeaders(frames: readonly Uint8Array[], limits: FrameLimits): void {
  let total = 0;
  let size: string | null = null;
  for (const [i, bytes] of frames.entries()) {
    let header;
    try {
      header = readImageHeader(bytes);
    } catch {
      throw new FrameError("frame_invalid", `Frame ${i + 1} is not a readable JPEG or PNG image`);
    }
    const pixels = header.width * header.height;
    if (pixels > limits.maxFramePixels) {
      throw new FrameError("frame_too_large", `Frame ${i + 1} is ${header.width}x${header.height}; at most ${limits.maxFramePixels} pixels a frame`);
    }
    const own = `${header.width}x${header.height}`;
    if (size !== null && own !== size) throw new FrameError("frame_size_mismatch", `Frame ${i + 1} is ${own}, frame 1 is ${size}: one camera, one size`);
    size = own;
    total += pixels;
    if (total > limits.maxAttemptPixels) throw new FrameError("attempt_too_large", `The frames hold more than ${limits.maxAttemptPixels} pixels`);
  }
}

export interface AttemptTimings {
  /** ./analyseFrames: decode and detect together (a pool runs both on its threads) */
  detectMs: number;
  motionMs: number;
  describeMs: number;
}

/** The passive anti-spoof and liveness models run on the frames where the person faces the camera (the challenge's baseline). */
const PASSIVE_FRAMES = LIVENESS_RULE.baselineFrames;

/** Smallest mean grey difference over every pair of frames: a frame sent twice anywhere is a still. */
function minPairDifference(images: readonly DecodedImage[]): number {
  let min = Infinity;
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) min = Math.min(min, rawDifference(images[i]!, images[j]!));
  }
  return min;
}

/**
 * Per-frame numbers without descriptors: faces, yaw, residuals against frame 1, passive scores.
 * The aligned grey residual (the costly one, ~15 ms a frame) is computed for the frames whose mesh
 * moved most first, and no further once `robustRank` frames cleared the threshold: the decision
 * (is the k-th largest below the threshold?) is the same, and a genuine attempt needs 3 alignments
 * instead of 11.
 */
export function motionMeasures(images: readonly DecodedImage[], detections: readonly Detection[]): AttemptMeasures {
  const first = detections[0];
  const comparable = (i: number) => i > 0 && !!first?.mesh && !!detections[i]!.mesh && detections[i]!.faces === 1 && first.faces === 1;
  const frames: FrameMeasure[] = detections.map((d, i) => ({
    faces: d.faces,
    yaw: d.faces === 1 ? (d.angles?.yaw ?? null) : null,
    meshResidual: comparable(i) ? meshResidual(first!.mesh!, d.mesh!) : 0,
    pixelResidual: i === 0 ? 0 : null,
    distance: null,
    stepDistance: null,
    antispoof: d.antispoof,
    liveness: d.liveness,
  }));
  const order = frames
    .map((f, i) => [f.meshResidual, i] as const)
    .filter(([, i]) => comparable(i))
    .sort((a, b) => b[0] - a[0]);
  let cleared = 0;
  for (const [, i] of order) {
    if (cleared >= LIVENESS_RULE.robustRank) break;
    const r = alignedResidual(images[0]!, first!.mesh!, images[i]!, detections[i]!.mesh!);
    frames[i]!.pixelResidual = r;
    if (r >= LIVENESS_RULE.minPixelResidual) cleared++;
  }
  return { frames, minPairDifference: minPairDifference(images) };
}

/**
 * Runs the whole check on decoded frames against a reference descriptor for the challenge
 * `direction`. Descriptors are computed only when the attempt passed the checks that need none.
 */
export async function analyseAttempt(
  engine: FaceEngine,
  images: readonly DecodedImage[],
  reference: readonly number[],
  direction: Direction,
  thresholds: FaceThresholds,
): Promise<{ decision: FaceDecision; timings: AttemptTimings }> {
  const t0 = performance.now();
  // All frames at once: a worker pool (./engine-pool.ts) runs them in parallel, one engine in turn.
  const detections: Detection[] = await Promise.all(images.map((img, i) => engine.detect(img, { passive: i < PASSIVE_FRAMES })));
  return judge(engine, images, detections, reference, direction, thresholds, { detectMs: performance.now() - t0 });
}

/**
 * The kiosk's path: the frames' JPEG/PNG bytes, headers checked here first (FrameError, nothing
 * decoded), then every frame decoded and detected on the engine (a pool decodes on its threads
 * too: jpeg-js takes ~18 ms a 640 x 480 frame), then as ./analyseAttempt. An unreadable frame is a
 * FrameError("frame_invalid"), whatever the other frames gave.
 */
export async function analyseFrames(
  engine: FaceEngine,
  frames: readonly Uint8Array[],
  limits: FrameLimits,
  reference: readonly number[],
  direction: Direction,
  thresholds: FaceThresholds,
): Promise<{ decision: FaceDecision; timings: AttemptTimings }> {
  checkFrameHeaders(frames, limits);
  const t0 = performance.now();
  const results = await Promise.allSettled(frames.map((bytes, i) => engine.decodeAndDetect(bytes, { passive: i < PASSIVE_FRAMES, maxPixels: limits.maxFramePixels })));
  const bad = results.findIndex((r) => r.status === "rejected");
  if (bad >= 0) {
    const error = (results[bad] as PromiseRejectedResult).reason as unknown;
    if (error instanceof ImageDecodeError) throw new FrameError("frame_invalid", `Frame ${bad + 1} is not a readable JPEG or PNG image`);
    throw error;
  }
  const done = results.map((r) => (r as PromiseFulfilledResult<{ image: DecodedImage; detection: Detection }>).value);
  return judge(
    engine,
    done.map((r) => r.image),
    done.map((r) => r.detection),
    reference,
    direction,
    thresholds,
    { detectMs: performance.now() - t0 },
  );
}

async function judge(
  engine: FaceEngine,
  images: readonly DecodedImage[],
  detections: readonly Detection[],
  reference: readonly number[],
  direction: Direction,
  thresholds: FaceThresholds,
  before: { detectMs: number },
): Promise<{ decision: FaceDecision; timings: AttemptTimings }> {
  const t1 = performance.now();
  const measures = motionMeasures(images, detections);
  const early = refusalBeforeIdentity(measures, direction);
  const t2 = performance.now();
  const timings: AttemptTimings = { ...before, motionMs: t2 - t1, describeMs: 0 };
  if (early) return { decision: early, timings };
  const descriptors = await Promise.all(images.map((img, i) => engine.describe(img, detections[i]!.mesh!)));
  let previous: number[] | null = null;
  for (const [i, descriptor] of descriptors.entries()) {
    const frame = measures.frames[i]!;
    frame.distance = distance(descriptor, reference);
    frame.stepDistance = previous ? distance(descriptor, previous) : null;
    previous = descriptor;
  }
  timings.describeMs = performance.now() - t2;
  return { decision: decideAttempt(measures, direction, thresholds), timings };
}
