// The public credit page in Chromium: the page built by Vite, the API on a real port with real
// PostgreSQL. Search an enterprise by a part of its name, open it, read a record under publicity
// (period and legal basis), the repair granted and its published credit commitment; switch to
// English; find a person only by the whole ID number, masked. Screenshots go to
// .test-output/public-screens/ (gitignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { chromiumAvailable, launchBrowser } from "../helpers/browser.ts";
import { passedFaceCheck } from "../helpers/face.ts";
import { generalPenalty } from "../credit/fixtures.ts";
import { idNumber, seedEnterprise, seedPerson, uscc } from "../kiosk/seed.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const SCREENS = join(ROOT, ".test-output", "public-screens");
const ID_NUMBER = idNumber(611);
const USCC = uscc(6601);

let t: TestApp;
let base: string;
let work: string;
let uiDir: string;
let browser: Browser | null = null;
const seeded = { person: "", enterprise: "", shown: "", repaired: "" };

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), "onecode-public-"));
  uiDir = join(work, "ui");
  // Built into a temporary folder (others rebuild kiosk/dist while tests run).
  await build({
    configFile: false,
    root: join(ROOT, "kiosk"),
    base: "/ui/",
    publicDir: false,
    logLevel: "warn",
    build: { outDir: uiDir, emptyOutDir: true, target: "es2022", rollupOptions: { input: { publicity: join(ROOT, "kiosk", "publicity", "index.html") } } },
  });
  t = await buildTestApp({ clock: new TestClock("2026-09-01T02:00:00.000Z") });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  const agency = await t.auth("credit_agency");
  const kiosk = await t.auth("kiosk", "kiosk-public-page");
  seeded.person = await seedPerson(t.db.pool, { idNumber: ID_NUMBER, name: "黄志明" });
  seeded.enterprise = await seedEnterprise(t.db.pool, { uscc: USCC, name: "佛山市禅城区明志五金制品有限公司", legalRepId: seeded.person });
  const publish = async (body: object) => {
    const r = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: body });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id as string;
  };
  seeded.shown = await publish(generalPenalty(seeded.enterprise, { decisionNo: "禅市监罚〔2026〕611号", decisionDate: "2026-07-15", legalBasis: "《中华人民共和国产品质量法》第五十条" }));
  seeded.repaired = await publish(generalPenalty(seeded.enterprise, { decisionNo: "禅市监罚〔2026〕388号", decisionDate: "2026-04-20" }));
  await publish(generalPenalty(seeded.person, { decisionNo: "禅市监罚〔2026〕612号", decisionDate: "2026-08-01" }));
  await t.app.inject({ method: "POST", url: `/v1/records/${seeded.repaired}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: "2026-05-06" } });
  const face = await passedFaceCheck(t.db.pool, { device: "kiosk-public-page", enterpriseId: seeded.enterprise, personId: seeded.person, now: t.clock.now() });
  const filed = await t.app.inject({
    method: "POST",
    url: "/v1/repair-applications",
    headers: kiosk,
    payload: {
      subjectId: seeded.enterprise,
      recordIds: [seeded.repaired],
      applicant: { personId: seeded.person, capacity: "legal_representative" },
      commitment: { version: "cc-2026-04", accepted: true, signature: "sha256:c0ffee" },
      faceAssertion: face.assertion,
    },
  });
  expect(filed.json().status).toBe("approved");
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  browser ??= await launchBrowser();
  const context = await browser.newContext({ viewport, locale: "zh-CN" });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("[public page error]", e.message));
  await page.route(`${base}/ui/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.replace(/^\/ui\/?/, "") || "index.html";
    const file = normalize(join(uiDir, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(uiDir) || !existsSync(file)) return route.fulfill({ status: 404, body: "not found" });
    return route.fulfill({ path: file });
  });
  await page.goto(`${base}/ui/publicity/`);
  await page.waitForSelector("[data-test=search-input]");
  return page;
}

const settled = (page: Page) => page.waitForSelector("#view[data-busy=false]");

describe.skipIf(!chromiumAvailable())("the public credit page in Chromium", () => {
  it("finds an enterprise by a part of its name and shows a record under publicity, the repair and its published commitment", async () => {
    const page = await openPage();
    await page.fill("[data-test=search-input]", "明志五金");
    await page.click("[data-test=search-submit]");
    await page.waitForSelector("[data-test=result]");
    await expect(page.locator("[data-test=result]").count()).resolves.toBe(1);
    await expect(page.textContent("[data-test=result]")).resolves.toContain(USCC);
    await page.screenshot({ path: join(SCREENS, "01-results.png") });
    await page.click("[data-test=result]");
    await page.waitForSelector("[data-test=subject]");
    await settled(page);

    // A record under publicity, with its period and the legal basis of the period.
    const record = page.locator(`[data-test=record][data-record="${seeded.shown}"]`);
    await expect(record.textContent()).resolves.toContain("禅市监罚〔2026〕611号");
    await expect(record.textContent()).resolves.toContain("《中华人民共和国产品质量法》第五十条");
    await expect(record.locator("[data-test=period]").textContent()).resolves.toBe("公示期：2026-07-15 至 2027-07-15");
    await expect(record.locator("[data-test=period-basis]").textContent()).resolves.toContain("依据：《信用修复管理办法》（国家发展和改革委员会令第36号）");
    // The repaired record left publicity; its repair is listed instead.
    await expect(page.locator("[data-test=record]").count()).resolves.toBe(1);
    await expect(page.textContent("[data-test=repairs]")).resolves.toContain("禅市监罚〔2026〕388号");
    await expect(page.textContent("[data-test=repairs]")).resolves.toContain("2026-09-01 修复");

    // The published credit commitment: its text, version and date; not the signature.
    const c = page.locator("[data-test=commitment]");
    await expect(c.locator("[data-test=commitment-version]").textContent()).resolves.toBe("cc-2026-04");
    await expect(c.locator("[data-test=commitment-date]").textContent()).resolves.toBe("2026-09-01");
    await expect(c.locator("[data-test=commitment-text]").textContent()).resolves.toContain("本主体承诺");
    await expect(c.textContent()).resolves.toContain("法定代表人");
    await expect(page.content()).resolves.not.toContain("c0ffee");
    await expect(page.content()).resolves.not.toContain("黄志明");
    // The rule id only behind "details".
    const repairText = await page.locator("[data-test=repair]").innerText();
    expect(repairText).not.toContain("national-2026");
    await page.locator("[data-test=repair] summary").click();
    await expect(page.locator("[data-test=repair]").innerText()).resolves.toContain("national-2026.decision.automatic");
    await page.screenshot({ path: join(SCREENS, "02-enterprise.png"), fullPage: true });

    // The same facts in English.
    await page.click("[data-test=lang]");
    await expect(record.locator("[data-test=period]").textContent()).resolves.toBe("Publicity: 2026-07-15 to 2027-07-15");
    await expect(record.locator("[data-test=period-basis]").textContent()).resolves.toContain("Legal basis: Credit Repair Management Measures (NDRC Order No. 36)");
    await expect(page.textContent("[data-test=commitments]")).resolves.toContain("legal representative");
    await page.screenshot({ path: join(SCREENS, "03-enterprise-en.png"), fullPage: true });
    await page.context().close();
  }, 120_000);

  it("finds a person only by the whole ID number, masked, on a phone", async () => {
    const page = await openPage({ width: 390, height: 844 });
    await page.fill("[data-test=search-input]", ID_NUMBER.slice(0, 10));
    await page.click("[data-test=search-submit]");
    await expect(page.waitForSelector("[data-test=error]:not([hidden])").then((e) => e.textContent())).resolves.toContain("完整的 18 位身份证号码");
    await page.fill("[data-test=search-input]", "黄志明");
    await page.click("[data-test=search-submit]");
    await page.waitForSelector("[data-test=no-results]");
    await page.fill("[data-test=search-input]", ID_NUMBER);
    await page.click("[data-test=search-submit]");
    await page.waitForSelector("[data-test=result]");
    const masked = `${ID_NUMBER.slice(0, 4)}**********${ID_NUMBER.slice(-4)}`;
    await expect(page.textContent("[data-test=result]")).resolves.toContain(masked);
    await expect(page.textContent("[data-test=subject-name]")).resolves.toBe("黄*明");
    await page.click("[data-test=result]");
    await page.waitForSelector("[data-test=subject]");
    await settled(page);
    await expect(page.textContent("[data-test=records]")).resolves.toContain("禅市监罚〔2026〕612号");
    await expect(page.content()).resolves.not.toContain(ID_NUMBER);
    await page.screenshot({ path: join(SCREENS, "04-person-phone.png"), fullPage: true });
    await page.context().close();
  }, 120_000);
});
