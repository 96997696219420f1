// The attack corpus and the genuine attempts of the face check, built from the shared photos and
// the live video (./data.ts), used by the tests (test/face/attacks.test.ts) and the benchmark
// (`npm run bench -- face`). A photo or a phone screen held to a camera looks like the enrolled
// reference (or one frame of the person) under a global transform: rendered here into 640 x 480
// camera frames (scale, rotation, shift, brightness, sensor noise, JPEG q85), as the scratch
// research did (lib/liveness.mjs).
import jpeg from "jpeg-js";
import type { Direction } from "../../api/src/face/challenge.ts";
import type { DecodedImage } from "../../api/src/face/image.ts";
import type { FaceRefusal } from "../../api/src/face/verify.ts";
import { faceBytes, faceImage, liveFrameNames, OTHER_PEOPLE, padTo, REFERENCE_PHOTO } from "./data.ts";

const DEG = 180 / Math.PI;

/** Deterministic pseudo-random numbers (the same corpus on every run). */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

type Inverse = (x: number, y: number) => [number, number];

/** Renders `src` into a W x H camera frame through an inverse map (frame px -> src px), gain/offset, noise; JPEG q85. */
function render(src: DecodedImage, inv: Inverse, rnd: () => number, o: { W?: number; H?: number; gain?: number; offset?: number; noise?: number } = {}): Uint8Array {
  const { W = 640, H = 480, gain = 1, offset = 0, noise = 2 } = o;
  const out = new Uint8Array(W * H * 4);
  const { data: sd, width: sw, height: sh } = src;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [u, v] = inv(x + 0.5, y + 0.5);
      const p = (y * W + x) * 4;
      const n = noise ? (rnd() - 0.5) * 2 * noise : 0;
      out[p + 3] = 255;
      if (u < 0 || v < 0 || u >= sw - 1 || v >= sh - 1) {
        out[p] = out[p + 1] = out[p + 2] = 70;
        continue;
      }
      const u0 = u | 0;
      const v0 = v | 0;
      const fu = u - u0;
      const fv = v - v0;
      const i = (v0 * sw + u0) * 4;
      for (let c = 0; c < 3; c++) {
        const val = (1 - fv) * ((1 - fu) * sd[i + c]! + fu * sd[i + 4 + c]!) + fv * ((1 - fu) * sd[i + sw * 4 + c]! + fu * sd[i + sw * 4 + 4 + c]!);
        out[p + c] = Math.max(0, Math.min(255, gain * val + offset + n));
      }
    }
  }
  return new Uint8Array(jpeg.encode({ data: out, width: W, height: H }, 85).data);
}

/** Scale s, rotation r (degrees), shift (tx, ty) of the source's centre onto the frame's centre. */
const similarity = (src: DecodedImage, { s = 1, r = 0, tx = 0, ty = 0, W = 640, H = 480 }): Inverse => {
  const c = Math.cos(r / DEG);
  const si = Math.sin(r / DEG);
  return (x, y) => {
    const dx = x - W / 2 - tx;
    const dy = y - H / 2 - ty;
    return [(c * dx + si * dy) / s + src.width / 2, (-si * dx + c * dy) / s + src.height / 2];
  };
};

/** A flat print turned by phi degrees about its vertical axis, seen by a pinhole camera (f = 700 px). */
const tilted = (src: DecodedImage, { s = 1, phi = 0, W = 640, H = 480, f = 700 }): Inverse => {
  const c = Math.cos(phi / DEG);
  const sn = Math.sin(phi / DEG);
  return (x, y) => {
    const xp = (x - W / 2) / f;
    const yp = (y - H / 2) / f;
    const u = (xp * f) / (c - xp * sn);
    const v = yp * (f + u * sn);
    return [u / s + src.width / 2, v / s + src.height / 2];
  };
};

/** Frames of the live video: `n` frames every `step` source frames (10 per second) from `start`. */
export function liveWindow(start: number, n = 12, step = 2): Uint8Array[] {
  const names = liveFrameNames();
  return Array.from({ length: n }, (_, i) => faceBytes(names[(start + i * step) % names.length]!));
}

export interface CorpusCase {
  type: string;
  /** the refusal this attack must get */
  expect: FaceRefusal;
  /** whose reference the frames are checked against: the person in the video, or someone else */
  reference: "enrolled" | "other";
  direction: Direction;
  frames: Uint8Array[];
}

/** The reference photo's scale in a 640 x 480 frame: a face of ~240 px, as at a kiosk. */
const KIOSK_SCALE = 0.55;

/**
 * One case per attack type of issue 13, deterministic. The genuine window used (frames 1..23 of
 * the video, every 200 ms) turns right; frames 19..41 show no turn either way.
 */
export function attackCorpus(): CorpusCase[] {
  const rnd = prng(12345);
  const uni = (a: number, b: number) => a + (b - a) * rnd();
  const ref = faceImage(REFERENCE_PHOTO);
  const live = liveFrameNames().map(faceImage);
  const n = 12;
  const seq = (fn: (i: number) => Uint8Array) => Array.from({ length: n }, (_, i) => fn(i));
  const still = render(ref, similarity(ref, { s: KIOSK_SCALE }), rnd);
  const turning = liveWindow(0);
  // frames of three other people, framed like the video (640 x 360, the face ~80 % of the height)
  const otherFrames = OTHER_PEOPLE.slice(0, 3).map((name) => {
    const other = padTo(faceImage(name));
    const s = Math.min(640 / other.width, 360 / other.height) * 0.8;
    return render(other, similarity(other, { s, W: 640, H: 360 }), rnd, { W: 640, H: 360 });
  });
  return [
    { type: "reference photo as a still video", expect: "static_capture", reference: "enrolled", direction: "right", frames: seq(() => still) },
    { type: "one live frame repeated", expect: "static_capture", reference: "enrolled", direction: "right", frames: seq(() => turning[5]!) },
    {
      type: "reference photo with brightness and scale jitter",
      expect: "static_capture",
      reference: "enrolled",
      direction: "right",
      frames: seq(() =>
        render(ref, similarity(ref, { s: KIOSK_SCALE * uni(0.95, 1.05), r: uni(-2, 2), tx: uni(-8, 8), ty: uni(-8, 8) }), rnd, {
          gain: uni(0.85, 1.15),
          offset: uni(-10, 10),
          noise: 3,
        }),
      ),
    },
    {
      type: "reference photo slowly panned",
      expect: "static_capture",
      reference: "enrolled",
      direction: "left",
      frames: seq((i) => render(ref, similarity(ref, { s: KIOSK_SCALE, tx: (40 * i) / (n - 1) }), rnd)),
    },
    {
      type: "reference photo slowly zoomed",
      expect: "static_capture",
      reference: "enrolled",
      direction: "right",
      frames: seq((i) => render(ref, similarity(ref, { s: KIOSK_SCALE * (1 + (0.3 * i) / (n - 1)) }), rnd)),
    },
    {
      type: "printed photo turned like a head",
      expect: "static_capture",
      reference: "enrolled",
      direction: "right",
      frames: seq((i) => render(ref, tilted(ref, { s: KIOSK_SCALE, phi: (35 * i) / (n - 1) }), rnd)),
    },
    {
      type: "one live frame with shift, zoom and brightness jitter",
      expect: "static_capture",
      reference: "enrolled",
      direction: "right",
      frames: seq(() =>
        render(live[12]!, similarity(live[12]!, { s: uni(0.97, 1.03), r: uni(-1.5, 1.5), tx: uni(-6, 6), ty: uni(-6, 6), W: 640, H: 360 }), rnd, {
          W: 640,
          H: 360,
          gain: uni(0.9, 1.1),
          offset: uni(-8, 8),
          noise: 3,
        }),
      ),
    },
    // The genuine recording that passed "right", replayed for a new nonce whose challenge is "left".
    { type: "genuine attempt replayed for the opposite challenge", expect: "challenge_not_performed", reference: "enrolled", direction: "left", frames: turning },
    { type: "right person, no head turn", expect: "challenge_not_performed", reference: "enrolled", direction: "right", frames: liveWindow(18) },
    { type: "different person performing the challenge", expect: "not_same_person", reference: "other", direction: "right", frames: turning },
    {
      type: "frames of two people mixed",
      expect: "not_same_person",
      reference: "enrolled",
      direction: "right",
      frames: turning.map((f, i) => (i % 4 === 1 ? otherFrames[(i - 1) / 4]! : f)),
    },
  ];
}

/** Genuine attempts that perform a turn, with the challenge they answer (12 frames every 200 ms). */
export const GENUINE_ATTEMPTS: readonly { start: number; direction: Direction }[] = [
  { start: 0, direction: "right" },
  { start: 20, direction: "right" },
];
