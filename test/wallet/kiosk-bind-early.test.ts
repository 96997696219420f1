// A phone bound at the kiosk with no application, in Chromium: a person with nothing to repair
// starts 本人办理, passes the face check on the live video (the challenge fixed to "turn right",
// as that video shows), and on the records screen taps "把码放进手机". The kiosk shows the one-time
// binding QR; "back" returns to the records. A phone (390×844, Chromium's virtual WebAuthn
// authenticator, the wallet's own WebCrypto device key) opens the QR's address, binds, and shows
// his code, which the online verifier and an offline verifier with the published keys accept.
// The API runs on the real clock (the phone signs its device proofs with its own), on localhost
// (a passkey's relying party is a domain name). Neither page asks for anything that is not there
// (no /favicon.ico 404) nor breaks the pages' Content-Security-Policy.
// Screenshots go to .test-output/kiosk/bind-early-*.png (gitignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { PNG } from "pngjs";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { decodeQr } from "../../kiosk/lib/scan.ts";
import { walletPwa } from "../../kiosk/wallet/pwa.ts";
import { chromiumAvailable, launchBrowser } from "../helpers/browser.ts";
import { enrolPerson, openKiosk, pageFaults, phoneContext, RealTimeClock, ROOT, screen, selfVisitToRecords, startStage, type Stage } from "../helpers/kiosk-person.ts";
import { idNumber } from "../kiosk/seed.ts";

const SHOTS = join(ROOT, ".test-output", "kiosk");
const ID_NUMBER = idNumber(1761);

let stage: Stage;
let person = "";

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stage = await startStage({
    prefix: "bind-early",
    pages: { kiosk: "index.html", wallet: "wallet/index.html" },
    plugins: [walletPwa()],
    clock: new RealTimeClock(),
    boot: { testOnlyFaceChallenge: () => "right" },
    passkeys: true,
  });
  // Enrolled, with no record at all: nothing to repair.
  person = await enrolPerson(stage.t, { idNumber: ID_NUMBER, name: "黄志强" });
}, 240_000);

afterAll(async () => stage?.close());

async function shotBoth(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `bind-early-${name}-zh.png`) });
  await page.click("[data-test=lang]");
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(SHOTS, `bind-early-${name}-en.png`) });
  await page.click("[data-test=lang]");
}

const qrOf = (dataUrl: string) => {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64"));
  return decodeQr(new Uint8ClampedArray(png.data), png.width, png.height);
};

describe.skipIf(!chromiumAvailable())("binding a phone at the kiosk without an application", () => {
  it("after the face check the records screen offers the binding QR; a phone binds with it and shows a code the verifiers accept", async () => {
    const t = stage.t;
    const kiosk = await openKiosk(stage, await stage.browser("live"), { token: await stage.kioskToken("kiosk-bind-early") });
    const kioskFaults = pageFaults(kiosk);
    await selfVisitToRecords(kiosk, ID_NUMBER);

    // Nothing to repair, and yet the phone can be bound here (and a lost one removed).
    await expect(kiosk.textContent("main")).resolves.toContain("没有");
    await expect(kiosk.locator("[data-test=to-commitment]").count()).resolves.toBe(0);
    await expect(kiosk.textContent("[data-test=to-bind]")).resolves.toBe("把码放进手机");
    await expect(kiosk.locator("[data-test=to-unbind]").count()).resolves.toBe(1);
    await kiosk.click("[data-test=lang]");
    await expect(kiosk.textContent("[data-test=to-bind]")).resolves.toBe("Put my code on my phone");
    await kiosk.click("[data-test=lang]");
    await shotBoth(kiosk, "01-records");

    await kiosk.click("[data-test=to-bind]");
    await screen(kiosk, "bind");
    await expect(kiosk.textContent("h2")).resolves.toContain("个人码");
    await expect(kiosk.textContent("[data-test=bind-expires]")).resolves.toContain("只能用一次");
    // Still the records' step: nothing was applied for.
    await expect(kiosk.textContent("[data-test=step]")).resolves.toContain("3");
    await expect(kiosk.textContent("[data-test=bind-for]")).resolves.toBe("黄*强");
    // A person's own visit has one code: no "bind my own code instead".
    await expect(kiosk.locator("[data-test=bind-own]").count()).resolves.toBe(0);
    const bindUrl = qrOf((await kiosk.getAttribute("[data-test=bind-qr]", "src"))!);
    expect(bindUrl).toMatch(new RegExp(`^${stage.base}/ui/wallet/#bind=wb1_[A-Za-z0-9_-]{43}$`));
    await shotBoth(kiosk, "02-bind");
    // Back returns to the records, as they were.
    await kiosk.click("[data-test=bind-back]");
    await screen(kiosk, "records");
    await expect(kiosk.locator("[data-test=to-bind]").count()).resolves.toBe(1);

    // The phone: opens the wallet (its welcome says where to bind), then the QR's address.
    const phones = await launchBrowser();
    const { page: phone } = await phoneContext(phones, "phone");
    const phoneFaults = pageFaults(phone);
    try {
      await phone.goto(`${stage.base}/ui/wallet/`);
      await screen(phone, "welcome");
      await expect(phone.textContent("body")).resolves.toContain("刷脸核验后点“把码放进手机”");
      await phone.click("[data-test=lang]");
      await expect(phone.textContent("body")).resolves.toContain("after the face check, tap “Put my code on my phone”");
      await phone.click("[data-test=lang]");
      await phone.goto(bindUrl);
      await screen(phone, "bind");
      await expect(phone.textContent("[data-test=bind-subject]")).resolves.toContain("黄");
      await phone.click("[data-test=bind]");
      await screen(phone, "home-code");
      await phone.waitForSelector("[data-test=qr]");
      await shotBoth(phone, "03-phone-code");
      // Read as an official's scanner reads it: from the phone's screen.
      const shown = PNG.sync.read(await phone.screenshot());
      const code = decodeQr(new Uint8ClampedArray(shown.data), shown.width, shown.height);
      expect(code).toMatch(/^OC2:\/\d+$/);

      const online = (await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: code } })).json();
      expect(online).toMatchObject({ valid: true, deviceBound: true, subject: { kind: "person" } });
      const offline = await createOfflineVerifier({
        jwks: (await t.app.inject({ url: "/.well-known/jwks.json" })).json(),
        statusListToken: (await t.app.inject({ url: "/v1/status-lists/1" })).body,
        issuer: t.ctx.config.publicUrl,
        maxDataAgeSeconds: 3600,
        now: () => new Date(),
      });
      expect(await offline.verify(code)).toMatchObject({ valid: true, deviceBound: true });
      // The phone is his, bound through this kiosk session's offer, which is now used.
      const bound = await t.db.pool.query(
        `SELECT d.holder_id, d.capacity, o.kiosk_session_id IS NOT NULL AS at_kiosk, o.used_at IS NOT NULL AS used
           FROM wallet_devices d JOIN wallet_binding_offers o ON o.device_id = d.id WHERE d.subject_id = $1 AND d.removed_at IS NULL`,
        [person],
      );
      expect(bound.rows).toEqual([{ holder_id: person, capacity: "self", at_kiosk: true, used: true }]);
      // The same QR a second time: refused, in words.
      await phone.goto(bindUrl);
      await expect(phone.waitForSelector("[data-test=error]", { timeout: 30_000 }).then((e) => e.getAttribute("data-code"))).resolves.toBe("binding_offer_used");
    } finally {
      await phones.close();
    }
    expect(kioskFaults).toEqual([]);
    expect(phoneFaults.filter((f) => !/binding_offer_used|409/.test(f))).toEqual([]);
  }, 300_000);
});
