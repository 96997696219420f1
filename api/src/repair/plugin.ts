// Routes of the repair feature: applications (kiosk or officer-assisted), the officers'
// review queue and decisions, and the list of results to pass on to other platforms.
import type { FastifyInstance } from "fastify";
import { withTransaction } from "../db/database.ts";
import { actorOf } from "../auth/operators.ts";
import { notFound } from "../errors.ts";
import { chinaDate } from "../credit/calendar.ts";
import { acceptApplication, applicationView, decideApplication, extendApplication, fileApplication, repairQueue, type NewApplication } from "./applications.ts";

const uuid = { type: "string", format: "uuid" } as const;
const idParams = { type: "object", required: ["id"], properties: { id: uuid } } as const;

export default async function repairRoutes(app: FastifyInstance): Promise<void> {
  const { db, clock } = app.ctx;

  app.post<{ Body: NewApplication }>(
    "/v1/repair-applications",
    {
      preHandler: app.requireRole("kiosk", "repair_officer"),
      bodyLimit: 64 * 1024,
      schema: {
        tags: ["repair"],
        summary: "Apply for credit repair (signed credit commitment; facts come from the feed, no uploads)",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["enterpriseId", "recordIds", "applicant", "commitment"],
          properties: {
            enterpriseId: uuid,
            recordIds: { type: "array", minItems: 1, maxItems: 50, items: uuid },
            applicant: {
              type: "object",
              additionalProperties: false,
              required: ["personId", "capacity"],
              properties: {
                personId: uuid,
                capacity: { type: "string", enum: ["legal_representative", "authorised_agent"] },
                authorisationRef: { type: "string", minLength: 1, maxLength: 200 },
              },
            },
            commitment: {
              type: "object",
              additionalProperties: false,
              required: ["version", "accepted"],
              properties: {
                version: { type: "string", minLength: 1, maxLength: 50 },
                accepted: { type: "boolean" },
                // On-screen signature: a hash of the signature image, or typed text. No uploads.
                signature: { type: "string", maxLength: 512 },
              },
            },
            faceAssertion: { type: "string", maxLength: 4096 },
          },
        },
      },
    },
    async (request, reply) => {
      const view = await withTransaction(db.pool, (c) => fileApplication(app.ctx, c, request.body, request.operator!, clock.now()));
      return reply.status(201).send(view);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/repair-applications/:id",
    { preHandler: app.requireRole("kiosk", "repair_officer"), schema: { tags: ["repair"], params: idParams } },
    async (request) => applicationView(db.pool, request.params.id, clock.now()),
  );

  app.get("/v1/repair-queue", { preHandler: app.requireRole("repair_officer"), schema: { tags: ["repair"], summary: "Open applications with working-day due dates and overdue flags" } }, async () =>
    repairQueue(db.pool, clock.now()),
  );

  app.post<{ Params: { id: string } }>(
    "/v1/repair-applications/:id/accept",
    { preHandler: app.requireRole("repair_officer"), schema: { tags: ["repair"], params: idParams } },
    async (request) => withTransaction(db.pool, (c) => acceptApplication(c, request.params.id, request.operator!, clock.now())),
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    "/v1/repair-applications/:id/extend",
    {
      preHandler: app.requireRole("repair_officer"),
      schema: {
        tags: ["repair"],
        params: idParams,
        body: { type: "object", additionalProperties: false, required: ["reason"], properties: { reason: { type: "string", minLength: 1, maxLength: 2000 } } },
      },
    },
    async (request) => withTransaction(db.pool, (c) => extendApplication(c, request.params.id, request.body.reason, request.operator!, clock.now())),
  );

  app.post<{ Params: { id: string }; Body: { outcome: "approved" | "refused"; reason?: string } }>(
    "/v1/repair-applications/:id/decide",
    {
      preHandler: app.requireRole("repair_officer"),
      schema: {
        tags: ["repair"],
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["outcome"],
          properties: { outcome: { type: "string", enum: ["approved", "refused"] }, reason: { type: "string", minLength: 1, maxLength: 2000 } },
        },
      },
    },
    async (request) =>
      withTransaction(db.pool, (c) => decideApplication(c, request.params.id, request.body.outcome, request.body.reason, request.operator!, clock.now())),
  );

  app.get<{ Querystring: { status?: "pending" | "all" } }>(
    "/v1/platform-sync",
    {
      preHandler: app.requireRole("credit_agency", "repair_officer", "admin"),
      schema: { tags: ["repair"], summary: "Repair results and expiries to pass on to other platforms", querystring: { type: "object", properties: { status: { type: "string", enum: ["pending", "all"] } } } },
    },
    async (request) => {
      const now = clock.now();
      const rows = await db.pool.query<{ id: number; kind: string; record_id: string; payload: object; created_at: Date; due_on: string; synced_at: Date | null; synced_by: string | null; overdue: boolean }>(
        `SELECT id, kind, record_id, payload, created_at, to_char(due_on, 'YYYY-MM-DD') AS due_on, synced_at, synced_by,
                (synced_at IS NULL AND due_on < $2::date) AS overdue
           FROM sync_outbox WHERE ($1 = 'all' OR synced_at IS NULL) ORDER BY id`,
        [request.query.status ?? "pending", chinaDate(now)],
      );
      return {
        items: rows.rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          recordId: r.record_id,
          payload: r.payload,
          createdAt: r.created_at.toISOString(),
          dueOn: r.due_on,
          overdue: r.overdue,
          syncedAt: r.synced_at?.toISOString() ?? null,
          syncedBy: r.synced_by,
        })),
      };
    },
  );

  app.post<{ Params: { id: number } }>(
    "/v1/platform-sync/:id/ack",
    {
      preHandler: app.requireRole("credit_agency", "admin"),
      schema: { tags: ["repair"], summary: "Mark a result as passed on", params: { type: "object", properties: { id: { type: "integer" } } } },
    },
    async (request, reply) => {
      const r = await db.pool.query("UPDATE sync_outbox SET synced_at = coalesce(synced_at, $2), synced_by = coalesce(synced_by, $3) WHERE id = $1", [
        request.params.id,
        clock.now(),
        actorOf(request.operator!),
      ]);
      if (r.rowCount === 0) throw notFound("sync_item_not_found", `No sync item ${request.params.id}`);
      return reply.status(204).send();
    },
  );
}
