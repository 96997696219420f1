// The holiday arrangements an administrator imports (the back office gives the screen):
//   GET  /v1/holiday-arrangements   the stored years, the warning, the official data's end
//   POST /v1/holiday-arrangements   one year, as JSON (onecode.holiday-arrangement/1) or as
//                                   the State Council's notice text pasted; 422
//                                   holiday_arrangement_invalid with problems[] when wrong
// An import is a ledger entry (year, status, digest), and the due dates still counted
// provisionally are counted again in the same transaction. Here and not in the credit
// feature because the due dates it recomputes are the repair feature's.
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import { appendEntry } from "../ledger/append.ts";
import { chainHex } from "../chain/hex.ts";
import { calendarStatus, digestOf, loadWorkingCalendar, parseImport, storeArrangement, type ArrangementImport } from "../credit/holidays.ts";
import { loadPolicies } from "../credit/policies.ts";
import { recomputeProvisionalDeadlines } from "./deadlines.ts";

const source = {
  type: "object",
  additionalProperties: false,
  required: ["title"],
  properties: {
    title: { type: "string", minLength: 1, maxLength: 200 },
    issuedOn: { type: ["string", "null"], pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    references: { type: "array", maxItems: 10, items: { type: "string", maxLength: 500 } },
    note: { type: "string", maxLength: 2000 },
  },
} as const;

export function calendarRoutes(app: FastifyInstance): void {
  const { db, clock } = app.ctx;

  app.get(
    "/v1/holiday-arrangements",
    { preHandler: app.requireRole("admin", "repair_officer"), schema: { tags: ["repair"], summary: "The holiday arrangements stored, and the warning before the official data ends" } },
    async () => calendarStatus(await loadWorkingCalendar(db.pool), clock.now()),
  );

  app.post<{ Body: ArrangementImport }>(
    "/v1/holiday-arrangements",
    {
      preHandler: app.requireRole("admin"),
      bodyLimit: 256 * 1024,
      schema: {
        tags: ["repair"],
        summary: "Import a year's holiday arrangement (JSON, or the State Council's notice text); recomputes provisional due dates",
        body: {
          type: "object",
          oneOf: [
            { type: "object", required: ["arrangement"], properties: { arrangement: { type: "object" }, replaceOfficial: { type: "boolean" } }, additionalProperties: false },
            {
              type: "object",
              required: ["notice"],
              additionalProperties: false,
              properties: {
                replaceOfficial: { type: "boolean" },
                notice: {
                  type: "object",
                  additionalProperties: false,
                  required: ["year", "text", "source"],
                  properties: { year: { type: "integer", minimum: 2000, maximum: 2100 }, text: { type: "string", minLength: 1, maxLength: 20000 }, source },
                },
              },
            },
          ],
        },
      },
    },
    async (request, reply) => {
      const arrangement = parseImport(request.body);
      const actor = actorOf(request.operator!);
      const now = clock.now();
      const result = await withTransaction(db.pool, async (client) => {
        const { replaced } = await storeArrangement(client, arrangement, { replaceOfficial: request.body.replaceOfficial ?? false, actor, now });
        const recomputed = await recomputeProvisionalDeadlines(client, await loadWorkingCalendar(client), await loadPolicies(client));
        const digest = chainHex(digestOf(arrangement));
        const entry = await appendEntry(client, {
          type: "calendar.arrangement_imported",
          payload: { year: arrangement.year, status: arrangement.status, digest, replaced, recomputed },
          actor,
          subjectRef: null,
          at: now,
        });
        return { year: arrangement.year, status: arrangement.status, digest, replaced, recomputed, ledgerSeq: entry.seq };
      });
      return reply.status(201).send({ ...result, calendar: calendarStatus(await loadWorkingCalendar(db.pool), now) });
    },
  );
}
