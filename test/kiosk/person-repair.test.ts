// A person's own credit repair at the kiosk in Chromium (本人办理): a real browser with a fake
// camera playing the shared live video of a real person (he turns his head as the challenge,
// fixed to "turn right" through the test-only boot option, asks), enrolled with his photo; the
// kiosk built by Vite, the API on a real port with real PostgreSQL and the real face engine. No enterprise step: the person's own
// ID number, their own face, their own records (the reasons in plain words with the legal basis,
// the rule id behind "details"), the commitment, the decision and their own fresh code.
// Screenshots go to .test-output/kiosk-screens/person-*.png (gitignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { PNG } from "pngjs";
import { decodeQr } from "../../kiosk/lib/scan.ts";
import { TestClock, type TestApp } from "../helpers/app.ts";
import { chromiumAvailable } from "../helpers/browser.ts";
import { enrolPerson, openKiosk, pageFaults, publishRecord, ROOT, screen, startStage, type Stage } from "../helpers/kiosk-person.ts";
import { startWhenLoopBegins } from "../face/fake-camera.ts";
import { idNumber } from "./seed.ts";

const SCREENS = join(ROOT, ".test-output", "kiosk-screens");
const ID_NUMBER = idNumber(45);

let stage: Stage;
let t: TestApp;
const seeded = { person: "", recordNow: "", recordLater: "" };

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  stage = await startStage({ prefix: "person", pages: { kiosk: "index.html" }, clock: new TestClock("2026-11-26T02:00:00.000Z"), boot: { testOnlyFaceChallenge: () => "right" } });
  t = stage.t;
  seeded.person = await enrolPerson(t, { idNumber: ID_NUMBER, name: "林雅婷" });
  const fine = [{ type: "fine", amount: 2000, description: "罚款人民币贰仟元" }];
  const publish = (body: object, paidOn: string) =>
    publishRecord(t, { subjectId: seeded.person, kind: "admin_penalty", severity: "general", decidingUnit: "佛山市禅城区城市管理和综合执法局", legalBasis: "《城市市容和环境卫生管理条例》第三十四条", obligations: fine, ...body }, paidOn);
  seeded.recordNow = await publish({ decisionNo: "禅城管罚〔2026〕71号", decisionDate: "2026-06-02" }, "2026-06-20");
  seeded.recordLater = await publish({ decisionNo: "禅城管罚〔2026〕133号", decisionDate: "2026-10-09" }, "2026-10-15");
}, 240_000);

afterAll(async () => stage?.close());

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `person-${name}.png`) });

describe.skipIf(!chromiumAvailable())("a person's own repair at the kiosk (本人办理)", () => {
  it("repairs their own record: own ID number, own face, own records, commitment, decision, own code", async () => {
    const page = await openKiosk(stage, await stage.browser("live"), { token: await stage.kioskToken("kiosk-chancheng-09") });
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
    expect(pageFaults(page)).toEqual([]);
    await page.context().close();
  }, 180_000);
});
