// The repair feature as a plugin: applications (kiosk or officer-assisted), the officers'
// review queue and decisions, and the list of results to pass on to other platforms.
// Who may file is the face feature's decision (app.face.verifyApplicantAssertion): this
// plugin depends on it, so an app without face verification does not boot.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { withTransaction } from "../db/database.ts";
import { actorOf } from "../auth/operators.ts";
import { notFound } from "../errors.ts";
import { chinaDate } from "../credit/calendar.ts";
import { acceptApplication, extendApplication, fileApplication, type NewApplication } from "./applications.ts";
import { decisionRoutes } from "./decision-routes.ts";
import { createRepairRepository } from "./repository.ts";
import { applicationView, repairQueue } from "./views.ts";
import { calendarRoutes } from "./calendar-routes.ts";
import { EXTENSION_REASONS, EXTENSION_REASON_CODES } from "./extension-reasons.ts";
import { maxPeriodRoutes } from "./max-period.ts";
import { REFUSAL_REASONS } from "./refusal-reasons.ts";

const uuid = { type: "string", format: "uuid" } as const;
const idParams = { type: "object", required: ["id"], properties: { id: uuid } } as const;

async function repairPlugin(app: FastifyInstance): Promise<void> {
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
          // subjectId, or its earlier name enterpriseId (accepted for one release).
          required: ["recordIds", "applicant", "commitment"],
          anyOf: [{ required: ["subjectId"] }, { required: ["enterpriseId"] }],
          properties: {
            subjectId: uuid,
            enterpriseId: uuid,
            recordIds: { type: "array", minItems: 1, maxItems: 50, items: uuid },
            applicant: {
              type: "object",
              additionalProperties: false,
              required: ["personId", "capacity"],
              properties: {
                personId: uuid,
                // self: a person applying for themself (personId = subjectId).
                capacity: { type: "string", enum: ["legal_representative", "authorised_agent", "self"] },
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
      const view = await withTransaction(db.pool, (c) => fileApplication(app.face, c, request.body, request.operator!, clock.now()));
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

  app.get("/v1/repair-applications/extension-reasons", { preHandler: app.requireRole("repair_officer"), schema: { tags: ["repair"], summary: "The reasons an officer may give for extending the decision period" } }, async () => ({
    reasons: EXTENSION_REASONS,
  }));

  app.get("/v1/repair-applications/refusal-reasons", { preHandler: app.requireRole("repair_officer"), schema: { tags: ["repair"], summary: "The reasons an officer may give for refusing a repair (the decision takes the code)" } }, async () => ({
    reasons: REFUSAL_REASONS,
  }));

  app.post<{ Params: { id: string }; Body: { reasonCode: string } }>(
    "/v1/repair-applications/:id/extend",
    {
      preHandler: app.requireRole("repair_officer"),
      schema: {
        tags: ["repair"],
        summary: "Extend the decision period once, for a reason from the list (a code: no free text reaches the ledger)",
        params: idParams,
        body: { type: "object", additionalProperties: false, required: ["reasonCode"], properties: { reasonCode: { type: "string", enum: EXTENSION_REASON_CODES } } },
      },
    },
    async (request) => withTransaction(db.pool, (c) => extendApplication(c, request.params.id, request.body.reasonCode, request.operator!, clock.now())),
  );

  // Officers' signed decisions: GET …/decision-digest and POST …/decide (./decision-routes.ts).
  decisionRoutes(app);

  app.get<{ Querystring: { status?: "pending" | "all" } }>(
    "/v1/platform-sync",
    {
      preHandler: app.requireRole("credit_agency", "repair_officer", "admin"),
      schema: { tags: ["repair"], summary: "Repair results and expiries to pass on to other platforms", querystring: { type: "object", properties: { status: { type: "string", enum: ["pending", "all"] } } } },
    },
    async (request) => {
      const rows = await createRepairRepository(db.pool).syncItems(request.query.status ?? "pending", chinaDate(clock.now()));
      return {
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          recordId: r.record_id,
          payload: r.payload,
          createdAt: r.created_at.toISOString(),
          dueOn: r.due_on,
          dueProvisional: r.due_provisional,
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
      const acknowledged = await createRepairRepository(db.pool).acknowledgeSync(request.params.id, clock.now(), actorOf(request.operator!));
      if (!acknowledged) throw notFound("sync_item_not_found", `No sync item ${request.params.id}`);
      return reply.status(204).send();
    },
  );

  maxPeriodRoutes(app);
  calendarRoutes(app);
}

export default fp(repairPlugin, {
  name: "onecode-repair",
  dependencies: ["onecode-auth", "onecode-ledger", "onecode-subjects", "onecode-credit", "onecode-face"],
  decorators: { fastify: ["face"] },
});
