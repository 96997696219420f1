// Settings of the face check: the calibrated thresholds (./verify.ts), the challenge, frame limits,
// lockout limits and lifetimes, from the defaults and the environment.
import type { Config } from "../config.ts";
import { ConfigError } from "../config.ts";
import { poolSize } from "./engine-pool.ts";
import { DEFAULT_THRESHOLDS, type FaceThresholds } from "./verify.ts";

export interface FaceSettings extends FaceThresholds {
  /** frames per attempt the server accepts, and what each challenge asks for */
  minFrames: number;
  maxFrames: number;
  challengeFrames: number;
  challengeIntervalMs: number;
  /** time from drawing the challenge to receiving its frames (capture ~2.2 s, upload, a slow tap) */
  challengeTtlSeconds: number;
  /** base64 characters of one frame; pixels of one frame and of one attempt (checked in the header) */
  maxFrameBase64: number;
  maxFramePixels: number;
  maxAttemptPixels: number;
  /** refused attempts in one session before it locks (too_many_attempts) */
  maxFailuresPerSession: number;
  /** refused attempts for one person, over all kiosks, within personWindowSeconds */
  maxFailuresPerPerson: number;
  personWindowSeconds: number;
  /** lifetime of a kiosk session */
  sessionTtlSeconds: number;
  /** lifetime of a face assertion (time to pick records and sign the commitment) */
  assertionTtlSeconds: number;
  /** key id written in new reference JWEs */
  referenceKid: string;
  /** face engines (worker threads) of the process (FACE_ENGINE_THREADS; ./engine-pool.ts poolSize) */
  engineThreads: number;
}

export const DEFAULT_FACE_SETTINGS: Readonly<FaceSettings> = Object.freeze({
  ...DEFAULT_THRESHOLDS,
  // 12 frames 200 ms apart (2.2 s): 21 of 21 genuine windows of the test video pass identity;
  // 10 frames would be ~15 % faster and passed 24 of 25 (scratch research).
  minFrames: 10,
  maxFrames: 15,
  challengeFrames: 12,
  challengeIntervalMs: 200,
  challengeTtlSeconds: 20,
  // a 640 x 480 JPEG from the kiosk is 40-90 kB; 1280 x 960 allowed for other cameras
  maxFrameBase64: 600_000,
  maxFramePixels: 1280 * 960,
  maxAttemptPixels: 12 * 1280 * 960,
  maxFailuresPerSession: 3,
  maxFailuresPerPerson: 5,
  personWindowSeconds: 15 * 60,
  sessionTtlSeconds: 15 * 60,
  assertionTtlSeconds: 5 * 60,
  referenceKid: "face-1",
  engineThreads: poolSize({}),
});

type Env = Record<string, string | undefined>;

/** Checked here at boot; the process-wide engine (./engine.ts sharedFaceEngine) reads the same variable. */
function engineThreads(env: Env): number {
  try {
    return poolSize(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function envNumber(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * Face settings: defaults, then environment (FACE_MAX_DISTANCE, FACE_MAX_FRAME_DISTANCE,
 * FACE_MIN_ANTISPOOF, FACE_MIN_LIVENESS, FACE_MAX_FAILURES_PER_SESSION,
 * FACE_MAX_FAILURES_PER_PERSON, FACE_PERSON_WINDOW_SECONDS, KIOSK_SESSION_TTL_SECONDS,
 * FACE_ASSERTION_TTL_SECONDS, FACE_REFERENCE_KID, FACE_ENGINE_THREADS), then `config.face` when the configuration
 * carries one (tests). Read once, as a boot step (api/src/boot.ts), so a bad value stops the boot.
 * The challenge's direction is not a setting: it is drawn at random (./challenge.ts).
 */
export function faceSettings(config: Config, env: Env = process.env): FaceSettings {
  // The old similarity threshold belonged to another model: refuse it rather than ignore it.
  if (env.FACE_MIN_SIMILARITY !== undefined && env.FACE_MIN_SIMILARITY !== "") {
    throw new ConfigError("FACE_MIN_SIMILARITY belonged to the previous face model and is no longer read; use FACE_MAX_DISTANCE (default 0.5)");
  }
  const d = DEFAULT_FACE_SETTINGS;
  const fromEnv: FaceSettings = {
    ...d,
    maxMedianDistance: envNumber(env, "FACE_MAX_DISTANCE", d.maxMedianDistance, 0.1, 1.5, false),
    maxFrameDistance: envNumber(env, "FACE_MAX_FRAME_DISTANCE", d.maxFrameDistance, 0.1, 1.5, false),
    minAntispoof: envNumber(env, "FACE_MIN_ANTISPOOF", d.minAntispoof, 0, 1, false),
    minLiveness: envNumber(env, "FACE_MIN_LIVENESS", d.minLiveness, 0, 1, false),
    maxFailuresPerSession: envNumber(env, "FACE_MAX_FAILURES_PER_SESSION", d.maxFailuresPerSession, 1, 100, true),
    maxFailuresPerPerson: envNumber(env, "FACE_MAX_FAILURES_PER_PERSON", d.maxFailuresPerPerson, 1, 1000, true),
    personWindowSeconds: envNumber(env, "FACE_PERSON_WINDOW_SECONDS", d.personWindowSeconds, 60, 7 * 86400, true),
    sessionTtlSeconds: envNumber(env, "KIOSK_SESSION_TTL_SECONDS", d.sessionTtlSeconds, 60, 86400, true),
    assertionTtlSeconds: envNumber(env, "FACE_ASSERTION_TTL_SECONDS", d.assertionTtlSeconds, 10, 3600, true),
    referenceKid: env.FACE_REFERENCE_KID || d.referenceKid,
    engineThreads: engineThreads(env),
  };
  const override = (config as Config & { face?: Partial<FaceSettings> }).face ?? {};
  const settings = { ...fromEnv, ...override };
  if (settings.maxFrameDistance < settings.maxMedianDistance) {
    throw new ConfigError("FACE_MAX_FRAME_DISTANCE must not be below FACE_MAX_DISTANCE");
  }
  return settings;
}
