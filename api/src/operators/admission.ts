// The last step of every sign-in (passkey, TOTP, single sign-on): the account must be active
// and not locked; then a session starts, its cookie is set, and the sign-in is logged.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Queryable } from "../db/database.ts";
import { forbidden, unauthorized } from "../errors.ts";
import { createAuthRepository, type SessionRow } from "../auth/repository.ts";
import { cookieOptions, csrfTokenOf, SESSION_COOKIE, startSession } from "../auth/sessions.ts";
import type { AuthSettings } from "../auth/settings.ts";
import type { AccountRow } from "./repository.ts";

export function refuseUnusable(account: AccountRow, now: Date): void {
  if (account.status !== "active") throw forbidden("account_disabled", "This account is disabled; ask an administrator");
  if (account.locked_until && account.locked_until.getTime() > now.getTime()) {
    throw unauthorized("account_locked", `Too many wrong attempts; try again after ${account.locked_until.toISOString()}`);
  }
}

/** What the back office knows about its signed-in person. */
export function sessionView(settings: AuthSettings, session: Pick<SessionRow, "account_id" | "name" | "unit" | "roles" | "method" | "expires_at">, login: string, csrfToken: string) {
  return {
    account: { id: session.account_id, login, name: session.name, unit: session.unit, roles: session.roles },
    method: session.method,
    csrfToken,
    expiresAt: session.expires_at.toISOString(),
    idleSeconds: settings.sessionIdleSeconds,
  };
}

export async function admit(
  db: Queryable,
  settings: AuthSettings,
  request: FastifyRequest,
  reply: FastifyReply,
  account: AccountRow,
  method: SessionRow["method"],
  now: Date,
) {
  refuseUnusable(account, now);
  const session = await startSession(db, settings, account.id, method, now);
  void reply.setCookie(SESSION_COOKIE, session.token, cookieOptions(settings));
  await createAuthRepository(db).logAccess({ at: now, actor: `operator:${account.id}`, accountId: account.id, action: "sign_in", status: 200, detail: { method }, ip: request.ip });
  return sessionView(settings, { account_id: account.id, name: account.name, unit: account.unit, roles: account.roles, method, expires_at: session.expiresAt }, account.login, csrfTokenOf(settings, session.token));
}

/** A refused sign-in, for the log (who was named, why), before the refusal is answered. */
export async function logRefusal(db: Queryable, request: FastifyRequest, account: AccountRow | null, code: string, method: string, now: Date): Promise<void> {
  await createAuthRepository(db).logAccess({
    at: now,
    actor: account ? `operator:${account.id}` : null,
    accountId: account?.id ?? null,
    action: "sign_in_refused",
    status: 401,
    detail: { method, code },
    ip: request.ip,
  });
}
