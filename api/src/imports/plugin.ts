// The imports feature: bulk enrolment through the API, for a registrar (or `npm run import`
// while the system runs: the embedded database admits one process, so the CLI becomes a
// client of these routes). A job is one file, named by its SHA-256:
//   POST /v1/imports                    create or resume the job of a file
//   POST /v1/imports/:id/lines          commit a chunk of its lines (from, lines[]); idempotent
//   GET  /v1/imports/:id                progress: counts, last committed line
//   GET  /v1/imports/:id/lines          the per-line report (enrolled with id and code, or refused with a reason)
//   POST /v1/imports/:id/finish         every line committed: the job is closed
// Enrolment goes through the same set-based statements as the direct import (subjects'
// enrolBatch), so it needs the subjects feature (and so codes and the ledger).
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { actorOf } from "../auth/operators.ts";
import { notFound } from "../errors.ts";
import { commitChunk, finishJob, getJob, jobReport, MAX_CHUNK_LINES, MAX_LINE_LENGTH, openJob, type LineResult } from "./jobs.ts";

const problem = { $ref: "Problem#" } as const;
const idParam = {
  type: "object",
  properties: { id: { type: "string", pattern: "^[0-9a-f]{64}$", description: "The file's SHA-256 (hex, lower case)" } },
  required: ["id"],
  additionalProperties: false,
} as const;

const jobSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    fileName: { type: "string" },
    format: { type: "string", enum: ["csv", "ndjson"] },
    totalLines: { type: ["integer", "null"] },
    lastLine: { type: "integer" },
    nextLine: { type: "integer" },
    accepted: { type: "integer" },
    rejected: { type: "integer" },
    status: { type: "string", enum: ["open", "finished"] },
    createdBy: { type: ["string", "null"] },
    startedAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
    finishedAt: { type: ["string", "null"], format: "date-time" },
  },
  required: ["id", "fileName", "format", "totalLines", "lastLine", "nextLine", "accepted", "rejected", "status", "startedAt", "updatedAt", "finishedAt"],
} as const;

const lineResultSchema = {
  type: "object",
  properties: {
    line: { type: "integer" },
    status: { type: "string", enum: ["enrolled", "refused", "blank"] },
    kind: { type: "string", enum: ["person", "enterprise"] },
    subjectId: { type: "string", format: "uuid" },
    codeId: { type: "string" },
    code: { type: "string" },
    reason: { type: "string" },
  },
  required: ["line", "status"],
} as const;

// Rate limits per client: a job is created once per file; chunks come as fast as one client
// commits them (~1 s each for 500 lines), so the chunk limit stops a runaway loop, not an import.
const CREATE_LIMIT = { max: 60, timeWindow: 60_000 };
const CHUNK_LIMIT = { max: 1200, timeWindow: 60_000 };
const READ_LIMIT = { max: 600, timeWindow: 60_000 };

async function importsPlugin(app: FastifyInstance): Promise<void> {
  const registrar = app.requireRole("registrar");

  app.post<{ Body: { fileHash: string; fileName: string; format: "csv" | "ndjson"; header?: string; totalLines?: number } }>(
    "/v1/imports",
    {
      preHandler: registrar,
      config: { rateLimit: CREATE_LIMIT },
      schema: {
        tags: ["imports"],
        summary: "Create the import job of a file, or resume it (same SHA-256: same job)",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          properties: {
            fileHash: { type: "string", pattern: "^[0-9a-f]{64}$", description: "SHA-256 of the whole file, hex" },
            fileName: { type: "string", minLength: 1, maxLength: 255, pattern: "^[^<>]*$" },
            format: { type: "string", enum: ["csv", "ndjson"] },
            header: { type: "string", maxLength: MAX_LINE_LENGTH, description: "A CSV file's first line" },
            totalLines: { type: "integer", minimum: 0, maximum: 100_000_000, description: "Lines in the file (header included)" },
          },
          required: ["fileHash", "fileName", "format"],
          additionalProperties: false,
        },
        response: { 200: jobSchema, 201: jobSchema, 400: problem, 401: problem, 403: problem, 409: problem, 422: problem, 429: problem },
      },
    },
    async (request, reply) => {
      const { job, created } = await openJob(app.ctx.db.pool, { ...request.body, actor: actorOf(request.operator!) });
      return reply.status(created ? 201 : 200).send(job);
    },
  );

  app.post<{ Params: { id: string }; Body: { from: number; lines: string[] } }>(
    "/v1/imports/:id/lines",
    {
      preHandler: registrar,
      config: { rateLimit: CHUNK_LIMIT },
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags: ["imports"],
        summary: "Commit a chunk of lines: lines already committed are answered from the report, the rest are enrolled",
        security: [{ bearer: [] }],
        params: idParam,
        body: {
          type: "object",
          properties: {
            from: { type: "integer", minimum: 1, maximum: 100_000_000, description: "Line number (in the file) of lines[0]" },
            lines: { type: "array", minItems: 1, maxItems: MAX_CHUNK_LINES, items: { type: "string", maxLength: 100_000 } },
          },
          required: ["from", "lines"],
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: { job: jobSchema, committed: { type: "integer" }, results: { type: "array", items: lineResultSchema } },
            required: ["job", "committed", "results"],
          },
          400: problem,
          401: problem,
          403: problem,
          404: problem,
          409: problem,
          413: problem,
          422: problem,
          429: problem,
          503: problem,
        },
      },
    },
    async (request) => {
      return commitChunk(app.ctx.db.pool, {
        jobId: request.params.id,
        from: request.body.from,
        lines: request.body.lines,
        subjectKey: app.ctx.config.subjectKey,
        actor: actorOf(request.operator!),
        at: app.ctx.clock.now(),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/imports/:id",
    {
      preHandler: registrar,
      config: { rateLimit: READ_LIMIT },
      schema: {
        tags: ["imports"],
        summary: "An import job's progress",
        security: [{ bearer: [] }],
        params: idParam,
        response: { 200: jobSchema, 401: problem, 403: problem, 404: problem, 429: problem },
      },
    },
    async (request) => {
      const job = await getJob(app.ctx.db.pool, request.params.id);
      if (!job) throw notFound("import_not_found", "No import job with this id (the file's SHA-256)");
      return job;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from: number; limit: number } }>(
    "/v1/imports/:id/lines",
    {
      preHandler: registrar,
      config: { rateLimit: READ_LIMIT },
      schema: {
        tags: ["imports"],
        summary: "The per-line report of an import job",
        security: [{ bearer: [] }],
        params: idParam,
        querystring: {
          type: "object",
          properties: {
            from: { type: "integer", minimum: 1, maximum: 100_000_000, default: 1 },
            limit: { type: "integer", minimum: 1, maximum: 5000, default: 1000 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: { results: { type: "array", items: lineResultSchema }, next: { type: ["integer", "null"] } },
            required: ["results", "next"],
          },
          400: problem,
          401: problem,
          403: problem,
          404: problem,
          429: problem,
        },
      },
    },
    async (request) => {
      const report: { results: LineResult[]; next: number | null } | null = await jobReport(app.ctx.db.pool, request.params.id, request.query.from, request.query.limit);
      if (!report) throw notFound("import_not_found", "No import job with this id (the file's SHA-256)");
      return report;
    },
  );

  app.post<{ Params: { id: string } }>(
    "/v1/imports/:id/finish",
    {
      preHandler: registrar,
      config: { rateLimit: CREATE_LIMIT },
      schema: {
        tags: ["imports"],
        summary: "Close an import job once every line is committed (idempotent)",
        security: [{ bearer: [] }],
        params: idParam,
        response: { 200: jobSchema, 401: problem, 403: problem, 404: problem, 409: problem, 429: problem },
      },
    },
    async (request) => finishJob(app.ctx.db.pool, request.params.id),
  );
}

export default fp(importsPlugin, {
  name: "onecode-imports",
  dependencies: ["onecode-auth", "onecode-ledger", "onecode-subjects"],
});
