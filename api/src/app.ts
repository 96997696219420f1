// Builds the API: framework plugins, then one plugin per feature, each named and declaring
// the features it needs (fastify-plugin), so a missing or misplaced one stops the boot
// instead of leaving a check out:
//   onecode-auth, onecode-health
//   onecode-ledger    needs auth
//   onecode-codes     needs auth, ledger
//   onecode-face      needs auth, ledger                   decorates app.face
//   onecode-subjects  needs auth, ledger, codes, face      (reference photos at enrolment)
//   onecode-imports   needs auth, ledger, subjects          bulk enrolment jobs (npm run import while running)
//   onecode-credit    needs auth, ledger, subjects
//   onecode-repair    needs auth, ledger, subjects, credit, face (who may file)
//   onecode-officers  needs auth                           officers' passkeys on the ledger
//   onecode-audit     needs auth, ledger
//   onecode-operators needs auth, ledger                   accounts, sign-in, look-up, access log
//   onecode-wallet    needs auth, ledger, codes, face, subjects, credit   (holders' phones)
//   onecode-public    needs credit                           (no sign-in, rate-limited)
//   onecode-backup    needs auth                             online backup of the embedded system (npm run backup)
//   onecode-web
// Boot steps with effects outside the plugin (seeding, key files, settings, metrics) run before,
// in ./boot.ts. Listening, workers and signals live in server.ts; tests call buildApp and inject.
import Fastify, { type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { AppContext } from "./context.ts";
import { prepareApp, type Boot } from "./boot.ts";
import { clientErrors, frameworkErrors, problemSchema, registerErrorHandling } from "./errors.ts";
import { registerEdge } from "./edge.ts";
import authPlugin from "./auth/plugin.ts";
import healthPlugin from "./health/plugin.ts";
import ledgerPlugin from "./ledger/plugin.ts";
import codesPlugin from "./codes/plugin.ts";
import facePlugin from "./face/plugin.ts";
import subjectsPlugin from "./subjects/plugin.ts";
import importsPlugin from "./imports/plugin.ts";
import creditPlugin from "./credit/plugin.ts";
import repairPlugin from "./repair/plugin.ts";
import officersPlugin from "./officers/plugin.ts";
import auditPlugin from "./audit/plugin.ts";
import operatorsPlugin from "./operators/plugin.ts";
import walletPlugin from "./wallet/plugin.ts";
import publicPlugin from "./public/plugin.ts";
import webPlugin from "./web/plugin.ts";
import backupPlugin from "./backup/plugin.ts";

export interface BuildOptions {
  /** Pino logger options; false in tests. */
  logger?: boolean | Record<string, unknown>;
  /** The result of prepareApp(ctx); callers that have not run the boot steps get them run here first. */
  boot?: Boot;
}

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const boot = options.boot ?? (await prepareApp(ctx));
  const app = Fastify({
    logger:
      options.logger === undefined
        ? {
            level: ctx.config.logLevel,
            // Never log credentials or biometric data.
            redact: ["req.headers.authorization", "req.body.photo", "req.body.frames", "req.body.reference", "req.body.referencePhoto"],
          }
        : options.logger,
    bodyLimit: 8 * 1024 * 1024, // kiosk face frames; every route sets a tighter limit where it can
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false } },
    // X-Forwarded-For counts only from the configured proxies (rate limits key on request.ip).
    trustProxy: ctx.config.trustProxy.length > 0 ? ctx.config.trustProxy : false,
    frameworkErrors,
    clientErrorHandler: clientErrors,
  });
  app.decorate("ctx", ctx);
  app.addSchema(problemSchema);
  // Security headers and rate limits first, so that every route below gets them.
  const notFoundLimit = await registerEdge(app, ctx.config);
  registerErrorHandling(app, notFoundLimit);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "OneCode API", version: "0.1.0", description: "One code per person and enterprise; paperless credit repair; anchored ledger." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(authPlugin, { secret: ctx.config.operatorTokenSecret, settings: boot.auth });
  await app.register(healthPlugin, boot.health);

  await app.register(ledgerPlugin, { metrics: boot.health, adoption: boot.ledger.adoption });
  await app.register(codesPlugin, boot.codes);
  await app.register(facePlugin, boot.face);
  await app.register(subjectsPlugin);
  await app.register(importsPlugin);
  await app.register(creditPlugin);
  await app.register(repairPlugin);
  await app.register(officersPlugin);
  await app.register(auditPlugin);
  await app.register(operatorsPlugin);
  await app.register(walletPlugin);
  await app.register(publicPlugin);
  await app.register(backupPlugin);
  await app.register(webPlugin, boot.web);
  return app;
}
