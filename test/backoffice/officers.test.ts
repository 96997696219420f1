// Repair officers in Chromium, on a real EVM (anvil) and the real PostgreSQL server, each with
// a passkey in their own browser (virtual authenticator): the admin registers their keys on
// the ledger from the system screen; one officer accepts and approves an application the rules
// sent to an officer, signing with the passkey, and the record shows repaired in the kiosk's
// view and on chain; two officers remove a serious-list entry, and the first officer trying to
// confirm their own approval is refused on screen. Then the supervisor's dashboard and the
// auditor's access log. Screens in both languages under .test-output/backoffice/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumAvailable } from "../helpers/browser.ts";
import { passedFaceCheck } from "../helpers/face.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { createAccount } from "../auth/accounts.ts";
import { join } from "node:path";
import { open, ready, shoot, signInWithTotp, SHOTS, startBackOffice, totpAccount, type BackOffice } from "./stack.ts";

type H = { authorization: string };

describe.skipIf(!chromiumAvailable())("repair officers in the back office (Chromium, passkeys, EVM)", () => {
  let t: BackOffice;
  let registrar: H, agency: H, kiosk: H;
  beforeAll(async () => {
    t = await startBackOffice({ chain: true });
    registrar = await t.auth("registrar", "registrar-1");
    agency = await t.auth("credit_agency", "agency-1");
    kiosk = await t.auth("kiosk", "kiosk-01");
  }, 300_000);
  afterAll(async () => t?.stop());

  const drain = () => t.workers!.outbox.drain(60_000);

  /** An enterprise with one record, and its application filed at the kiosk after a passed face check. */
  async function filed(n: number, record: { kind: string; severity: string; decisionNo: string }) {
    const person = (await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(n), name: "陈大文" } })).json();
    const ent = (await t.app.inject({ method: "POST", url: "/v1/enterprises", headers: registrar, payload: { uscc: uscc(n), name: `佛山市禅城区示例${n}号贸易有限公司`, legalRepresentativeId: person.id } })).json();
    const published = await t.app.inject({
      method: "POST",
      url: "/v1/records",
      headers: agency,
      payload: { subjectId: ent.id, ...record, decidingUnit: "佛山市禅城区市场监督管理局", decisionDate: "2025-09-01", legalBasis: "《中华人民共和国食品安全法》第一百二十四条" },
    });
    expect(published.statusCode, published.body).toBe(201);
    const face = await passedFaceCheck(t.db.pool, { device: "kiosk-01", enterpriseId: ent.id, personId: person.id, now: t.clock.now() });
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/repair-applications",
      headers: kiosk,
      payload: { enterpriseId: ent.id, recordIds: [published.json().id], applicant: { personId: person.id, capacity: "legal_representative" }, commitment: { version: "cc-2026-04", accepted: true, signature: "sha256:9c1e" }, faceAssertion: face.assertion },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { enterprise: ent.id as string, record: published.json(), application: res.json() };
  }

  /** An officer who enrolled in their own browser with a passkey (submitted as their decision key). */
  async function officer(login: string, name: string) {
    const { id, enrolmentCode } = await createAccount(t, { login, name, unit: "禅城区发展和改革局", roles: ["repair_officer"] });
    const { page, errors } = await t.newPage({ authenticator: true });
    await open(page, t.url, "enrol");
    await page.fill("#enrol-login", login);
    await page.fill("#enrol-code", enrolmentCode);
    await page.fill("#enrol-label", `${name}的电脑`);
    await page.click("#enrol-passkey");
    await page.waitForSelector("#who");
    await ready(page);
    return { id, page, errors };
  }

  async function openApplication(page: Page, id: string) {
    await open(page, t.url, `application/${id}`);
    await page.waitForSelector("#application");
  }

  /** Approve (or confirm) on the page and sign with the passkey; waits for the redrawn page. */
  async function approve(page: Page) {
    await page.click("#approve");
    await page.waitForSelector("#sign-decision");
    await page.click("#sign-decision");
  }

  it("officers decide with their own passkeys: one officer alone where the rules say so, two for a serious-list removal", async () => {
    const li = await officer("li.officer", "李文");
    const wang = await officer("wang.officer", "王芳");
    const admin = await totpAccount(t, "chen.admin", ["admin"], "禅城区政务服务数据管理局");

    // The admin registers both passkeys on the ledger; they sign once the admin delay has passed.
    const a = await t.newPage();
    await signInWithTotp(t, a.page, admin);
    await open(a.page, t.url, "system");
    const keyIds = (await t.app.inject({ method: "GET", url: "/v1/officer-keys", headers: await t.auth("admin", "root") })).json().items.map((k: { keyId: string }) => k.keyId);
    expect(keyIds).toHaveLength(2);
    for (const keyId of keyIds) {
      await a.page.click(`[data-register="${keyId}"]`);
      await a.page.waitForSelector(`[data-key-status="${keyId}"]:not(:text("待登记"))`);
      await ready(a.page);
    }
    await drain();
    await t.chain!.increaseTime(t.chain!.deployment.adminDelaySeconds + 1);
    await open(a.page, t.url, "system");
    expect(await a.page.locator('[data-key-status] >> text="可签署"').count()).toBe(2);
    await shoot(a.page, "system");

    // The admin turns a local rule on for a reason from the list (a ledger entry naming codes only), then off again.
    const rule = "national-2026/local.interval_since_last_repair";
    const openRules = async () => {
      await a.page.click('details[data-policy="national-2026"] > summary');
      await a.page.waitForSelector(`[data-rule-toggle="${rule}"]`);
    };
    const ruleState = () => a.page.locator(`[data-rule-state="${rule}"]`).getAttribute("data-enabled");
    expect(await ruleState()).toBe("false");
    await openRules();
    await a.page.click(`[data-rule-toggle="${rule}"]`);
    await a.page.waitForSelector("#rule-reason-needed");
    await a.page.selectOption(`[data-rule-reason="${rule}"]`, "local_regulation_adopted");
    await a.page.click(`[data-rule-toggle="${rule}"]`);
    await a.page.waitForSelector(`[data-rule-state="${rule}"][data-enabled="true"]`, { state: "attached" });
    await ready(a.page);
    const switched = (await t.db.pool.query("SELECT payload, actor FROM ledger WHERE type = 'policy.local_rule_changed'")).rows;
    expect(switched.map((r) => JSON.parse(r.payload))).toEqual([{ policyVersion: "national-2026", ruleId: "local.interval_since_last_repair", enabled: true, reasonCode: "local_regulation_adopted" }]);
    expect(switched[0].actor).toMatch(/^admin:op_/);
    for (const l of ["zh", "en"] as const) {
      await openRules();
      await a.page.screenshot({ path: join(SHOTS, `system-local-rules.${l}.png`), fullPage: true });
      await a.page.click("#lang");
      await ready(a.page);
    }
    await openRules();
    expect(await a.page.locator(`[data-rule-state="${rule}"]`).locator("xpath=../..").innerText()).toContain("本地信用修复办法已明确规定");
    await a.page.selectOption(`[data-rule-reason="${rule}"]`, "local_regulation_repealed");
    await a.page.click(`[data-rule-toggle="${rule}"]`);
    await a.page.waitForSelector(`[data-rule-state="${rule}"][data-enabled="false"]`, { state: "attached" });
    await ready(a.page);

    const one = await filed(1, { kind: "admin_penalty", severity: "serious", decisionNo: "禅市监罚〔2025〕31号" });
    const two = await filed(2, { kind: "serious_list", severity: "serious", decisionNo: "禅市监严失〔2025〕7号" });
    expect(one.application).toMatchObject({ status: "submitted", decisionMode: "officer" });
    expect(two.application).toMatchObject({ status: "submitted", decisionMode: "two_officers" });

    // The queue: both, with counts, due dates in working days.
    await open(li.page, t.url, "queue");
    expect(await li.page.locator("#queue-table tbody tr").count()).toBe(2);
    expect(await li.page.locator("#count-accept strong").innerText()).toBe("2");
    expect(await li.page.locator("#queue-table").innerText()).toContain("还剩");
    await shoot(li.page, "queue");

    // One officer: accept, then approve and sign on this device.
    await li.page.click(`[data-application="${one.application.id}"]`);
    await li.page.waitForSelector("#application");
    expect(await li.page.locator("#face-outcome").innerText()).toContain("通过");
    expect(await li.page.locator("#app-policy").innerText()).toContain("national-2023.decision.serious_officer");
    await li.page.click("#accept");
    await li.page.waitForSelector('#application[data-status="accepted"]');
    await shoot(li.page, "application");
    await li.page.click("#approve");
    await li.page.waitForSelector("#sign-decision");
    await shoot(li.page, "application-sign"); // the language switch draws the page anew: open the panel again
    await approve(li.page);
    await li.page.waitForSelector('#application[data-status="approved"]');
    expect(await li.page.locator("#decided").innerText()).toBe("已决定：同意修复。");

    // Decided in the kiosk's view of the enterprise, and on chain.
    const view = (await t.app.inject({ method: "GET", url: `/v1/subjects/${one.enterprise}/records`, headers: kiosk })).json();
    expect(view.ended).toMatchObject([{ id: one.record.id, status: "repaired" }]);
    expect(view.subject.creditStatus).toBe("good");
    await drain();
    expect(Number((await t.chain!.chain.creditLedger.getFunction("recordOf")(one.record.chainId)).status)).toBe(2); // repaired
    expect(Number(await t.chain!.chain.creditLedger.getFunction("decisionOf")(one.record.chainId, one.application.chainId))).toBe(1);
    await openApplication(li.page, one.application.id);
    expect(await li.page.locator("#chain-state").getAttribute("data-state")).toBe("confirmed");
    expect(await li.page.locator("#history").innerText()).toContain("李文（禅城区发展和改革局）");
    await shoot(li.page, "application-decided");

    // Two officers: 李文 extends once (a reason from the list), accepts and approves first…
    await openApplication(li.page, two.application.id);
    await li.page.click("#accept");
    await li.page.waitForSelector('#application[data-status="accepted"]');
    await li.page.click("#extend");
    await li.page.selectOption("#extend-reason", "collective_review");
    await li.page.click("#extend-confirm");
    await li.page.waitForSelector("#extend[disabled]");
    await approve(li.page);
    await li.page.waitForSelector('#application[data-status="awaiting_second"]');
    expect(await li.page.locator("#awaiting-second").isVisible()).toBe(true);
    // …and cannot confirm their own approval: refused on screen.
    await li.page.click("#approve");
    await li.page.waitForSelector('[data-error-code="same_officer"]');
    expect(await li.page.locator("#action-out").innerText()).toContain("同一名审核人不能第二次确认");
    await shoot(li.page, "application-same-officer");
    await drain();
    expect(Number((await t.chain!.chain.creditLedger.getFunction("recordOf")(two.record.chainId)).status)).toBe(1); // still published

    // 王芳 confirms with her own passkey: removed, in the API and on chain.
    await open(wang.page, t.url, "queue");
    expect(await wang.page.locator("#queue-table").innerText()).toContain("需第二名审核人确认");
    await openApplication(wang.page, two.application.id);
    await approve(wang.page);
    await wang.page.waitForSelector('#application[data-status="approved"]');
    await drain();
    expect(Number((await t.chain!.chain.creditLedger.getFunction("recordOf")(two.record.chainId)).status)).toBe(2);
    const decided = (await t.app.inject({ method: "GET", url: `/v1/repair-applications/${two.application.id}`, headers: kiosk })).json();
    expect(decided.chain).toMatchObject({ state: "confirmed", writes: [{ step: "proposal", officer: li.id, status: "done" }, { step: "final", officer: wang.id, status: "done" }] });
    // The ledger names officers by opaque account ids only.
    const actors = (await t.db.pool.query("SELECT DISTINCT actor FROM ledger WHERE type LIKE 'repair.%' AND actor LIKE 'repair_officer:%'")).rows.map((r) => r.actor).sort();
    expect(actors).toEqual([`repair_officer:${li.id}`, `repair_officer:${wang.id}`].sort());
    expect(li.errors.concat(wang.errors)).toEqual([]);

    // The supervisor's dashboard and the auditor's access log see it all.
    const supervisor = await totpAccount(t, "zhou.supervisor", ["supervisor"], "禅城区发展和改革局");
    const s = await t.newPage();
    await signInWithTotp(t, s.page, supervisor);
    await open(s.page, t.url, "dashboard");
    expect(await s.page.locator("#dash-total strong").innerText()).toBe("2");
    expect(await s.page.locator("#chart-states rect.bar").count()).toBe(5);
    expect(await s.page.locator("#unit-table").innerText()).toContain("禅城区发展和改革局");
    await shoot(s.page, "dashboard");
    const auditor = await totpAccount(t, "he.auditor", ["auditor"], "区审计局");
    const au = await t.newPage();
    await signInWithTotp(t, au.page, auditor);
    await open(au.page, t.url, "access-log");
    expect(await au.page.locator("#log-table").innerText()).toContain("查看申请卷宗");
    await shoot(au.page, "access-log");

    // 王芳 refuses a third application: a reason from the list and a note; signed with her passkey.
    const three = await filed(3, { kind: "admin_penalty", severity: "serious", decisionNo: "禅市监罚〔2025〕58号" });
    await openApplication(wang.page, three.application.id);
    // The case file names the face check this filing consumed (recorded on the assertion, not guessed by time).
    expect(await wang.page.locator("#face-assertion").getAttribute("data-matched-by")).toBe("used_for");
    await wang.page.click("#accept");
    await wang.page.waitForSelector('#application[data-status="accepted"]');
    const refuseForm = async () => {
      await wang.page.click("#refuse");
      await wang.page.waitForSelector("#refuse-reason option[value=not_corrected]", { state: "attached" });
    };
    await refuseForm();
    // Without a reason the page asks for one and signs nothing.
    await wang.page.click("#refuse-continue");
    expect(await wang.page.locator("#action-out").innerText()).toContain("请从列表中选择理由");
    expect(await wang.page.locator("#sign-decision").count()).toBe(0);
    await wang.page.selectOption("#refuse-reason", "not_corrected");
    await wang.page.fill("#refuse-note", "现场核查：整改照片与实际不符");
    // The form in both languages (the language switch draws the page anew: open the form again).
    await wang.page.screenshot({ path: join(SHOTS, "application-refuse.zh.png"), fullPage: true });
    await wang.page.click("#lang");
    await ready(wang.page);
    await refuseForm();
    await wang.page.screenshot({ path: join(SHOTS, "application-refuse.en.png"), fullPage: true });
    await wang.page.click("#lang");
    await ready(wang.page);
    await refuseForm();
    await wang.page.selectOption("#refuse-reason", "not_corrected");
    await wang.page.fill("#refuse-note", "现场核查：整改照片与实际不符");
    await wang.page.click("#refuse-continue");
    await wang.page.waitForSelector("#sign-decision");
    await wang.page.click("#sign-decision");
    await wang.page.waitForSelector('#application[data-status="refused"]');
    expect(await wang.page.locator("#decided").innerText()).toBe("已决定：不予修复。");
    const shown = wang.page.locator('#decision-table [data-reason-code="not_corrected"]');
    expect(await shown.innerText()).toContain("失信行为尚未纠正或整改不到位");
    expect(await shown.innerText()).toContain("现场核查：整改照片与实际不符");
    await shoot(wang.page, "application-refused");
    // The ledger has the code, not the note; the chain has the refusal, the record stays published.
    const entry = (await t.db.pool.query("SELECT payload FROM ledger WHERE type = 'repair.decided' AND payload LIKE '%' || $1 || '%'", [three.application.chainId.replace(/^0x/, "")])).rows[0];
    expect(JSON.parse(entry.payload)).toMatchObject({ outcome: "refused", reasonCode: "not_corrected" });
    expect(entry.payload).not.toMatch(/[\u4e00-\u9fff]/);
    await drain();
    expect(Number(await t.chain!.chain.creditLedger.getFunction("decisionOf")(three.record.chainId, three.application.chainId))).toBe(2); // refused
    expect(Number((await t.chain!.chain.creditLedger.getFunction("recordOf")(three.record.chainId)).status)).toBe(1);
    expect(wang.errors).toEqual([]);
  }, 400_000);
});
