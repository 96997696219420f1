// End to end in Chromium: the officials' verifier page reads a QR from a fake
// camera feed, shows the verdict online, then with the network cut still decides
// from its cached JWKS and status list and shows their age.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { chromiumAvailable, launchBrowser } from "../helpers/browser.ts";
import { enrol, fetchCode } from "../codes/fixtures.ts";
import { imageToY4m } from "../../scripts/lib/y4m.ts";

const KIOSK = resolve(import.meta.dirname, "..", "..", "kiosk");

async function buildVerifierPage(): Promise<void> {
  try {
    execFileSync("npm", ["run", "build:ui"], { cwd: resolve(KIOSK, ".."), stdio: "pipe" });
  } catch {
    // Another front end may be mid-work; build this page alone into the same place.
    const { build } = await import("vite");
    await build({
      configFile: false,
      root: KIOSK,
      base: "/ui/",
      logLevel: "warn",
      build: { outDir: join(KIOSK, "dist"), emptyOutDir: false, target: "es2022", rollupOptions: { input: { verifier: join(KIOSK, "verifier", "index.html") } } },
    });
  }
  if (!existsSync(join(KIOSK, "dist", "verifier", "index.html"))) throw new Error("verifier page not built");
}

describe.skipIf(!chromiumAvailable())("verifier page in Chromium", () => {
  let t: TestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    await buildVerifierPage();
    // Real time: the page's offline check uses the browser's clock.
    t = await buildTestApp({ clock: new TestClock(new Date()), config: { codeTtlSeconds: 600 } });
    url = await t.app.listen({ host: "127.0.0.1", port: 0 });
    const e = await enrol(t, { displayName: "王*明" });
    const code = await fetchCode(t, e.subjectId);
    const video = join(mkdtempSync(join(tmpdir(), "onecode-y4m-")), "qr.y4m");
    const png = new Uint8Array(Buffer.from(code.qr.png.split(",")[1]!, "base64"));
    writeFileSync(video, imageToY4m(png, { width: 640, height: 480, fit: "centre", background: 255 }));
    browser = await launchBrowser({ fakeVideo: video });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("scans from the camera online, then decides offline from the cache with its age", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/ui/verifier/?camera=1`);
    const verdict = page.locator("#verdict");
    await expect.poll(() => verdict.getAttribute("data-mode"), { timeout: 20_000 }).toBe("online");
    expect(await verdict.getAttribute("data-state")).toBe("valid");
    expect(await page.locator("#name").textContent()).toBe("王*明");
    expect(await page.locator("#headline").textContent()).toBe("有效");
    // The cache is filled (age shown), then the network goes.
    await expect.poll(() => page.locator("#age").getAttribute("data-status-list-seconds"), { timeout: 10_000 }).toMatch(/^\d+$/);
    await context.setOffline(true);
    await expect.poll(() => verdict.getAttribute("data-mode"), { timeout: 20_000 }).toBe("offline");
    expect(await verdict.getAttribute("data-state")).toBe("valid");
    expect(await page.locator("#mode").textContent()).toContain("离线");
    expect(await page.locator("#age").textContent()).toMatch(/状态列表 \d+ 秒 前签发/);
    // Offline, a pasted forgery is refused with its reason, in Chinese, then in English.
    await page.fill("#paste", "not a code");
    await page.click("#check");
    await expect.poll(() => verdict.getAttribute("data-reason")).toBe("malformed");
    expect(await page.locator("#reason").textContent()).toBe("不是有效的一码通二维码");
    await page.click("#lang");
    expect(await page.locator("#reason").textContent()).toBe("not a OneCode QR");
    await context.close();
  });
});
