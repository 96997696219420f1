// Signing in to the back office in Chromium with real passkeys (virtual authenticator): an
// officer enrols with the admin's one-time code and a new passkey, signs out and in again
// with it; a captured assertion replayed is refused (its challenge was used); a wrong TOTP code
// is refused on screen; an admin disables an account and that person's open session stops
// at once. Screens in both languages under .test-output/backoffice/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable } from "../helpers/browser.ts";
import { createAccount } from "../auth/accounts.ts";
import { open, ready, shoot, signInWithTotp, startBackOffice, totpAccount, type BackOffice } from "./stack.ts";

describe.skipIf(!chromiumAvailable())("back office sign-in (Chromium, virtual authenticator)", () => {
  let t: BackOffice;
  beforeAll(async () => {
    t = await startBackOffice();
  }, 240_000);
  afterAll(async () => t?.stop());

  it("enrols an officer with a passkey, signs in with it again, and refuses the same assertion replayed", async () => {
    const { enrolmentCode } = await createAccount(t, { login: "li.officer", name: "李文", unit: "禅城区发展和改革局", roles: ["repair_officer"] });
    const { page, errors } = await t.newPage({ authenticator: true });
    await open(page, t.url);
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    expect(await page.locator("h1").innerText()).toBe("登录后台");
    await shoot(page, "sign-in");
    await page.click("#to-enrol");
    await ready(page);
    await shoot(page, "enrol"); // (a language switch draws the screen anew: fill in afterwards)
    await page.fill("#enrol-login", "li.officer");
    await page.fill("#enrol-code", enrolmentCode);
    await page.fill("#enrol-label", "办公室电脑");
    await page.click("#enrol-passkey");
    await page.waitForSelector("#who", { timeout: 10_000 }).catch(async (e) => {
      throw new Error(`${e}: ${await page.locator("main").innerText()} ${errors.join("; ")}`);
    });
    expect(await page.locator("#who").innerText()).toBe("李文 · 禅城区发展和改革局");
    await ready(page);
    expect(await page.locator("h1").innerText()).toBe("信用修复审核队列");
    const passkeys = await t.db.pool.query("SELECT p.credential_id FROM operator_passkeys p JOIN operator_accounts a ON a.id = p.account_id WHERE a.login = 'li.officer'");
    expect(passkeys.rowCount).toBe(1);
    // The officer's passkey was handed to the ledger's officer keys as well (an admin registers it).
    const keys = await t.app.inject({ method: "GET", url: "/v1/officer-keys", headers: await t.auth("admin", "root") });
    expect(keys.json().items).toMatchObject([{ credentialId: passkeys.rows[0].credential_id, status: "requested", label: "办公室电脑" }]);

    await page.click("#sign-out");
    await page.waitForSelector("#sign-in-passkey");
    expect(await page.locator("#signed-out-reason").innerText()).toBe("您已退出。");
    // Signing in again: the page's request carries Chromium's assertion; keep a copy.
    const sent = page.waitForRequest((r) => r.url().endsWith("/v1/auth/passkey") && r.method() === "POST");
    await page.click("#sign-in-passkey");
    const captured = (await sent).postData()!;
    await page.waitForSelector("#who");
    expect(JSON.parse(captured).response.response.userHandle).toBeTruthy();

    // The same assertion again (another client, no cookie): its challenge is used.
    const replay = await fetch(`${t.url}/v1/auth/passkey`, { method: "POST", headers: { "content-type": "application/json" }, body: captured });
    expect(replay.status).toBe(401);
    expect((await replay.json()).code).toBe("challenge_invalid");
    // …and with a fresh challenge id, the signature covers the old challenge: refused too.
    const fresh = await (await fetch(`${t.url}/v1/auth/passkey/options`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json();
    const again = await fetch(`${t.url}/v1/auth/passkey`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...JSON.parse(captured), challengeId: fresh.challengeId }) });
    expect(again.status).toBe(401);
    expect((await again.json()).code).toBe("passkey_invalid");
    const refused = await t.db.pool.query("SELECT detail FROM access_log WHERE action = 'sign_in_refused' ORDER BY id");
    expect(refused.rows.map((r) => r.detail.code)).toEqual(["challenge_invalid", "passkey_invalid"]);
    await shoot(page, "me");
    expect(errors).toEqual([]);
  });

  it("refuses a wrong authenticator code on screen, then signs in with the right one", async () => {
    const account = await totpAccount(t, "wang.registrar", ["registrar"], "禅城区市场监督管理局");
    const { page } = await t.newPage();
    await open(page, t.url);
    await page.fill("#totp-login", account.login);
    await page.fill("#totp-password", account.password);
    await page.fill("#totp-code", "12345");
    await page.click("#sign-in-totp");
    expect(await page.locator(".field-error").filter({ hasText: "6 位数字" }).count()).toBe(1);
    await page.fill("#totp-code", "000000");
    await page.click("#sign-in-totp");
    await page.waitForSelector("[data-error-code=credentials_invalid]");
    expect(await page.locator("#sign-in-out").innerText()).toContain("登录名、密码或验证码不正确");
    await signInWithTotp(t, page, account);
    expect(await page.locator("#who").innerText()).toContain("禅城区市场监督管理局");
  });

  it("stops a disabled account's session at once: its next request is refused and the page says why", async () => {
    const officer = await totpAccount(t, "zhao.officer", ["repair_officer"]);
    const admin = await totpAccount(t, "chen.admin", ["admin"], "禅城区政务服务数据管理局");
    const o = await t.newPage();
    await signInWithTotp(t, o.page, officer);
    const a = await t.newPage();
    await signInWithTotp(t, a.page, admin);
    await open(a.page, t.url, "admin");
    await shoot(a.page, "admin-accounts");
    await a.page.click(`[data-disable="${officer.id}"]`);
    await a.page.waitForSelector(`[data-disabled="${officer.id}"]`);
    // The officer clicks on: refused at once, back to sign-in with the reason.
    await o.page.click('[data-nav="lookup"]');
    await o.page.waitForSelector("#signed-out-reason");
    expect(await o.page.locator("#signed-out-reason").innerText()).toBe("您的账户已被停用，请联系管理员。");
    const session = await o.context.request.get(`${t.url}/v1/auth/session`);
    expect(session.status()).toBe(401);
    expect((await session.json()).code).toBe("account_disabled");
  });
});
