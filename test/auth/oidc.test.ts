// Single sign-on against a real OIDC provider started here (the `oidc-provider` package with
// its development login and consent pages), driven in Chromium: the back office's button goes
// to the provider, the person signs in there, and comes back signed in to the account an admin
// created for them (found by the login claim at the first sign-in, then by the bound `sub`).
// A person the provider knows but the back office does not is refused with the reason, and so
// is a disabled account.
import type { Server } from "node:http";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable } from "../helpers/browser.ts";
import { createAccount } from "./accounts.ts";
import { freePort, open, ready, startBackOffice, type BackOffice } from "../backoffice/stack.ts";

describe.skipIf(!chromiumAvailable())("OIDC sign-in with a real provider", () => {
  let t: BackOffice;
  let server: Server;
  let issuer: string;

  beforeAll(async () => {
    const [apiPort, idpPort] = [await freePort(), await freePort()];
    issuer = `http://localhost:${idpPort}`;
    const callback = `http://localhost:${apiPort}/v1/auth/oidc/callback`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: "onecode-backoffice", client_secret: "a-client-secret-for-tests", redirect_uris: [callback], grant_types: ["authorization_code"], response_types: ["code"] }],
      // The government directory: any login the dev page accepts, with a user name claim.
      // (the provider's `sub` is the account id; the user name claim comes from userinfo)
      findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, preferred_username: id, name: id }) }),
      claims: { openid: ["sub"], profile: ["preferred_username", "name"] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      cookies: { keys: ["cookie-key-for-tests"] },
    });
    server = provider.listen(idpPort);
    t = await startBackOffice({
      port: apiPort,
      auth: { oidc: { issuer, clientId: "onecode-backoffice", clientSecret: "a-client-secret-for-tests", redirectUrl: callback, loginClaim: "preferred_username", label: "政务统一身份认证", allowHttp: true } },
    });
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function viaProvider(login: string) {
    const { page } = await t.newPage();
    await open(page, t.url);
    await page.click("#sign-in-oidc");
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.fill("input[name=login]", login);
    await page.fill("input[name=password]", "any password the dev page accepts");
    await page.click("button[type=submit]");
    await page.click("button[type=submit]"); // consent
    await page.waitForURL((u) => u.href.startsWith(`${t.url}/ui/backoffice/`));
    await ready(page);
    return page;
  }

  it("signs in the person the provider vouches for, into the account made for them, and binds the subject", async () => {
    const { id } = await createAccount(t, { login: "liu.officer", name: "刘洋", unit: "禅城区发展和改革局", roles: ["repair_officer"] });
    const page = await viaProvider("liu.officer");
    await page.waitForSelector("#who");
    expect(await page.locator("#who").innerText()).toBe("刘洋 · 禅城区发展和改革局");
    const bound = await t.db.pool.query("SELECT oidc_subject FROM operator_accounts WHERE id = $1", [id]);
    expect(bound.rows[0].oidc_subject).toBe("liu.officer");
    const session = await page.context().request.get(`${t.url}/v1/auth/session`);
    expect((await session.json()).method).toBe("oidc");
  });

  it("refuses a person without an account here, and a disabled account", async () => {
    const stranger = await viaProvider("nobody.here");
    await stranger.waitForSelector("#signed-out-reason");
    expect(await stranger.locator("#signed-out-reason").innerText()).toContain("本系统没有为您开设账户");
    const { id } = await createAccount(t, { login: "gone.officer", name: "离职", unit: "禅城区发展和改革局", roles: ["repair_officer"] });
    await t.app.inject({ method: "POST", url: `/v1/admin/operators/${id}/disable`, headers: await t.auth("admin", "root") });
    const disabled = await viaProvider("gone.officer");
    await disabled.waitForSelector("#signed-out-reason");
    expect(await disabled.locator("#signed-out-reason").getAttribute("data-reason")).toBe("account_disabled");
    const refused = await t.db.pool.query("SELECT detail->>'code' AS code FROM access_log WHERE action = 'sign_in_refused' ORDER BY id");
    expect(refused.rows.map((r) => r.code)).toEqual(["oidc_no_account", "account_disabled"]);
  });
});
