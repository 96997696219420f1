// Routes of the face feature: kiosk sessions and the server-side face check (kiosk device),
// reference photos and agents' authorisations (registrar).
//
//   POST   /v1/kiosk/sessions                    kiosk      → { sessionId, nonce, expiresAt }
//   POST   /v1/kiosk/sessions/:id/applicant      kiosk      enterprise (USCC or scanned code) + who applies
//   POST   /v1/kiosk/sessions/:id/face           kiosk      { personId, nonce, frames[3..5] } → scores, verdict, assertion
//   DELETE /v1/kiosk/sessions/:id                kiosk      ends the session (idle timer, finish)
//   PUT    /v1/persons/:id/face-reference        registrar  { photo } → stores the encrypted reference
//   POST   /v1/authorisations                    registrar  an agent's authorisation (授权委托书) with validity dates
//   POST   /v1/authorisations/:id/revoke         registrar
//   GET    /v1/enterprises/:id/authorisations    registrar
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import { badRequest, conflict, notFound } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { decodeImage, ImageDecodeError } from "./image.ts";
import { createReferencePhotoHook, prepareFaceReference, storeFaceReference } from "./enrol-hook.ts";
import { setReferencePhotoHook } from "../subjects/enrol.ts";
import {
  checkFace,
  createSession,
  endSession,
  faceEngineOrUnavailable,
  faceSettings,
  identifyApplicant,
  openSession,
} from "./session.ts";
import { kioskApplicantVerifier, type Capacity } from "./assertion.ts";
import { setApplicantAssertionVerifier } from "../repair/assertion.ts";

const problem = { $ref: "Problem#" } as const;
const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 422: problem, 429: problem, 503: problem };
const idParams = {
  type: "object",
  properties: { id: { type: "string", format: "uuid" } },
  required: ["id"],
  additionalProperties: false,
} as const;
const security = [{ bearer: [] }];

/** One frame: base64 JPEG or PNG (a data: URL prefix is accepted); 1.5 MB of base64 at most. */
const frameSchema = { type: "string", minLength: 100, maxLength: 1_600_000 } as const;

export default async function faceRoutes(app: FastifyInstance): Promise<void> {
  const { ctx } = app;
  const settings = faceSettings(ctx.config); // a bad FACE_* variable stops the boot here
  const kiosk = app.requireRole("kiosk");
  const registrar = app.requireRole("registrar");
  // POST /v1/persons with a referencePhoto stores the encrypted reference in its transaction.
  setReferencePhotoHook(createReferencePhotoHook(ctx));
  // POST /v1/repair-applications from a kiosk must carry a face assertion, consumed in its transaction.
  setApplicantAssertionVerifier(ctx, kioskApplicantVerifier(ctx.clock));

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

  app.post<{ Params: { id: string }; Body: { enterprise: string; capacity: Capacity; idNumber?: string } }>(
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
            capacity: { type: "string", enum: ["legal_representative", "authorised_agent"] },
            idNumber: { type: "string", pattern: "^[0-9]{17}[0-9Xx]$" },
          },
          required: ["enterprise", "capacity"],
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
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
            required: ["enterpriseId", "enterpriseName", "personId", "personName", "capacity", "faceEnrolled"],
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
        { pool: ctx.db.pool, config: ctx.config, settings, engine: faceEngineOrUnavailable, now: () => ctx.clock.now() },
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

  app.put<{ Params: { id: string }; Body: { photo: string } }>(
    "/v1/persons/:id/face-reference",
    {
      preHandler: registrar,
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ["face"],
        summary: "Enrol (or replace) a person's reference face from a photo; stored encrypted, never returned",
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
      const exists = await ctx.db.pool.query(`SELECT 1 FROM subjects WHERE id = $1 AND kind = 'person'`, [personId]);
      if (!exists.rowCount) throw notFound("person_not_found", "No such person");
      const b64 = request.body.photo.replace(/^data:image\/(?:jpeg|png);base64,/, "");
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw badRequest("photo_invalid", "The photo is not base64");
      const bytes = new Uint8Array(Buffer.from(b64, "base64"));
      try {
        decodeImage(bytes); // refuse garbage before the model loads
      } catch (error) {
        if (error instanceof ImageDecodeError) throw badRequest("photo_invalid", "The photo is not a readable JPEG or PNG image");
        throw error;
      }
      await faceEngineOrUnavailable();
      const prepared = await prepareFaceReference(ctx.config, personId, bytes);
      const now = ctx.clock.now();
      const { replaced } = await withTransaction(ctx.db.pool, (client) =>
        storeFaceReference(client, { ...prepared, personId, actor: actorOf(request.operator!), now }),
      );
      return { personId, kid: prepared.kid, replaced, enrolledAt: now.toISOString() };
    },
  );

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

  interface AuthorisationRow {
    id: string;
    enterprise_id: string;
    agent_id: string;
    reference: string;
    scope: string;
    valid_from: Date;
    valid_until: Date;
    revoked_at: Date | null;
    created_at: Date;
  }
  const toAuthorisation = (r: AuthorisationRow) => ({
    id: r.id,
    enterpriseId: r.enterprise_id,
    agentId: r.agent_id,
    reference: r.reference,
    scope: r.scope,
    validFrom: r.valid_from.toISOString(),
    validUntil: r.valid_until.toISOString(),
    revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
  });

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
      const row = await withTransaction(ctx.db.pool, async (client) => {
        const subjects = await client.query<{ id: string; kind: string; commitment: Buffer; legal_rep_id: string | null }>(
          `SELECT id, kind, commitment, legal_rep_id FROM subjects WHERE id = ANY($1)`,
          [[enterpriseId, agentId]],
        );
        const enterprise = subjects.rows.find((s) => s.id === enterpriseId && s.kind === "enterprise");
        const agent = subjects.rows.find((s) => s.id === agentId && s.kind === "person");
        if (!enterprise) throw notFound("enterprise_not_found", "No such enterprise");
        if (!agent) throw notFound("person_not_found", "No such person");
        if (enterprise.legal_rep_id === agentId) throw conflict("is_legal_representative", "This person is the legal representative and needs no authorisation");
        const dup = await client.query(`SELECT 1 FROM authorisations WHERE enterprise_id = $1 AND reference = $2`, [enterpriseId, reference]);
        if (dup.rowCount) throw conflict("authorisation_exists", "An authorisation with this reference is already registered for the enterprise");
        const { rows } = await client.query<AuthorisationRow>(
          `INSERT INTO authorisations (enterprise_id, agent_id, reference, valid_from, valid_until, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [enterpriseId, agentId, reference, validFrom, validUntil, now, actorOf(request.operator!)],
        );
        const r = rows[0]!;
        await appendEntry(client, {
          type: "authorisation.granted",
          payload: {
            authorisation: r.id,
            agent: agent.commitment.toString("hex"),
            scope: r.scope,
            validFrom: r.valid_from.toISOString(),
            validUntil: r.valid_until.toISOString(),
          },
          actor: actorOf(request.operator!),
          subjectRef: enterprise.commitment.toString("hex"),
          at: now,
        });
        return r;
      });
      return reply.status(201).send(toAuthorisation(row));
    },
  );

  app.post<{ Params: { id: string } }>(
    "/v1/authorisations/:id/revoke",
    { preHandler: registrar, schema: { tags: ["face"], summary: "Revoke an authorisation", security, params: idParams, response: { 200: authorisationSchema, ...errors } } },
    async (request) => {
      const now = ctx.clock.now();
      const row = await withTransaction(ctx.db.pool, async (client) => {
        const { rows } = await client.query<AuthorisationRow & { commitment: Buffer }>(
          `SELECT a.*, s.commitment FROM authorisations a JOIN subjects s ON s.id = a.enterprise_id WHERE a.id = $1 FOR UPDATE OF a`,
          [request.params.id],
        );
        const r = rows[0];
        if (!r) throw notFound("authorisation_not_found", "No such authorisation");
        if (r.revoked_at) throw conflict("authorisation_revoked", "This authorisation is already revoked");
        const updated = await client.query<AuthorisationRow>(
          `UPDATE authorisations SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING *`,
          [r.id, now, actorOf(request.operator!)],
        );
        await appendEntry(client, {
          type: "authorisation.revoked",
          payload: { authorisation: r.id },
          actor: actorOf(request.operator!),
          subjectRef: r.commitment.toString("hex"),
          at: now,
        });
        return updated.rows[0]!;
      });
      return toAuthorisation(row);
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
      const { rows } = await ctx.db.pool.query<AuthorisationRow>(
        `SELECT * FROM authorisations WHERE enterprise_id = $1 ORDER BY created_at DESC, id`,
        [request.params.id],
      );
      return { items: rows.map(toAuthorisation) };
    },
  );
}
