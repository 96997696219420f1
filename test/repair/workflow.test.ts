// The repair workflow through HTTP against the real PostgreSQL server, with a TestClock.
// Officers decide with their passkeys (test/helpers/officers.ts), so a chain (anvil) is there;
// the outbox is not drained after the officers' keys are registered: writes stay queued.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { listOutbox } from "../../api/src/chain/outbox.ts";
import { runCreditScheduler } from "../../api/src/repair/scheduler.ts";
import { generalPenalty, insertEnterprise, insertPerson } from "../credit/fixtures.ts";
import { passedFaceCheck } from "../helpers/face.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { decide, decisionToSign, enrolOfficer, passAdminDelay, postDecision, sign, type TestOfficer } from "../helpers/officers.ts";
import { refusalToSign } from "./refusals.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";

type H = { authorization: string };

describe("repair workflow", () => {
  let t: TestApp;
  let chain: TestChain;
  let agency: H, kiosk: H, officerA: H, officerB: H;
  let li: TestOfficer, wang: TestOfficer;
  beforeAll(async () => {
    chain = await startTestChain();
    t = await buildTestApp({ chain: chain.chain, clock: new TestClock("2026-06-01T02:00:00.000Z") });
    agency = await t.auth("credit_agency", "agency-market");
    kiosk = await t.auth("kiosk", "kiosk-01");
    const outbox = createOutboxWorker(t.ctx);
    li = await enrolOfficer(t, "officer-li", { drain: () => outbox.drain(60_000) });
    wang = await enrolOfficer(t, "officer-wang", { drain: () => outbox.drain(60_000) });
    await passAdminDelay(chain);
    officerA = li.headers;
    officerB = wang.headers;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await chain?.stop();
  });

  const at = (iso: string) => t.clock.set(iso);
  async function enterprise() {
    const rep = await insertPerson(t.db.pool);
    return { rep, ent: await insertEnterprise(t.db.pool, rep) };
  }
  async function publish(body: object) {
    const res = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }
  const pay = (id: string, on: string) => t.app.inject({ method: "POST", url: `/v1/records/${id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on } });
  // A kiosk application carries the assertion of a passed face check on that kiosk
  // (test/repair/applicant-check.test.ts covers the refusals); the officer files without one.
  const apply = async (ent: string, rep: string, recordIds: string[], headers: H = kiosk, applicant: { capacity?: "legal_representative" | "authorised_agent"; authorisationRef?: string } = {}) => {
    const capacity = applicant.capacity ?? "legal_representative";
    // An agent without an authorisation cannot pass the kiosk's check at all: nothing to carry.
    const checked = headers === kiosk && (capacity === "legal_representative" || applicant.authorisationRef !== undefined);
    const face = checked ? await passedFaceCheck(t.db.pool, { device: "kiosk-01", enterpriseId: ent, personId: rep, capacity, now: t.clock.now() }) : null;
    return t.app.inject({
      method: "POST",
      url: "/v1/repair-applications",
      headers,
      payload: {
        enterpriseId: ent,
        recordIds,
        applicant: { personId: rep, capacity, ...applicant },
        commitment: { version: "cc-2026-04", accepted: true, signature: "sha256:ab12" },
        ...(face ? { faceAssertion: face.assertion } : {}),
      },
    });
  };
  const post = (url: string, headers: H, payload?: object) => t.app.inject({ method: "POST", url, headers, payload: payload ?? {} });
  const status = async (id: string) => (await t.db.pool.query("SELECT credit_status FROM subjects WHERE id = $1", [id])).rows[0].credit_status;

  it("instant decision (秒批) the day after the minimum period; refused by rule the day it ends", async () => {
    at("2026-06-01T02:00:00.000Z");
    const { rep, ent } = await enterprise();
    const rec = await publish(generalPenalty(ent, { decisionDate: "2026-05-12" }));
    expect((await pay(rec.id, "2026-05-20")).statusCode).toBe(201);

    at("2026-08-12T09:00:00.000Z"); // China 2026-08-12: the last day of the minimum period
    const early = await apply(ent, rep, [rec.id]);
    expect(early.statusCode, early.body).toBe(201);
    expect(early.json()).toMatchObject({ status: "refused", ruleId: "national-2026.min_period.general", policyVersion: "national-2026" });
    expect(early.json().decisions[0]).toMatchObject({ step: "final", outcome: "refused", officer: "system:policy", ruleId: "national-2026.min_period.general" });
    expect(await status(ent)).toBe("dishonest");

    at("2026-08-12T16:30:00.000Z"); // China 2026-08-13 00:30
    const res = await apply(ent, rep, [rec.id]);
    expect(res.statusCode, res.body).toBe(201);
    const app = res.json();
    expect(app).toMatchObject({ status: "approved", decisionMode: "automatic", ruleId: "national-2026.decision.automatic", channel: "kiosk" });
    expect(app.commitment.digest).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await status(ent)).toBe("good");
    const pub = (await t.app.inject({ method: "GET", url: `/v1/public/subjects/${ent}/records` })).json();
    expect(pub.records).toEqual([]);
    const view = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ent}/records`, headers: kiosk })).json();
    expect(view.ended.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([[rec.id, "repaired"]]);
    const entry = (await t.db.pool.query("SELECT payload FROM ledger WHERE type = 'repair.decided' ORDER BY seq DESC LIMIT 1")).rows[0];
    expect(JSON.parse(entry.payload)).toMatchObject({ outcome: "approved", applicationId: app.chainId, creditStatusBefore: "dishonest", creditStatusAfter: "good", ruleId: "national-2026.decision.automatic" });
    const decideWrites = (await listOutbox(t.db.pool)).filter((o) => o.kind === "repair.decide" && (o.write as { applicationId: string }).applicationId === app.chainId);
    expect(decideWrites.map((o) => o.write)).toEqual([expect.objectContaining({ recordId: rec.chainId, outcome: 1, decisionDigest: app.decisions[0].digest })]);
    const sync = (await t.app.inject({ method: "GET", url: "/v1/platform-sync", headers: agency })).json();
    const item = sync.items.find((i: { recordId: string }) => i.recordId === rec.id);
    expect(item).toMatchObject({ kind: "repair.approved", dueOn: "2026-08-18", overdue: false });
    expect((await post(`/v1/platform-sync/${item.id}/ack`, agency)).statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: "/v1/platform-sync", headers: agency })).json().items.some((i: { id: number }) => i.id === item.id)).toBe(false);
  });

  it("a local refusal rule switched on in the policy table refuses with its rule id", async () => {
    at("2026-09-01T02:00:00.000Z");
    const { rep, ent } = await enterprise();
    const first = await publish(generalPenalty(ent, { decisionDate: "2026-05-04" }));
    const second = await publish(generalPenalty(ent, { decisionDate: "2026-05-06" }));
    for (const r of [first, second]) await pay(r.id, "2026-05-10");
    expect((await apply(ent, rep, [first.id])).json().status).toBe("approved");
    const enable = (on: boolean) =>
      t.db.pool.query(
        `UPDATE credit_policies SET rules = jsonb_set(rules, '{refusalRules}',
           (SELECT jsonb_agg(CASE WHEN r->>'id' = 'local.interval_since_last_repair' THEN jsonb_set(r, '{enabled}', to_jsonb($1::boolean)) ELSE r END)
              FROM jsonb_array_elements(rules->'refusalRules') r)) WHERE version = 'national-2026'`,
        [on],
      );
    await enable(true);
    try {
      const refused = (await apply(ent, rep, [second.id])).json();
      expect(refused).toMatchObject({ status: "refused", ruleId: "national-2026.local.interval_since_last_repair", policyVersion: "national-2026" });
      expect(refused.decisions[0].reason).toMatch(/2026年9月1日/);
      expect(refused.decisions[0].reasons[0]).toMatchObject({ code: "local_interval", params: { lastRepairOn: "2026-09-01" }, policyVersion: "national-2026" });
      expect(refused.decisions[0].reasons[0].words.en.text).toMatch(/1 September 2026/);
    } finally {
      await enable(false);
    }
    expect((await apply(ent, rep, [second.id])).json().status).toBe("approved");
  });

  it("refuses a concurrent double submission cleanly", async () => {
    at("2026-06-01T02:00:00.000Z");
    const { rep, ent } = await enterprise();
    const rec = await publish(generalPenalty(ent, { decisionDate: "2026-02-02" }));
    await pay(rec.id, "2026-03-01");
    const [a, b] = await Promise.all([apply(ent, rep, [rec.id]), apply(ent, rep, [rec.id])]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const refused = a.statusCode === 409 ? a : b;
    expect(refused.json().code).toBe("record_not_published");
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM repair_application_records WHERE record_id = $1", [rec.id])).rows[0].n).toBe(1);
  });

  it("checks who applies and the commitment", async () => {
    at("2026-06-01T02:00:00.000Z");
    const { rep, ent } = await enterprise();
    const other = await insertPerson(t.db.pool, "李四");
    const rec = await publish(generalPenalty(ent, { decisionDate: "2026-02-03" }));
    expect((await apply(ent, other, [rec.id])).json().code).toBe("not_legal_representative");
    expect((await apply(ent, other, [rec.id], kiosk, { capacity: "authorised_agent" })).json().code).toBe("authorisation_required");
    const noCommit = await t.app.inject({
      method: "POST",
      url: "/v1/repair-applications",
      headers: kiosk,
      payload: { enterpriseId: ent, recordIds: [rec.id], applicant: { personId: rep, capacity: "legal_representative" }, commitment: { version: "cc-2026-04", accepted: false } },
    });
    expect(noCommit.json().code).toBe("commitment_required");
    expect((await apply(ent, rep, [rec.id], agency)).statusCode).toBe(403);
    const otherEnt = await insertEnterprise(t.db.pool, rep);
    expect((await apply(otherEnt, rep, [rec.id])).json().code).toBe("record_of_other_subject");
    // An authorised agent with an authorisation is accepted (the fine is unpaid: refused by rule, not by capacity).
    const registrar = await t.auth("registrar");
    const granted = await post("/v1/authorisations", registrar, {
      enterpriseId: ent,
      agentId: other,
      reference: "授权委托书-2026-001",
      validFrom: "2026-05-01T00:00:00.000Z",
      validUntil: "2026-12-31T00:00:00.000Z",
    });
    expect(granted.statusCode, granted.body).toBe(201);
    const agent = await apply(ent, other, [rec.id], kiosk, { capacity: "authorised_agent", authorisationRef: "授权委托书-2026-001" });
    expect(agent.json()).toMatchObject({ status: "refused", ruleId: "national-2023.obligations_fulfilled" });
  });

  it("officer review: queue with working-day due dates over National Day, accept, extend once, overdue flags, one decision only", async () => {
    at("2026-09-30T02:00:00.000Z");
    const { rep, ent } = await enterprise();
    const rec = await publish(generalPenalty(ent, { severity: "serious", decisionDate: "2026-03-02" })); // Order 58 rules: 3 months
    await pay(rec.id, "2026-03-10");
    const filed = (await apply(ent, rep, [rec.id])).json();
    expect(filed).toMatchObject({ status: "submitted", decisionMode: "officer", acceptDue: "2026-10-10", ruleId: "national-2023.decision.serious_officer" });
    const early = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${filed.id}/decision-digest?outcome=approved`, headers: officerA });
    expect(early.json().code).toBe("not_accepted");

    at("2026-10-12T02:00:00.000Z"); // Monday after the make-up Saturday 10-10: acceptance is overdue
    let queue = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: officerA })).json();
    let item = queue.items.find((i: { id: string }) => i.id === filed.id);
    expect(item).toMatchObject({ step: "accept", dueOn: "2026-10-10", overdue: true, workingDaysLeft: 0 });
    expect(queue.overdue).toBeGreaterThanOrEqual(1);
    expect((await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: kiosk })).statusCode).toBe(403);

    const accepted = (await post(`/v1/repair-applications/${filed.id}/accept`, officerA)).json();
    expect(accepted).toMatchObject({ status: "accepted", decideDue: "2026-10-21" });
    expect((await post(`/v1/repair-applications/${filed.id}/accept`, officerB)).json().code).toBe("not_submitted");
    queue = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: officerA })).json();
    item = queue.items.find((i: { id: string }) => i.id === filed.id);
    expect(item).toMatchObject({ step: "decide", dueOn: "2026-10-21", overdue: false, workingDaysLeft: 7 });

    // A reason from the list, never free text (the extension is a ledger entry).
    const typed = await post(`/v1/repair-applications/${filed.id}/extend`, officerA, { reason: "复杂案件，需核实整改情况" });
    expect(typed.statusCode).toBe(400);
    expect((await post(`/v1/repair-applications/${filed.id}/extend`, officerA, { reasonCode: "call_the_director" })).statusCode).toBe(400);
    const extended = (await post(`/v1/repair-applications/${filed.id}/extend`, officerA, { reasonCode: "verify_correction" })).json();
    expect(extended).toMatchObject({
      decideDue: "2026-11-04",
      decideDueProvisional: false,
      extension: { reasonCode: "verify_correction", words: { zh: "需要核实失信行为的纠正和整改情况", en: "The correction of the conduct needs to be verified" } },
    });
    const entry = (await t.db.pool.query("SELECT payload FROM ledger WHERE type = 'repair.extended' ORDER BY seq DESC LIMIT 1")).rows[0];
    expect(JSON.parse(entry.payload)).toMatchObject({ decideDue: "2026-11-04", reasonCode: "verify_correction" });
    expect(entry.payload).not.toMatch(/[\u4e00-\u9fff]/); // no words at all in the ledger entry, only the code
    expect((await post(`/v1/repair-applications/${filed.id}/extend`, officerA, { reasonCode: "on_site_inspection" })).json().code).toBe("already_extended");

    at("2026-11-05T02:00:00.000Z");
    item = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: officerA })).json().items.find((i: { id: string }) => i.id === filed.id);
    expect(item.overdue).toBe(true);

    const [s1, s2] = [await decisionToSign(t, li, filed.id, "approved", "整改到位"), await refusalToSign(t, wang, filed.id, "not_corrected", "材料不符")];
    const [d1, d2] = await Promise.all([
      postDecision(t, li, filed.id, { outcome: "approved", reason: "整改到位", document: s1.document, signatures: sign(li, s1) }),
      postDecision(t, wang, filed.id, { outcome: "refused", reasonCode: "not_corrected", reason: "材料不符", document: s2.document, signatures: sign(wang, s2) }),
    ]);
    expect([d1.statusCode, d2.statusCode].sort()).toEqual([200, 409]);
    expect((d1.statusCode === 409 ? d1 : d2).json().code).toBe("already_decided");
    const final = (await t.app.inject({ method: "GET", url: `/v1/repair-applications/${filed.id}`, headers: officerA })).json();
    expect(final.decisions).toHaveLength(1);
    expect(final.decisions[0]).toMatchObject({ policyVersion: "national-2023", ruleId: "national-2023.decision.serious_officer" });
    expect(await status(ent)).toBe(final.status === "approved" ? "good" : "dishonest");
  });

  it("a serious-list removal needs two distinct officers; one officer alone cannot complete it", async () => {
    at("2027-04-10T02:00:00.000Z");
    const { rep, ent } = await enterprise();
    const rec = await publish(generalPenalty(ent, { kind: "serious_list", severity: "serious", decisionDate: "2026-04-08", obligations: [] }));
    expect(await status(ent)).toBe("serious");
    const filed = (await apply(ent, rep, [rec.id])).json();
    expect(filed).toMatchObject({ status: "submitted", decisionMode: "two_officers", ruleId: "national-2026.decision.serious_list_two_officers" });
    await post(`/v1/repair-applications/${filed.id}/accept`, officerA);
    const first = await decide(t, li, filed.id, "approved", "已整改");
    expect(first.json()).toMatchObject({ status: "awaiting_second" });
    const again = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${filed.id}/decision-digest?outcome=approved&reason=${encodeURIComponent("再次确认")}`, headers: officerA });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: "same_officer", firstOfficer: "repair_officer:officer-li" });
    // Still on the list, still public, still listed for a second officer.
    expect(await status(ent)).toBe("serious");
    expect((await t.app.inject({ method: "GET", url: `/v1/public/subjects/${ent}/records` })).json().records).toHaveLength(1);
    const q = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: officerB })).json();
    expect(q.items.find((i: { id: string }) => i.id === filed.id)).toMatchObject({ status: "awaiting_second", awaitingSecondOfficer: { firstOfficer: "repair_officer:officer-li" } });

    const second = await decide(t, wang, filed.id, "approved", "复核同意");
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ status: "approved" });
    expect(await status(ent)).toBe("good");
    const decisions = second.json().decisions;
    expect(decisions.map((d: { step: string; officer: string }) => [d.step, d.officer])).toEqual([
      ["proposal", "repair_officer:officer-li"],
      ["final", "repair_officer:officer-wang"],
    ]);
    expect(decisions[0].digest).toBe(decisions[1].digest);
    const writes = (await listOutbox(t.db.pool)).filter((o) => o.kind === "repair.decide" && (o.write as { applicationId: string }).applicationId === filed.chainId);
    expect(writes.map((o) => (o.write as { officer: string }).officer)).toEqual(["officer-li", "officer-wang"]);
    expect(new Set(writes.map((o) => (o.write as { decisionDigest: string }).decisionDigest)).size).toBe(1);
  });

  it("scheduler (免申即享): marks newly repairable records once, ends publicity at the maximum period once", async () => {
    at("2026-06-01T02:00:00.000Z");
    const { ent } = await enterprise();
    const soon = await publish(generalPenalty(ent, { decisionDate: "2026-05-25" }));
    await pay(soon.id, "2026-05-30");
    const old = await publish(generalPenalty(ent, { decisionDate: "2026-04-15" })); // Order 36, last public day 2027-04-15
    await pay(old.id, "2026-04-20");
    // Its twin with the fine unpaid: Order 36 does not end its publicity at the maximum by itself.
    const unpaid = await publish(generalPenalty(ent, { decisionDate: "2026-04-15" }));
    expect((await runCreditScheduler(t.ctx)).notified).not.toContain(soon.id);

    at("2026-08-25T16:00:00.000Z"); // China 2026-08-26: the minimum period of `soon` ended on 08-25
    let run = await runCreditScheduler(t.ctx);
    expect(run.notified).toContain(soon.id);
    expect((await runCreditScheduler(t.ctx)).notified).not.toContain(soon.id);
    const view = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ent}/records`, headers: kiosk })).json();
    expect(view.notifications.map((n: { recordId: string }) => n.recordId)).toContain(soon.id);
    expect(view.repairableNow.map((r: { id: string }) => r.id)).toEqual([old.id, soon.id]);

    at("2027-04-15T15:59:59.000Z"); // China 2027-04-15 23:59:59: still the last public day
    run = await runCreditScheduler(t.ctx);
    expect(run.expired).not.toContain(old.id);
    expect(run.handedOver).toEqual([]);
    at("2027-04-15T16:00:00.000Z");
    run = await runCreditScheduler(t.ctx);
    expect(run.expired).toEqual([old.id]);
    expect(run.handedOver).toEqual([unpaid.id]);
    const again = await runCreditScheduler(t.ctx);
    expect([again.expired, again.handedOver]).toEqual([[], []]);
    const row = (await t.db.pool.query("SELECT status FROM credit_records WHERE id = $1", [old.id])).rows[0];
    expect(row.status).toBe("expired");
    const entry = (await t.db.pool.query("SELECT payload, actor FROM ledger WHERE type = 'record.expired' ORDER BY seq DESC LIMIT 1")).rows[0];
    expect(entry.actor).toBe("system:scheduler");
    expect(JSON.parse(entry.payload)).toMatchObject({ recordId: old.chainId, ruleId: "national-2026.max_period.ends" });
    expect((await listOutbox(t.db.pool)).filter((o) => o.kind === "record.expire").map((o) => o.write)).toContainEqual({ kind: "record.expire", recordId: old.chainId });
    // `soon` is still public (last day 2027-05-25), so the subject stays dishonest.
    expect(await status(ent)).toBe("dishonest");

    // The unpaid twin went to the deciding unit's officers with the reasons, and stays public.
    const handed = (await t.db.pool.query("SELECT status FROM credit_records WHERE id = $1", [unpaid.id])).rows[0];
    expect(handed.status).toBe("published");
    const handedEntry = (await t.db.pool.query("SELECT payload FROM ledger WHERE type = 'record.handed_over' ORDER BY seq DESC LIMIT 1")).rows[0];
    expect(JSON.parse(handedEntry.payload)).toEqual(expect.objectContaining({
      recordId: unpaid.chainId,
      policyVersion: "national-2026",
      ruleId: "national-2026.max_period.hand_over",
      lastPublicDay: "2027-04-15",
      // Codes only: the feed's words (the fine's description) stay out of the immutable ledger.
      reasons: [
        { ruleId: "national-2026.max_period.hand_over", code: "max_period_hand_over" },
        { ruleId: "national-2026.obligations_fulfilled", code: "fine_unpaid_amount" },
      ],
    }));
    expect(handedEntry.payload).not.toContain("罚款");
    const queue = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: officerA })).json();
    const handedCase = queue.maxPeriodCases.find((c: { recordId: string }) => c.recordId === unpaid.id);
    expect(handedCase).toMatchObject({ ruleId: "national-2026.max_period.hand_over", atMaximum: "ends_if_met", decidingUnit: "佛山市禅城区市场监督管理局" });
    expect(handedCase.reasons.map((r: { code: string }) => r.code)).toEqual(["max_period_hand_over", "fine_unpaid_amount"]);
    expect(handedCase.reasons[0].words.zh.text).toContain("公示不会自动停止");
    expect(handedCase.reasons[0].words.en.basis).toContain("NDRC Order No. 36");

    // Once the feed shows the fine paid, the next run ends its publicity and closes the case.
    at("2027-04-20T02:00:00.000Z");
    expect((await pay(unpaid.id, "2027-04-19")).statusCode).toBe(201);
    run = await runCreditScheduler(t.ctx);
    expect(run.expired).toEqual([unpaid.id]);
    const closed = (await t.db.pool.query("SELECT outcome, closed_by FROM credit_max_period_cases WHERE record_id = $1", [unpaid.id])).rows[0];
    expect(closed).toEqual({ outcome: "ended", closed_by: "system:scheduler" });
    const endEntry = (await t.db.pool.query("SELECT payload FROM ledger WHERE type = 'record.expired' ORDER BY seq DESC LIMIT 1")).rows[0];
    expect(JSON.parse(endEntry.payload)).toMatchObject({ recordId: unpaid.chainId, ruleId: "national-2026.max_period.ends" });
    expect((await runCreditScheduler(t.ctx)).expired).toEqual([]);
  });
});
