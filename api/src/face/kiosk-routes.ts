// Kiosk routes of the face feature (role kiosk: the device):
//   POST   /v1/kiosk/sessions                    → { sessionId, nonce, expiresAt }
//   POST   /v1/kiosk/sessions/:id/applicant      enterprise (USCC or scanned code) + who applies
//   POST   /v1/kiosk/sessions/:id/face/challenge { personId } → { nonce, challenge: turn left or right, frames, intervalMs }
//   POST   /v1/kiosk/sessions/:id/face           { personId, nonce, frames[10..15] } → verdict, reason, assertion
//   DELETE /v1/kiosk/sessions/:id                ends the session (idle timer, finish)
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import type { FaceEngine } from "./engine.ts";
import { identifyApplicant } from "./applicant.ts";
import type { Capacity } from "./assertion.ts";
import { checkFace, requestChallenge, type FaceCheckDeps } from "./attempt.ts";
import type { DrawChallenge } from "./challenge.ts";
import { createSession, endSession, openSession } from "./session.ts";
import type { FaceSettings } from "./settings.ts";
import { errors, idParams, security } from "./schemas.ts";

const REFUSALS = "no_face, several_faces, static_capture, challenge_not_performed, challenge_expired, not_same_person, spoof_suspected, not_live";

export function kioskRoutes(app: FastifyInstance, face: { settings: FaceSettings; engine: () => Promise<FaceEngine>; drawChallenge: DrawChallenge }): void {
  const { ctx } = app;
  const { settings } = face;
  const kiosk = app.requireRole("kiosk");
  const deps = (): FaceCheckDeps => ({
    pool: ctx.db.pool,
    config: ctx.config,
    settings,
    engine: face.engine,
    drawChallenge: face.drawChallenge,
    now: () => ctx.clock.now(),
  });
  /** One frame: base64 JPEG or PNG (a data: URL prefix is accepted). */
  const frameSchema = { type: "string", minLength: 100, maxLength: settings.maxFrameBase64 } as const;

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

  app.post<{ Params: { id: string }; Body: { personId: string } }>(
    "/v1/kiosk/sessions/:id/face/challenge",
    {
      preHandler: kiosk,
      schema: {
        tags: ["kiosk"],
        summary: "The challenge for the next face attempt: which way to turn the head, how many frames, how far apart",
        description:
          "Drawn by the server at random for the session's current nonce; asking again returns the same challenge until an attempt is recorded. " +
          "The frames must arrive before expiresAt. 503 face_engine_unavailable when the face engine cannot run (the kiosk must not go on); " +
          "429 too_many_attempts with retryAfterSeconds (null: the session is locked, start again or go to the counter).",
        security,
        params: idParams,
        body: {
          type: "object",
          properties: { personId: { type: "string", format: "uuid" } },
          required: ["personId"],
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              nonce: { type: "string" },
              attemptsLeft: { type: "integer" },
              challenge: {
                type: "object",
                properties: {
                  action: { type: "string", enum: ["turn_left", "turn_right"] },
                  frames: { type: "integer" },
                  intervalMs: { type: "integer" },
                  expiresAt: { type: "string", format: "date-time" },
                },
                required: ["action", "frames", "intervalMs", "expiresAt"],
              },
            },
            required: ["nonce", "attemptsLeft", "challenge"],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const r = await requestChallenge(deps(), {
        sessionId: request.params.id,
        device: request.operator!.sub,
        personId: request.body.personId,
        actor: actorOf(request.operator!),
      });
      return {
        nonce: r.nonce,
        attemptsLeft: r.attemptsLeft,
        challenge: {
          action: r.challenge.direction === "left" ? "turn_left" : "turn_right",
          frames: r.challenge.frames,
          intervalMs: r.challenge.intervalMs,
          expiresAt: r.challenge.expiresAt.toISOString(),
        },
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { personId: string; nonce: string; frames: string[] } }>(
    "/v1/kiosk/sessions/:id/face",
    {
      preHandler: kiosk,
      bodyLimit: settings.maxFrames * (settings.maxFrameBase64 + 64) + 4096,
      schema: {
        tags: ["kiosk"],
        summary: `Face check: ${settings.minFrames}-${settings.maxFrames} camera frames answering the challenge, checked on the server against the enrolled reference`,
        description:
          `Refusal reasons (200 with verdict refused): ${REFUSALS}. Errors: challenge_required, nonce_stale (409); frame_invalid, frame_too_large, ` +
          "frame_size_mismatch (422); attempt_too_large (413); too_many_attempts (429, retryAfterSeconds); face_engine_unavailable (503). " +
          "A pass returns a single-use assertion that the repair application must carry. The nonce, and with it the challenge, changes after every attempt. No scores are returned.",
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
              frames: { type: "integer" },
              attemptsLeft: { type: "integer" },
              nonce: { type: "string" },
              assertion: { type: "string" },
              assertionExpiresAt: { type: "string", format: "date-time" },
            },
            required: ["verdict", "attemptsLeft", "nonce"],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const result = await checkFace(deps(), {
        sessionId: request.params.id,
        device: request.operator!.sub,
        personId: request.body.personId,
        nonce: request.body.nonce,
        frames: request.body.frames,
        actor: actorOf(request.operator!),
      });
      request.log.info({ verdict: result.verdict, reason: result.reason }, "face check");
      return {
        verdict: result.verdict,
        ...(result.reason ? { reason: result.reason } : {}),
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
