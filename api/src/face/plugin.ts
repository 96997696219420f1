// The face feature as a plugin: kiosk sessions and the server-side face check (kiosk
// routes), reference photos and agents' authorisations (registrar routes), and, for the
// features that need them, the decorator `app.face`:
//   - verifyApplicantAssertion: the repair feature's filing check (./applicant-check.ts);
//   - analyseReferencePhoto / storeReferencePhoto: the subjects feature's enrolment with a photo.
// Those features declare this plugin as a dependency, so an app without it does not boot.
// The settings and the engine loader come from the boot steps (api/src/boot.ts).
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Queryable } from "../db/database.ts";
import { verifyApplicantAssertion, type ApplicantAssertionInput, type ApplicantCheck } from "./applicant-check.ts";
import type { DrawChallenge } from "./challenge.ts";
import type { FaceEngine } from "./engine.ts";
import { kioskRoutes } from "./kiosk-routes.ts";
import { analyseReferencePhoto, engineOrUnavailable, storeReferencePhoto, type AnalysedReference, type ReferencePhoto } from "./reference-photo.ts";
import { registrarRoutes } from "./registrar-routes.ts";
import type { FaceSettings } from "./settings.ts";

export interface FaceFeature {
  readonly settings: Readonly<FaceSettings>;
  /** Refuses (403) unless this operator may file a repair application for this applicant; see ./applicant-check.ts. */
  verifyApplicantAssertion(client: Queryable, input: ApplicantAssertionInput): Promise<ApplicantCheck>;
  /** One face, large, frontal and sharp enough (422 saying why otherwise); run it before the transaction that stores it. */
  analyseReferencePhoto(photo: ReferencePhoto): Promise<AnalysedReference>;
  /** Encrypts and stores (or replaces) the person's reference, with its ledger entry, in the caller's transaction. */
  storeReferencePhoto(
    client: Queryable,
    input: { personId: string; reference: AnalysedReference; actor: string; now: Date },
  ): Promise<{ replaced: boolean; kid: string }>;
}

export interface FacePluginOptions {
  settings: FaceSettings;
  /** Loads (once) the face engine; the boot step passes the process-wide one. */
  engine: () => Promise<FaceEngine>;
  /** Draws each challenge's direction: random in production; fixed only by a test's boot options (api/src/boot.ts). */
  drawChallenge: DrawChallenge;
}

declare module "fastify" {
  interface FastifyInstance {
    face: FaceFeature;
  }
}

async function facePlugin(app: FastifyInstance, options: FacePluginOptions): Promise<void> {
  const { config, clock } = app.ctx;
  const settings = Object.freeze({ ...options.settings });
  const engine = () => engineOrUnavailable(options.engine);
  const face: FaceFeature = {
    settings,
    verifyApplicantAssertion: (client, input) => verifyApplicantAssertion(client, input, clock.now()),
    analyseReferencePhoto: (photo) => analyseReferencePhoto(options.engine, photo),
    storeReferencePhoto: (client, input) => storeReferencePhoto(client, { ...input, key: config.faceKey, kid: settings.referenceKid }),
  };
  app.decorate("face", face);
  kioskRoutes(app, { settings, engine, drawChallenge: options.drawChallenge });
  registrarRoutes(app);
}

export default fp(facePlugin, { name: "onecode-face", dependencies: ["onecode-auth", "onecode-ledger"] });
