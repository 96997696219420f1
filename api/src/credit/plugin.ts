// The credit feature as a plugin: records and facts from the credit agency (one by one
// or as a bulk feed), the subject's records as the kiosk shows them, and the policy data
// (the public view is the public plugin's, api/src/public/). The shipped policy versions are written by a boot step
// (api/src/boot.ts), not here.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import { badRequest } from "../errors.ts";
import { chainHex } from "../chain/hex.ts";
import { addFact, getRecord, factsOf, publishRecord, type NewRecord } from "./records.ts";
import { publishBatch, type BatchLine } from "./batch.ts";
import { localRuleRoutes } from "./local-rules.ts";
import { recordView, subjectRecordsView } from "./views.ts";
import { createCreditRepository } from "./repository.ts";
import { loadPolicies } from "./policies.ts";
import { COMMITMENT_TEXTS, CURRENT_COMMITMENT_VERSION } from "./commitment.ts";
import { RECORD_KINDS, SEVERITIES } from "./policy/types.ts";
import { calendarStatus, loadWorkingCalendar } from "./holidays.ts";
import { worded } from "./reason-words.ts";

const date = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" } as const;
const uuid = { type: "string", format: "uuid" } as const;
const text = (max: number) => ({ type: "string", minLength: 1, maxLength: max }) as const;

export const newRecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["subjectId", "kind", "severity", "decidingUnit", "decisionNo", "decisionDate", "legalBasis"],
  properties: {
    subjectId: uuid,
    kind: { type: "string", enum: RECORD_KINDS },
    severity: { type: "string", enum: SEVERITIES },
    sector: { type: ["string", "null"], maxLength: 64 },
    decidingUnit: text(200),
    decisionNo: text(200),
    decisionDate: date,
    legalBasis: text(2000),
    penalties: {
      type: "array",
      maxItems: 20,
      items: { type: "object", additionalProperties: false, required: ["type", "severity"], properties: { type: text(100), severity: { type: "string", enum: SEVERITIES } } },
    },
    obligations: {
      type: "array",
      maxItems: 20,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["type", "description"],
        properties: { type: { type: "string", enum: ["fine", "order"] }, amount: { type: ["number", "null"], minimum: 0 }, description: text(1000) },
      },
    },
    correctionRequired: { type: "boolean" },
    repairable: { type: "boolean" },
    notRepairableBasis: { type: ["string", "null"], maxLength: 2000 },
    publish: { type: "boolean" },
  },
} as const;

const MAX_BATCH = 1000;

/** The checks of newRecordSchema for one line of the bulk feed; returns what is wrong, or null. */
export function checkNewRecord(value: unknown): string | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "a record must be a JSON object";
  const v = value as Record<string, unknown>;
  const props = newRecordSchema.properties as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!(key in props)) return `unknown property ${key}`;
  for (const key of newRecordSchema.required) if (v[key] === undefined) return `${key} is required`;
  const str = (k: string, max: number) => typeof v[k] === "string" && (v[k] as string).length >= 1 && (v[k] as string).length <= max;
  if (!str("subjectId", 36) || !/^[0-9a-f-]{36}$/i.test(v.subjectId as string)) return "subjectId must be a uuid";
  if (!(RECORD_KINDS as readonly unknown[]).includes(v.kind)) return `kind must be one of ${RECORD_KINDS.join(", ")}`;
  if (!(SEVERITIES as readonly unknown[]).includes(v.severity)) return `severity must be one of ${SEVERITIES.join(", ")}`;
  if (!str("decidingUnit", 200) || !str("decisionNo", 200) || !str("legalBasis", 2000)) return "decidingUnit, decisionNo and legalBasis must be non-empty text";
  if (typeof v.decisionDate !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v.decisionDate)) return "decisionDate must be YYYY-MM-DD";
  if (v.sector !== undefined && v.sector !== null && typeof v.sector !== "string") return "sector must be text";
  for (const k of ["correctionRequired", "repairable", "publish"]) if (v[k] !== undefined && typeof v[k] !== "boolean") return `${k} must be a boolean`;
  if (v.notRepairableBasis !== undefined && v.notRepairableBasis !== null && typeof v.notRepairableBasis !== "string") return "notRepairableBasis must be text";
  if (v.penalties !== undefined) {
    if (!Array.isArray(v.penalties) || v.penalties.length > 20) return "penalties must be an array of at most 20";
    for (const p of v.penalties as Record<string, unknown>[]) {
      if (!p || typeof p.type !== "string" || !(SEVERITIES as readonly unknown[]).includes(p.severity)) return "each penalty needs type and severity";
    }
  }
  if (v.obligations !== undefined) {
    if (!Array.isArray(v.obligations) || v.obligations.length > 20) return "obligations must be an array of at most 20";
    for (const o of v.obligations as Record<string, unknown>[]) {
      if (!o || (o.type !== "fine" && o.type !== "order") || typeof o.description !== "string" || o.description === "") return "each obligation needs type (fine|order) and description";
      if (o.amount !== undefined && o.amount !== null && (typeof o.amount !== "number" || o.amount < 0)) return "amount must be a non-negative number";
    }
  }
  return null;
}

async function creditPlugin(app: FastifyInstance): Promise<void> {
  const { db, clock } = app.ctx;

  // The bulk feed may come as NDJSON: one record per line.
  app.addContentTypeParser("application/x-ndjson", { parseAs: "string", bodyLimit: 16 * 1024 * 1024 }, (_request, body, done) => {
    done(null, { ndjson: body as string });
  });

  app.post<{ Body: NewRecord }>(
    "/v1/records",
    { preHandler: app.requireRole("credit_agency"), schema: { tags: ["credit"], summary: "Publish a dishonesty record", body: newRecordSchema } },
    async (request, reply) => {
      const record = await withTransaction(db.pool, (c) => publishRecord(c, request.body, actorOf(request.operator!), clock.now()));
      return reply.status(201).send(record);
    },
  );

  app.post<{ Body: unknown }>(
    "/v1/records::batch",
    {
      preHandler: app.requireRole("credit_agency"),
      bodyLimit: 16 * 1024 * 1024,
      schema: { tags: ["credit"], summary: "Publish records in bulk (JSON array or NDJSON); one result per line" },
    },
    async (request) => {
      const body = request.body;
      let lines: BatchLine[];
      if (Array.isArray(body)) lines = body.map((value, i) => ({ line: i + 1, value }));
      else if (body && typeof body === "object" && "ndjson" in body) {
        lines = [];
        (body as { ndjson: string }).ndjson.split(/\r?\n/).forEach((raw, i) => {
          if (raw.trim() === "") return;
          try {
            lines.push({ line: i + 1, value: JSON.parse(raw) });
          } catch {
            lines.push({ line: i + 1, value: null, error: "malformed JSON" });
          }
        });
      } else throw badRequest("invalid_batch", "Send a JSON array or application/x-ndjson");
      if (lines.length > MAX_BATCH) throw badRequest("batch_too_large", `At most ${MAX_BATCH} records per batch`);
      // In chunks, one transaction and one ledger append per chunk (./batch.ts).
      const results = await publishBatch(db.pool, lines, {
        actor: actorOf(request.operator!),
        now: clock.now(),
        policies: await loadPolicies(db.pool),
        check: checkNewRecord,
        log: (error, line) => request.log.error({ err: error, line }, "bulk feed: a chunk or line failed and was rolled back"),
      });
      const published = results.filter((r) => r.status === 201).length;
      const already = results.filter((r) => r.status === 200).length;
      return { total: results.length, published, alreadyPublished: already, failed: results.length - published - already, results };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/records/:id",
    { preHandler: app.requireRole("credit_agency", "repair_officer", "kiosk"), schema: { tags: ["credit"], params: { type: "object", properties: { id: uuid } } } },
    async (request) => {
      const record = await getRecord(db.pool, request.params.id);
      return recordView(record, (await factsOf(db.pool, [record.id])).get(record.id));
    },
  );

  app.post<{ Params: { id: string }; Body: { kind: "fine_paid" | "order_complied" | "correction_done" | "condition_met"; obligationIndex?: number; conditionId?: string; on: string; note?: string } }>(
    "/v1/records/:id/facts",
    {
      preHandler: app.requireRole("credit_agency"),
      schema: {
        tags: ["credit"],
        summary: "Record that an obligation was fulfilled (fine paid, order complied with) or the conduct corrected",
        params: { type: "object", properties: { id: uuid } },
        body: {
          type: "object",
          additionalProperties: false,
          required: ["kind", "on"],
          properties: {
            kind: { type: "string", enum: ["fine_paid", "order_complied", "correction_done", "condition_met"] },
            obligationIndex: { type: "integer", minimum: 0 },
            conditionId: text(100),
            on: date,
            note: { type: "string", maxLength: 1000 },
          },
        },
      },
    },
    async (request, reply) => {
      const result = await withTransaction(db.pool, (c) => addFact(c, request.params.id, request.body, actorOf(request.operator!), clock.now()));
      return reply.status(201).send({
        id: result.id,
        ledgerSeq: result.ledgerSeq,
        evaluation: {
          repairable: result.evaluation.repairable,
          earliestDate: result.evaluation.earliestDate ?? null,
          ruleId: result.evaluation.ruleId,
          policyVersion: result.evaluation.policyVersion,
          reasons: worded(result.evaluation.reasons),
        },
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/subjects/:id/records",
    {
      preHandler: app.requireRole("kiosk", "credit_agency", "repair_officer"),
      schema: { tags: ["credit"], summary: "A subject's records grouped as the kiosk shows them", params: { type: "object", properties: { id: uuid } } },
    },
    async (request) => subjectRecordsView(db.pool, request.params.id, clock.now()),
  );

  app.post<{ Params: { id: string; nid: number } }>(
    "/v1/subjects/:id/notifications/:nid/seen",
    { preHandler: app.requireRole("kiosk"), schema: { tags: ["credit"], params: { type: "object", properties: { id: uuid, nid: { type: "integer" } } } } },
    async (request, reply) => {
      await createCreditRepository(db.pool).markNotificationSeen(request.params.nid, request.params.id, clock.now());
      return reply.status(204).send();
    },
  );

  app.get("/v1/credit/policies", { schema: { tags: ["credit"], summary: "The policy versions (rules as data) and the holiday data with its warning" } }, async () => ({
    policies: await loadPolicies(db.pool),
    calendar: calendarStatus(await loadWorkingCalendar(db.pool), clock.now()),
  }));

  // The administrator's switch of local refusal rules (./local-rules.ts).
  localRuleRoutes(app);

  app.get("/v1/credit/commitment", { schema: { tags: ["credit"], summary: "The current credit commitment (信用承诺书) text" } }, async () => {
    const current = COMMITMENT_TEXTS.find((c) => c.version === CURRENT_COMMITMENT_VERSION)!;
    const digest = await createCreditRepository(db.pool).commitmentDigest(current.version);
    return { version: current.version, text: current.text, digest: chainHex(digest!) };
  });
}

export default fp(creditPlugin, { name: "onecode-credit", dependencies: ["onecode-auth", "onecode-ledger", "onecode-subjects"] });
