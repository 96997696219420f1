// The back office in a real Chromium against the whole API: the page built by vite (only the
// back office), served under /ui/ by the API's own web plugin, real PostgreSQL, optionally a
// real EVM (anvil) with the outbox and anchoring workers; the browser talks to
// http://localhost:<port> (WebAuthn needs a domain: RP id "localhost"). Passkeys come from
// Chromium's virtual authenticator (CDP WebAuthn domain): real credentials, real assertions.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { build } from "vite";
import { buildApp } from "../../api/src/app.ts";
import { prepareApp } from "../../api/src/boot.ts";
import type { AppContext } from "../../api/src/context.ts";
import { mintOperatorToken, type Role } from "../../api/src/auth/operators.ts";
import type { AuthSettings } from "../../api/src/auth/settings.ts";
import { totpAt } from "../../api/src/operators/totp.ts";
import { startWorkers, type Workers } from "../../api/src/workers.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { createTestDatabase } from "../helpers/db.ts";
import { TestClock, testConfig, type TestApp } from "../helpers/app.ts";
import { createAccount, enrolWithTotp } from "../auth/accounts.ts";

const ROOT = join(import.meta.dirname, "..", "..");
export const SHOTS = join(ROOT, ".test-output", "backoffice");

export interface BackOffice extends TestApp {
  url: string;
  browser: Browser;
  chain: TestChain | null;
  workers: Workers | null;
  /** A fresh browser context (its own cookies) with a virtual authenticator when asked. */
  newPage(options?: { authenticator?: boolean; lang?: "zh" | "en" }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  stop(): Promise<void>;
}

/** Only the back office page, built once per test file into a temporary folder. */
async function buildBackOffice(): Promise<string> {
  const outDir = join(mkdtempSync(join(tmpdir(), "onecode-backoffice-")), "ui");
  await build({
    configFile: false,
    root: resolve(ROOT, "kiosk"),
    base: "/ui/",
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, target: "es2022", rollupOptions: { input: { backoffice: resolve(ROOT, "kiosk/backoffice/index.html") } } },
  });
  return outDir;
}

export async function startBackOffice(options: { chain?: boolean; clock?: TestClock; port?: number; auth?: Partial<AuthSettings> } = {}): Promise<BackOffice> {
  const [ui, db, chain] = await Promise.all([buildBackOffice(), createTestDatabase(), options.chain ? startTestChain() : Promise.resolve(null)]);
  // The chain's clock is the wall clock: the API's clock starts there too (and moves only when a test moves it).
  const clock = options.clock ?? new TestClock(new Date());
  const config = testConfig({ rateLimitAllow: ["127.0.0.1", "::1"], passkeyRpId: "localhost", ...(chain ? { chainRpcUrl: chain.rpcUrl } : {}) });
  // Sign-in passkeys for this page's origin (http://localhost:<port>, any port while the RP id is localhost).
  (config as typeof config & { auth: Partial<AuthSettings> }).auth = { rpId: "localhost", origins: [], ...options.auth };
  const ctx: AppContext = { config, db, clock, chain: chain?.chain ?? null };
  const boot = await prepareApp(ctx);
  boot.web.root = ui;
  const app: FastifyInstance = await buildApp(ctx, { logger: false, boot });
  const address = await app.listen({ host: "127.0.0.1", port: options.port ?? 0 });
  const url = address.replace("127.0.0.1", "localhost");
  const workers = chain ? startWorkers(ctx) : null;
  const browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
  const stop = async (): Promise<void> => {
    await browser.close().catch(() => {});
    await workers?.stop();
    await app.close();
    await db.drop();
    await chain?.stop();
  };
  return {
    app,
    ctx,
    db,
    clock,
    url,
    browser,
    chain,
    workers,
    async auth(role: Role, sub = `${role}-1`) {
      return { authorization: `Bearer ${await mintOperatorToken(config.operatorTokenSecret, { sub, role })}` };
    },
    async newPage(o = {}) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      if (o.authenticator) {
        const cdp = await context.newCDPSession(page);
        await cdp.send("WebAuthn.enable");
        await cdp.send("WebAuthn.addVirtualAuthenticator", {
          options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
        });
      }
      return { context, page, errors };
    },
    close: stop,
    stop,
  };
}

/** The page at a screen, ready (body[data-ready=true]). */
export async function open(page: Page, base: string, path = "", lang?: "en"): Promise<void> {
  const target = `${base}/ui/backoffice/${lang ? "?lang=en" : ""}#/${path}`;
  // A new hash on the same page draws without a load, the same address not at all: mark the
  // page not ready first (so the wait is for this screen), and reload an address already open.
  await page.evaluate(() => document.body && (document.body.dataset.ready = "false")).catch(() => undefined);
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await page.waitForSelector("body[data-ready=true]");
}

export async function ready(page: Page): Promise<void> {
  await page.waitForSelector("body[data-ready=true]");
}

/** Both languages of the screen as it is now: .test-output/backoffice/<name>.zh.png and .en.png. */
export async function shoot(page: Page, name: string): Promise<void> {
  const lang = await page.locator("html").getAttribute("lang");
  await page.screenshot({ path: join(SHOTS, `${name}.${lang === "en" ? "en" : "zh"}.png`), fullPage: true });
  await page.click("#lang");
  await ready(page);
  await page.screenshot({ path: join(SHOTS, `${name}.${lang === "en" ? "zh" : "en"}.png`), fullPage: true });
  await page.click("#lang");
  await ready(page);
}

/** An account an admin created, enrolled with password + TOTP (over HTTP), for signing in on a page. */
export async function totpAccount(t: BackOffice, login: string, roles: Role[], unit?: string) {
  const { enrolmentCode } = await createAccount(t, { login, roles, unit, name: login });
  return enrolWithTotp(t, login, enrolmentCode);
}

/** Signs in on the page with password and TOTP (one step later than the last code used). */
export async function signInWithTotp(t: BackOffice, page: Page, account: { login: string; password: string; secret: Buffer }): Promise<void> {
  t.clock.advance(30_000);
  await open(page, t.url);
  await page.fill("#totp-login", account.login);
  await page.fill("#totp-password", account.password);
  await page.fill("#totp-code", totpAt(account.secret, t.clock.now()));
  await page.click("#sign-in-totp");
  await page.waitForSelector("#who");
  await ready(page);
}

/** A port free right now (for a server whose URL another must know before it starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
