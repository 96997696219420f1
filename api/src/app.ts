// Builds the API: plugins in an explicit order, then one plugin per feature.
// Listening, workers and signals live in server.ts; tests call buildApp and inject.
import Fastify, { type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { AppContext } from "./context.ts";
import { frameworkErrors, problemSchema, registerErrorHandling } from "./errors.ts";
import authPlugin from "./auth/plugin.ts";
import healthRoutes from "./health/routes.ts";
import ledgerRoutes from "./ledger/routes.ts";
import subjectsRoutes from "./subjects/routes.ts";
import codesRoutes from "./codes/routes.ts";
import creditRoutes from "./credit/routes.ts";
import repairRoutes from "./repair/routes.ts";
import faceRoutes from "./face/routes.ts";
import auditRoutes from "./audit/routes.ts";
import webRoutes from "./web/routes.ts";

export interface BuildOptions {
  /** Pino logger options; false in tests. */
  logger?: boolean | Record<string, unknown>;
}

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === undefined
        ? {
            level: ctx.config.logLevel,
            // Never log credentials or biometric data.
            redact: ["req.headers.authorization", "req.body.photo", "req.body.frames", "req.body.reference"],
          }
        : options.logger,
    bodyLimit: 8 * 1024 * 1024, // kiosk face frames; every route sets a tighter limit where it can
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false } },
    trustProxy: true,
    frameworkErrors,
  });
  app.decorate("ctx", ctx);
  app.addSchema(problemSchema);
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "OneCode API", version: "0.1.0", description: "One code per person and enterprise; paperless credit repair; anchored ledger." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(authPlugin, { secret: ctx.config.operatorTokenSecret });

  await app.register(healthRoutes);
  await app.register(ledgerRoutes);
  await app.register(subjectsRoutes);
  await app.register(codesRoutes);
  await app.register(creditRoutes);
  await app.register(repairRoutes);
  await app.register(faceRoutes);
  await app.register(auditRoutes);
  await app.register(webRoutes);
  return app;
}
