// `app.requireRole(...roles)` as a route preHandler; the verified operator is on `request.operator`.
// Two ways in: a machine's bearer token (checked for revocation on every request) or a
// person's session cookie (idle timeout, maximum age, disabled account and, for changes, the
// CSRF token checked on every request). A person acts in one of the account's roles: the first
// role the route names that the account holds. Least privilege: admin is not a superuser.
// Every change and every read of personal data by an operator is written to the access log.
import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { forbidden, unauthorized } from "../errors.ts";
import { entryOf, isUnsafe } from "./access-log.ts";
import { verifyOperatorToken, type Operator, type Role } from "./operators.ts";
import { createAuthRepository, type AccessEntry, type SessionRow } from "./repository.ts";
import { checkCsrf, CSRF_HEADER, resumeSession, SESSION_COOKIE } from "./sessions.ts";
import { authSettings, type AuthSettings } from "./settings.ts";

declare module "fastify" {
  interface FastifyInstance {
    requireRole(...roles: Role[]): (request: FastifyRequest) => Promise<void>;
    /** Any signed-in person, whatever their roles (their own session, passkeys, sign-out). */
    requireSession(): (request: FastifyRequest) => Promise<void>;
    /** Writes one access-log line now (routes that hand out personal data log before answering). */
    logAccess(entry: AccessEntry): Promise<void>;
    authSettings: AuthSettings;
  }
  interface FastifyRequest {
    operator: Operator | null;
    /** The session row behind request.operator, for a person. */
    session: SessionRow | null;
  }
}

export interface AuthOptions {
  secret: Uint8Array;
  /** From the boot step; default: read from the configuration and environment here. */
  settings?: AuthSettings;
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: AuthOptions) {
    const { db, clock } = app.ctx;
    const { secret } = opts;
    const settings = opts.settings ?? authSettings(app.ctx.config);
    await app.register(cookie);
    app.decorate("authSettings", settings);
    app.decorateRequest("operator", null);
    app.decorateRequest("session", null);

    async function machine(token: string): Promise<Operator> {
      const verified = await verifyOperatorToken(secret, token, settings.machineTokenMaxSeconds);
      const repo = createAuthRepository(db.pool);
      const row = await repo.machineToken(verified.jti);
      if (!row) {
        // First sight of a token minted with `npm run token`: listed from now on, so an admin can revoke it.
        await repo.recordMachineToken({ ...verified, issuedBy: null, seenAt: clock.now() });
      } else {
        if (row.revoked_at) throw unauthorized("token_revoked", "This operator token was revoked");
        if (!row.first_seen_at) await repo.markTokenSeen(verified.jti, clock.now());
      }
      return { sub: verified.sub, role: verified.role, token: { jti: verified.jti, name: verified.name } };
    }

    /**
     * The person behind a session cookie, acting in `role` (or their first role, for the log of
     * a refusal); a change must carry the session's CSRF token. Attributed before the checks
     * that may refuse, so that a refused attempt is logged under the account.
     */
    async function person(request: FastifyRequest, token: string, roles: Role[] | null): Promise<void> {
      const session = await resumeSession(db.pool, settings, { token }, clock.now());
      const role = roles ? roles.find((r) => session.roles.includes(r)) : session.roles[0];
      request.session = session;
      request.operator = {
        sub: session.account_id,
        role: role ?? session.roles[0]!,
        account: { id: session.account_id, name: session.name, unit: session.unit, roles: session.roles, sessionHash: session.id_hash },
      };
      if (isUnsafe(request.method)) {
        const csrf = request.headers[CSRF_HEADER];
        checkCsrf(settings, token, typeof csrf === "string" ? csrf : undefined);
      }
      if (!role) throw forbidden("role_forbidden", `This action needs the role ${roles!.join(" or ")}`);
    }

    app.decorate("requireRole", (...roles: Role[]) => async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const cookieValue = request.cookies[SESSION_COOKIE];
      if (header) {
        if (!header.startsWith("Bearer ")) throw unauthorized("token_missing", "A bearer token is required");
        request.operator = await machine(header.slice(7).trim());
        if (!roles.includes(request.operator.role)) throw forbidden("role_forbidden", `This action needs the role ${roles.join(" or ")}`);
        return;
      }
      if (!cookieValue) throw unauthorized("token_missing", "Sign in, or send a bearer token");
      await person(request, cookieValue, roles);
    });

    app.decorate("requireSession", () => async (request: FastifyRequest) => {
      const cookieValue = request.cookies[SESSION_COOKIE];
      if (!cookieValue) throw unauthorized("session_missing", "Sign in first");
      await person(request, cookieValue, null);
    });

    app.decorate("logAccess", (entry: AccessEntry) => createAuthRepository(db.pool).logAccess(entry));

    app.addHook("onResponse", async (request, reply) => {
      const entry = entryOf(request, reply.statusCode, clock.now());
      if (!entry) return;
      try {
        await createAuthRepository(db.pool).logAccess(entry);
      } catch (error) {
        request.log.error({ err: error }, "access log write failed");
      }
    });
  },
  { name: "onecode-auth" },
);
