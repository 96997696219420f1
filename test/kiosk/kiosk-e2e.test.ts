// The kiosk end to end in Chromium: a real browser with a fake camera playing a .y4m made from the
// shared live video of a real person (../shared/faces: he turns his head, as the challenge asks)
// or from his enrolled photo held still, the kiosk page built by Vite, the API on a real port with
// real PostgreSQL and the real face engine. The challenge is fixed to "turn right" (what the
// video shows) through the test-only boot option; test/face/fake-camera.ts starts the attempt as
// the video's loop begins. Screenshots of every step go to .test-output/kiosk-screens/ (gitignored).
//
// The page is built into a folder of this test's own and served by the API under /ui/ with its
// security headers (../helpers/kiosk-person.ts): other engineers rebuild kiosk/dist while tests run.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { PNG } from "pngjs";
import { decodeQr } from "../../kiosk/lib/scan.ts";
import type { TestApp } from "../helpers/app.ts";
import { chromiumAvailable } from "../helpers/browser.ts";
import { enrolPerson, openKiosk as openKioskPage, pageFaults, publishRecord as publish, ROOT, screen, startStage, type Stage } from "../helpers/kiosk-person.ts";
import { OTHER_PEOPLE } from "../face/data.ts";
import { startWhenLoopBegins } from "../face/fake-camera.ts";
import { idNumber, uscc } from "./seed.ts";

const SCREENS = join(ROOT, ".test-output", "kiosk-screens");
// KIOSK_SCREENS=390x844 takes the screenshots at that size instead, each screen in Chinese
// and then in English (switched and back), to look at the layout on a phone.
const PHONE = /^(\d+)x(\d+)$/.exec(process.env.KIOSK_SCREENS ?? "");
const PORTRAIT = PHONE ? { width: Number(PHONE[1]), height: Number(PHONE[2]) } : { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };

let stage: Stage;
let t: TestApp;
let kioskToken: string;

const seeded = {
  alice: "",
  bob: "",
  enterprise: "",
  uscc: uscc(2001),
  recordNow: "",
  recordLater: "",
  recordNot: "",
};

async function api(method: string, url: string, headers: Record<string, string>, payload?: unknown) {
  const r = await t.app.inject({ method: method as "POST", url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> };
}

const publishRecord = (input: Record<string, unknown>, paidOn?: string) =>
  publish(t, { subjectId: seeded.enterprise, decidingUnit: "佛山市禅城区市场监督管理局", legalBasis: "《中华人民共和国行政处罚法》", ...input }, paidOn);

/** A browser whose camera shows the live person ("live") or his enrolled photo held still ("still"). */
const browserWithCamera = (name: "live" | "still") => stage.browser(name);

const openKiosk = (browser: Browser, query = ""): Promise<Page> => openKioskPage(stage, browser, { token: kioskToken, viewport: PORTRAIT, query });

async function shot(page: Page, name: string, both = false): Promise<void> {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SCREENS, `${name}-portrait.png`), fullPage: false });
  // A switch redraws the screen, and a drawn signature with it: not on a signed commitment.
  if (PHONE && !name.includes("signed")) {
    await page.click("[data-test=lang]");
    await page.screenshot({ path: join(SCREENS, `${name}-portrait-en.png`), fullPage: true });
    await page.click("[data-test=lang]");
  }
  if (both) {
    await page.setViewportSize(LANDSCAPE);
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(SCREENS, `${name}-landscape.png`), fullPage: false });
    await page.setViewportSize(PORTRAIT);
    await page.waitForTimeout(150);
  }
}

async function enterEnterprise(page: Page, value: string): Promise<void> {
  await page.click("[data-test=start]");
  await screen(page, "enterprise");
  await page.fill("[data-test=enterprise-input]", value);
}

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  mkdirSync(join(ROOT, ".test-output", "kiosk"), { recursive: true });
  stage = await startStage({ prefix: "kiosk", pages: { kiosk: "index.html" }, boot: { testOnlyFaceChallenge: () => "right" } });
  t = stage.t;
  kioskToken = await stage.kioskToken("kiosk-chancheng-07");

  // Enrolment through the API, reference photos included (the face feature's enrolment hook).
  seeded.alice = await enrolPerson(t, { idNumber: idNumber(31), name: "李晓梅" });
  seeded.bob = await enrolPerson(t, { idNumber: idNumber(32), name: "王建国", photo: OTHER_PEOPLE[0]! });
  const ent = await api("POST", "/v1/enterprises", await t.auth("registrar"), { uscc: seeded.uscc, name: "佛山市禅城区晓梅商贸有限公司", legalRepresentativeId: seeded.alice });
  expect(ent.status, JSON.stringify(ent.body)).toBe(201);
  seeded.enterprise = ent.body.id as string;

  // The test clock stands at 2026-11-26. A general penalty of 2026-05-10 with its fine paid:
  // the 3-month minimum has passed → repairable now. One of 2026-10-09: minimum not yet over
  // → later, with the date. One that a law forbids repairing → not repairable, with the reason.
  const fine = [{ type: "fine", amount: 5000, description: "罚款人民币五千元" }];
  seeded.recordNow = await publishRecord({ kind: "admin_penalty", severity: "general", decisionNo: "佛禅市监罚〔2026〕118号", decisionDate: "2026-05-10", obligations: fine }, "2026-06-01");
  seeded.recordLater = await publishRecord({ kind: "admin_penalty", severity: "general", decisionNo: "佛禅市监罚〔2026〕305号", decisionDate: "2026-10-09", obligations: fine }, "2026-10-20");
  seeded.recordNot = await publishRecord({
    kind: "admin_penalty",
    severity: "general",
    decisionNo: "佛禅市监罚〔2026〕077号",
    decisionDate: "2026-04-20",
    repairable: false,
    notRepairableBasis: "食品安全严重违法，法律规定不予修复",
  });
}, 240_000);

afterAll(async () => stage?.close());

describe.skipIf(!chromiumAvailable())("the kiosk in Chromium", () => {
  let repairBody: Record<string, unknown> | null = null;

  it("(a) the enrolled legal representative repairs a record and leaves with a fresh code", async () => {
    const browser = await browserWithCamera("live");
    const page = await openKiosk(browser);
    page.on("request", (request) => {
      if (request.url().endsWith("/v1/repair-applications") && request.method() === "POST") repairBody = request.postDataJSON();
    });
    await shot(page, "01-welcome", true);
    await page.click("[data-test=lang]");
    await expect(page.textContent("h1")).resolves.toContain("self-service");
    await shot(page, "01-welcome-en");
    await page.click("[data-test=lang]");
    await expect(page.textContent("h1")).resolves.toContain("企业信用修复");

    await enterEnterprise(page, seeded.uscc.slice(0, 17) + (seeded.uscc[17] === "0" ? "1" : "0"));
    await page.click("[data-test=enterprise-next]");
    await expect(page.textContent("[data-test=error]")).resolves.toContain("统一社会信用代码不正确");
    await page.fill("[data-test=enterprise-input]", seeded.uscc);
    await shot(page, "02-enterprise", true);
    await page.click("[data-test=enterprise-next]");

    await page.waitForSelector("[data-test=face-start]", { timeout: 30_000 });
    await expect(page.textContent(".face-who")).resolves.toContain("李*梅");
    await shot(page, "03-face-ready", true);
    await startWhenLoopBegins(page);
    await page.waitForSelector("[data-test=face-challenge][data-action=turn_right][data-phase=turn]", { timeout: 10_000 });
    await expect(page.textContent("[data-test=face-challenge]")).resolves.toContain("请慢慢向右转头");
    await expect(page.locator("[data-test=face-cue]").count()).resolves.toBe(1);
    await shot(page, "04-face-capturing");
    await screen(page, "records", 60_000);

    const now = page.locator("[data-test=group-now] [data-record]");
    await expect(now.count()).resolves.toBe(1);
    await expect(now.first().getAttribute("data-record")).resolves.toBe(seeded.recordNow);
    await expect(page.locator("[data-test=group-later]").textContent()).resolves.toMatch(/2027-01-\d\d 起可以申请/);
    await expect(page.locator("[data-test=group-later]").textContent()).resolves.toContain("最短公示期为3个月");
    await expect(page.locator("[data-test=group-not]").textContent()).resolves.toContain("食品安全严重违法");
    await expect(page.locator("[data-test=record-check]").isChecked()).resolves.toBe(true);
    await shot(page, "05-records", true);

    // A phone can be bound here already, before any application: the enterprise's code for its
    // legal representative, or her own personal code; "back" returns to the records as they were.
    await page.click("[data-test=to-bind]");
    await screen(page, "bind");
    await expect(page.textContent("h2")).resolves.toContain("企业码");
    await expect(page.textContent("[data-test=bind-for]")).resolves.toBe("佛山市禅城区晓梅商贸有限公司 · 持码人 李*梅");
    await expect(page.textContent("[data-test=step]")).resolves.toContain("3");
    await page.screenshot({ path: join(ROOT, ".test-output", "kiosk", "bind-early-enterprise-zh.png") });
    await page.click("[data-test=bind-own]");
    await screen(page, "bind");
    await expect(page.textContent("h2")).resolves.toContain("个人码");
    await expect(page.locator("[data-test=bind-own]").count()).resolves.toBe(0);
    await page.click("[data-test=lang]");
    await page.screenshot({ path: join(ROOT, ".test-output", "kiosk", "bind-early-own-en.png") });
    await page.click("[data-test=lang]");
    await page.click("[data-test=bind-back]");
    await screen(page, "records");
    await expect(page.locator("[data-test=record-check]").isChecked()).resolves.toBe(true);
    const offers = await t.db.pool.query(`SELECT holder_id, subject_id, used_at FROM wallet_binding_offers ORDER BY issued_at, subject_id = holder_id`);
    expect(offers.rows).toEqual([
      { holder_id: seeded.alice, subject_id: seeded.enterprise, used_at: null },
      { holder_id: seeded.alice, subject_id: seeded.alice, used_at: null },
    ]);

    await page.click("[data-test=to-commitment]");
    await screen(page, "commitment");
    await expect(page.textContent("[data-test=commitment-text]")).resolves.toContain("信用承诺书");
    await expect(page.locator("[data-test=submit]").isDisabled()).resolves.toBe(true);
    await page.check("[data-test=accept]");
    await page.locator("[data-test=signature]").scrollIntoViewIfNeeded(); // below the fold on a phone
    const pad = (await page.locator("[data-test=signature]").boundingBox())!;
    await page.mouse.move(pad.x + pad.width * 0.2, pad.y + pad.height * 0.6);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(pad.x + pad.width * (0.2 + i * 0.05), pad.y + pad.height * (0.6 - 0.25 * Math.sin(i / 2)));
    await page.mouse.up();
    await expect(page.locator("[data-test=submit]").isDisabled()).resolves.toBe(false);
    await shot(page, "06-commitment-signed", true);
    await page.click("[data-test=submit]");

    await screen(page, "decision");
    await expect(page.getAttribute("[data-test=decision]", "data-status")).resolves.toBe("approved");
    const applicationNo = (await page.textContent("[data-test=application-no]"))!;
    await shot(page, "07-decision", true);
    await page.click("[data-test=to-code]");
    await screen(page, "code");
    await expect(page.textContent("[data-test=receipt-no]")).resolves.toBe(applicationNo);
    await shot(page, "08-code-receipt", true);

    // The application went through the face assertion and the record is repaired.
    const app = await t.db.pool.query(`SELECT status, channel, applicant_person_id FROM repair_applications WHERE id = $1`, [applicationNo]);
    expect(app.rows[0]).toMatchObject({ status: "approved", channel: "kiosk", applicant_person_id: seeded.alice });
    const record = await t.db.pool.query(`SELECT status FROM credit_records WHERE id = $1`, [seeded.recordNow]);
    expect(record.rows[0].status).toBe("repaired");
    const used = await t.db.pool.query(`SELECT count(*)::int AS n FROM face_assertions WHERE person_id = $1 AND used_at IS NOT NULL`, [seeded.alice]);
    expect(used.rows[0].n).toBe(1);

    // The QR on screen is the enterprise's genuine, current code.
    const src = (await page.getAttribute("[data-test=qr]", "src"))!;
    const png = PNG.sync.read(Buffer.from(src.replace(/^data:image\/png;base64,/, ""), "base64"));
    const qr = decodeQr(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(qr).toMatch(/^OC1:\//);
    const verdict = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: qr } });
    expect(verdict.json()).toMatchObject({ valid: true, subject: { kind: "enterprise" } });

    await page.click("[data-test=done]");
    await screen(page, "welcome");
    await expect(page.content()).resolves.not.toContain(applicationNo);
    // Nothing failed to load, nothing broke the pages' policy (the API serves the page with it).
    expect(pageFaults(page)).toEqual([]);
    await page.context().close();
  }, 180_000);

  it("(c) the kiosk's own application, replayed with the same face assertion, is refused", async () => {
    expect(repairBody, "the kiosk's repair request was captured in (a)").not.toBeNull();
    expect(repairBody!.faceAssertion).toMatch(/^fa1_/);
    const kiosk = { authorization: `Bearer ${kioskToken}` };
    // the same request again: the assertion is spent
    const replay = await api("POST", "/v1/repair-applications", kiosk, { ...repairBody, recordIds: [seeded.recordLater] });
    expect(replay.body).toMatchObject({ status: 403, code: "face_assertion_used" });
    // without any assertion, a kiosk cannot apply at all
    const { faceAssertion: _drop, ...bare } = repairBody!;
    const none = await api("POST", "/v1/repair-applications", kiosk, bare);
    expect(none.body).toMatchObject({ status: 403, code: "face_assertion_required" });
    // a forged one is unknown
    const forged = await api("POST", "/v1/repair-applications", kiosk, { ...repairBody, faceAssertion: "fa1_" + "A".repeat(43) });
    expect(forged.body).toMatchObject({ status: 403, code: "face_assertion_invalid" });
    const apps = await t.db.pool.query(`SELECT count(*)::int AS n FROM repair_applications`);
    expect(apps.rows[0].n).toBe(1);
  });

  it("(b) the enrolled photo held to the camera is refused on screen; an unavailable service and a lost connection say so, with a retry", async () => {
    const browser = await browserWithCamera("still");
    const page = await openKiosk(browser);
    await enterEnterprise(page, seeded.uscc);
    await page.click("[data-test=enterprise-next]");
    await page.waitForSelector("[data-test=face-start]", { timeout: 30_000 });
    const reason = async () => {
      await page.waitForSelector("[data-test=face-reason]", { timeout: 60_000 });
      return { code: await page.getAttribute("[data-test=face-reason]", "data-reason"), text: await page.textContent("[data-test=face-reason]") };
    };
    // the face engine cannot run: the service is unavailable (the API's 503), never a skipped check
    await page.route("**/face/challenge", (route) =>
      route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ status: 503, code: "face_engine_unavailable", detail: "down" }) }),
    );
    await page.click("[data-test=face-start]");
    expect(await reason()).toMatchObject({ code: "face_engine_unavailable", text: expect.stringContaining("人脸核验服务暂时不可用") });
    await expect(page.locator("[data-test=face-retry]").count()).resolves.toBe(1);
    await shot(page, "09a-face-unavailable");
    await page.unroute("**/face/challenge");
    // the frames never reach the server: the screen says the connection was lost, not "refused"
    await page.route("**/sessions/*/face", (route) => route.abort("internetdisconnected"));
    await page.click("[data-test=face-retry]");
    await page.waitForSelector("[data-test=face-challenge]", { timeout: 10_000 });
    await page.waitForSelector("[data-test=face-reason][data-reason=network]", { timeout: 60_000 });
    expect(await reason()).toMatchObject({ text: expect.stringContaining("网络连接中断") });
    await expect(page.locator("[data-test=face-retry]").count()).resolves.toBe(1);
    await shot(page, "09b-face-network");
    await page.unroute("**/sessions/*/face");
    // retried with the same challenge: the still photo is refused as one, in plain words, without scores
    await page.click("[data-test=face-retry]");
    await page.waitForSelector("[data-test=face-reason][data-reason=static_capture]", { timeout: 60_000 });
    expect(await reason()).toMatchObject({ text: expect.stringContaining("不要使用照片") });
    await expect(page.locator("[data-test=face-retry]").count()).resolves.toBe(1);
    await expect(page.locator(".scores").count()).resolves.toBe(0);
    await expect(page.textContent("body")).resolves.not.toMatch(/0\.\d{2}/);
    await shot(page, "09-face-refused", true);
    expect(await page.evaluate(() => document.body.dataset.screen)).toBe("face");
    const attempts = await t.db.pool.query(`SELECT verdict, reason FROM face_attempts WHERE person_id = $1 ORDER BY id DESC`, [seeded.alice]);
    expect(attempts.rows[0]).toMatchObject({ verdict: "refused", reason: "static_capture" });
    expect(attempts.rows.filter((r) => r.verdict === "refused")).toHaveLength(1); // the lost attempt was never one
    const issued = await t.db.pool.query(`SELECT count(*)::int AS n FROM face_assertions a JOIN face_attempts f ON f.id = a.attempt_id WHERE f.verdict = 'refused'`);
    expect(issued.rows[0].n).toBe(0);
    await page.context().close();
  }, 180_000);

  it("(d) the idle timer wipes the screen and ends the session (enterprise identified by its scanned code)", async () => {
    const code = await api("GET", `/v1/subjects/${seeded.enterprise}/code`, { authorization: `Bearer ${kioskToken}` });
    const scanned = code.body.qrText as string; // what a QR scanner types into the focused field
    expect(scanned).toMatch(/^OC1:\/\d+$/);
    const browser = await browserWithCamera("still");
    const page = await openKiosk(browser, "?idle=3");
    let sessionId = "";
    page.on("response", async (response) => {
      if (response.url().endsWith("/v1/kiosk/sessions") && response.request().method() === "POST") sessionId = (await response.json()).sessionId;
    });
    await enterEnterprise(page, "");
    await page.keyboard.insertText(scanned);
    await page.keyboard.press("Enter");
    await page.waitForSelector("[data-test=face-start]", { timeout: 30_000 });
    await expect(page.textContent(".face-who")).resolves.toContain("李*梅");
    await page.waitForSelector("[data-test=idle-bar]:not([hidden])", { timeout: 5_000 });
    await shot(page, "10-idle-warning");
    await screen(page, "welcome", 10_000);
    await expect(page.textContent("[data-test=notice]")).resolves.toContain("因长时间未操作");
    const html = await page.content();
    expect(html).not.toContain(scanned.slice(5, 40));
    expect(html).not.toContain("李*梅");
    expect(await page.evaluate(() => document.querySelector("video")?.srcObject ?? null)).toBeNull();
    await shot(page, "11-idle-wiped", true);
    expect(sessionId).not.toBe("");
    await expect
      .poll(async () => (await t.db.pool.query(`SELECT ended_at FROM kiosk_sessions WHERE id = $1`, [sessionId])).rows[0]?.ended_at ?? null, { timeout: 5_000 })
      .not.toBeNull();
    await page.context().close();
  }, 120_000);
});
