// Routes of the subjects feature: registrars enrol persons and enterprises; operators read masked subjects.
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import { badRequest, notFound } from "../errors.ts";
import { enrolEnterprise, enrolPerson } from "./enrol.ts";
import { maskIdentifier } from "./masking.ts";

const problem = { $ref: "Problem#" } as const;

const enrolledSchema = {
  type: "object",
  properties: {
    id: { type: "string", format: "uuid" },
    kind: { type: "string", enum: ["person", "enterprise"] },
    displayName: { type: "string" },
    identifierMasked: { type: "string" },
    codeId: { type: "string" },
    statusIndex: { type: "integer" },
  },
  required: ["id", "kind", "displayName", "identifierMasked", "codeId", "statusIndex"],
} as const;

const subjectSchema = {
  type: "object",
  properties: {
    id: { type: "string", format: "uuid" },
    kind: { type: "string", enum: ["person", "enterprise"] },
    displayName: { type: "string" },
    identifierMasked: { type: "string" },
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

export default async function subjectsRoutes(app: FastifyInstance): Promise<void> {
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
      let photo: Buffer | undefined;
      if (request.body.referencePhoto) {
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(request.body.referencePhoto)) throw badRequest("invalid_photo", "referencePhoto must be base64");
        photo = Buffer.from(request.body.referencePhoto, "base64");
      }
      const { subjectKey } = app.ctx.config;
      const enrolled = await withTransaction(app.ctx.db.pool, (client) =>
        enrolPerson(client, subjectKey, { idNumber: request.body.idNumber, name: request.body.name, referencePhoto: photo }, actorOf(request.operator!), app.ctx.clock.now()),
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
        summary: "A subject, masked, with its current code",
        security: [{ bearer: [] }],
        params: { type: "object", properties: { id: { type: "string", format: "uuid" } }, required: ["id"] },
        response: { 200: subjectSchema, 400: problem, 401: problem, 403: problem, 404: problem },
      },
    },
    async (request) => {
      const result = await app.ctx.db.pool.query<{
        id: string;
        kind: "person" | "enterprise";
        identifier: string;
        display_name: string;
        legal_rep_id: string | null;
        credit_status: string;
        created_at: Date;
        code_id: string | null;
        status: string | null;
        status_index: number | null;
        issued_at: Date | null;
        chain_tx: string | null;
      }>(
        `SELECT s.id, s.kind, s.identifier, s.display_name, s.legal_rep_id, s.credit_status, s.created_at,
                c.code_id, c.status, c.status_index, c.issued_at, c.chain_tx
           FROM subjects s LEFT JOIN codes c ON c.subject_id = s.id AND c.status <> 'revoked'
          WHERE s.id = $1`,
        [request.params.id],
      );
      const row = result.rows[0];
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
