// The officers' decision routes of the repair feature: what to sign, and the signed decision
// (HTTP contract: /work/notes/officer-api.md, section 2); and the decisions as the database
// holds them, for the audit against the chain. Registered by ./plugin.ts.
import type { FastifyInstance } from "fastify";
import { withTransaction } from "../db/database.ts";
import { decisionSnapshot } from "./decision-audit.ts";
import { decideApplication, decisionToSignFor, resignApplication } from "./decisions.ts";
import { REFUSAL_REASON_CODES } from "./refusal-reasons.ts";
import type { Outcome, SignedDecisionInput } from "./signed-decisions.ts";

const uuid = { type: "string", format: "uuid" } as const;
const idParams = { type: "object", required: ["id"], properties: { id: uuid } } as const;
const outcome = { type: "string", enum: ["approved", "refused"] } as const;
// A refusal names a reason from the list (a code: the ledger takes no free text); `reason` is the
// officer's optional note, kept in the decision document and the database only.
const reason = { type: "string", minLength: 1, maxLength: 2000 } as const;
const reasonCode = { type: "string", enum: REFUSAL_REASON_CODES } as const;
const refusalNeedsCode = { if: { required: ["outcome"], properties: { outcome: { const: "refused" } } }, then: { required: ["reasonCode"] } } as const;
const base64url = (maxLength: number) => ({ type: "string", pattern: "^[A-Za-z0-9_-]*$", minLength: 1, maxLength }) as const;
const decimal = { type: "string", pattern: "^[0-9]{1,78}$" } as const;

const signature = {
  type: "object",
  additionalProperties: false,
  required: ["recordId", "nonce", "deadline", "keyId", "authenticatorData", "clientDataJSON", "signature"],
  properties: {
    recordId: uuid,
    nonce: decimal,
    deadline: decimal,
    keyId: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" },
    authenticatorData: base64url(2048),
    clientDataJSON: base64url(4096),
    signature: base64url(200),
  },
} as const;

const decideBody = {
  type: "object",
  additionalProperties: false,
  required: ["outcome", "document", "signatures"],
  properties: { outcome, reasonCode, reason, document: { type: "string", minLength: 2, maxLength: 65_536 }, signatures: { type: "array", maxItems: 50, items: signature } },
  ...refusalNeedsCode,
} as const;

export function decisionRoutes(app: FastifyInstance): void {
  const { db, clock, config } = app.ctx;
  const assertionPolicy = { rpId: config.passkeyRpId, origins: config.passkeyOrigins };

  app.get<{ Params: { id: string }; Querystring: { outcome: Outcome; reasonCode?: string; reason?: string; resign?: boolean } }>(
    "/v1/repair-applications/:id/decision-digest",
    {
      preHandler: app.requireRole("repair_officer"),
      schema: {
        tags: ["repair"],
        summary: "The decision document and, per record, the EIP-712 typed data and WebAuthn challenge the officer's passkey signs",
        params: idParams,
        querystring: { type: "object", additionalProperties: false, required: ["outcome"], properties: { outcome, reasonCode, reason, resign: { type: "boolean" } }, ...refusalNeedsCode },
      },
    },
    async (request) =>
      decisionToSignFor(
        db.pool,
        app.ctx.chain,
        request.params.id,
        request.query.outcome,
        { code: request.query.reasonCode, note: request.query.reason },
        request.operator!,
        clock.now(),
        request.query.resign === true,
      ),
  );

  app.post<{ Params: { id: string }; Body: SignedDecisionInput }>(
    "/v1/repair-applications/:id/decide",
    {
      preHandler: app.requireRole("repair_officer"),
      bodyLimit: 256 * 1024,
      schema: {
        tags: ["repair"],
        summary: "Decide with the officer's signed assertions (one per record); the API verifies them and relays them to the ledger",
        params: idParams,
        body: decideBody,
      },
    },
    async (request) => withTransaction(db.pool, (c) => decideApplication(c, app.ctx.chain, request.params.id, request.body, request.operator!, clock.now(), assertionPolicy)),
  );

  app.post<{ Params: { id: string }; Body: SignedDecisionInput }>(
    "/v1/repair-applications/:id/chain-resign",
    {
      preHandler: app.requireRole("repair_officer"),
      bodyLimit: 256 * 1024,
      schema: { tags: ["repair"], summary: "Sign again the chain writes of your decision that the ledger refused (same document)", params: idParams, body: decideBody },
    },
    async (request) => withTransaction(db.pool, (c) => resignApplication(c, app.ctx.chain, request.params.id, request.body, request.operator!, clock.now(), assertionPolicy)),
  );

  app.get(
    "/v1/audit/decisions",
    {
      preHandler: app.requireRole("auditor", "admin"),
      schema: { tags: ["audit"], summary: "Repair decisions, record states and their chain writes as the database holds them (compare with protocol/audit/decisions.ts)" },
    },
    async () => ({ applications: await decisionSnapshot(db.pool) }),
  );
}
