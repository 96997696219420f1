// Routes of the codes feature:
//   GET  /.well-known/jwks.json          public keys that verify codes and status lists
//   GET  /v1/status-lists/1              the signed status list (application/statuslist+jwt)
//   GET  /v1/subjects/:id/code           a fresh signed code + QR (kiosk, registrar)
//   POST /v1/codes/verify                verdict on a token or raw QR text (public)
//   POST /v1/codes/:codeId/suspend|reinstate|revoke   lifecycle (registrar)
//   POST /v1/subjects/:id/code/rotate    new code replacing the current one (registrar)
// Every lifecycle change is one transaction: codes row, ledger entry, chain outbox row.
import type { FastifyInstance } from "fastify";
import { withTransaction, type Queryable } from "../db/database.ts";
import { conflict, notFound } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { actorOf } from "../auth/operators.ts";
import { REASONS, type CodeKind, type CreditStatus } from "../../../protocol/codes/token-format.ts";
import { openKeySet, type CodeKeySet } from "./keys.ts";
import { signCodeToken, statusListUri } from "./token.ts";
import { createStatusListCache, STATUS_LIST_LIFETIME_SECONDS } from "./status-list.ts";
import { createCodeVerifier } from "./verify.ts";
import { renderQr } from "./qr.ts";
import { issueCode } from "./issue.ts";
import { LEEWAY_SECONDS } from "../../../protocol/codes/token-format.ts";

const UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const CODE_ID = "^[0-9a-f]{32}$";
/** Largest verify request body: a token is under 1 KB; 2 KB of text plus JSON framing. */
export const VERIFY_BODY_LIMIT = 4096;

const subjectSchema = {
  type: "object",
  properties: {
    codeId: { type: "string" },
    kind: { type: "string", enum: ["person", "enterprise"] },
    displayName: { type: "string" },
    creditStatus: { type: "string", enum: ["good", "dishonest", "serious"] },
  },
} as const;

const verdictSchema = {
  type: "object",
  required: ["valid"],
  properties: {
    valid: { type: "boolean" },
    reason: { type: "string", enum: [...REASONS] },
    detail: { type: "string" },
    subject: subjectSchema,
    status: { type: "string", enum: ["active", "suspended", "revoked", "superseded"] },
    expiresAt: { type: "string" },
    issuedAt: { type: "string" },
    kid: { type: "string" },
    anchor: {
      type: "object",
      properties: {
        issuedSeq: { type: ["integer", "null"] },
        state: { type: "string", enum: ["anchored", "pending", "not_recorded"] },
        proofUrl: { type: ["string", "null"] },
        anchor: {
          type: ["object", "null"],
          properties: {
            index: { type: "integer" },
            root: { type: "string" },
            txHash: { type: ["string", "null"] },
            blockNumber: { type: ["integer", "null"] },
          },
        },
        codeTx: { type: ["string", "null"] },
      },
    },
  },
} as const;

const codeStateSchema = {
  type: "object",
  properties: {
    codeId: { type: "string" },
    status: { type: "string" },
    ledgerSeq: { type: "integer" },
    replaces: { type: "string" },
  },
} as const;

const problem = { $ref: "Problem#" } as const;

interface LockedCode {
  code_id: string;
  status: "active" | "suspended" | "revoked";
  subject_id: string;
  commitment: Buffer;
  kind: CodeKind;
  replaced: boolean;
}

async function lockCode(client: Queryable, codeId: string): Promise<LockedCode> {
  const r = await client.query<LockedCode>(
    `SELECT c.code_id, c.status, c.subject_id, s.commitment, s.kind,
            EXISTS (SELECT 1 FROM codes n WHERE n.replaces = c.code_id) AS replaced
       FROM codes c JOIN subjects s ON s.id = c.subject_id
      WHERE c.code_id = $1 FOR UPDATE OF c`,
    [codeId],
  );
  if (!r.rows[0]) throw notFound("code_not_found", `No code ${codeId}`);
  return r.rows[0];
}

type Transition = "suspend" | "reinstate" | "revoke";
const TRANSITIONS: Record<Transition, { from: readonly string[]; to: "active" | "suspended" | "revoked"; entry: string; chain: "code.suspend" | "code.reinstate" | "code.revoke" }> = {
  suspend: { from: ["active"], to: "suspended", entry: "code.suspended", chain: "code.suspend" },
  reinstate: { from: ["suspended"], to: "active", entry: "code.reinstated", chain: "code.reinstate" },
  revoke: { from: ["active", "suspended"], to: "revoked", entry: "code.revoked", chain: "code.revoke" },
};

function wrongState(action: Transition, code: LockedCode): never {
  if (code.status === "revoked") {
    throw conflict(code.replaced ? "code_superseded" : "code_revoked", `Code ${code.code_id} is ${code.replaced ? "superseded by a newer code" : "revoked"}; it cannot be changed`, {
      codeStatus: code.status,
    });
  }
  const codes: Record<Transition, string> = { suspend: "code_not_active", reinstate: "code_not_suspended", revoke: "code_revoked" };
  throw conflict(codes[action], `Code ${code.code_id} is ${code.status}; cannot ${action} it`, { codeStatus: code.status });
}

export interface CodesFeature {
  keys: CodeKeySet;
}

export default async function codesRoutes(app: FastifyInstance): Promise<void> {
  const { config, db, clock } = app.ctx;
  const issuer = config.publicUrl.replace(/\/+$/, "");
  const keys = openKeySet(config.codeKeysDir, {
    clock,
    // A retired key verifies as long as anything it signed can still be valid.
    retainSeconds: Math.max(config.codeTtlSeconds, STATUS_LIST_LIFETIME_SECONDS) + LEEWAY_SECONDS,
  });
  const uri = statusListUri(issuer);
  const statusLists = createStatusListCache(keys, { issuer, uri });
  const verifier = createCodeVerifier({ db: db.pool, keys, issuer, now: () => clock.now() });

  app.get(
    "/.well-known/jwks.json",
    { schema: { tags: ["codes"], summary: "Public keys that verify codes and status lists" } },
    async (_request, reply) => {
      void reply.header("cache-control", "public, max-age=300");
      return keys.jwks();
    },
  );

  app.get(
    "/v1/status-lists/:listId",
    {
      schema: {
        tags: ["codes"],
        summary: "The signed status list of all codes (IETF OAuth Token Status List)",
        params: { type: "object", properties: { listId: { type: "string", pattern: "^1$" } }, required: ["listId"] },
        response: { 200: { type: "string" }, 400: problem },
      },
    },
    async (_request, reply) => {
      const list = await statusLists.get(db.pool, clock.now());
      void reply.header("cache-control", "public, max-age=30, must-revalidate").type("application/statuslist+jwt");
      return list.token;
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/subjects/:id/code",
    {
      preHandler: app.requireRole("kiosk", "registrar"),
      schema: {
        tags: ["codes"],
        summary: "A fresh signed code of a subject, with its QR as PNG and SVG",
        security: [{ bearer: [] }],
        params: { type: "object", properties: { id: { type: "string", pattern: UUID } }, required: ["id"] },
        response: {
          200: {
            type: "object",
            properties: {
              token: { type: "string" },
              qrText: { type: "string" },
              expiresAt: { type: "string" },
              codeId: { type: "string" },
              qr: { type: "object", properties: { png: { type: "string" }, svg: { type: "string" }, version: { type: "integer" } } },
            },
          },
          404: problem,
          409: problem,
        },
      },
    },
    async (request, reply) => {
      const r = await db.pool.query<{ kind: CodeKind; display_name: string; credit_status: CreditStatus; code_id: string | null; status: string | null; status_index: number | null }>(
        `SELECT s.kind, s.display_name, s.credit_status, c.code_id, c.status, c.status_index
           FROM subjects s LEFT JOIN codes c ON c.subject_id = s.id AND c.status <> 'revoked'
          WHERE s.id = $1`,
        [request.params.id],
      );
      const row = r.rows[0];
      if (!row) throw notFound("subject_not_found", `No subject ${request.params.id}`);
      if (!row.code_id) throw notFound("no_current_code", "This subject has no current code");
      // A suspended code is not handed out: its holder would show a code that scans red.
      if (row.status !== "active") throw conflict("code_suspended", "The subject's code is suspended", { codeStatus: row.status });
      const issued = await signCodeToken(
        keys,
        { codeId: row.code_id, kind: row.kind, displayName: row.display_name, creditStatus: row.credit_status, statusIndex: row.status_index! },
        { issuer, now: clock.now(), ttlSeconds: config.codeTtlSeconds, statusUri: uri },
      );
      const qr = await renderQr(issued.qrText);
      void reply.header("cache-control", "no-store");
      return { token: issued.token, qrText: issued.qrText, expiresAt: issued.expiresAt.toISOString(), codeId: row.code_id, qr };
    },
  );

  app.post<{ Body: { token: string } }>(
    "/v1/codes/verify",
    {
      bodyLimit: VERIFY_BODY_LIMIT,
      schema: {
        tags: ["codes"],
        summary: "Verdict on a code: the token or the raw scanned QR text",
        body: {
          type: "object",
          required: ["token"],
          additionalProperties: false,
          properties: { token: { type: "string", maxLength: VERIFY_BODY_LIMIT } },
        },
        response: { 200: verdictSchema, 400: problem, 413: problem },
      },
    },
    async (request, reply) => {
      void reply.header("cache-control", "no-store");
      return verifier.verify(request.body.token);
    },
  );

  for (const action of Object.keys(TRANSITIONS) as Transition[]) {
    const t = TRANSITIONS[action];
    app.post<{ Params: { codeId: string }; Body: { reason?: string } | undefined }>(
      `/v1/codes/:codeId/${action}`,
      {
        preHandler: app.requireRole("registrar"),
        schema: {
          tags: ["codes"],
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a code`,
          security: [{ bearer: [] }],
          params: { type: "object", properties: { codeId: { type: "string", pattern: CODE_ID } }, required: ["codeId"] },
          body: {
            type: ["object", "null"],
            additionalProperties: false,
            // A reason code, not free text: the ledger is kept forever and must hold no personal data.
            properties: { reason: { type: "string", pattern: "^[a-z][a-z0-9_]{0,39}$" } },
          },
          response: { 200: codeStateSchema, 404: problem, 409: problem },
        },
      },
      async (request) => {
        const at = clock.now();
        const actor = actorOf(request.operator!);
        const result = await withTransaction(db.pool, async (client) => {
          const code = await lockCode(client, request.params.codeId);
          if (!t.from.includes(code.status)) wrongState(action, code);
          await client.query("UPDATE codes SET status = $2, changed_at = $3 WHERE code_id = $1", [code.code_id, t.to, at]);
          const entry = await appendEntry(client, {
            type: t.entry,
            payload: { codeId: code.code_id, from: code.status, to: t.to, reason: request.body?.reason ?? null },
            actor,
            subjectRef: code.code_id,
            at,
          });
          await enqueueChainWrite(client, { kind: t.chain, subject: `0x${code.commitment.toString("hex")}`, codeId: `0x${code.code_id}` });
          return { codeId: code.code_id, status: t.to, ledgerSeq: entry.seq };
        });
        verifier.invalidate(result.codeId);
        statusLists.invalidate();
        return result;
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    "/v1/subjects/:id/code/rotate",
    {
      preHandler: app.requireRole("registrar"),
      schema: {
        tags: ["codes"],
        summary: "Issue a new code that replaces the subject's current one",
        security: [{ bearer: [] }],
        params: { type: "object", properties: { id: { type: "string", pattern: UUID } }, required: ["id"] },
        response: { 200: codeStateSchema, 404: problem, 409: problem },
      },
    },
    async (request) => {
      const at = clock.now();
      const actor = actorOf(request.operator!);
      const result = await withTransaction(db.pool, async (client) => {
        const s = await client.query<{ commitment: Buffer; kind: CodeKind; code_id: string | null; status: string | null }>(
          `SELECT s.commitment, s.kind, c.code_id, c.status
             FROM subjects s LEFT JOIN codes c ON c.subject_id = s.id AND c.status <> 'revoked'
            WHERE s.id = $1 FOR UPDATE OF s`,
          [request.params.id],
        );
        const subject = s.rows[0];
        if (!subject) throw notFound("subject_not_found", `No subject ${request.params.id}`);
        if (!subject.code_id) throw conflict("no_current_code", "This subject has no current code to rotate");
        // Rotating a suspended code would lift the suspension by the back door.
        if (subject.status !== "active") throw conflict("code_suspended", "The subject's code is suspended; reinstate or revoke it first", { codeStatus: subject.status });
        const issued = await issueCode(client, { subjectId: request.params.id, commitment: subject.commitment, kind: subject.kind, actor, at, replaces: subject.code_id });
        const entry = await client.query<{ seq: number }>("SELECT seq FROM ledger_head");
        return { codeId: issued.codeId, status: "active", ledgerSeq: entry.rows[0]!.seq, replaces: subject.code_id };
      });
      verifier.invalidate(result.replaces);
      statusLists.invalidate();
      return result;
    },
  );
}
