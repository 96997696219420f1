// The public credit page in Chromium: the page built by Vite, the API on a real port with real
// PostgreSQL. Search an enterprise by a part of its name, open it, read a record under publicity
// (period and legal basis), the repair granted and its published credit commitment; switch to
// English; find a person only by the whole ID number, masked. Screenshots go to
// .test-output/public-screens/ (gitignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { TestClock, type TestApp } from "../helpers/app.ts";
import { chromiumAvailable } from "../helpers/browser.ts";
import { applyAtKiosk, pageFaults, publishRecord, ROOT, startStage, type Stage } from "../helpers/kiosk-person.ts";
import { generalPenalty } from "../credit/fixtures.ts";
import { idNumber, seedEnterprise, seedPerson, uscc } from "../kiosk/seed.ts";

const SCREENS = join(ROOT, ".test-output", "public-screens");
const ID_NUMBER = idNumber(611);
const USCC = uscc(6601);

let stage: Stage;
let t: TestApp;
let browser: Browser | null = null;
const seeded = { person: "", enterprise: "", shown: "", repaired: "" };

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  stage = await startStage({ prefix: "public", pages: { publicity: "publicity/index.html" }, clock: new TestClock("2026-09-01T02:00:00.000Z") });
  t = stage.t;
  seeded.person = await seedPerson(t.db.pool, { idNumber: ID_NUMBER, name: "黄志明" });
  seeded.enterprise = await seedEnterprise(t.db.pool, { uscc: USCC, name: "佛山市禅城区明志五金制品有限公司", legalRepId: seeded.person });
  seeded.shown = await publishRecord(t, generalPenalty(seeded.enterprise, { decisionNo: "禅市监罚〔2026〕611号", decisionDate: "2026-07-15", legalBasis: "《中华人民共和国产品质量法》第五十条" }));
  seeded.repaired = await publishRecord(t, generalPenalty(seeded.enterprise, { decisionNo: "禅市监罚〔2026〕388号", decisionDate: "2026-04-20" }), "2026-05-06");
  await publishRecord(t, generalPenalty(seeded.person, { decisionNo: "禅市监罚〔2026〕612号", decisionDate: "2026-08-01" }));
  const filed = await applyAtKiosk(t, { device: "kiosk-public-page", enterpriseId: seeded.enterprise, personId: seeded.person, recordIds: [seeded.repaired] });
  expect(filed.status).toBe("approved");
}, 240_000);

afterAll(async () => stage?.close());

async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  browser ??= await stage.browser();
  const context = await browser.newContext({ viewport, locale: "zh-CN" });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("[public page error]", e.message));
  pageFaults(page);
  await page.goto(`${stage.base}/ui/publicity/`);
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
    expect(pageFaults(page)).toEqual([]);
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
    // Only the refused search by a part of the ID number (the API's 400, shown as words above).
    expect(pageFaults(page)).toEqual([`400 ${stage.base}/v1/public/search?q=${ID_NUMBER.slice(0, 10)}`, expect.stringContaining("status of 400")]);
    await page.context().close();
  }, 120_000);
});
