// A person's own credit repair at the kiosk in Chromium (本人办理): a real browser with a fake
// camera playing the shared live video of a real person (he turns his head as the challenge,
// fixed to "turn right" through the test-only boot option, asks), enrolled with his photo; the
// kiosk built by Vite, the API on a real port with real PostgreSQL and the real face engine. No enterprise step: the person's own
// ID number, their own face, their own records (the reasons in plain words with the legal basis,
// the rule id behind "details"), the commitment, the decision and their own fresh code.
// Screenshots go to .test-output/kiosk-screens/person-*.png (gitignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { PNG } from "pngjs";
import { build } from "vite";
import { decodeQr } from "../../kiosk/lib/scan.ts";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { chromiumAvailable, launchBrowser } from "../helpers/browser.ts";
import { faceBytes, REFERENCE_PHOTO } from "../face/data.ts";
import { liveCameraVideo, startWhenLoopBegins } from "../face/fake-camera.ts";
import { idNumber } from "./seed.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const SCREENS = join(ROOT, ".test-output", "kiosk-screens");
const ID_NUMBER = idNumber(45);

let t: TestApp;
let base: string;
let work: string;
let uiDir: string;
let kioskToken: string;
let browser: Browser | null = null;
const seeded = { person: "", recordNow: "", recordLater: "" };

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), "onecode-person-"));
  uiDir = join(work, "ui");
  await build({
    configFile: false,
    root: join(ROOT, "kiosk"),
    base: "/ui/",
    publicDir: false,
    logLevel: "warn",
    build: { outDir: uiDir, emptyOutDir: true, target: "es2022", rollupOptions: { input: { kiosk: join(ROOT, "kiosk", "index.html") } } },
  });
  t = await buildTestApp({ clock: new TestClock("2026-11-26T02:00:00.000Z"), boot: { testOnlyFaceChallenge: () => "right" } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  kioskToken = (await t.auth("kiosk", "kiosk-chancheng-09")).authorization.slice(7);
  const registrar = await t.auth("registrar");
  const agency = await t.auth("credit_agency");
  const enrolled = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: ID_NUMBER, name: "林雅婷", referencePhoto: Buffer.from(faceBytes(REFERENCE_PHOTO)).toString("base64") } });
  expect(enrolled.statusCode, enrolled.body).toBe(201);
  seeded.person = enrolled.json().id;
  const fine = [{ type: "fine", amount: 2000, description: "罚款人民币贰仟元" }];
  const publish = async (body: object, paidOn?: string) => {
    const r = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: { subjectId: seeded.person, kind: "admin_penalty", severity: "general", decidingUnit: "佛山市禅城区城市管理和综合执法局", legalBasis: "《城市市容和环境卫生管理条例》第三十四条", obligations: fine, ...body } });
    expect(r.statusCode, r.body).toBe(201);
    if (paidOn) expect((await t.app.inject({ method: "POST", url: `/v1/records/${r.json().id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: paidOn } })).statusCode).toBe(201);
    return r.json().id as string;
  };
  seeded.recordNow = await publish({ decisionNo: "禅城管罚〔2026〕71号", decisionDate: "2026-06-02" }, "2026-06-20");
  seeded.recordLater = await publish({ decisionNo: "禅城管罚〔2026〕133号", decisionDate: "2026-10-09" }, "2026-10-15");
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openKiosk(): Promise<Page> {
  const file = join(work, "person.y4m");
  if (!existsSync(file)) writeFileSync(file, liveCameraVideo());
  browser ??= await launchBrowser({ fakeVideo: file });
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, deviceScaleFactor: 1, locale: "zh-CN" });
  await context.grantPermissions(["camera"], { origin: base });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("[kiosk page error]", e.message));
  await page.route(`${base}/ui/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.replace(/^\/ui\/?/, "") || "index.html";
    const target = normalize(join(uiDir, path));
    if (!target.startsWith(uiDir) || !existsSync(target)) return route.fulfill({ status: 404, body: "not found" });
    return route.fulfill({ path: target });
  });
  await page.goto(`${base}/ui/#token=${kioskToken}`);
  await page.waitForSelector("body[data-screen=welcome]");
  return page;
}

const screen = (page: Page, name: string, timeout = 30_000) => page.waitForSelector(`body[data-screen=${name}][data-busy=false]`, { timeout });
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `person-${name}.png`) });

describe.skipIf(!chromiumAvailable())("a person's own repair at the kiosk (本人办理)", () => {
  it("repairs their own record: own ID number, own face, own records, commitment, decision, own code", async () => {
    const page = await openKiosk();
    await page.click("[data-test=start-self]");
    await screen(page, "self");
    await shot(page, "01-id-number");
    // A typo in the check character is caught at the field.
    await page.fill("[data-test=self-id-input]", ID_NUMBER.slice(0, 17) + (ID_NUMBER[17] === "1" ? "2" : "1"));
    await page.click("[data-test=self-next]");
    await expect(page.textContent("[data-test=error]")).resolves.toContain("身份证号码不正确");
    await page.fill("[data-test=self-id-input]", ID_NUMBER);
    await page.click("[data-test=self-next]");

    await page.waitForSelector("[data-test=face-start]", { timeout: 30_000 });
    await expect(page.textContent(".face-who")).resolves.toContain("林*婷");
    await startWhenLoopBegins(page);
    await page.waitForSelector("[data-test=face-challenge][data-action=turn_right]", { timeout: 10_000 });
    // The records, or the face check's refusal named (so a failure here says why).
    await page.waitForSelector("body[data-screen=records][data-busy=false], [data-test=face-reason]", { timeout: 120_000 });
    const refusal = (await page.locator("[data-test=face-reason]").count()) > 0 ? await page.getAttribute("[data-test=face-reason]", "data-reason") : null;
    expect(refusal, "the face check refused").toBeNull();
    await screen(page, "records");
    await expect(page.textContent("h2")).resolves.toContain("林*婷");
    await expect(page.locator("[data-test=group-now] [data-record]").getAttribute("data-record")).resolves.toBe(seeded.recordNow);

    // The reason in plain words with its legal basis; the rule id only behind "details".
    const later = page.locator("[data-test=group-later]");
    const shown = await later.innerText();
    expect(shown).toContain("最短公示期为3个月，到2027年1月9日届满，2027年1月10日起可以申请信用修复。");
    expect(shown).toContain("依据：《信用修复管理办法》（国家发展和改革委员会令第36号）");
    expect(shown).not.toContain("national-2026");
    await later.locator("summary").click();
    await expect(later.locator("[data-test=rule-id]").innerText()).resolves.toBe("national-2026.min_period.general · national-2026");
    await shot(page, "02-records");
    // The same facts in English.
    await page.click("[data-test=lang]");
    await expect(page.locator("[data-test=group-later] [data-test=reason]").innerText()).resolves.toContain(
      "The minimum publicity period is 3 months and ends on 9 January 2027: you can apply for credit repair from 10 January 2027.",
    );
    await page.click("[data-test=lang]");

    await page.click("[data-test=to-commitment]");
    await screen(page, "commitment");
    await page.check("[data-test=accept]");
    const pad = (await page.locator("[data-test=signature]").boundingBox())!;
    await page.mouse.move(pad.x + pad.width * 0.2, pad.y + pad.height * 0.6);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(pad.x + pad.width * (0.2 + i * 0.06), pad.y + pad.height * (0.6 - 0.2 * Math.sin(i / 2)));
    await page.mouse.up();
    await page.click("[data-test=submit]");

    await screen(page, "decision");
    await expect(page.getAttribute("[data-test=decision]", "data-status")).resolves.toBe("approved");
    await expect(page.textContent("[data-test=decision]")).resolves.toContain("您的信用状况已更新");
    const applicationNo = (await page.textContent("[data-test=application-no]"))!;
    await shot(page, "03-decision");
    await page.click("[data-test=to-code]");
    await screen(page, "code");
    await expect(page.textContent("h2")).resolves.toBe("本人信用码");
    await expect(page.textContent("[data-test=receipt]")).resolves.toContain("林*婷（本人）");
    await shot(page, "04-code");

    // Filed for themself, through the kiosk's face check of their own face.
    const app = (await t.db.pool.query("SELECT subject_id, applicant_person_id, capacity, channel, status FROM repair_applications WHERE id = $1", [applicationNo])).rows[0];
    expect(app).toEqual({ subject_id: seeded.person, applicant_person_id: seeded.person, capacity: "self", channel: "kiosk", status: "approved" });
    expect((await t.db.pool.query("SELECT status FROM credit_records WHERE id = $1", [seeded.recordNow])).rows[0].status).toBe("repaired");
    // The QR on screen is the person's own current code.
    const src = (await page.getAttribute("[data-test=qr]", "src"))!;
    const png = PNG.sync.read(Buffer.from(src.replace(/^data:image\/png;base64,/, ""), "base64"));
    const qr = decodeQr(new Uint8ClampedArray(png.data), png.width, png.height);
    const verdict = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: qr } });
    expect(verdict.json()).toMatchObject({ valid: true, subject: { kind: "person" } });
    await page.click("[data-test=done]");
    await screen(page, "welcome");
    await page.context().close();
  }, 180_000);
});
