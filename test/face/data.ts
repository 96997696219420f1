// The shared face photos and video frames (../shared/faces: real people, MIT-licensed examples of
// three face-recognition projects; see its README), found in ONE place for tests, benchmarks and
// the calibration: ONECODE_FACES_DIR, else the first shared/faces/README.md walking up from the
// repository root, else /work/shared/faces. Missing data is an error naming where it looked,
// never a silent skip. The photos are read in place, never copied into the repository.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { decodeImage, type DecodedImage } from "../../api/src/face/image.ts";

const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

let found: string | null = null;

/** The shared faces folder; throws with the places it looked when it is absent. */
export function facesDir(): string {
  if (found) return found;
  const tried: string[] = [];
  const fromEnv = process.env.ONECODE_FACES_DIR;
  if (fromEnv) {
    if (existsSync(join(fromEnv, "README.md"))) return (found = resolve(fromEnv));
    tried.push(`ONECODE_FACES_DIR=${fromEnv}`);
  }
  for (let dir = REPO_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "faces");
    if (existsSync(join(candidate, "README.md"))) return (found = candidate);
    tried.push(candidate);
    if (dirname(dir) === dir) break;
  }
  if (existsSync("/work/shared/faces/README.md")) return (found = "/work/shared/faces");
  tried.push("/work/shared/faces");
  throw new Error(
    `The shared face test data (shared/faces/README.md: real photos and the live-frames video) was not found; looked in ${tried.join(", ")}. ` +
      "Set ONECODE_FACES_DIR to the folder.",
  );
}

export const facePath = (relative: string): string => join(facesDir(), relative);
export const faceBytes = (relative: string): Uint8Array => new Uint8Array(readFileSync(facePath(relative)));
export const faceImage = (relative: string): DecodedImage => decodeImage(faceBytes(relative));

/** The enrolled reference photo of the person in the live video (lin_manuel_miranda). */
export const REFERENCE_PHOTO = "face-recognition/lin_manuel_miranda/img1.jpg";

/** The 43 consecutive frames (10 per second, 640 x 360) of one real person moving, in order. */
export function liveFrameNames(): string[] {
  const dir = facePath("video/live-frames");
  return readdirSync(dir)
    .filter((f) => /^f\d+\.jpg$/.test(f))
    .sort()
    .map((f) => `video/live-frames/${f}`);
}

/** Photos of other people (deepface public figures), for impostor attempts. */
export const OTHER_PEOPLE = ["deepface/img2.jpg", "deepface/img8.jpg", "deepface/img17.jpg", "deepface/img30.jpg", "deepface/img45.jpg"] as const;

/** Pads an image smaller than `min` px (either side) onto a grey canvas: detectors miss faces that fill the picture. */
export function padTo(img: DecodedImage, min = 300, grey = 128): DecodedImage {
  if (img.width >= min && img.height >= min) return img;
  const W = Math.max(min, img.width);
  const H = Math.max(min, img.height);
  const out = new Uint8Array(W * H * 4).fill(grey);
  const ox = (W - img.width) >> 1;
  const oy = (H - img.height) >> 1;
  for (let y = 0; y < img.height; y++) out.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), ((y + oy) * W + ox) * 4);
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return { width: W, height: H, data: out };
}

export interface Pair {
  a: string;
  b: string;
  kind: string;
}

/**
 * The pairs the shared README defines. Genuine: every pair inside one face-api/<name>/ folder and
 * every Yes row of deepface/pairs.csv; the live frames against the reference photo separately.
 * Impostor: face-api pairs across folders, the No rows, face-api x deepface, the reference x
 * everyone else, and each live frame x everyone else.
 */
export function facePairs(): { genuine: Pair[]; impostor: Pair[]; live: Pair[] } {
  const root = facesDir();
  const faceApi = readdirSync(join(root, "face-api"))
    .sort()
    .flatMap((who) =>
      readdirSync(join(root, "face-api", who))
        .filter((f) => /\.(png|jpe?g)$/i.test(f))
        .sort()
        .map((f) => `face-api/${who}/${f}`),
    );
  const deepface = readdirSync(join(root, "deepface"))
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort()
    .map((f) => `deepface/${f}`);
  const who = (p: string) => p.split("/")[1];
  const genuine: Pair[] = [];
  const impostor: Pair[] = [];
  for (let i = 0; i < faceApi.length; i++) {
    for (let j = i + 1; j < faceApi.length; j++) {
      const same = who(faceApi[i]!) === who(faceApi[j]!);
      (same ? genuine : impostor).push({ a: faceApi[i]!, b: faceApi[j]!, kind: same ? "face-api same folder" : "face-api across folders" });
    }
  }
  const rows = readFileSync(join(root, "deepface", "pairs.csv"), "utf8").trim().split(/\r?\n/).slice(1);
  for (const row of rows) {
    const [x, y, label] = row.split(",").map((c) => c.trim());
    const pair = { a: `deepface/${x}`, b: `deepface/${y}` };
    if (label === "Yes") genuine.push({ ...pair, kind: "deepface Yes" });
    else impostor.push({ ...pair, kind: "deepface No" });
  }
  for (const a of faceApi) for (const b of deepface) impostor.push({ a, b, kind: "face-api x deepface" });
  const others = [...faceApi, ...deepface];
  for (const b of others) impostor.push({ a: REFERENCE_PHOTO, b, kind: "reference x others" });
  const frames = liveFrameNames();
  for (const f of frames) for (const b of others) impostor.push({ a: b, b: f, kind: "live frame x others" });
  return { genuine, impostor, live: frames.map((f) => ({ a: REFERENCE_PHOTO, b: f, kind: "live frame x reference" })) };
}
