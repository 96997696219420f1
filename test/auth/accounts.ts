// Operator accounts for tests, made the way an administrator and the person make them: the
// admin creates the account over the API (with an admin machine token), the person enrols
// with the one-time code (password and TOTP) and signs in; the result is the session cookie
// and its CSRF token, as a browser would hold them.
import type { LightMyRequestResponse } from "fastify";
import type { TestApp } from "../helpers/app.ts";
import { base32Decode, totpAt } from "../../api/src/operators/totp.ts";
import type { Role } from "../../api/src/auth/operators.ts";

export interface TestAccount {
  id: string;
  login: string;
  password: string;
  secret: Buffer;
  /** Cookie header of the current session. */
  cookie: string;
  csrf: string;
  /** Headers for a change (cookie and CSRF token). */
  headers: { cookie: string; "x-csrf-token": string };
}

export function sessionCookieOf(res: LightMyRequestResponse): string {
  const set = res.cookies.find((c) => c.name === "onecode_session");
  if (!set) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
  return `onecode_session=${set.value}`;
}

export async function createAccount(t: TestApp, a: { login: string; name?: string; unit?: string; roles: Role[] }): Promise<{ id: string; enrolmentCode: string }> {
  const res = await t.app.inject({ method: "POST", url: "/v1/admin/operators", headers: await t.auth("admin", "root"), payload: { login: a.login, name: a.name ?? a.login, unit: a.unit ?? "信用科", roles: a.roles } });
  if (res.statusCode !== 201) throw new Error(`create account: ${res.statusCode} ${res.body}`);
  return { id: res.json().account.id, enrolmentCode: res.json().enrolmentCode };
}

/** The code for `at`, in the step after `after` when given (each code works once). */
export function codeFor(secret: Buffer, at: Date): string {
  return totpAt(secret, at);
}

export async function enrolWithTotp(t: TestApp, login: string, enrolmentCode: string, password = "correct horse battery staple"): Promise<TestAccount & { res: LightMyRequestResponse }> {
  const started = await t.app.inject({ method: "POST", url: "/v1/auth/enrol/totp", payload: { login, code: enrolmentCode, password } });
  if (started.statusCode !== 200) throw new Error(`enrol: ${started.statusCode} ${started.body}`);
  const secret = base32Decode(started.json().secret);
  const res = await t.app.inject({ method: "POST", url: "/v1/auth/enrol/totp/confirm", payload: { login, code: enrolmentCode, totp: totpAt(secret, t.clock.now()) } });
  if (res.statusCode !== 200) throw new Error(`confirm: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookieOf(res);
  const csrf = res.json().csrfToken as string;
  return { id: res.json().account.id, login, password, secret, cookie, csrf, headers: { cookie, "x-csrf-token": csrf }, res };
}

/** An account with the roles, enrolled and signed in. */
export async function signedInAccount(t: TestApp, login: string, roles: Role[], unit?: string): Promise<TestAccount> {
  const { enrolmentCode } = await createAccount(t, { login, roles, unit });
  return enrolWithTotp(t, login, enrolmentCode);
}

/** Signs in again with password and TOTP, one step (30 s) later than the last code used. */
export async function signInWithTotp(t: TestApp, account: Pick<TestAccount, "login" | "password" | "secret">): Promise<LightMyRequestResponse> {
  t.clock.advance(30_000);
  return t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: account.login, password: account.password, code: totpAt(account.secret, t.clock.now()) } });
}
