// The subjects feature: registrars enrol persons and enterprises; operators read subjects with
// persons' names and every identifier masked (an enterprise's name is public: shown in full).
// A person may be enrolled with a reference photo, which the face feature analyses and stores
// in the enrolment transaction: so this plugin depends on face, and an app without face does
// not boot instead of enrolling persons whose photo is silently dropped. Enrolment issues the
// first code, so it depends on codes too.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import { badRequest, notFound } from "../errors.ts";
import { enrolEnterprise, enrolPerson, validatePerson } from "./enrol.ts";
import { maskIdentifier } from "./masking.ts";
import { createSubjectRepository } from "./repository.ts";

const problem = { $ref: "Problem#" } as const;

/** What every answer about a subject carries (a person's name and every identifier masked). */
const subjectFields = {
  id: { type: "string", format: "uuid" },
  kind: { type: "string", enum: ["person", "enterprise"] },
  displayName: { type: "string" },
  identifierMasked: { type: "string" },
} as const;

const enrolledSchema = {
  type: "object",
  properties: {
    ...subjectFields,
    codeId: { type: "string" },
    statusIndex: { type: "integer" },
  },
  required: ["id", "kind", "displayName", "identifierMasked", "codeId", "statusIndex"],
} as const;

const subjectSchema = {
  type: "object",
  properties: {
    ...subjectFields,
    legalRepresentativeId: { type: ["string", "null"] },
    creditStatus: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
    code: {
      type: ["object", "null"],
      properties: {
        codeId: { type: "string" },
        status: { type: "string" },
        statusIndex: { type: "integer" },
        issuedAt: { type: "string", format: "date-time" },
        onChain: { type: "boolean" },
        chainTx: { type: ["string", "null"] },
      },
    },
  },
  required: ["id", "kind", "displayName", "identifierMasked", "legalRepresentativeId", "creditStatus", "createdAt", "code"],
} as const;

async function subjectsPlugin(app: FastifyInstance): Promise<void> {
  const registrar = app.requireRole("registrar");

  app.post<{ Body: { idNumber: string; name: string; referencePhoto?: string } }>(
    "/v1/persons",
    {
      preHandler: registrar,
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags: ["subjects"],
        summary: "Enrol a person (resident ID number GB 11643) and issue the first code",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          properties: {
            idNumber: { type: "string", minLength: 1, maxLength: 32 },
            name: { type: "string", minLength: 1, maxLength: 100 },
            referencePhoto: { type: "string", maxLength: 4_000_000, description: "Base64 JPEG or PNG for later face checks" },
          },
          required: ["idNumber", "name"],
          additionalProperties: false,
        },
        response: { 201: enrolledSchema, 400: problem, 401: problem, 403: problem, 409: problem },
      },
    },
    async (request, reply) => {
      const { subjectKey } = app.ctx.config;
      const person = { idNumber: request.body.idNumber, name: request.body.name };
      const actor = actorOf(request.operator!);
      const now = app.ctx.clock.now();
      const photo = request.body.referencePhoto;
      if (photo) {
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(photo)) throw badRequest("invalid_photo", "referencePhoto must be base64");
        validatePerson(subjectKey, person, now); // a bad ID number is refused before the model runs
      }
      // The model runs before the transaction, so no lock is held during inference.
      const reference = photo ? await app.face.analyseReferencePhoto(Buffer.from(photo, "base64")) : null;
      const enrolled = await withTransaction(app.ctx.db.pool, (client) =>
        enrolPerson(
          client,
          subjectKey,
          person,
          actor,
          now,
          reference ? (c, personId) => app.face.storeReferencePhoto(c, { personId, reference, actor, now }) : undefined,
        ),
      );
      return reply.status(201).send(enrolled);
    },
  );

  app.post<{ Body: { uscc: string; name: string; legalRepresentativeId: string } }>(
    "/v1/enterprises",
    {
      preHandler: registrar,
      schema: {
        tags: ["subjects"],
        summary: "Enrol an enterprise (USCC GB 32100) with its legal representative and issue the first code",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          properties: {
            uscc: { type: "string", minLength: 1, maxLength: 32 },
            name: { type: "string", minLength: 1, maxLength: 100 },
            legalRepresentativeId: { type: "string", format: "uuid" },
          },
          required: ["uscc", "name", "legalRepresentativeId"],
          additionalProperties: false,
        },
        response: { 201: enrolledSchema, 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 422: problem },
      },
    },
    async (request, reply) => {
      const enrolled = await withTransaction(app.ctx.db.pool, (client) =>
        enrolEnterprise(client, app.ctx.config.subjectKey, request.body, actorOf(request.operator!), app.ctx.clock.now()),
      );
      return reply.status(201).send(enrolled);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/subjects/:id",
    {
      preHandler: app.requireRole("registrar", "credit_agency", "repair_officer", "auditor"),
      schema: {
        tags: ["subjects"],
        summary: "A subject (person's name and identifier masked) with its current code",
        security: [{ bearer: [] }],
        params: { type: "object", properties: { id: { type: "string", format: "uuid" } }, required: ["id"] },
        response: { 200: subjectSchema, 400: problem, 401: problem, 403: problem, 404: problem },
      },
    },
    async (request) => {
      const row = await createSubjectRepository(app.ctx.db.pool).withCurrentCode(request.params.id);
      if (!row) throw notFound("subject_not_found", "No such subject");
      return {
        id: row.id,
        kind: row.kind,
        displayName: row.display_name,
        identifierMasked: maskIdentifier(row.identifier),
        legalRepresentativeId: row.legal_rep_id,
        creditStatus: row.credit_status,
        createdAt: row.created_at.toISOString(),
        code: row.code_id
          ? { codeId: row.code_id, status: row.status!, statusIndex: row.status_index!, issuedAt: row.issued_at!.toISOString(), onChain: row.chain_tx !== null, chainTx: row.chain_tx }
          : null,
      };
    },
  );
}

export default fp(subjectsPlugin, {
  name: "onecode-subjects",
  dependencies: ["onecode-auth", "onecode-ledger", "onecode-codes", "onecode-face"],
  decorators: { fastify: ["face"] },
});
