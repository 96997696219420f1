// Back-office sessions. The cookie holds 32 random bytes; the database keeps only their
// SHA-256, so a copy of the table opens no session. The cookie is HttpOnly (no script reads
// it), Secure, SameSite=Strict (another site's page never sends it) and scoped to the API.
// CSRF: every request that changes something must also carry X-CSRF-Token, an HMAC of the
// session value under a server key: a page of another origin can make the browser send the
// cookie (SameSite aside, e.g. an old browser) but cannot read the token, which the back office
// gets from the sign-in answer and GET /v1/auth/session (synchroniser token; no extra cookie).
// A session ends on sign-out, sign-out everywhere, disabling the account, after the idle
// timeout, or at its maximum age, whichever comes first; each is checked on every request.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import { forbidden, unauthorized } from "../errors.ts";
import { createAuthRepository, type SessionRow } from "./repository.ts";
import type { AuthSettings } from "./settings.ts";

export const SESSION_COOKIE = "onecode_session";
export const CSRF_HEADER = "x-csrf-token";

export interface NewSession {
  /** The cookie value. */
  token: string;
  idHash: Buffer;
  csrfToken: string;
  expiresAt: Date;
}

const hashOf = (token: string) => createHash("sha256").update(token).digest();

export function csrfTokenOf(settings: Pick<AuthSettings, "csrfKey">, token: string): string {
  return createHmac("sha256", settings.csrfKey).update(token).digest("base64url");
}

export function cookieOptions(settings: Pick<AuthSettings, "cookieSecure" | "sessionMaxSeconds">) {
  return { path: "/", httpOnly: true, secure: settings.cookieSecure, sameSite: "strict" as const, maxAge: settings.sessionMaxSeconds };
}

export async function startSession(db: Queryable, settings: AuthSettings, accountId: string, method: SessionRow["method"], now: Date): Promise<NewSession> {
  const token = randomBytes(32).toString("base64url");
  const idHash = hashOf(token);
  const expiresAt = new Date(now.getTime() + settings.sessionMaxSeconds * 1000);
  await createAuthRepository(db).insertSession({ idHash, accountId, method, at: now, expiresAt });
  return { token, idHash, csrfToken: csrfTokenOf(settings, token), expiresAt };
}

/** 403 unless `given` is the CSRF token of the session cookie `token`. */
export function checkCsrf(settings: Pick<AuthSettings, "csrfKey">, token: string, given: string | undefined): void {
  const expected = Buffer.from(csrfTokenOf(settings, token));
  const actual = Buffer.from(given ?? "");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw forbidden("csrf_token_invalid", "This request needs the session's CSRF token (X-CSRF-Token)");
}

/**
 * The open session of a cookie, refreshed; throws 401 with the reason it is not (unknown,
 * ended, idle, expired, account disabled). The caller checks the CSRF token of a change.
 */
export async function resumeSession(db: Queryable, settings: AuthSettings, input: { token: string }, now: Date): Promise<SessionRow> {
  const repo = createAuthRepository(db);
  if (!/^[A-Za-z0-9_-]{43}$/.test(input.token)) throw unauthorized("session_invalid", "The session cookie is not valid");
  const session = await repo.session(hashOf(input.token));
  if (!session) throw unauthorized("session_invalid", "No such session");
  if (session.ended_at) throw unauthorized(session.ended_reason === "disabled" ? "account_disabled" : "session_ended", `The session has ended (${session.ended_reason})`);
  if (session.status !== "active") {
    await repo.endSession(session.id_hash, now, "disabled");
    throw unauthorized("account_disabled", "The account is disabled");
  }
  if (now.getTime() >= session.expires_at.getTime()) {
    await repo.endSession(session.id_hash, now, "expired");
    throw unauthorized("session_expired", "The session has reached its maximum age; sign in again");
  }
  if (now.getTime() - session.last_seen_at.getTime() > settings.sessionIdleSeconds * 1000) {
    await repo.endSession(session.id_hash, now, "idle");
    throw unauthorized("session_expired", "The session ended after a time without activity; sign in again");
  }
  await repo.touchSession(session.id_hash, now);
  return session;
}
