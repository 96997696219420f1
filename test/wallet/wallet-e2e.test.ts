// The wallet end to end in Chromium, at a phone's size (390×844), with real parts: the API on a
// real port (real PostgreSQL, the real face engine, the real clock), the kiosk page with a fake
// camera playing a face, the wallet PWA served by the API with its service worker, a virtual
// WebAuthn authenticator (CDP) for the passkey, WebCrypto device keys made non-extractable by
// the page, and the offline verifier (protocol/codes/offline-verifier.ts) in another browser
// context that is offline. Screenshots go to .test-output/wallet/ (gitignored).
//
// 1. At the kiosk: the face check, a repair, and the end screen's binding QR.
// 2. The phone scans it, binds (passkey + device key) and shows the code; the screenshot is read
//    as an official's scanner would; online and offline verification accept it; the same
//    screenshot 31 s later is refused offline (device_proof_stale); the phone, offline, reloads
//    from its service worker and shows a fresh code that is accepted.
// 3. Sign-in with the passkey; records and the scheduler's notice in the representative's wallet.
// 4. A second holder sees only her own records; she unbinds her second phone from the first,
//    and the removed phone can no longer present.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { PNG } from "pngjs";
import { build } from "vite";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../api/src/app.ts";
import { prepareApp } from "../../api/src/boot.ts";
import type { AppContext } from "../../api/src/context.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { runCreditScheduler } from "../../api/src/repair/scheduler.ts";
import { decodeQr } from "../../kiosk/lib/scan.ts";
import { walletPwa } from "../../kiosk/wallet/pwa.ts";
import { testConfig } from "../helpers/app.ts";
import { CHROMIUM, chromiumAvailable } from "../helpers/browser.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { faceBytes, REFERENCE_PHOTO } from "../face/data.ts";
import { liveCameraVideo } from "../face/fake-camera.ts";
import { freePort, passFaceCheck, phoneContext as phone } from "../helpers/kiosk-person.ts";
import { idNumber, uscc } from "../kiosk/seed.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const SHOTS = join(ROOT, ".test-output", "wallet");

let app: FastifyInstance;
let db: TestDatabase;
let ctx: AppContext;
let base: string;
let work: string;
let harness: string;
let kioskToken: string;
const browsers: Browser[] = [];
/** Contexts a test took offline (put back online by the next test, also after a failure). */
const offlineContexts: BrowserContext[] = [];
const ids = { alice: "", carol: "", enterprise: "", uscc: uscc(1717), repairedAtKiosk: "" };
const headers = { registrar: {} as Record<string, string>, agency: {} as Record<string, string> };

async function api(method: string, url: string, head: Record<string, string>, payload?: unknown) {
  const r = await app.inject({ method: method as "POST", url, headers: head, ...(payload === undefined ? {} : { payload: payload as object }) });
  expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
  return r.json() as Record<string, unknown>;
}

const civil = (daysAgo: number) => new Date(Date.now() - daysAgo * 86400_000).toISOString().slice(0, 10);

async function publish(decisionNo: string, decisionDaysAgo: number, paidDaysAgo: number): Promise<string> {
  const record = await api("POST", "/v1/records", headers.agency, {
    subjectId: ids.enterprise,
    decidingUnit: "佛山市禅城区市场监督管理局",
    legalBasis: "《中华人民共和国行政处罚法》",
    kind: "admin_penalty",
    severity: "general",
    decisionNo,
    decisionDate: civil(decisionDaysAgo),
    obligations: [{ type: "fine", amount: 5000, description: "罚款人民币五千元" }],
  });
  await api("POST", `/v1/records/${record.id as string}/facts`, headers.agency, { kind: "fine_paid", obligationIndex: 0, on: civil(paidDaysAgo) });
  return record.id as string;
}

async function launch(fakeVideo?: string): Promise<Browser> {
  const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
  if (fakeVideo) args.push("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${fakeVideo}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true });
  browsers.push(browser);
  return browser;
}

const wallet = (page: Page, screen: string, timeout = 30_000) => page.waitForSelector(`body[data-screen=${screen}][data-busy=false]`, { timeout });

/** What the phone's screen shows, read as an official's scanner reads it: from a screenshot. */
async function screenshotQr(page: Page, name?: string): Promise<string> {
  await page.waitForSelector("[data-test=qr]");
  const png = PNG.sync.read(await page.screenshot({ fullPage: false, ...(name ? { path: join(SHOTS, `${name}.png`) } : {}) }));
  return decodeQr(new Uint8ClampedArray(png.data), png.width, png.height);
}

async function shotBoth(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}-zh.png`) });
  await page.click("[data-test=lang]");
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(SHOTS, `${name}-en.png`) });
  await page.click("[data-test=lang]");
}

/** The official's verifier offline: another context, data fetched while online, then no network. */
async function offlineVerifier(browser: Browser) {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${base}/.well-known/jwks.json`);
  await page.addScriptTag({ content: harness });
  await page.evaluate((issuer) => (globalThis as never as { oneCodeOffline: { load(i: string): Promise<void> } }).oneCodeOffline.load(issuer), base);
  await context.setOffline(true);
  const verify = (text: string) =>
    page.evaluate((t) => (globalThis as never as { oneCodeOffline: { verify(t: string): Promise<Record<string, unknown>> } }).oneCodeOffline.verify(t), text);
  return { context, page, verify };
}

const verifyOnline = async (text: string) => (await app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: text } })).json() as Record<string, unknown>;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), "onecode-wallet-"));
  const uiDir = join(work, "ui");
  // The kiosk and the wallet, built into a folder of this test's own (others rebuild kiosk/dist).
  await build({
    configFile: false,
    root: join(ROOT, "kiosk"),
    base: "/ui/",
    logLevel: "warn",
    plugins: [walletPwa()],
    build: { outDir: uiDir, emptyOutDir: true, target: "es2022", rollupOptions: { input: { kiosk: join(ROOT, "kiosk", "index.html"), wallet: join(ROOT, "kiosk", "wallet", "index.html") } } },
  });
  const bundled = await build({
    configFile: false,
    logLevel: "warn",
    build: { write: false, target: "es2022", lib: { entry: join(import.meta.dirname, "offline-harness.ts"), formats: ["iife"], name: "harness", fileName: "harness" } },
  });
  harness = (Array.isArray(bundled) ? bundled[0]! : (bundled as { output: { code: string }[] })).output[0]!.code;

  const port = await freePort();
  // localhost, not 127.0.0.1: a WebAuthn relying party is a domain name, never an address.
  base = `http://localhost:${port}`;
  db = await createTestDatabase();
  const config = testConfig({ publicUrl: base, port, ...("ledgerKeys" in db && db.ledgerKeys ? { ledgerKeys: db.ledgerKeys } : {}) } as never);
  ctx = { config, db, clock: { now: () => new Date() }, chain: null };
  // The face challenge fixed to what the shared live video shows (he turns his head right).
  const boot = await prepareApp(ctx, { testOnlyFaceChallenge: () => "right" });
  app = await buildApp(ctx, { logger: false, boot: { ...boot, web: { root: uiDir } } });
  await app.listen({ port, host: "127.0.0.1" });
  const token = (role: "registrar" | "credit_agency" | "kiosk", sub: string) => mintOperatorToken(config.operatorTokenSecret, { sub, role });
  headers.registrar = { authorization: `Bearer ${await token("registrar", "registrar-1")}` };
  headers.agency = { authorization: `Bearer ${await token("credit_agency", "agency-1")}` };
  kioskToken = await token("kiosk", "kiosk-wallet-e2e");

  ids.alice = (await api("POST", "/v1/persons", headers.registrar, { idNumber: idNumber(1701), name: "李晓梅", referencePhoto: Buffer.from(faceBytes(REFERENCE_PHOTO)).toString("base64") })).id as string;
  ids.carol = (await api("POST", "/v1/persons", headers.registrar, { idNumber: idNumber(1702), name: "陈小红" })).id as string;
  ids.enterprise = (await api("POST", "/v1/enterprises", headers.registrar, { uscc: ids.uscc, name: "佛山市禅城区晓梅商贸有限公司", legalRepresentativeId: ids.alice })).id as string;
  // A general penalty of about 200 days ago with its fine paid 150 days ago: repairable now.
  ids.repairedAtKiosk = await publish("佛禅市监罚〔2026〕118号", 200, 150);
}, 300_000);

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  await app?.close();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!chromiumAvailable())("the wallet in Chromium at 390×844", () => {
  let bindUrl = "";
  let alice: { context: BrowserContext; page: Page };
  let phones: Browser;

  it("binds at the kiosk after the face check: the end screen shows a one-time binding QR", async () => {
    const video = join(work, "live.y4m");
    if (!existsSync(video)) writeFileSync(video, liveCameraVideo());
    const kioskBrowser = await launch(video);
    const context = await kioskBrowser.newContext({ viewport: { width: 1080, height: 1920 }, locale: "zh-CN" });
    await context.grantPermissions(["camera"], { origin: base });
    const kiosk = await context.newPage();
    const screen = (name: string, timeout = 30_000) => kiosk.waitForSelector(`body[data-screen=${name}][data-busy=false]`, { timeout });
    await kiosk.goto(`${base}/ui/#token=${kioskToken}`);
    await screen("welcome");
    await kiosk.click("[data-test=start]");
    await screen("enterprise");
    await kiosk.fill("[data-test=enterprise-input]", ids.uscc);
    await kiosk.click("[data-test=enterprise-next]");
    await passFaceCheck(kiosk).catch(async (e: unknown) => {
      await kiosk.screenshot({ path: join(SHOTS, "kiosk-face-refused.png") });
      throw e;
    });
    await kiosk.click("[data-test=to-commitment]");
    await screen("commitment");
    await kiosk.check("[data-test=accept]");
    await kiosk.locator("[data-test=signature]").scrollIntoViewIfNeeded();
    const pad = (await kiosk.locator("[data-test=signature]").boundingBox())!;
    await kiosk.mouse.move(pad.x + pad.width * 0.2, pad.y + pad.height * 0.6);
    await kiosk.mouse.down();
    for (let i = 1; i <= 12; i++) await kiosk.mouse.move(pad.x + pad.width * (0.2 + i * 0.05), pad.y + pad.height * (0.6 - 0.25 * Math.sin(i / 2)));
    await kiosk.mouse.up();
    await kiosk.click("[data-test=submit]");
    await screen("decision");
    await kiosk.click("[data-test=to-code]");
    await screen("code");
    await expect(kiosk.textContent("body")).resolves.toContain("不用拍照");
    await kiosk.click("[data-test=bind-phone]");
    await screen("bind");
    await kiosk.screenshot({ path: join(SHOTS, "kiosk-bind.png") });
    await expect(kiosk.textContent("[data-test=bind-expires]")).resolves.toContain("只能用一次");
    const src = (await kiosk.getAttribute("[data-test=bind-qr]", "src"))!;
    const png = PNG.sync.read(Buffer.from(src.replace(/^data:image\/png;base64,/, ""), "base64"));
    bindUrl = decodeQr(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(bindUrl).toMatch(new RegExp(`^${base}/ui/wallet/#bind=wb1_[A-Za-z0-9_-]{43}$`));
    await context.close();
  }, 240_000);

  it("the phone binds with a passkey and a device key, and shows the code; online and offline verifiers accept it; the same screenshot 31 s later is refused offline", async () => {
    phones = await launch();
    alice = await phone(phones, "alice");
    const { page } = alice;
    // A newcomer opening the wallet with nothing bound is told how to bind.
    await page.goto(`${base}/ui/wallet/`);
    await wallet(page, "welcome");
    await shotBoth(page, "00-welcome");
    await page.goto(bindUrl);
    await wallet(page, "bind");
    expect(page.url()).not.toContain("wb1_"); // the secret left the address bar
    await expect(page.textContent("[data-test=bind-subject]")).resolves.toContain("佛山市禅城区晓梅商贸有限公司");
    await shotBoth(page, "01-bind");
    await page.click("[data-test=bind]");
    await wallet(page, "home-code");
    await page.waitForSelector("[data-test=qr]");
    // The device key's private half cannot be read out of the page.
    const extractable = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((ok) => {
        const r = indexedDB.open("onecode-wallet");
        r.onsuccess = () => ok(r.result);
      });
      const binding = await new Promise<{ keys: CryptoKeyPair }>((ok) => {
        const r = db.transaction("state").objectStore("state").get("binding");
        r.onsuccess = () => ok(r.result);
      });
      const exported = await crypto.subtle.exportKey("jwk", binding.keys.privateKey).then(() => "exported", (e: Error) => e.name);
      return { extractable: binding.keys.privateKey.extractable, exported };
    });
    expect(extractable).toEqual({ extractable: false, exported: "InvalidAccessError" });
    await shotBoth(page, "02-code");

    const shot = await screenshotQr(page, "03-screenshot");
    expect(shot).toMatch(/^OC2:\/\d+$/);
    expect(await verifyOnline(shot)).toMatchObject({ valid: true, deviceBound: true, subject: { kind: "enterprise" } });
    const official = await offlineVerifier(phones);
    expect(await official.page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await official.verify(shot)).toMatchObject({ valid: true, deviceBound: true, offline: true });

    // The phone goes offline too: nothing anywhere has a network from here on.
    await alice.context.setOffline(true);
    offlineContexts.push(alice.context);
    await page.waitForTimeout(31_000);
    expect(await official.verify(shot)).toMatchObject({ valid: false, reason: "device_proof_stale" });
    // The phone, offline, opens the wallet again from its service worker and shows a fresh code.
    await page.reload();
    await wallet(page, "home-code");
    const onLine = await page.evaluate(() => navigator.onLine);
    if (!onLine) await expect(page.locator("[data-test=offline]").count()).resolves.toBe(1);
    else console.log("navigator.onLine stays true in an offline Playwright context after reload");
    const fresh = await screenshotQr(page, "04-offline-fresh");
    expect(fresh).not.toBe(shot);
    expect(await official.verify(fresh)).toMatchObject({ valid: true, deviceBound: true });
    await alice.context.setOffline(false);
    await official.context.close();
  }, 120_000);

  it("signs in with the passkey and shows the records and the 免申即享 notice to the legal representative", async () => {
    const { page } = alice;
    for (const c of offlineContexts.splice(0)) await c.setOffline(false);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await wallet(page, "home-code");
    await page.click("[data-test=tab-records]");
    await wallet(page, "home-records");
    await page.click("[data-test=sign-in]");
    await page.waitForSelector("[data-test=record], [data-test=records-none]");
    await shotBoth(page, "05-records");
    // A record whose minimum period has passed, published now with its fine paid: repairable at
    // once, so the fact's arrival already marks it (the credit feature's notifyIfRepairable, which
    // the scheduler also calls; the scheduler's own path, with a moving clock, is in
    // wallet-api.test.ts). The scheduler's run finds nothing left to mark.
    const recordId = await publish("佛禅市监罚〔2026〕206号", 180, 120);
    const run = await runCreditScheduler(ctx);
    expect(run.notified).not.toContain(recordId);
    await page.click("[data-test=tab-notices]");
    await page.waitForSelector(`[data-test=notice][data-record="${recordId}"]`);
    await expect(page.textContent(`[data-test=notice][data-record="${recordId}"]`)).resolves.toContain("这条记录现在可以修复了");
    await expect(page.textContent(`[data-test=notice][data-record="${recordId}"]`)).resolves.toContain("自助一体机");
    // The record repaired at the kiosk meanwhile: its notice no longer says "can now be repaired".
    const repaired = page.locator(`[data-test=notice][data-record="${ids.repairedAtKiosk}"]`);
    if ((await repaired.count()) > 0) {
      await expect(repaired.locator("h3").textContent()).resolves.toBe("这条记录不用再办了");
      await expect(repaired.textContent()).resolves.not.toContain("这条记录现在可以修复了");
    }
    await shotBoth(page, "06-notices");
    await page.click("[data-test=notice-seen]");
    await page.waitForSelector(`[data-test=notice][data-record="${recordId}"][data-seen=true]`);
    await page.click("[data-test=tab-devices]");
    await page.waitForSelector("[data-test=representatives]");
    await shotBoth(page, "07-devices");
  }, 60_000);

  it("a second holder sees only her own records; a phone she removes can no longer present", async () => {
    const offer = async () => (await api("POST", "/v1/wallet/offers/registrar", headers.registrar, { subjectId: ids.carol })).url as string;
    const first = await phone(phones, "carol-1");
    await first.page.goto(await offer());
    await wallet(first.page, "bind");
    await first.page.click("[data-test=bind]");
    await wallet(first.page, "home-code");
    await first.page.click("[data-test=tab-records]");
    await first.page.waitForSelector("[data-test=records-none]");
    await expect(first.page.textContent("main")).resolves.not.toContain("佛禅市监罚");

    const second = await phone(phones, "carol-2");
    await second.page.goto(await offer());
    await wallet(second.page, "bind");
    await second.page.fill("[data-test=device-name]", "旧手机");
    await second.page.click("[data-test=bind]");
    await wallet(second.page, "home-code");
    const before = await screenshotQr(second.page);
    expect(await verifyOnline(before)).toMatchObject({ valid: true });

    await first.page.click("[data-test=tab-devices]");
    await first.page.waitForSelector("[data-test=device] >> nth=1");
    first.page.once("dialog", (d) => void d.accept());
    const old = first.page.locator("[data-test=device]", { hasText: "旧手机" });
    await old.locator("[data-test=device-remove]").click();
    await first.page.waitForFunction(() => document.querySelectorAll("[data-test=device]").length === 1);

    // The removed phone still draws its stored code, but nobody accepts it.
    const after = await screenshotQr(second.page);
    const online = await verifyOnline(after);
    expect(online.valid).toBe(false);
    expect(["device_removed", "superseded"]).toContain(online.reason);
    const official = await offlineVerifier(phones);
    expect(await official.verify(after)).toMatchObject({ valid: false, reason: "revoked" });
    // And it cannot sign in again.
    await second.page.evaluate(() => sessionStorage.clear());
    await second.page.reload();
    await wallet(second.page, "home-code");
    await second.page.click("[data-test=tab-records]");
    await second.page.click("[data-test=sign-in]");
    await wallet(second.page, "removed");
    // Said once, on the screen's own card: no red banner repeating it.
    await expect(second.page.locator("[data-test=error]").count()).resolves.toBe(0);
    await expect(second.page.textContent("main")).resolves.toContain("这部手机已解绑");
    await second.page.screenshot({ path: join(SHOTS, "08-removed.png") });
  }, 90_000);
});
