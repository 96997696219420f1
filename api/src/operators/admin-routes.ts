// Administrators manage operator accounts (create with a one-time enrolment code, re-role,
// disable at once, enable, reset a lost second factor) and machine tokens (issue with a name
// and a lifetime, list, revoke). Each change is a ledger entry naming the account by its
// opaque id and its roles and unit, never its name: auditors can see who could do what, when.
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { withTransaction } from "../db/database.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { ACCOUNT_ROLES, actorOf, mintMachineToken, ROLES, type Role } from "../auth/operators.ts";
import { createAuthRepository, type MachineTokenRow } from "../auth/repository.ts";
import { createOperatorRepository, type AccountRow } from "./repository.ts";
import { newEnrolmentCode } from "./secrets.ts";

const accountId = { type: "string", pattern: "^op_[0-9a-f]{20}$" } as const;
const idParams = { type: "object", required: ["id"], properties: { id: accountId } } as const;
const roles = { type: "array", minItems: 1, maxItems: ACCOUNT_ROLES.length, uniqueItems: true, items: { type: "string", enum: ACCOUNT_ROLES } } as const;
const text = { type: "string", minLength: 1, maxLength: 100 } as const;

export function accountView(a: AccountRow & { passkeys?: number; open_sessions?: number; last_sign_in?: Date | null }) {
  return {
    id: a.id,
    login: a.login,
    name: a.name,
    unit: a.unit,
    roles: a.roles,
    status: a.status,
    secondFactors: { passkeys: a.passkeys ?? null, totp: a.totp_last_step !== null, oidc: a.oidc_subject !== null },
    enrolmentPending: a.enrolment_hash !== null,
    enrolmentExpires: a.enrolment_expires?.toISOString() ?? null,
    openSessions: a.open_sessions ?? null,
    lastSignIn: a.last_sign_in?.toISOString() ?? null,
    lockedUntil: a.locked_until?.toISOString() ?? null,
    createdAt: a.created_at.toISOString(),
  };
}

function tokenView(t: MachineTokenRow, now: Date) {
  return {
    jti: t.jti,
    name: t.name,
    role: t.role,
    sub: t.sub,
    issuedAt: t.issued_at.toISOString(),
    expiresAt: t.expires_at.toISOString(),
    issuedBy: t.issued_by,
    firstSeenAt: t.first_seen_at?.toISOString() ?? null,
    revokedAt: t.revoked_at?.toISOString() ?? null,
    state: t.revoked_at ? "revoked" : t.expires_at.getTime() <= now.getTime() ? "expired" : "valid",
  };
}

export function adminRoutes(app: FastifyInstance): void {
  const { db, clock, config } = app.ctx;
  const admin = app.requireRole("admin");
  const tags = ["operators"];

  app.get("/v1/admin/operators", { preHandler: admin, schema: { tags, summary: "Operator accounts" } }, async () => ({
    items: (await createOperatorRepository(db.pool).list(clock.now())).map(accountView),
  }));

  app.post<{ Body: { login: string; name: string; unit: string; roles: Role[]; oidcSubject?: string } }>(
    "/v1/admin/operators",
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "Create an account; the answer holds the one-time enrolment code to hand over",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["login", "name", "unit", "roles"],
          properties: { login: { type: "string", pattern: "^[a-z0-9][a-z0-9._-]{1,39}$" }, name: text, unit: text, roles, oidcSubject: { type: "string", minLength: 1, maxLength: 255 } },
        },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const actor = actorOf(request.operator!);
      const id = `op_${randomBytes(10).toString("hex")}`;
      const enrolment = newEnrolmentCode();
      const expires = new Date(now.getTime() + app.authSettings.enrolmentSeconds * 1000);
      await withTransaction(db.pool, async (c) => {
        const repo = createOperatorRepository(c);
        if (await repo.byLogin(request.body.login)) throw conflict("login_taken", `The login ${request.body.login} is taken`);
        await repo.insert({ id, ...request.body, oidcSubject: request.body.oidcSubject ?? null, enrolmentHash: enrolment.hash, enrolmentExpires: expires, at: now, by: actor });
        await appendEntry(c, { type: "operator.created", payload: { operator: id, roles: request.body.roles, unit: request.body.unit }, actor, at: now });
      });
      const account = await createOperatorRepository(db.pool).get(id);
      return reply.status(201).send({ account: accountView(account), enrolmentCode: enrolment.code, enrolmentExpires: expires.toISOString() });
    },
  );

  app.patch<{ Params: { id: string }; Body: { name?: string; unit?: string; roles?: Role[] } }>(
    "/v1/admin/operators/:id",
    {
      preHandler: admin,
      schema: { tags, summary: "Change an account's name, unit or roles (effective on the next request)", params: idParams, body: { type: "object", additionalProperties: false, minProperties: 1, properties: { name: text, unit: text, roles } } },
    },
    async (request) => {
      const now = clock.now();
      const actor = actorOf(request.operator!);
      const { id } = request.params;
      if (id === request.operator!.sub && request.body.roles && !request.body.roles.includes("admin")) {
        throw unprocessable("cannot_drop_own_admin", "An administrator cannot take the admin role from their own account");
      }
      await withTransaction(db.pool, async (c) => {
        const repo = createOperatorRepository(c);
        const before = await repo.get(id, { lock: true });
        await repo.update(id, request.body, now, actor);
        if (request.body.roles || request.body.unit) {
          await appendEntry(c, {
            type: "operator.changed",
            payload: { operator: id, roles: request.body.roles ?? before.roles, unit: request.body.unit ?? before.unit, previousRoles: before.roles },
            actor,
            at: now,
          });
        }
      });
      return accountView(await createOperatorRepository(db.pool).get(id));
    },
  );

  for (const action of ["disable", "enable"] as const) {
    app.post<{ Params: { id: string } }>(
      `/v1/admin/operators/:id/${action}`,
      { preHandler: admin, schema: { tags, summary: action === "disable" ? "Disable an account: its sessions end at once" : "Enable a disabled account", params: idParams } },
      async (request) => {
        const now = clock.now();
        const actor = actorOf(request.operator!);
        const { id } = request.params;
        if (action === "disable" && id === request.operator!.sub) throw unprocessable("cannot_disable_self", "An administrator cannot disable their own account");
        await withTransaction(db.pool, async (c) => {
          const repo = createOperatorRepository(c);
          await repo.get(id, { lock: true });
          await repo.update(id, { status: action === "disable" ? "disabled" : "active" }, now, actor);
          if (action === "disable") await createAuthRepository(c).endSessionsOf(id, now, "disabled");
          await appendEntry(c, { type: action === "disable" ? "operator.disabled" : "operator.enabled", payload: { operator: id }, actor, at: now });
        });
        return accountView(await createOperatorRepository(db.pool).get(id));
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    "/v1/admin/operators/:id/enrolment",
    { preHandler: admin, schema: { tags, summary: "Lost device: revoke the account's passkeys and TOTP, end its sessions, hand over a new enrolment code", params: idParams } },
    async (request) => {
      const now = clock.now();
      const actor = actorOf(request.operator!);
      const { id } = request.params;
      const enrolment = newEnrolmentCode();
      const expires = new Date(now.getTime() + app.authSettings.enrolmentSeconds * 1000);
      await withTransaction(db.pool, async (c) => {
        const repo = createOperatorRepository(c);
        await repo.get(id, { lock: true });
        await c.query("UPDATE operator_passkeys SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL", [id, now]);
        await c.query("UPDATE operator_accounts SET password_hash = NULL, totp_secret = NULL, totp_last_step = NULL, failed_attempts = 0, locked_until = NULL WHERE id = $1", [id]);
        await repo.setEnrolment(id, enrolment.hash, expires);
        await createAuthRepository(c).endSessionsOf(id, now, "disabled");
        await appendEntry(c, { type: "operator.reset", payload: { operator: id }, actor, at: now });
      });
      return { account: accountView(await createOperatorRepository(db.pool).get(id)), enrolmentCode: enrolment.code, enrolmentExpires: expires.toISOString() };
    },
  );

  app.get("/v1/admin/machine-tokens", { preHandler: admin, schema: { tags, summary: "Machine tokens issued or seen (batch feeds, kiosks)" } }, async () => {
    const now = clock.now();
    return { items: (await createAuthRepository(db.pool).machineTokens(now)).map((t) => tokenView(t, now)) };
  });

  app.post<{ Body: { name: string; role: Role; sub: string; lifetimeDays: number } }>(
    "/v1/admin/machine-tokens",
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "Issue a named machine token (shown once)",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name", "role", "sub", "lifetimeDays"],
          properties: { name: text, role: { type: "string", enum: ROLES }, sub: { type: "string", pattern: "^[a-z0-9][a-z0-9._-]{1,39}$" }, lifetimeDays: { type: "integer", minimum: 1, maximum: 90 } },
        },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const ttlSeconds = request.body.lifetimeDays * 86400;
      if (ttlSeconds > app.authSettings.machineTokenMaxSeconds) {
        throw unprocessable("lifetime_too_long", `A machine token lives at most ${app.authSettings.machineTokenMaxSeconds / 86400} days here`);
      }
      const actor = actorOf(request.operator!);
      // Minted at the real time (token times are checked against it), listed at once.
      const minted = await mintMachineToken(config.operatorTokenSecret, { sub: request.body.sub, role: request.body.role, name: request.body.name, ttlSeconds });
      await withTransaction(db.pool, async (c) => {
        await createAuthRepository(c).recordMachineToken({ jti: minted.jti, name: minted.name, role: request.body.role, sub: request.body.sub, issuedAt: minted.issuedAt, expiresAt: minted.expiresAt, issuedBy: actor, seenAt: null });
        await appendEntry(c, { type: "machine_token.issued", payload: { jti: minted.jti, role: request.body.role, sub: request.body.sub, expiresAt: minted.expiresAt.toISOString() }, actor, at: now });
      });
      const row = (await createAuthRepository(db.pool).machineToken(minted.jti))!;
      return reply.status(201).send({ token: minted.token, ...tokenView(row, now) });
    },
  );

  app.post<{ Params: { jti: string } }>(
    "/v1/admin/machine-tokens/:jti/revoke",
    { preHandler: admin, schema: { tags, summary: "Revoke a machine token: refused from the next request on", params: { type: "object", required: ["jti"], properties: { jti: { type: "string", pattern: "^[0-9a-f]{32}$" } } } } },
    async (request) => {
      const now = clock.now();
      const actor = actorOf(request.operator!);
      const row = await withTransaction(db.pool, async (c) => {
        const revoked = await createAuthRepository(c).revokeMachineToken(request.params.jti, now, actor);
        if (!revoked) throw notFound("token_not_found", "No such machine token");
        await appendEntry(c, { type: "machine_token.revoked", payload: { jti: revoked.jti, role: revoked.role, sub: revoked.sub }, actor, at: now });
        return revoked;
      });
      return tokenView(row, now);
    },
  );
}
