// A lost phone removed at the kiosk, in Chromium: the kiosk built by Vite, the API on a real port
// with real PostgreSQL and the real face engine, a fake camera playing the shared live video of a
// real person (the challenge fixed to "turn right", as that video shows). Two phones are bound
// to him at the registrar's window (software passkeys and WebCrypto device keys, ./phone.ts);
// after his face check the kiosk lists both by the names he gave them, he removes the old one on
// the screen (with the on-screen "are you sure"), and that phone's code is then refused online
// and by an offline verifier with a fresh status list, while the other phone carries on.
// Screenshots go to .test-output/wallet/kiosk-unbind-*.png (gitignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { TestClock, type TestApp } from "../helpers/app.ts";
import { chromiumAvailable } from "../helpers/browser.ts";
import { enrolPerson, openKiosk, pageFaults, ROOT, screen, selfVisitToRecords, startStage, type Stage } from "../helpers/kiosk-person.ts";
import { verifyOnline } from "../codes/fixtures.ts";
import { idNumber } from "../kiosk/seed.ts";
import { call, Phone } from "./phone.ts";

const SHOTS = join(ROOT, ".test-output", "wallet");
const ID_NUMBER = idNumber(1745);

let stage: Stage;
let t: TestApp;
let person = "";
const phones = { old: null as Phone | null, current: null as Phone | null };

async function bindAtRegistrar(name: string): Promise<Phone> {
  const registrar = await t.auth("registrar");
  const offer = await call(t, "POST", "/v1/wallet/offers/registrar", registrar, { subjectId: person });
  expect(offer.status, JSON.stringify(offer.body)).toBe(201);
  const phone = new Phone(t);
  expect((await phone.bind(offer.body.offer as string, name)).status).toBe(201);
  expect((await phone.fetchCode()).status).toBe(200);
  return phone;
}

async function offline() {
  const jwks = (await t.app.inject({ url: "/.well-known/jwks.json" })).json();
  const statusListToken = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
  return createOfflineVerifier({ jwks, statusListToken, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 24 * 3600, now: () => t.clock.now() });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stage = await startStage({ prefix: "unbind", pages: { kiosk: "index.html" }, clock: new TestClock("2026-11-26T02:00:00.000Z"), boot: { testOnlyFaceChallenge: () => "right" } });
  t = stage.t;
  person = await enrolPerson(t, { idNumber: ID_NUMBER, name: "黄志强" });
  phones.old = await bindAtRegistrar("旧手机");
  phones.current = await bindAtRegistrar("新手机");
}, 240_000);

afterAll(async () => stage?.close());

describe.skipIf(!chromiumAvailable())("a lost phone removed at the kiosk", () => {
  it("after the face check lists his phones by name, removes the one he chooses, and that phone's code is refused", async () => {
    // Both phones present codes before.
    for (const p of [phones.old!, phones.current!]) expect((await verifyOnline(t, await p.show())).body).toMatchObject({ valid: true });

    const page = await openKiosk(stage, await stage.browser("live"), { token: await stage.kioskToken("kiosk-unbind-01") });
    await selfVisitToRecords(page, ID_NUMBER);

    await page.click("[data-test=to-unbind]");
    await screen(page, "unbind");
    const rows = page.locator("[data-test=phone]");
    await expect(rows.count()).resolves.toBe(2);
    // Both bound in the same second of the test clock: any order.
    expect((await page.locator("[data-test=phone-name]").allTextContents()).sort()).toEqual(["旧手机", "新手机"].sort());
    // Names and dates only: no identifiers, no keys.
    const listed = (await page.textContent("main"))!;
    expect(listed).not.toContain(ID_NUMBER);
    expect(listed).not.toContain(phones.old!.deviceId!);
    await page.screenshot({ path: join(SHOTS, "kiosk-unbind-01-list-zh.png") });

    const old = page.locator(`[data-test=phone][data-device="${phones.old!.deviceId}"]`);
    // "Keep it" leaves it bound.
    await old.locator("[data-test=unbind-device]").click();
    await expect(old.locator("[data-test=unbind-question]").textContent()).resolves.toContain("旧手机");
    await old.locator("[data-test=unbind-cancel]").click();
    await expect(old.locator("[data-test=unbind-question]").count()).resolves.toBe(0);
    expect((await verifyOnline(t, await phones.old!.show())).body).toMatchObject({ valid: true });

    await old.locator("[data-test=unbind-device]").click();
    await page.screenshot({ path: join(SHOTS, "kiosk-unbind-02-confirm-zh.png") });
    await old.locator("[data-test=unbind-yes]").click();
    await page.waitForSelector("[data-test=unbind-done]");
    await screen(page, "unbind");
    await expect(page.textContent("[data-test=unbind-done]")).resolves.toContain("旧手机");
    await expect(page.locator("[data-test=phone-name]").allTextContents()).resolves.toEqual(["新手机"]);
    await page.screenshot({ path: join(SHOTS, "kiosk-unbind-03-done-zh.png") });
    await page.click("[data-test=lang]");
    await expect(page.textContent("[data-test=unbind-done]")).resolves.toContain("is unbound");
    await expect(page.textContent("main")).resolves.toContain("My own personal code"); // every line redrawn in English
    await page.screenshot({ path: join(SHOTS, "kiosk-unbind-03-done-en.png") });
    await page.click("[data-test=unbind-back]");
    await screen(page, "records");

    // The removed phone still draws its stored code, but nobody accepts it.
    const refused = (await verifyOnline(t, await phones.old!.show())).body;
    expect(refused.valid).toBe(false);
    expect(["device_removed", "superseded"]).toContain(refused.reason);
    expect(await (await offline()).verify(await phones.old!.show())).toMatchObject({ valid: false, reason: "revoked" });
    expect((await phones.old!.signIn()).body.code).toBe("device_removed");
    // The other phone fetches a code of the rotated code id and carries on, online and offline.
    expect((await phones.current!.fetchCode()).status).toBe(200);
    expect((await verifyOnline(t, await phones.current!.show())).body).toMatchObject({ valid: true });
    expect(await (await offline()).verify(await phones.current!.show())).toMatchObject({ valid: true, deviceBound: true });
    expect(pageFaults(page)).toEqual([]);
  }, 300_000);
});
