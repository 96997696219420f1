// The officer-keys feature as a plugin: repair officers submit their passkeys, admins put them
// on the ledger or revoke them (HTTP contract: /work/notes/officer-api.md, section 1).
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { withTransaction } from "../db/database.ts";
import { actorOf } from "../auth/operators.ts";
import { badRequest, unprocessable } from "../errors.ts";
import { listKeys, registerKey, revokeKey, submitKey, type SubmittedKey } from "./keys.ts";

const bytes32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } as const;
const keyParams = { type: "object", required: ["keyId"], properties: { keyId: bytes32 } } as const;
const operatorId = { type: "string", minLength: 1, maxLength: 200 } as const;

function keyIdParam(keyId: string): Buffer {
  if (!/^0x[0-9a-fA-F]{64}$/.test(keyId)) throw badRequest("invalid_key_id", "keyId is 32 bytes of 0x hex");
  return Buffer.from(keyId.slice(2), "hex");
}

async function officersPlugin(app: FastifyInstance): Promise<void> {
  const { db, clock } = app.ctx;
  const chain = () => app.ctx.chain;

  app.post<{ Body: SubmittedKey & { officer?: string } }>(
    "/v1/officer-keys",
    {
      preHandler: app.requireRole("repair_officer", "admin"),
      bodyLimit: 16 * 1024,
      schema: {
        tags: ["officers"],
        summary: "Submit a repair officer's passkey (an officer their own; an admin one for an officer, registered at once)",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["credentialId", "publicKey"],
          properties: {
            officer: operatorId,
            credentialId: { type: "string", minLength: 16, maxLength: 1366 },
            publicKey: {
              oneOf: [
                { type: "object", additionalProperties: false, required: ["x", "y"], properties: { x: bytes32, y: bytes32 } },
                { type: "object", additionalProperties: false, required: ["cose"], properties: { cose: { type: "string", minLength: 10, maxLength: 1024 } } },
              ],
            },
            label: { type: "string", minLength: 1, maxLength: 100 },
          },
        },
      },
    },
    async (request, reply) => {
      const operator = request.operator!;
      const isAdmin = operator.role === "admin";
      if (isAdmin && !request.body.officer) throw unprocessable("officer_required", "An admin names the officer the key belongs to (officer)");
      if (!isAdmin && request.body.officer && request.body.officer !== operator.sub) {
        throw unprocessable("officer_mismatch", "An officer submits their own keys only");
      }
      const officer = isAdmin ? request.body.officer! : operator.sub;
      const now = clock.now();
      const view = await withTransaction(db.pool, async (c) => {
        const submitted = await submitKey(c, chain(), { ...request.body, officer }, actorOf(operator), now);
        return isAdmin ? registerKey(c, chain(), keyIdParam(submitted.keyId), actorOf(operator), now) : submitted;
      });
      return reply.status(201).send(view);
    },
  );

  app.post<{ Params: { keyId: string } }>(
    "/v1/officer-keys/:keyId/register",
    { preHandler: app.requireRole("admin"), schema: { tags: ["officers"], summary: "Register an officer's passkey on the ledger (usable after the admin delay)", params: keyParams } },
    async (request) => withTransaction(db.pool, (c) => registerKey(c, chain(), keyIdParam(request.params.keyId), actorOf(request.operator!), clock.now())),
  );

  app.post<{ Params: { keyId: string } }>(
    "/v1/officer-keys/:keyId/revoke",
    { preHandler: app.requireRole("admin"), schema: { tags: ["officers"], summary: "Revoke an officer's passkey on the ledger (at once)", params: keyParams } },
    async (request) => withTransaction(db.pool, (c) => revokeKey(c, chain(), keyIdParam(request.params.keyId), actorOf(request.operator!), clock.now())),
  );

  app.get<{ Querystring: { officer?: string } }>(
    "/v1/officer-keys",
    {
      preHandler: app.requireRole("admin", "repair_officer"),
      schema: { tags: ["officers"], summary: "Officers' passkeys and their state on the ledger", querystring: { type: "object", properties: { officer: operatorId } } },
    },
    async (request) => {
      const operator = request.operator!;
      const officer = operator.role === "admin" ? (request.query.officer ?? null) : operator.sub;
      return { items: await listKeys(db.pool, chain(), officer, clock.now()) };
    },
  );

  app.get("/v1/me/officer-keys", { preHandler: app.requireRole("repair_officer"), schema: { tags: ["officers"], summary: "The calling officer's passkeys" } }, async (request) => ({
    items: await listKeys(db.pool, chain(), request.operator!.sub, clock.now()),
  }));
}

export default fp(officersPlugin, { name: "onecode-officers", dependencies: ["onecode-auth"] });
