// The holiday data an administrator updates, through HTTP against the real PostgreSQL server:
// the warning from 60 days before the official data ends; due dates counted over a year
// without the official arrangement marked provisional (never a 503, never calendar days);
// the import of a year as JSON or as the State Council's notice text (422 with problems[]);
// an official year replaced only on purpose; provisional due dates counted again on import.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { generalPenalty, insertEnterprise, insertPerson } from "./fixtures.ts";
import { NOTICE_2026 } from "../helpers/holiday-notices.ts";
import shipped2026 from "../../api/src/credit/calendar/cn-2026.json" with { type: "json" };

type H = { authorization: string };

/**
 * NOT the State Council's 2027 arrangement (it was not published when this was written): a
 * fictional one for this test, in which Monday 2027-01-04 is a day off, so that the provisional
 * due date (counted from the statutory days only) visibly changes when it is imported.
 */
const FICTIONAL_2027 = {
  format: "onecode.holiday-arrangement/1",
  year: 2027,
  status: "official",
  source: { title: "测试用虚构安排（不是国务院通知）", issuedOn: null, references: [] },
  holidays: { "2027-01-01": "元旦", "2027-01-02": "元旦", "2027-01-03": "元旦", "2027-01-04": "元旦" },
  workdays: {},
};

describe("holiday arrangements as data", () => {
  let t: TestApp;
  let agency: H, officer: H, admin: H;
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-12-01T02:00:00.000Z") });
    agency = await t.auth("credit_agency", "agency-market");
    officer = await t.auth("repair_officer", "officer-li");
    admin = await t.auth("admin", "admin-zhao");
  });
  afterAll(async () => t?.close());

  const post = (url: string, headers: H, payload: object) => t.app.inject({ method: "POST", url, headers, payload });
  /** An officer-decided application (serious penalty, Order 58, fine paid) filed at the counter now. */
  async function fileForOfficer() {
    const rep = await insertPerson(t.db.pool);
    const ent = await insertEnterprise(t.db.pool, rep);
    const rec = await post("/v1/records", agency, generalPenalty(ent, { severity: "serious", decisionDate: "2025-09-01" }));
    expect(rec.statusCode, rec.body).toBe(201);
    expect((await post(`/v1/records/${rec.json().id}/facts`, agency, { kind: "fine_paid", obligationIndex: 0, on: "2025-09-10" })).statusCode).toBe(201);
    const filed = await post("/v1/repair-applications", officer, {
      subjectId: ent,
      recordIds: [rec.json().id],
      applicant: { personId: rep, capacity: "legal_representative" },
      commitment: { version: "cc-2026-04", accepted: true, signature: "已签" },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    return filed.json();
  }

  it("warns from 60 days before the official data ends, in both languages", async () => {
    const policies = (await t.app.inject({ method: "GET", url: "/v1/credit/policies" })).json();
    expect(policies.calendar.officialThrough).toBe("2026-12-31");
    expect(policies.calendar.arrangements.map((a: { year: number; status: string }) => [a.year, a.status])).toEqual([
      [2026, "official"],
      [2027, "provisional"],
    ]);
    expect(policies.calendar.notice).toMatchObject({ code: "holiday_calendar_ending", daysLeft: 30, nextYear: 2027 });
    expect(policies.calendar.notice.words.zh).toBe("节假日数据只到2026年12月31日，还剩30天。请导入国务院办公厅2027年节假日安排的通知。");
    expect(policies.calendar.notice.words.en).toBe("The holiday data ends on 31 December 2026, in 30 days. Import the State Council's 2027 holiday arrangement.");
    t.clock.set("2026-10-31T02:00:00.000Z"); // 61 days before: nothing to say yet
    expect((await t.app.inject({ method: "GET", url: "/v1/credit/policies" })).json().calendar.notice).toBeNull();
    t.clock.set("2026-12-01T02:00:00.000Z");
    const queue = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: officer })).json();
    expect(queue.calendar.notice.code).toBe("holiday_calendar_ending");
  });

  it("files past the official data with a provisional due date, recounted when the year is imported", async () => {
    t.clock.set("2026-12-29T02:00:00.000Z"); // Tuesday; three working days reach into 2027
    const filed = await fileForOfficer();
    // 12-30, 12-31, then 2027-01-01 (statutory) skipped: Monday 01-04, provisional.
    expect(filed).toMatchObject({ status: "submitted", acceptDue: "2027-01-04", acceptDueProvisional: true, due: { step: "accept", provisional: true } });
    const inQueue = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: officer })).json().items.find((i: { id: string }) => i.id === filed.id);
    expect(inQueue).toMatchObject({ dueOn: "2027-01-04", provisional: true, workingDaysLeft: 3 });

    const imported = await post("/v1/holiday-arrangements", admin, { arrangement: FICTIONAL_2027 });
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json()).toMatchObject({ year: 2027, status: "official", replaced: "provisional", recomputed: { applications: 1, syncItems: 0 } });
    const after = (await t.app.inject({ method: "GET", url: `/v1/repair-applications/${filed.id}`, headers: officer })).json();
    expect(after).toMatchObject({ acceptDue: "2027-01-05", acceptDueProvisional: false });
    const entry = (await t.db.pool.query("SELECT payload, actor FROM ledger WHERE type = 'calendar.arrangement_imported' ORDER BY seq DESC LIMIT 1")).rows[0];
    expect(entry.actor).toBe("admin:admin-zhao");
    expect(JSON.parse(entry.payload)).toMatchObject({ year: 2027, status: "official", digest: imported.json().digest, replaced: "provisional" });
    // The official data now runs to the end of 2027: no warning.
    expect((await t.app.inject({ method: "GET", url: "/v1/credit/policies" })).json().calendar).toMatchObject({ officialThrough: "2027-12-31", notice: null });
  });

  it("never refuses a filing for want of holiday data: past every arrangement the due date is provisional", async () => {
    t.clock.set("2027-12-29T02:00:00.000Z"); // Wednesday; no 2028 data at all
    const filed = await fileForOfficer();
    // 12-30, 12-31, then 2028-01-01 is a Saturday and New Year's Day: Monday 01-03 (weekends and statutory days only).
    expect(filed).toMatchObject({ acceptDue: "2028-01-03", acceptDueProvisional: true });
    const policies = (await t.app.inject({ method: "GET", url: "/v1/credit/policies" })).json();
    expect(policies.calendar.notice).toMatchObject({ code: "holiday_calendar_ending", daysLeft: 2, nextYear: 2028 });
    t.clock.set("2028-01-02T02:00:00.000Z");
    const ended = (await t.app.inject({ method: "GET", url: "/v1/credit/policies" })).json().calendar.notice;
    expect(ended).toMatchObject({ code: "holiday_calendar_ended", officialThrough: "2027-12-31", nextYear: 2028 });
    expect(ended.words.zh).toContain("标为“暂定”");
    t.clock.set("2026-12-01T02:00:00.000Z");
  });

  it.each([
    {
      name: "a make-up working day on a weekday",
      body: { arrangement: { ...FICTIONAL_2027, year: 2028, holidays: { "2028-01-01": "元旦" }, workdays: { "2028-01-04": "元旦调休" } } },
      problem: /2028-01-04 is not a Saturday or Sunday/,
    },
    { name: "the wrong format", body: { arrangement: { ...FICTIONAL_2027, year: 2028, format: "holidays/2", holidays: { "2028-01-01": "元旦" } } }, problem: /format must be/ },
    {
      name: "a notice under the wrong year",
      body: { notice: { year: 2028, text: NOTICE_2026, source: { title: "国务院办公厅关于2026年部分节假日安排的通知" } } },
      problem: /is the year right\?/,
    },
    { name: "text that is no notice", body: { notice: { year: 2028, text: "明天放假", source: { title: "x" } } }, problem: /no numbered holiday items/ },
  ])("refuses $name with 422 and the problems", async ({ body, problem }) => {
    const r = await post("/v1/holiday-arrangements", admin, body);
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json().code).toBe("holiday_arrangement_invalid");
    expect(r.json().problems.join("\n")).toMatch(problem);
  });

  it("replaces an official year only when asked, and reads the pasted notice exactly as the shipped data", async () => {
    const notice = { year: 2026, text: NOTICE_2026, source: { title: "国务院办公厅关于2026年部分节假日安排的通知", issuedOn: "2025-11-04" } };
    const refused = await post("/v1/holiday-arrangements", admin, { notice });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe("holiday_arrangement_official_exists");
    expect((await post("/v1/holiday-arrangements", officer, { notice, replaceOfficial: true })).statusCode).toBe(403);
    const replaced = await post("/v1/holiday-arrangements", admin, { notice, replaceOfficial: true });
    expect(replaced.statusCode, replaced.body).toBe(201);
    const row = (await t.db.pool.query("SELECT arrangement FROM holiday_arrangements WHERE year = 2026")).rows[0].arrangement;
    expect([row.holidays, row.workdays]).toEqual([shipped2026.holidays, shipped2026.workdays]);
    const list = (await t.app.inject({ method: "GET", url: "/v1/holiday-arrangements", headers: officer })).json();
    expect(list.arrangements.map((a: { year: number }) => a.year)).toEqual([2026, 2027]);
  });
});
