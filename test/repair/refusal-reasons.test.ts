// An officer's refusal names a reason from the list (GET /v1/repair-applications/refusal-reasons),
// like an extension: the code is checked by the route's JSON schema, goes into the signed
// decision document, the decision row and the ledger entry; the officer's free-text note stays
// in the document and the database and never reaches the ledger (whose personal-data guard
// would refuse it). On a real EVM (anvil) with the officer's passkey, as every decision.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { enrolOfficer, fileSeriousListApplication, passAdminDelay, postDecision, sign, type TestOfficer } from "../helpers/officers.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";
import { REFUSAL_REASONS } from "../../api/src/repair/refusal-reasons.ts";
import { refusalToSign } from "./refusals.ts";

describe("refusal reasons (HTTP, PostgreSQL, EVM)", () => {
  let chain: TestChain;
  let t: TestApp;
  let outbox: ReturnType<typeof createOutboxWorker>;
  let li: TestOfficer;
  const drain = () => outbox.drain(60_000);

  beforeAll(async () => {
    chain = await startTestChain();
    t = await buildTestApp({ chain: chain.chain, clock: new TestClock("2026-11-25T02:00:00.000Z") });
    outbox = createOutboxWorker(t.ctx);
    li = await enrolOfficer(t, "officer-li", { drain });
    await passAdminDelay(chain);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await chain?.stop();
  });

  const digestUrl = (id: string, query: string) => `/v1/repair-applications/${id}/decision-digest?${query}`;

  it("lists the reasons for officers only, each with its words in Chinese and English", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/repair-applications/refusal-reasons", headers: li.headers });
    expect(res.statusCode, res.body).toBe(200);
    const { reasons } = res.json() as { reasons: Array<{ code: string; zh: string; en: string }> };
    expect(reasons).toEqual(REFUSAL_REASONS);
    expect(reasons.length).toBeGreaterThan(4);
    for (const r of reasons) {
      expect(r.code).toMatch(/^[a-z_]+$/);
      expect(r.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(r.en).toMatch(/^[A-Z]/);
    }
    expect(new Set(reasons.map((r) => r.code)).size).toBe(reasons.length);
    const kiosk = await t.app.inject({ method: "GET", url: "/v1/repair-applications/refusal-reasons", headers: await t.auth("kiosk", "kiosk-01") });
    expect(kiosk.statusCode).toBe(403);
  });

  it("refuses a refusal without a code, with a code not on the list, and a code on an approval", async () => {
    const { app } = await fileSeriousListApplication(t, 9101, li);
    await drain();
    const without = await t.app.inject({ method: "GET", url: digestUrl(app.id, "outcome=refused&reason=%E6%9D%90%E6%96%99"), headers: li.headers });
    expect([without.statusCode, without.json().code]).toEqual([400, "invalid_request"]);
    const unknown = await t.app.inject({ method: "GET", url: digestUrl(app.id, "outcome=refused&reasonCode=because"), headers: li.headers });
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, "invalid_request"]);
    const onApproval = await t.app.inject({ method: "GET", url: digestUrl(app.id, "outcome=approved&reasonCode=not_corrected"), headers: li.headers });
    expect([onApproval.statusCode, onApproval.json().code]).toEqual([422, "reason_code_for_refusal"]);
    // The decision itself: the schema refuses a refusal whose body has no code, before any signature is checked.
    const toSign = await refusalToSign(t, li, app.id, "not_corrected");
    const noCode = await postDecision(t, li, app.id, { outcome: "refused", document: toSign.document, signatures: sign(li, toSign) });
    expect([noCode.statusCode, noCode.json().code]).toEqual([400, "invalid_request"]);
    // A code other than the one the document was prepared with: not this decision's document.
    const swapped = await postDecision(t, li, app.id, { outcome: "refused", reasonCode: "commitment_untrue", document: toSign.document, signatures: sign(li, toSign) });
    expect([swapped.statusCode, swapped.json().code]).toEqual([422, "document_mismatch"]);
    expect((await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}`, headers: li.headers })).json().status).toBe("accepted");
  });

  it("refuses with a code: words for the applicant, the note in the document only, the code alone in the ledger", async () => {
    const { app, record } = await fileSeriousListApplication(t, 9102, li);
    await drain();
    // A note an officer might type: a name and a phone number. Allowed in the document, never in the ledger.
    const note = "已电话联系申请人陈大文（13800138000），整改照片与现场不符";
    const toSign = await refusalToSign(t, li, app.id, "not_corrected", note);
    const doc = JSON.parse(toSign.document);
    expect(doc).toMatchObject({ outcome: "refused", reasonCode: "not_corrected", reason: note });
    const res = await postDecision(t, li, app.id, { outcome: "refused", reasonCode: "not_corrected", reason: note, document: toSign.document, signatures: sign(li, toSign) });
    expect(res.statusCode, res.body).toBe(200);
    const reason = REFUSAL_REASONS.find((r) => r.code === "not_corrected")!;
    expect(res.json()).toMatchObject({ status: "refused" });
    expect(res.json().decisions).toEqual([
      expect.objectContaining({ step: "final", outcome: "refused", officer: "repair_officer:officer-li", reasonCode: "not_corrected", reasonWords: { zh: reason.zh, en: reason.en }, note }),
    ]);
    const row = (await t.db.pool.query("SELECT reason FROM repair_decisions WHERE application_id = $1", [app.id])).rows[0];
    expect(row.reason).toBe(`${reason.zh}。${note}`);

    const entries = (await t.db.pool.query("SELECT type, payload FROM ledger WHERE payload LIKE '%' || $1 || '%' ORDER BY seq", [app.chainId.replace(/^0x/, "")])).rows;
    const decided = entries.find((e) => e.type === "repair.decided")!;
    expect(JSON.parse(decided.payload)).toMatchObject({ outcome: "refused", reasonCode: "not_corrected" });
    for (const e of entries) {
      expect(e.payload).not.toMatch(/[\u4e00-\u9fff]/);
      expect(e.payload).not.toContain("13800138000");
    }
    // On chain the refusal carries the document's digest (the note only as part of that digest).
    await drain();
    const onChain = await chain.chain.creditLedger.getFunction("recordOf")(record.chainId);
    expect(Number(onChain.status)).toBe(1); // still published: a refusal leaves the record in publicity
    // An approval after the refusal is refused: the application is decided.
    const late = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}/decision-digest?outcome=approved`, headers: li.headers });
    expect(late.json().code).toBe("already_decided");
  });
});
