// Kiosk routes of the face feature (role kiosk: the device):
//   POST   /v1/kiosk/sessions                    → { sessionId, nonce, expiresAt }
//   POST   /v1/kiosk/sessions/:id/applicant      enterprise (USCC or scanned code) + who applies
//   POST   /v1/kiosk/sessions/:id/face           { personId, nonce, frames[3..5] } → scores, verdict, assertion
//   DELETE /v1/kiosk/sessions/:id                ends the session (idle timer, finish)
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import type { FaceEngine } from "./engine.ts";
import { identifyApplicant } from "./applicant.ts";
import type { Capacity } from "./assertion.ts";
import { checkFace, createSession, endSession, openSession } from "./session.ts";
import type { FaceSettings } from "./settings.ts";
import { errors, idParams, security } from "./schemas.ts";


/** One frame: base64 JPEG or PNG (a data: URL prefix is accepted); 1.5 MB of base64 at most. */
const frameSchema = { type: "string", minLength: 100, maxLength: 1_600_000 } as const;

export function kioskRoutes(app: FastifyInstance, face: { settings: FaceSettings; engine: () => Promise<FaceEngine> }): void {
  const { ctx } = app;
  const { settings } = face;
  const kiosk = app.requireRole("kiosk");

  app.post(
    "/v1/kiosk/sessions",
    {
      preHandler: kiosk,
      schema: {
        tags: ["kiosk"],
        summary: "Start a kiosk session (server nonce)",
        security,
        response: {
          201: {
            type: "object",
            properties: { sessionId: { type: "string" }, nonce: { type: "string" }, expiresAt: { type: "string", format: "date-time" } },
            required: ["sessionId", "nonce", "expiresAt"],
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const session = await createSession(ctx.db.pool, { device: request.operator!.sub, now: ctx.clock.now(), ttlSeconds: settings.sessionTtlSeconds });
      return reply.status(201).send({ sessionId: session.id, nonce: session.nonce, expiresAt: session.expiresAt.toISOString() });
    },
  );

  app.post<{ Params: { id: string }; Body: { enterprise?: string; capacity: Capacity; idNumber?: string } }>(
    "/v1/kiosk/sessions/:id/applicant",
    {
      preHandler: kiosk,
      schema: {
        tags: ["kiosk"],
        summary: "Identify the enterprise (USCC or scanned code) and the applicant (legal representative or authorised agent)",
        security,
        params: idParams,
        body: {
          type: "object",
          properties: {
            enterprise: { type: "string", minLength: 1, maxLength: 2048 },
            // self: a person applying for themself, by their own ID number (no enterprise).
            capacity: { type: "string", enum: ["legal_representative", "authorised_agent", "self"] },
            idNumber: { type: "string", pattern: "^[0-9]{17}[0-9Xx]$" },
          },
          required: ["capacity"],
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              subjectId: { type: "string" },
              subjectKind: { type: "string", enum: ["person", "enterprise"] },
              enterpriseId: { type: "string" },
              enterpriseName: { type: "string" },
              personId: { type: "string" },
              personName: { type: "string" },
              capacity: { type: "string" },
              authorisation: {
                type: ["object", "null"],
                properties: { reference: { type: "string" }, validUntil: { type: "string", format: "date-time" } },
              },
              faceEnrolled: { type: "boolean" },
            },
            required: ["subjectId", "subjectKind", "enterpriseId", "enterpriseName", "personId", "personName", "capacity", "faceEnrolled"],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const now = ctx.clock.now();
      const applicant = await withTransaction(ctx.db.pool, async (client) => {
        const session = await openSession(client, { sessionId: request.params.id, device: request.operator!.sub, now, lock: true });
        return identifyApplicant(client, { session, enterprise: request.body.enterprise, capacity: request.body.capacity, idNumber: request.body.idNumber, now });
      });
      return {
        ...applicant,
        authorisation: applicant.authorisation
          ? { reference: applicant.authorisation.reference, validUntil: applicant.authorisation.validUntil.toISOString() }
          : null,
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { personId: string; nonce: string; frames: string[] } }>(
    "/v1/kiosk/sessions/:id/face",
    {
      preHandler: kiosk,
      bodyLimit: settings.maxFrames * 1_600_000 + 4096,
      schema: {
        tags: ["kiosk"],
        summary: "Face check: 3-5 camera frames, checked on the server against the enrolled reference",
        description:
          "Refusal reasons: no_face, several_faces, spoof_suspected, not_live, not_same_person (200 with verdict refused); too_many_attempts (429). " +
          "A pass returns a single-use assertion that the repair application must carry. The nonce changes after every attempt.",
        security,
        params: idParams,
        body: {
          type: "object",
          properties: {
            personId: { type: "string", format: "uuid" },
            nonce: { type: "string", minLength: 1, maxLength: 64 },
            frames: { type: "array", minItems: settings.minFrames, maxItems: settings.maxFrames, items: frameSchema },
          },
          required: ["personId", "nonce", "frames"],
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              verdict: { type: "string", enum: ["passed", "refused"] },
              reason: { type: "string" },
              scores: {
                type: "object",
                properties: { similarity: { type: "number" }, antispoof: { type: "number" }, liveness: { type: "number" } },
                required: ["similarity", "antispoof", "liveness"],
              },
              thresholds: {
                type: "object",
                properties: { similarity: { type: "number" }, antispoof: { type: "number" }, liveness: { type: "number" } },
              },
              frames: { type: "integer" },
              attemptsLeft: { type: "integer" },
              nonce: { type: "string" },
              assertion: { type: "string" },
              assertionExpiresAt: { type: "string", format: "date-time" },
            },
            required: ["verdict", "scores", "attemptsLeft", "nonce"],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const result = await checkFace(
        { pool: ctx.db.pool, config: ctx.config, settings, engine: face.engine, now: () => ctx.clock.now() },
        {
          sessionId: request.params.id,
          device: request.operator!.sub,
          personId: request.body.personId,
          nonce: request.body.nonce,
          frames: request.body.frames,
          actor: actorOf(request.operator!),
        },
      );
      request.log.info({ verdict: result.verdict, reason: result.reason }, "face check");
      return {
        verdict: result.verdict,
        ...(result.reason ? { reason: result.reason } : {}),
        scores: { similarity: result.similarity, antispoof: result.antispoof, liveness: result.liveness },
        thresholds: { similarity: settings.minSimilarity, antispoof: settings.minAntispoof, liveness: settings.minLiveness },
        frames: result.frames,
        attemptsLeft: result.attemptsLeft,
        nonce: result.nonce,
        ...(result.assertion ? { assertion: result.assertion, assertionExpiresAt: result.assertionExpiresAt!.toISOString() } : {}),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/v1/kiosk/sessions/:id",
    { preHandler: kiosk, schema: { tags: ["kiosk"], summary: "End a kiosk session", security, params: idParams, response: { 204: { type: "null" }, ...errors } } },
    async (request, reply) => {
      await withTransaction(ctx.db.pool, (client) => endSession(client, { sessionId: request.params.id, device: request.operator!.sub, now: ctx.clock.now() }));
      return reply.status(204).send();
    },
  );
}
