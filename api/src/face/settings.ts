// Settings of the face check: the calibrated thresholds (./verify.ts), frame counts, lockout
// limits and lifetimes, from the defaults and the environment.
import type { Config } from "../config.ts";
import { ConfigError } from "../config.ts";
import { DEFAULT_THRESHOLDS, type FaceThresholds } from "./verify.ts";

export interface FaceSettings extends FaceThresholds {
  /** frames per attempt */
  minFrames: number;
  maxFrames: number;
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
}

export const DEFAULT_FACE_SETTINGS: Readonly<FaceSettings> = Object.freeze({
  ...DEFAULT_THRESHOLDS,
  minFrames: 3,
  maxFrames: 5,
  maxFailuresPerSession: 3,
  maxFailuresPerPerson: 5,
  personWindowSeconds: 15 * 60,
  sessionTtlSeconds: 15 * 60,
  assertionTtlSeconds: 5 * 60,
  referenceKid: "face-1",
});

type Env = Record<string, string | undefined>;

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
 * Face settings: defaults, then environment (FACE_MIN_SIMILARITY, FACE_MIN_ANTISPOOF,
 * FACE_MIN_LIVENESS, FACE_MAX_FAILURES_PER_SESSION, FACE_MAX_FAILURES_PER_PERSON,
 * FACE_PERSON_WINDOW_SECONDS, KIOSK_SESSION_TTL_SECONDS, FACE_ASSERTION_TTL_SECONDS,
 * FACE_REFERENCE_KID), then `config.face` when the configuration carries one (tests).
 * Read once, as a boot step (api/src/boot.ts), so a bad value stops the boot.
 */
export function faceSettings(config: Config, env: Env = process.env): FaceSettings {
  const fromEnv: FaceSettings = {
    minSimilarity: envNumber(env, "FACE_MIN_SIMILARITY", DEFAULT_FACE_SETTINGS.minSimilarity, 0, 1, false),
    minAntispoof: envNumber(env, "FACE_MIN_ANTISPOOF", DEFAULT_FACE_SETTINGS.minAntispoof, 0, 1, false),
    minLiveness: envNumber(env, "FACE_MIN_LIVENESS", DEFAULT_FACE_SETTINGS.minLiveness, 0, 1, false),
    minFrames: DEFAULT_FACE_SETTINGS.minFrames,
    maxFrames: DEFAULT_FACE_SETTINGS.maxFrames,
    maxFailuresPerSession: envNumber(env, "FACE_MAX_FAILURES_PER_SESSION", DEFAULT_FACE_SETTINGS.maxFailuresPerSession, 1, 100, true),
    maxFailuresPerPerson: envNumber(env, "FACE_MAX_FAILURES_PER_PERSON", DEFAULT_FACE_SETTINGS.maxFailuresPerPerson, 1, 1000, true),
    personWindowSeconds: envNumber(env, "FACE_PERSON_WINDOW_SECONDS", DEFAULT_FACE_SETTINGS.personWindowSeconds, 60, 7 * 86400, true),
    sessionTtlSeconds: envNumber(env, "KIOSK_SESSION_TTL_SECONDS", DEFAULT_FACE_SETTINGS.sessionTtlSeconds, 60, 86400, true),
    assertionTtlSeconds: envNumber(env, "FACE_ASSERTION_TTL_SECONDS", DEFAULT_FACE_SETTINGS.assertionTtlSeconds, 10, 3600, true),
    referenceKid: env.FACE_REFERENCE_KID || DEFAULT_FACE_SETTINGS.referenceKid,
  };
  const override = (config as Config & { face?: Partial<FaceSettings> }).face ?? {};
  return { ...fromEnv, ...override };
}
