// The codes feature as a plugin (the key set comes from the boot step openCodeKeys):
//   GET  /.well-known/jwks.json          public keys that verify codes and status lists
//   GET  /v1/status-lists/1              the signed status list (application/statuslist+jwt)
//   GET  /v1/subjects/:id/code           a fresh signed code + QR (kiosk, registrar)
//   POST /v1/codes/verify                verdict on a token or raw QR text (public)
//   POST /v1/codes/:codeId/suspend|reinstate|revoke   lifecycle (registrar)
//   POST /v1/subjects/:id/code/rotate    new code replacing the current one (registrar)
// Every lifecycle change is one transaction (./lifecycle.ts).
// Decorates `app.codes` for the wallet feature: codes bound to a holder's phone (cnf) and the
// cache drops after a change made outside these routes.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.ts";
import type { Clock } from "../context.ts";
import { withTransaction } from "../db/database.ts";
import { conflict, notFound } from "../errors.ts";
import { actorOf } from "../auth/operators.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { LEEWAY_SECONDS, REASONS } from "../../../protocol/codes/token-format.ts";
import { openKeySet, type CodeKeySet } from "./keys.ts";
import { signCodeToken, statusListUri, type IssuedToken, type TokenSubject } from "./token.ts";
import type { DeviceKey } from "../../../protocol/codes/token-format.ts";
import { createStatusListCache, STATUS_LIST_LIFETIME_SECONDS } from "./status-list.ts";
import { createCodeVerifier } from "./verify.ts";
import { renderQr } from "./qr.ts";
import { changeCodeState, rotateCode, TRANSITIONS, type Transition } from "./lifecycle.ts";

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
    deviceBound: { type: "boolean" },
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

/**
 * The boot step of the codes feature: opens the code-signing key set in config.codeKeysDir
 * and makes sure it has a signing key (created on first start), so that the JWKS lists the
 * current key from the first request on, before any code is signed. A retired key verifies
 * as long as anything it signed can still be valid.
 */
export function openCodeKeys(config: Pick<Config, "codeKeysDir" | "codeTtlSeconds">, clock: Clock): CodeKeySet {
  const keys = openKeySet(config.codeKeysDir, { clock, retainSeconds: Math.max(config.codeTtlSeconds, STATUS_LIST_LIFETIME_SECONDS) + LEEWAY_SECONDS });
  keys.current();
  return keys;
}

/** What the codes feature offers the wallet feature (app.codes). */
export interface CodesFeature {
  /**
   * A code token bound to the holder's device key (cnf), living at most config.boundCodeTtlSeconds
   * (at most 24 h, so the key set's retention, the status list's lifetime, covers it).
   */
  signBoundCode(subject: TokenSubject, deviceKey: DeviceKey, options: { now: Date; ttlSeconds?: number }): Promise<IssuedToken>;
  /** After a committed change to a code made outside this feature's routes (a rotation on unbinding). */
  codeChanged(codeId: string): void;
  /** After a committed removal of a device key (its thumbprint). */
  deviceRemoved(thumbprint: string): void;
}

declare module "fastify" {
  interface FastifyInstance {
    codes: CodesFeature;
  }
}

export interface CodesPluginOptions {
  keys: CodeKeySet;
  /** Inputs whose token check the verifier remembers (default 10,000; 0 only to measure the first-scan path). */
  tokenCacheEntries?: number;
}

async function codesPlugin(app: FastifyInstance, options: CodesPluginOptions): Promise<void> {
  const { config, db, clock } = app.ctx;
  const { keys } = options;
  const issuer = config.publicUrl.replace(/\/+$/, "");
  const uri = statusListUri(issuer);
  const statusLists = createStatusListCache(keys, { issuer, uri });
  const verifier = createCodeVerifier({ db: db.pool, keys, issuer, now: () => clock.now(), tokenCacheEntries: options.tokenCacheEntries });
  const codes: CodesFeature = {
    signBoundCode: (subject, deviceKey, { now, ttlSeconds }) =>
      signCodeToken(keys, subject, { issuer, now, ttlSeconds: Math.min(ttlSeconds ?? config.boundCodeTtlSeconds, config.boundCodeTtlSeconds), statusUri: uri, deviceKey }),
    codeChanged: (codeId) => {
      verifier.invalidate(codeId);
      statusLists.invalidate();
    },
    deviceRemoved: (thumbprint) => verifier.invalidateDevice(thumbprint),
  };
  app.decorate("codes", codes);

  app.get(
    "/.well-known/jwks.json",
    { schema: { tags: ["codes"], summary: "Public keys that verify codes and status lists" } },
    async (_request, reply) => {
      // Short: after an emergency revocation (compromised_at) no shared cache may keep the old set long.
      void reply.header("cache-control", "public, max-age=60, must-revalidate");
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
      const row = await createSubjectRepository(db.pool).withCurrentCode(request.params.id);
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
        const result = await withTransaction(db.pool, (client) =>
          changeCodeState(client, { codeId: request.params.codeId, action, reason: request.body?.reason ?? null, actor: actorOf(request.operator!), at: clock.now() }),
        );
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
      const result = await withTransaction(db.pool, (client) => rotateCode(client, { subjectId: request.params.id, actor: actorOf(request.operator!), at: clock.now() }));
      verifier.invalidate(result.replaces);
      statusLists.invalidate();
      return result;
    },
  );
}

export default fp(codesPlugin, { name: "onecode-codes", dependencies: ["onecode-auth", "onecode-ledger"] });
