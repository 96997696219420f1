// A registrar in Chromium (the must-show): enrols a person with the form, finds an
// enterprise by its USCC, opens it, views the unmasked identifier only after choosing a
// purpose, uploads the legal representative's face reference (the real face engine checks the
// photo), and the auditor's access log shows the unmasking with the registrar's name, unit and
// purpose. The credit agency's form and the subject look-up are shot too. Screens in both
// languages under .test-output/backoffice/. Real PostgreSQL, the API's own routes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumAvailable } from "../helpers/browser.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { facePath, REFERENCE_PHOTO } from "../face/data.ts";
import { open, ready, shoot, signInWithTotp, SHOTS, startBackOffice, totpAccount, type BackOffice } from "./stack.ts";

/** Both languages of a state the language switch would redraw away: `again` restores it once, in the other language. */
async function shootBoth(page: Page, name: string, again: () => Promise<void>): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.zh.png`), fullPage: true });
  await page.click("#lang");
  await ready(page);
  await again();
  await page.screenshot({ path: join(SHOTS, `${name}.en.png`), fullPage: true });
  await page.click("#lang");
  await ready(page);
}

describe.skipIf(!chromiumAvailable())("a registrar in the back office (Chromium)", () => {
  let t: BackOffice;
  beforeAll(async () => {
    t = await startBackOffice();
  }, 300_000);
  afterAll(async () => t?.stop());

  it("enrols, finds a subject by USCC, unmasks its identifier for a purpose, uploads a face; the access log shows it", async () => {
    const registrar = await totpAccount(t, "zhao.registrar", ["registrar"], "禅城区政务服务中心");
    const { page, errors } = await t.newPage();
    await signInWithTotp(t, page, registrar);
    await open(page, t.url, "registrar");
    await shoot(page, "registrar");

    // A person enrolled with the form; a wrong ID number is refused on the page first.
    await page.fill("#person-id", "44060419850312001A");
    await page.fill("#person-name", "林晓华");
    await page.click("#enrol-person button[type=submit]");
    expect(await page.locator("#enrol-person").innerText()).toContain("身份证号码");
    const id = personId(4242);
    await page.fill("#person-id", id);
    await page.click("#enrol-person button[type=submit]");
    await page.waitForSelector("#enrolled-link");
    const person = (await t.db.pool.query<{ id: string }>("SELECT id FROM subjects WHERE identifier = $1", [id])).rows[0]!;

    // Its enterprise (over HTTP), then found on the page by USCC.
    const code = uscc(4242);
    const ent = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers: await t.auth("registrar", "registrar-1"), payload: { uscc: code, name: "佛山市禅城区林氏五金有限公司", legalRepresentativeId: person.id } });
    expect(ent.statusCode, ent.body).toBe(201);
    await open(page, t.url, "registrar");
    await page.fill("#registrar-search-q", code);
    await page.click("#registrar-search button[type=submit]");
    await page.waitForSelector(`#registrar-search-results [data-subject="${ent.json().id}"]`);
    expect(await page.locator("#registrar-search-results").innerText()).not.toContain(code); // masked
    await page.click(`#registrar-search-results [data-subject="${ent.json().id}"]`);
    await page.waitForSelector("#subject");
    await ready(page);
    expect(await page.locator("#masked-identifier").innerText()).not.toBe(code);
    await shoot(page, "subject");

    // Unmasking needs a purpose; the log is written before the identifier is shown.
    await page.click("#unmask");
    await page.waitForSelector("#purpose-required");
    expect(await page.locator("#full-identifier").count()).toBe(0);
    const unmask = async () => {
      await page.selectOption("#unmask-purpose", "code_service");
      await page.click("#unmask");
      await page.waitForSelector("#full-identifier");
    };
    await unmask();
    expect(await page.locator("#full-identifier").innerText()).toBe(code);
    await shootBoth(page, "subject-unmasked", unmask);

    // The legal representative's face reference: a real photo, checked by the face engine.
    await open(page, t.url, `subject/${person.id}`);
    await page.waitForSelector("#face-photo");
    await page.setInputFiles("#face-photo", { name: "reference.jpg", mimeType: "image/jpeg", buffer: readFileSync(facePath(REFERENCE_PHOTO)) });
    await page.click("#face-upload");
    await page.waitForSelector("#face-stored", { timeout: 120_000 });
    expect((await t.db.pool.query("SELECT 1 FROM face_references WHERE person_id = $1", [person.id])).rowCount).toBe(1);
    await shoot(page, "subject-person");
    expect(errors).toEqual([]);

    // The auditor sees the unmasking: who (name and unit), which subject, for what purpose.
    const auditor = await totpAccount(t, "he.auditor", ["auditor"], "禅城区审计局");
    const au = await t.newPage();
    await signInWithTotp(t, au.page, auditor);
    await open(au.page, t.url, "access-log");
    // Twice: once here, once more for the English screenshot (every view is logged).
    const rows = au.page.locator("#log-table tbody tr", { hasText: "查看完整证件号码" });
    expect(await rows.count()).toBe(2);
    const line = await rows.first().innerText();
    expect(line).toContain("zhao.registrar"); // the account's name (its login here) and unit
    expect(line).toContain("禅城区政务服务中心");
    expect(line).toContain("赋码服务");
    expect(line).toContain("佛山市");
    const logged = await t.db.pool.query("SELECT purpose, subject_id, account_id FROM access_log WHERE action = 'identifier.unmasked'");
    expect(logged.rows).toEqual(Array(2).fill({ purpose: "code_service", subject_id: ent.json().id, account_id: registrar.id }));

    // The credit agency's form and the look-up, for the screenshots.
    const agency = await totpAccount(t, "sun.agency", ["credit_agency"], "禅城区市场监督管理局");
    const ag = await t.newPage();
    await signInWithTotp(t, ag.page, agency);
    await open(ag.page, t.url, "agency");
    await shoot(ag.page, "agency");
    await open(ag.page, t.url, "lookup");
    await ag.page.fill("#lookup-search-q", code);
    await ag.page.click("#lookup-search button[type=submit]");
    await ag.page.waitForSelector(`#lookup-search-results [data-subject="${ent.json().id}"]`);
    await shootBoth(ag.page, "lookup", async () => {
      await ag.page.fill("#lookup-search-q", code);
      await ag.page.click("#lookup-search button[type=submit]");
      await ag.page.waitForSelector(`#lookup-search-results [data-subject="${ent.json().id}"]`);
    });
    expect(ag.errors.concat(au.errors)).toEqual([]);
  }, 300_000);
});
