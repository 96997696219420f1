// Registrar routes of the face feature:
//   PUT    /v1/persons/:id/face-reference        { photo } → stores the encrypted reference
//   POST   /v1/authorisations                    an agent's authorisation (授权委托书) with validity dates
//   POST   /v1/authorisations/:id/revoke
//   GET    /v1/enterprises/:id/authorisations
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import { badRequest, notFound } from "../errors.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { authorisationView, grantAuthorisation, revokeAuthorisation } from "./authorisations.ts";
import { createFaceRepository } from "./repository.ts";
import { errors, idParams, security } from "./schemas.ts";


const authorisationSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    enterpriseId: { type: "string" },
    agentId: { type: "string" },
    reference: { type: "string" },
    scope: { type: "string" },
    validFrom: { type: "string", format: "date-time" },
    validUntil: { type: "string", format: "date-time" },
    revokedAt: { type: ["string", "null"], format: "date-time" },
    createdAt: { type: "string", format: "date-time" },
  },
  required: ["id", "enterpriseId", "agentId", "reference", "scope", "validFrom", "validUntil", "revokedAt", "createdAt"],
} as const;

/** Registers the routes; they use the feature's own decorator (app.face), set before them. */
export function registrarRoutes(app: FastifyInstance): void {
  const { ctx, face } = app;
  const registrar = app.requireRole("registrar");

  app.put<{ Params: { id: string }; Body: { photo: string } }>(
    "/v1/persons/:id/face-reference",
    {
      preHandler: registrar,
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ["face"],
        summary: "Enrol (or replace) a person's reference face from a photo; stored encrypted, never returned",
        description:
          "The photo must show one face, facing the camera, sharp, at least 150 px large. Refusals (422) say why: photo_invalid, photo_too_large, " +
          "photo_no_face, photo_several_faces, photo_face_too_small, photo_not_frontal, photo_blurred.",
        security,
        params: idParams,
        body: {
          type: "object",
          properties: { photo: { type: "string", minLength: 100, maxLength: 7_000_000 } },
          required: ["photo"],
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: { personId: { type: "string" }, kid: { type: "string" }, replaced: { type: "boolean" }, enrolledAt: { type: "string", format: "date-time" } },
            required: ["personId", "kid", "replaced", "enrolledAt"],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const personId = request.params.id;
      const person = await createSubjectRepository(ctx.db.pool).find(personId);
      if (!person || person.kind !== "person") throw notFound("person_not_found", "No such person");
      const b64 = request.body.photo.replace(/^data:image\/(?:jpeg|png);base64,/, "");
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw badRequest("photo_invalid", "The photo is not base64");
      const bytes = new Uint8Array(Buffer.from(b64, "base64"));
      // decoded (size checked first) before the model loads; refusals say why (./reference-photo.ts)
      const reference = await face.analyseReferencePhoto(bytes);
      const now = ctx.clock.now();
      const { replaced, kid } = await withTransaction(ctx.db.pool, (client) =>
        face.storeReferencePhoto(client, { personId, reference, actor: actorOf(request.operator!), now }),
      );
      return { personId, kid, replaced, enrolledAt: now.toISOString() };
    },
  );

  app.post<{ Body: { enterpriseId: string; agentId: string; reference: string; validFrom: string; validUntil: string } }>(
    "/v1/authorisations",
    {
      preHandler: registrar,
      schema: {
        tags: ["face"],
        summary: "Register an agent's authorisation (授权委托书) to apply for credit repair for an enterprise",
        security,
        body: {
          type: "object",
          properties: {
            enterpriseId: { type: "string", format: "uuid" },
            agentId: { type: "string", format: "uuid" },
            reference: { type: "string", minLength: 1, maxLength: 64, pattern: "^[\\p{L}\\p{N}\\-_/()（）〔〕\\[\\]]+$" },
            validFrom: { type: "string", format: "date-time" },
            validUntil: { type: "string", format: "date-time" },
          },
          required: ["enterpriseId", "agentId", "reference", "validFrom", "validUntil"],
          additionalProperties: false,
        },
        response: { 201: authorisationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { enterpriseId, agentId, reference } = request.body;
      const validFrom = new Date(request.body.validFrom);
      const validUntil = new Date(request.body.validUntil);
      if (!(validUntil.getTime() > validFrom.getTime())) throw badRequest("validity_invalid", "validUntil must be after validFrom");
      const now = ctx.clock.now();
      const row = await withTransaction(ctx.db.pool, (client) =>
        grantAuthorisation(client, { enterpriseId, agentId, reference, validFrom, validUntil, actor: actorOf(request.operator!), now }),
      );
      return reply.status(201).send(authorisationView(row));
    },
  );

  app.post<{ Params: { id: string } }>(
    "/v1/authorisations/:id/revoke",
    { preHandler: registrar, schema: { tags: ["face"], summary: "Revoke an authorisation", security, params: idParams, response: { 200: authorisationSchema, ...errors } } },
    async (request) => {
      const row = await withTransaction(ctx.db.pool, (client) =>
        revokeAuthorisation(client, { id: request.params.id, actor: actorOf(request.operator!), now: ctx.clock.now() }),
      );
      return authorisationView(row);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/enterprises/:id/authorisations",
    {
      preHandler: registrar,
      schema: {
        tags: ["face"],
        summary: "An enterprise's authorisations, newest first",
        security,
        params: idParams,
        response: { 200: { type: "object", properties: { items: { type: "array", items: authorisationSchema } }, required: ["items"] }, ...errors },
      },
    },
    async (request) => {
      const rows = await createFaceRepository(ctx.db.pool).authorisationsOf(request.params.id);
      return { items: rows.map(authorisationView) };
    },
  );
}
