// Boot steps: what the app needs before its plugins register and that reaches outside the
// process: the shipped policy versions and commitment texts in the database, the
// code-signing key files, the face settings from the environment (a bad FACE_* value stops
// the boot here), the face engine loader, the metrics registry, and whether the front ends
// are built. server.ts
// and the test helper run them, then hand the result to buildApp; a plugin only decorates
// and adds routes.
import type { AppContext } from "./context.ts";
import { authSettings, type AuthSettings } from "./auth/settings.ts";
import { ensureCreditData } from "./credit/policies.ts";
import { openCodeKeys } from "./codes/plugin.ts";
import type { CodeKeySet } from "./codes/keys.ts";
import { randomDirection, type DrawChallenge } from "./face/challenge.ts";
import { sharedFaceEngine, type FaceEngine } from "./face/engine.ts";
import { faceSettings, type FaceSettings } from "./face/settings.ts";
import { createMetrics, type Metrics } from "./health/plugin.ts";
import { findUiDist } from "./web/plugin.ts";
import { startSigningOldLedger, type AdoptionOutcome } from "./ledger/adopt.ts";

export interface Boot {
  auth: AuthSettings;
  codes: { keys: CodeKeySet };
  face: { settings: FaceSettings; engine: () => Promise<FaceEngine>; drawChallenge: DrawChallenge };
  health: Metrics;
  /** Whether a ledger from before ledger signatures was taken over at this boot (./ledger/adopt.ts). */
  ledger: { adoption: AdoptionOutcome };
  web: { root: string | null };
}

export interface BootOptions {
  /** The face engine loader; default: the process-wide engine, loaded on first use. */
  faceEngine?: () => Promise<FaceEngine>;
  /**
   * TEST ONLY: fixes the face challenge's direction, so that a canned video (which cannot react)
   * can answer it. Reachable only here, from code that calls prepareApp itself (buildTestApp);
   * server.ts and scripts/start.ts never pass it, and no configuration, environment variable or
   * request field leads to it (test/face/challenge-seam.test.ts checks that). Default: random.
   */
  testOnlyFaceChallenge?: DrawChallenge;
}

export async function prepareApp(ctx: AppContext, options: BootOptions = {}): Promise<Boot> {
  await ensureCreditData(ctx.db.pool);
  return {
    auth: authSettings(ctx.config),
    codes: { keys: openCodeKeys(ctx.config, ctx.clock) },
    face: { settings: faceSettings(ctx.config), engine: options.faceEngine ?? sharedFaceEngine, drawChallenge: options.testOnlyFaceChallenge ?? randomDirection },
    health: createMetrics(),
    ledger: { adoption: await startSigningOldLedger(ctx) },
    web: { root: findUiDist() },
  };
}
