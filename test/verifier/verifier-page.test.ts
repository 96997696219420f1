// End to end in Chromium at 390×844: the officials' verifier against a real API (real
// database, real issuer keys, subjects enrolled through the registrar's routes). It shows:
// a previous scan's identity never under a later verdict (online and offline); the page
// reloading and verifying with the network cut after one online visit (service worker,
// camera decoding in the worker with its cached .wasm); stale data refused with its reason;
// names as the verdict carries them (persons masked); the credit status apart from the
// verdict; touch targets; the clock-skew warning; whether a code is on the holder's bound phone,
// and the warning when the phone's device proof is more than 5 s off this device's clock.
// VERIFIER_SCREENS=1 writes screenshots of each screen in both languages to .test-output/verifier-screens/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { chromiumAvailable, launchBrowser } from "../helpers/browser.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { attackerKey, deflateClaims, enrol, fetchCode, signRaw, splitToken } from "../codes/fixtures.ts";
import { imageToY4m } from "../../scripts/lib/y4m.ts";
import { qrTextFromToken } from "../../protocol/codes/token-format.ts";
import { cuttableNetwork } from "./network.ts";
import { call, Phone } from "../wallet/phone.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const KIOSK = join(ROOT, "kiosk");
const SCREENS = process.env.VERIFIER_SCREENS ? join(ROOT, ".test-output", "verifier-screens") : null;
const PHONE = { width: 390, height: 844 };
const PERSON_NAME = "王小明";
const ENTERPRISE_NAME = "佛山市顺德美的有限公司"; // 11 characters: within the token's 12
const FORGED_NAME = "赵*六";

async function buildVerifierPage(): Promise<void> {
  try {
    execFileSync("npm", ["run", "build:ui"], { cwd: ROOT, stdio: "pipe" });
  } catch {
    // Another front end may be mid-work: build this page alone with the same config (and its service worker).
    const { build } = await import("vite");
    await build({
      configFile: join(KIOSK, "vite.config.ts"),
      logLevel: "warn",
      build: { emptyOutDir: false, rollupOptions: { input: { verifier: join(KIOSK, "verifier", "index.html") } } },
    });
  }
  for (const file of ["index.html", "sw.js", "manifest.webmanifest", "icon-192.png"]) {
    if (!existsSync(join(KIOSK, "dist", "verifier", file))) throw new Error(`verifier ${file} not built`);
  }
}

describe.skipIf(!chromiumAvailable())("verifier app in Chromium at 390×844", () => {
  let t: TestApp;
  let browser: Browser;
  let api: string;
  const codes = { person: "", enterprise: "", serious: "", forged: "", expired: "" };
  const names = { person: "", enterprise: "", enterpriseToken: "" };
  let personSubject = "";

  beforeAll(async () => {
    await buildVerifierPage();
    // Codes live an hour, so that a test can move the browser's clock past the data's maximum age.
    t = await buildTestApp({ clock: new TestClock(new Date()), config: { codeTtlSeconds: 3600 } });
    api = await t.app.listen({ host: "127.0.0.1", port: 0 });
    const registrar = await t.auth("registrar");
    const person = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(18_001), name: PERSON_NAME } });
    expect(person.statusCode, person.body).toBe(201);
    const enterprise = await t.app.inject({
      method: "POST",
      url: "/v1/enterprises",
      headers: registrar,
      payload: { uscc: uscc(18_001), name: ENTERPRISE_NAME, legalRepresentativeId: person.json().id },
    });
    expect(enterprise.statusCode, enterprise.body).toBe(201);
    names.person = person.json().displayName;
    personSubject = person.json().id;
    names.enterprise = enterprise.json().displayName;
    const personCode = await fetchCode(t, person.json().id);
    const enterpriseCode = await fetchCode(t, enterprise.json().id);
    codes.person = personCode.qrText;
    codes.enterprise = enterpriseCode.qrText;
    names.enterpriseToken = splitToken(enterpriseCode.token).claims.n as string;
    // A valid code of a seriously dishonest subject (the credit record set directly, as the credit tests do).
    codes.serious = (await fetchCode(t, (await enrol(t, { displayName: "李*华", creditStatus: "serious" })).subjectId)).qrText;
    // A forgery: the person's real code with another name, re-signed by a key that is not the issuer's.
    const { header, claims } = splitToken(personCode.token);
    codes.forged = qrTextFromToken(signRaw(header, deflateClaims({ ...claims, n: FORGED_NAME }), attackerKey().privateKey));
    // An expired code, really signed: issued two hours ago for one hour.
    const now = t.clock.now();
    t.clock.set(new Date(now.getTime() - 2 * 3600_000));
    codes.expired = (await fetchCode(t, person.json().id)).qrText;
    t.clock.set(now);
    const video = join(mkdtempSync(join(tmpdir(), "onecode-y4m-")), "qr.y4m");
    writeFileSync(video, imageToY4m(new Uint8Array(Buffer.from(personCode.qr.png.split(",")[1]!, "base64")), { width: 640, height: 480, fit: "centre", background: 255 }));
    browser = await launchBrowser({ fakeVideo: video });
    if (SCREENS) mkdirSync(SCREENS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const attr = (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(name);

  /** Opens the verifier and waits until it has synced its offline data. */
  async function open(context: BrowserContext, base: string, query = ""): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${base}/ui/verifier/${query}`);
    await expect.poll(() => attr(page, "#status", "data-age-seconds"), { timeout: 15_000 }).toMatch(/^-?\d+$/);
    return page;
  }

  /** Types a code's text in and waits for its own verdict (the history grows by one). */
  async function verify(page: Page, text: string): Promise<void> {
    const before = await page.locator("#history li").count();
    if (!(await page.locator("details.paste").evaluate((d) => (d as HTMLDetailsElement).open))) await page.click("details.paste summary");
    await page.fill("#paste", text);
    await page.click("#check");
    await expect.poll(() => page.locator("#history li").count(), { timeout: 15_000 }).toBe(Math.min(before + 1, 20));
  }

  async function shoot(page: Page, name: string): Promise<void> {
    if (!SCREENS) return;
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(SCREENS, `${name}-zh.png`) });
    await page.click("#lang");
    await page.screenshot({ path: join(SCREENS, `${name}-en.png`) });
    await page.click("#lang");
  }

  it("never shows a previous scan's identity under a later verdict, online or offline, and keeps no names in its history", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await open(context, api);
    expect(await page.locator("#identity").count()).toBe(0); // the idle screen has no empty labels
    await shoot(page, "idle");
    for (const mode of ["online", "offline"] as const) {
      if (mode === "offline") await context.setOffline(true);
      await verify(page, codes.person);
      expect(await attr(page, "#verdict", "data-state")).toBe("valid");
      expect(await attr(page, "#verdict", "data-mode")).toBe(mode);
      expect(await page.locator("#name").textContent()).toBe(names.person);
      if (mode === "online") await shoot(page, "valid-person");
      for (const [code, reason] of [
        [codes.forged, "bad_signature"],
        [codes.expired, "expired"],
      ] as const) {
        await verify(page, code);
        expect(await attr(page, "#verdict", "data-state")).toBe("invalid");
        expect(await attr(page, "#verdict", "data-reason")).toBe(reason);
        expect(await page.locator("#identity, #credit, #name").count()).toBe(0);
        const shown = await page.locator("body").innerText();
        for (const name of [names.person, FORGED_NAME]) expect(shown, `${mode} ${reason}`).not.toContain(name);
        await page.click("#lang"); // redrawn from the same value in English: still nobody
        expect(await page.locator("#headline").textContent()).toBe("Code NOT valid");
        expect(await page.locator("#identity").count()).toBe(0);
        await page.click("#lang");
        expect(await page.locator("#headline").textContent()).toBe("码无效");
      }
      if (mode === "online") await shoot(page, "forged-after-valid");
    }
    expect(await page.locator("#history li").count()).toBe(6);
    const history = await page.locator("#history").innerText();
    const stored = await page.evaluate(() => localStorage.getItem("onecode.verifier.history.v1"));
    for (const text of [history, stored!]) {
      expect(text).not.toContain(names.person);
      expect(text).not.toContain(FORGED_NAME);
    }
    expect(JSON.parse(stored!)[0]).toEqual({ at: expect.any(Number), outcome: "invalid", reason: "expired", kind: null, mode: "offline" });
    await page.click("#clear-history");
    expect(await page.locator("#history li").count()).toBe(0);
    expect(await page.evaluate(() => localStorage.getItem("onecode.verifier.history.v1"))).toBeNull();
    await context.close();
  });

  it("reloads and verifies with the network cut after one online visit, the camera included", async () => {
    const network = await cuttableNetwork(api);
    const context = await browser.newContext({ viewport: PHONE });
    try {
      const page = await open(context, network.url);
      await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => attr(page, "#status", "data-shell")).toBe("ready");
      const cdp = await context.newCDPSession(page);
      // Installable: no error but the test context's own (a Playwright context counts as incognito),
      // a manifest Chromium parses without error, and icons of the sizes it names.
      const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as { installabilityErrors: { errorId: string }[] };
      expect(installabilityErrors.filter((e) => e.errorId !== "in-incognito")).toEqual([]);
      const manifest = (await cdp.send("Page.getAppManifest")) as { errors: unknown[]; data: string };
      expect(manifest.errors).toEqual([]);
      const icons = (JSON.parse(manifest.data) as { icons: { src: string; sizes: string }[] }).icons.filter((i) => i.src.endsWith(".png"));
      for (const icon of icons) {
        const width = await page.evaluate(async (src) => (await createImageBitmap(await (await fetch(src)).blob())).width, icon.src);
        expect(`${width}x${width}`).toBe(icon.sizes);
      }
      await cdp.detach(); // left attached, it makes the reloaded page forget the offline emulation

      // The network goes: the port is closed (and the browser says it is offline).
      await network.cut();
      await context.setOffline(true);
      const reloaded = await page.reload();
      expect(reloaded?.fromServiceWorker()).toBe(true);
      await expect.poll(() => attr(page, "#status", "data-network")).toBe("offline");
      await verify(page, codes.person);
      expect(await attr(page, "#verdict", "data-state")).toBe("valid");
      expect(await attr(page, "#verdict", "data-mode")).toBe("offline");
      expect(await page.locator("#name").textContent()).toBe(names.person);
      await shoot(page, "offline-after-reload");

      // A fresh page, still cut off: the camera's frames decoded in the worker, from the cached script and .wasm.
      const camera = await context.newPage();
      const opened = await camera.goto(`${network.url}/ui/verifier/?camera=1`);
      expect(opened?.fromServiceWorker()).toBe(true);
      await expect.poll(() => attr(camera, "#verdict", "data-state"), { timeout: 30_000 }).toBe("valid");
      expect(await attr(camera, "#verdict", "data-mode")).toBe("offline");
      expect(await camera.locator("body").getAttribute("data-decoder")).toMatch(/^(zxing-wasm|barcode-detector)$/);
      expect(await camera.locator("#name").textContent()).toBe(names.person);
    } finally {
      await context.close();
      await network.close();
    }
  });

  it("refuses to say valid on data older than its maximum age, and says why", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await open(context, api);
    await page.click("details.settings summary");
    await page.selectOption("#max-age", String(15 * 60));
    await expect.poll(() => attr(page, "#status", "data-stale")).toBe("false");
    await context.setOffline(true);
    // Twenty minutes later, still offline (the code itself lives an hour).
    await page.clock.setSystemTime(new Date(Date.now() + 20 * 60_000));
    await verify(page, codes.person);
    expect(await attr(page, "#verdict", "data-state")).toBe("unconfirmed");
    expect(await attr(page, "#verdict", "data-reason")).toBe("stale_data");
    expect(await page.locator("#headline").textContent()).toBe("无法确认");
    expect(await page.locator("#reason").textContent()).toBe("本机数据太旧，无法确认这个码现在是否仍然有效。");
    expect(await page.locator("#action").textContent()).toContain("联网前不要按“有效”办理");
    expect(await attr(page, "#status", "data-stale")).toBe("true");
    expect(await page.locator("#age").textContent()).toContain("离线数据已超过 15 分钟未更新");
    expect(await page.locator("body").innerText()).not.toContain("码有效");
    await shoot(page, "stale");
    await context.close();

    // The maximum age can also come with the address, and is kept.
    const linked = await browser.newContext({ viewport: PHONE });
    const again = await open(linked, api, "?maxAge=600");
    expect(await again.locator("#max-age").inputValue()).toBe("600");
    await again.goto(`${api}/ui/verifier/`);
    expect(await again.locator("#max-age").inputValue()).toBe("600");
    await linked.close();
  });

  it("shows the name exactly as the verdict carries it: a person's masked, an enterprise's as its token names it", async () => {
    expect(names.person).toBe("王*明");
    const context = await browser.newContext({ viewport: PHONE });
    const page = await open(context, api);
    for (const mode of ["online", "offline"] as const) {
      if (mode === "offline") await context.setOffline(true);
      await verify(page, codes.person);
      expect(await page.locator("#name").textContent()).toBe("王*明");
      expect(await page.locator("#identity dt").first().textContent()).toBe("姓名（部分隐去）");
      await verify(page, codes.enterprise);
      expect(await attr(page, "#verdict", "data-mode")).toBe(mode);
      // Online the register's display name, offline the token's n: the same here (11 characters).
      expect(await page.locator("#name").textContent()).toBe(mode === "online" ? names.enterprise : names.enterpriseToken);
      expect(await page.locator("#identity dt").first().textContent()).toBe("企业名称");
    }
    await shoot(page, "enterprise-offline");
    await context.close();
  });

  // Enterprise names are public: enrolment stores them in full and the token carries them (up to 12 characters).
  it("shows an enterprise's full name", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await open(context, api);
    await verify(page, codes.enterprise);
    expect(await page.locator("#name").textContent()).toBe(ENTERPRISE_NAME);
    await context.close();
  });

  it("shows a seriously dishonest subject's valid code with the credit status apart, not green", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await open(context, api);
    await verify(page, codes.serious);
    expect(await attr(page, "#verdict", "data-state")).toBe("valid");
    expect(await attr(page, "#verdict", "data-credit")).toBe("serious");
    expect(await page.locator("#credit .credit-value").textContent()).toBe("严重失信");
    expect(await page.locator("#credit .credit-advice").textContent()).toContain("码有效不代表信用良好");
    const colours = await page.evaluate(() => ({
      banner: getComputedStyle(document.querySelector("#verdict .banner")!).backgroundColor,
      credit: getComputedStyle(document.querySelector("#credit")!).backgroundColor,
      border: getComputedStyle(document.querySelector("#credit")!).borderLeftColor,
    }));
    expect(colours.banner).toBe("rgb(27, 127, 59)"); // the code: valid
    expect(colours.credit).toBe("rgb(253, 232, 230)"); // the subject: red panel
    expect(colours.border).toBe("rgb(179, 38, 30)");
    await shoot(page, "valid-serious");
    await context.close();
  });

  it("has touch targets of at least 48 px, the scan button under the thumb and no sideways scrolling, in both languages", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await open(context, api);
    await verify(page, codes.forged); // a verdict with its details, the history with its button
    await page.click("details.settings summary");
    for (const lang of ["zh", "en"]) {
      const small = await page.evaluate(() =>
        [...document.querySelectorAll("button, summary, select, textarea, a[href]")]
          .map((el) => ({ el: el.id || el.textContent?.trim() || el.tagName, box: el.getBoundingClientRect() }))
          .filter(({ box }) => box.width > 0 && (box.height < 48 || box.width < 48))
          .map(({ el, box }) => `${el}: ${Math.round(box.width)}×${Math.round(box.height)}`),
      );
      expect(small, lang).toEqual([]);
      const scan = await page.locator("#camera-toggle").boundingBox();
      expect(scan!.y, lang).toBeGreaterThan((PHONE.height * 2) / 3);
      expect(scan!.y + scan!.height, lang).toBeLessThanOrEqual(PHONE.height);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), lang).toBeLessThanOrEqual(PHONE.width);
      await page.click("#lang");
    }
    await context.close();
  });

  it("warns when the device's clock is off from the server's, and on offline verdicts", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    // 10 min 20 s behind: the words say whole minutes (rounded down), and the measured skew carries
    // the request's latency (seconds on a loaded machine), so exactly 10 min could read "9".
    await page.clock.install({ time: new Date(Date.now() - 620_000) });
    await page.goto(`${api}/ui/verifier/`);
    await expect.poll(() => attr(page, "#status", "data-skew-seconds"), { timeout: 15_000 }).toMatch(/^-\d+$/);
    expect(Math.abs(Number(await attr(page, "#status", "data-skew-seconds")) + 620)).toBeLessThanOrEqual(5);
    expect(await page.locator("#skew").textContent()).toBe("本机时间比服务器慢 10 分钟：请校准时间，否则离线核验可能出错。");
    await context.setOffline(true);
    await verify(page, codes.person);
    // Ten minutes behind, the code was issued "in the future": the skew is the reason, and it is named.
    expect(await attr(page, "#verdict", "data-reason")).toBe("not_yet_valid");
    expect(await page.locator("#verdict-skew").textContent()).toContain("相差 10 分钟");
    await shoot(page, "clock-skew");
    await context.close();
  });

  it("says whether the code is on the holder's bound phone, and warns when the phone's proof is more than 5 s off this device's clock", async () => {
    // A phone bound at the registrar's window (software passkey, WebCrypto device key: test/wallet/phone.ts).
    const offer = await call(t, "POST", "/v1/wallet/offers/registrar", await t.auth("registrar"), { subjectId: personSubject });
    expect(offer.status, JSON.stringify(offer.body)).toBe(201);
    const phone = new Phone(t);
    expect((await phone.bind(offer.body.offer as string)).status).toBe(201);
    // The API's clock set to the real one (the browser's): online it judges the proof's window on it.
    const realTime = () => t.clock.set(new Date());
    realTime();
    expect((await phone.fetchCode()).status).toBe(200);
    const context = await browser.newContext({ viewport: PHONE });
    const page = await open(context, api);
    const nothingOfHim = async (label: string) => {
      expect(await page.locator("#identity, #credit, #name, #bound, #proof-skew").count(), label).toBe(0);
      expect(await attr(page, "#verdict", "data-bound"), label).toBe("");
      expect(await page.locator("body").innerText(), label).not.toContain(names.person);
    };
    for (const mode of ["online", "offline"] as const) {
      if (mode === "offline") await context.setOffline(true);
      // A live phone: signed just now.
      realTime();
      await verify(page, await phone.show(Date.now()));
      expect(await attr(page, "#verdict", "data-state"), mode).toBe("valid");
      expect(await attr(page, "#verdict", "data-mode")).toBe(mode);
      expect(await attr(page, "#bound", "data-bound")).toBe("true");
      expect(await page.locator("#bound").textContent()).toBe("持码人绑定的手机（已核对手机签名）");
      expect(await page.locator("#proof-skew").count()).toBe(0);
      // A proof made 12 s ago (a screenshot): accepted inside its 30 s, with the warning.
      realTime();
      await verify(page, await phone.show(Date.now() - 12_000));
      expect(await attr(page, "#verdict", "data-state"), mode).toBe("valid");
      expect(Number(await attr(page, "#proof-skew", "data-offset-seconds"))).toBeGreaterThanOrEqual(12);
      expect(Number(await attr(page, "#proof-skew", "data-offset-seconds"))).toBeLessThanOrEqual(14);
      expect(await page.locator("#proof-skew").textContent()).toMatch(/^手机上这个码是 1[234] 秒前生成的/);
      await shoot(page, `bound-proof-old-${mode}`);
      // Red right after: neither his name nor anything about his phone is left over.
      await verify(page, codes.forged);
      expect(await attr(page, "#verdict", "data-state")).toBe("invalid");
      await nothingOfHim(`${mode} forged`);
      // 40 s old: refused, and nothing about him either.
      realTime();
      await verify(page, await phone.show(Date.now() - 40_000));
      expect(await attr(page, "#verdict", "data-reason")).toBe("device_proof_stale");
      await nothingOfHim(`${mode} stale proof`);
      // His code from the server, not from a phone: said so.
      await verify(page, codes.person);
      expect(await attr(page, "#bound", "data-bound")).toBe("false");
      expect(await page.locator("#bound").textContent()).toContain("未绑定手机");
    }
    await context.close();
  });
});
