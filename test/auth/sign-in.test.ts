// Operator sign-in over HTTP against the real PostgreSQL server: accounts an admin creates,
// TOTP enrolment and sign-in, sessions in cookies with CSRF tokens, idle timeout and maximum
// age, sign-out everywhere, disabling (the session stops at once), lockout, machine tokens
// with names, lifetimes and revocation, and the access log. Passkeys are exercised in
// Chromium with a virtual authenticator (test/backoffice/sign-in.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { mintMachineToken, mintOperatorToken, verifyOperatorToken } from "../../api/src/auth/operators.ts";
import { totpAt, hotp, base32Decode, base32Encode } from "../../api/src/operators/totp.ts";
import { residentIdCheckChar } from "../../protocol/identifiers.ts";
import { createAccount, enrolWithTotp, sessionCookieOf, signedInAccount, signInWithTotp } from "./accounts.ts";

describe("TOTP (RFC 6238)", () => {
  it("gives the RFC's test values for HMAC-SHA1 (6 digits of the 8-digit vectors)", () => {
    const secret = Buffer.from("12345678901234567890");
    // RFC 6238 appendix B, SHA1: T=59 → 94287082, T=1111111109 → 07081804, T=2000000000 → 69279037.
    expect(totpAt(secret, new Date(59_000))).toBe("287082");
    expect(totpAt(secret, new Date(1111111109_000))).toBe("081804");
    expect(totpAt(secret, new Date(2000000000_000))).toBe("279037");
    // RFC 4226 appendix D: HOTP counter 0 → 755224, 9 → 520489.
    expect(hotp(secret, 0)).toBe("755224");
    expect(hotp(secret, 9)).toBe("520489");
  });

  it("round-trips base32", () => {
    const bytes = Buffer.from("12345678901234567890");
    expect(base32Encode(bytes)).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
  });
});

describe("operator sign-in", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { rateLimitAllow: ["127.0.0.1"] } });
  });
  afterAll(async () => t?.close());

  const session = (cookie: string) => t.app.inject({ method: "GET", url: "/v1/auth/session", headers: { cookie } });

  it("enrols with the admin's one-time code and signs in; the session knows the person and their roles", async () => {
    const { id, enrolmentCode } = await createAccount(t, { login: "li.officer", name: "李文", unit: "禅城区信用办", roles: ["repair_officer"] });
    expect(id).toMatch(/^op_[0-9a-f]{20}$/);
    expect(enrolmentCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const account = await enrolWithTotp(t, "li.officer", enrolmentCode);
    const set = account.res.cookies.find((c) => c.name === "onecode_session")!;
    expect(set).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    const me = await session(account.cookie);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ account: { id, login: "li.officer", name: "李文", unit: "禅城区信用办", roles: ["repair_officer"] }, method: "totp", csrfToken: account.csrf });
    // The enrolment code worked once.
    const again = await t.app.inject({ method: "POST", url: "/v1/auth/enrol/totp", payload: { login: "li.officer", code: enrolmentCode, password: "another long password" } });
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe("enrolment_invalid");
    // Acting as an officer: the queue answers; a registrar's route does not.
    expect((await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: { cookie: account.cookie } })).statusCode).toBe(200);
    const enrol = await t.app.inject({ method: "POST", url: "/v1/persons", headers: account.headers, payload: { idNumber: "x", name: "y" } });
    expect(enrol.statusCode).toBe(403);
    expect(enrol.json().code).toBe("role_forbidden");
  });

  it("refuses a wrong second factor, a reused code and a wrong password alike, and locks after five", async () => {
    const account = await signedInAccount(t, "wang.registrar", ["registrar"]);
    const wrongCode = await t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: account.login, password: account.password, code: "000000" === totpAt(account.secret, t.clock.now()) ? "111111" : "000000" } });
    expect(wrongCode.statusCode).toBe(401);
    expect(wrongCode.json().code).toBe("credentials_invalid");
    expect(wrongCode.cookies.find((c) => c.name === "onecode_session")).toBeUndefined();
    // The code of the enrolment's step was used: the same code again is refused.
    const reused = await t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: account.login, password: account.password, code: totpAt(account.secret, t.clock.now()) } });
    expect(reused.json().code).toBe("credentials_invalid");
    t.clock.advance(30_000);
    const wrongPassword = await t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: account.login, password: "not the password", code: totpAt(account.secret, t.clock.now()) } });
    expect(wrongPassword.json().code).toBe("credentials_invalid");
    const unknown = await t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: "nobody", password: "whatever it is", code: "123456" } });
    expect(unknown.json().code).toBe("credentials_invalid");
    // Right after the wrong ones, the right factors work (3 failures so far, reset by success).
    const ok = await signInWithTotp(t, account);
    expect(ok.statusCode, ok.body).toBe(200);
    for (let i = 0; i < 5; i++) {
      await t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: account.login, password: "not the password", code: "000000" } });
    }
    const locked = await signInWithTotp(t, account);
    expect(locked.statusCode).toBe(401);
    expect(locked.json().code).toBe("account_locked");
    t.clock.advance(16 * 60_000);
    expect((await signInWithTotp(t, account)).statusCode).toBe(200);
  });

  it("refuses a change without the CSRF token, or with another session's", async () => {
    const a = await signedInAccount(t, "csrf.a", ["registrar"]);
    const b = await signedInAccount(t, "csrf.b", ["registrar"]);
    const body = { idNumber: `44060419850312077${residentIdCheckChar("44060419850312077")}`, name: "张三" };
    const none = await t.app.inject({ method: "POST", url: "/v1/persons", headers: { cookie: a.cookie }, payload: body });
    expect(none.statusCode).toBe(403);
    expect(none.json().code).toBe("csrf_token_invalid");
    const other = await t.app.inject({ method: "POST", url: "/v1/persons", headers: { cookie: a.cookie, "x-csrf-token": b.csrf }, payload: body });
    expect(other.json().code).toBe("csrf_token_invalid");
    const signOut = await t.app.inject({ method: "POST", url: "/v1/auth/sign-out", headers: { cookie: a.cookie } });
    expect(signOut.json().code).toBe("csrf_token_invalid");
    // Reads need no token; with it, the change goes through (the person is enrolled, by this account).
    const withToken = await t.app.inject({ method: "POST", url: "/v1/persons", headers: a.headers, payload: body });
    expect(withToken.statusCode, withToken.body).toBe(201);
    const entry = await t.db.pool.query("SELECT actor FROM ledger WHERE type = 'subject.enrolled' ORDER BY seq DESC LIMIT 1");
    expect(entry.rows[0].actor).toBe(`registrar:${a.id}`);
    // The refused attempts too are in the access log, under the account that made them.
    // (written after the answer: polled)
    const logged = async () => (await t.db.pool.query("SELECT actor, status FROM access_log WHERE action = 'POST /v1/persons' AND account_id = $1 ORDER BY id", [a.id])).rows;
    await expect.poll(logged).toEqual([403, 403, 201].map((status) => ({ actor: `registrar:${a.id}`, status })));
  });

  it("ends a session after the idle timeout and at its maximum age", async () => {
    const a = await signedInAccount(t, "idle.officer", ["repair_officer"]);
    t.clock.advance(14 * 60_000);
    expect((await session(a.cookie)).statusCode).toBe(200); // activity restarts the idle timer
    t.clock.advance(14 * 60_000);
    expect((await session(a.cookie)).statusCode).toBe(200);
    t.clock.advance(15 * 60_000 + 1000);
    const idle = await session(a.cookie);
    expect(idle.statusCode).toBe(401);
    expect(idle.json().code).toBe("session_expired");
    expect((await session(a.cookie)).json().code).toBe("session_ended");

    const res = await signInWithTotp(t, a);
    const cookie = sessionCookieOf(res);
    for (let i = 0; i < 41; i++) {
      t.clock.advance(14 * 60_000 + 50_000); // never idle, but 10 h pass
      const answer = await session(cookie);
      if (answer.statusCode !== 200) {
        expect(answer.json().code).toBe("session_expired");
        expect(i).toBeGreaterThanOrEqual(39);
        return;
      }
    }
    throw new Error("the session outlived its maximum age");
  });

  it("signs out everywhere: every session of the account ends", async () => {
    const a = await signedInAccount(t, "many.devices", ["auditor"]);
    const second = sessionCookieOf(await signInWithTotp(t, a));
    const out = await t.app.inject({ method: "POST", url: "/v1/auth/sign-out-everywhere", headers: a.headers });
    expect(out.statusCode).toBe(200);
    expect(out.json().ended).toBe(2);
    expect((await session(a.cookie)).json().code).toBe("session_ended");
    expect((await session(second)).json().code).toBe("session_ended");
  });

  it("disables an account: its open session stops at once, and it cannot sign in", async () => {
    const a = await signedInAccount(t, "leaving.officer", ["repair_officer"]);
    expect((await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: { cookie: a.cookie } })).statusCode).toBe(200);
    const admin = await t.auth("admin", "root");
    const disabled = await t.app.inject({ method: "POST", url: `/v1/admin/operators/${a.id}/disable`, headers: admin });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().status).toBe("disabled");
    const refused = await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: { cookie: a.cookie } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe("account_disabled");
    const signIn = await signInWithTotp(t, a);
    expect(signIn.statusCode).toBe(403);
    expect(signIn.json().code).toBe("account_disabled");
    const entries = await t.db.pool.query("SELECT type, payload, actor FROM ledger WHERE type LIKE 'operator.%' AND payload::jsonb ->> 'operator' = $1 ORDER BY seq", [a.id]);
    expect(entries.rows.map((r) => r.type)).toEqual(["operator.created", "operator.disabled"]);
    expect(JSON.stringify(entries.rows)).not.toContain("leaving.officer");
    // Enabled again, the person signs in anew (the old session stays ended).
    await t.app.inject({ method: "POST", url: `/v1/admin/operators/${a.id}/enable`, headers: admin });
    expect((await signInWithTotp(t, a)).statusCode).toBe(200);
    expect((await session(a.cookie)).statusCode).toBe(401);
  });

  it("re-roles an account from its next request on", async () => {
    const a = await signedInAccount(t, "moving.clerk", ["registrar"]);
    expect((await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: { cookie: a.cookie } })).statusCode).toBe(403);
    const res = await t.app.inject({ method: "PATCH", url: `/v1/admin/operators/${a.id}`, headers: await t.auth("admin", "root"), payload: { roles: ["repair_officer"] } });
    expect(res.json().roles).toEqual(["repair_officer"]);
    expect((await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: { cookie: a.cookie } })).statusCode).toBe(200);
  });

  it("gives machine tokens a name and a maximum lifetime, and refuses one after revocation", async () => {
    const admin = await t.auth("admin", "root");
    const issued = await t.app.inject({ method: "POST", url: "/v1/admin/machine-tokens", headers: admin, payload: { name: "市场监管局批量报送", role: "credit_agency", sub: "agency-feed", lifetimeDays: 30 } });
    expect(issued.statusCode, issued.body).toBe(201);
    const { token, jti } = issued.json();
    expect(issued.json()).toMatchObject({ name: "市场监管局批量报送", role: "credit_agency", sub: "agency-feed", state: "valid", issuedBy: "admin:root" });
    const verified = await verifyOperatorToken(t.ctx.config.operatorTokenSecret, token);
    expect(verified).toMatchObject({ jti, name: "市场监管局批量报送" });
    expect(verified.expiresAt.getTime() - verified.issuedAt.getTime()).toBe(30 * 86400_000);
    const feed = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: "GET", url: "/v1/platform-sync", headers: feed })).statusCode).toBe(200);

    const revoked = await t.app.inject({ method: "POST", url: `/v1/admin/machine-tokens/${jti}/revoke`, headers: admin });
    expect(revoked.json().state).toBe("revoked");
    const after = await t.app.inject({ method: "GET", url: "/v1/platform-sync", headers: feed });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe("token_revoked");

    // A token minted with the command is listed at first use, and can be revoked too.
    const minted = await mintMachineToken(t.ctx.config.operatorTokenSecret, { sub: "kiosk-07", role: "kiosk", name: "南庄镇一体机" });
    const kiosk = { authorization: `Bearer ${minted.token}` };
    expect((await t.app.inject({ method: "POST", url: "/v1/kiosk/sessions", headers: kiosk })).statusCode).toBeLessThan(300);
    const list = await t.app.inject({ method: "GET", url: "/v1/admin/machine-tokens", headers: admin });
    expect(list.json().items.find((i: { jti: string }) => i.jti === minted.jti)).toMatchObject({ name: "南庄镇一体机", role: "kiosk", sub: "kiosk-07", issuedBy: null, state: "valid" });
    await t.app.inject({ method: "POST", url: `/v1/admin/machine-tokens/${minted.jti}/revoke`, headers: admin });
    expect((await t.app.inject({ method: "POST", url: "/v1/kiosk/sessions", headers: kiosk })).json().code).toBe("token_revoked");

    // Longer than the maximum: refused at minting, and refused by the API if minted anyway.
    await expect(mintMachineToken(t.ctx.config.operatorTokenSecret, { sub: "x", role: "kiosk", ttlSeconds: 91 * 86400 })).rejects.toThrow(RangeError);
    const tooLong = await t.app.inject({ method: "POST", url: "/v1/admin/machine-tokens", headers: admin, payload: { name: "n", role: "kiosk", sub: "kiosk-9", lifetimeDays: 91 } });
    expect(tooLong.statusCode).toBe(400);
    await expect(verifyOperatorToken(t.ctx.config.operatorTokenSecret, await mintOperatorToken(t.ctx.config.operatorTokenSecret, { sub: "x", role: "kiosk" }, 3 * 86400), 2 * 86400)).rejects.toMatchObject({ code: "token_lifetime_exceeded" });
  });

  it("lets no machine token act for a person's account and no person's cookie pass for another's", async () => {
    const a = await signedInAccount(t, "solo.auditor", ["auditor"]);
    const forged = a.cookie.replace(/=.{4}/, "=AAAA");
    expect((await session(forged)).json().code).toBe("session_invalid");
    // The admin routes are for admins only, whatever the cookie.
    expect((await t.app.inject({ method: "GET", url: "/v1/admin/operators", headers: { cookie: a.cookie } })).statusCode).toBe(403);
  });
});
