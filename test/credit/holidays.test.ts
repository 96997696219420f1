// The holiday calendar as data: the State Council's notices imported from their text,
// make-up working days (调休) counted, and the provisional path past the official data.
// Expected due dates are counted by hand on the notices quoted below (weekday of each date
// checked against a perpetual calendar), not taken from the implementation.
import { describe, expect, it } from "vitest";
import {
  ArrangementError,
  ARRANGEMENT_FORMAT,
  buildCalendar,
  calendarNotice,
  CN_ARRANGEMENTS,
  CN_CALENDAR,
  CN_WORKING_CALENDAR,
  countWorkingDays,
  parseArrangement,
  parseStateCouncilNotice,
  statutoryArrangement,
  workingDeadline,
} from "../../api/src/credit/calendar.ts";
import { NOTICE_2026 } from "../helpers/holiday-notices.ts";

// 国务院办公厅关于2017年部分节假日安排的通知 (国办发明电〔2016〕17号, 2016-12-01).
const NOTICE_2017 = `经国务院批准，现将2017年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日放假，1月2日（星期一）补休。
二、春节：1月27日至2月2日放假调休，共7天。1月22日（星期日）、2月4日（星期六）上班。
三、清明节：4月2日至4日放假调休，共3天。4月1日（星期六）上班。
四、劳动节：5月1日放假，与周末连休。
五、端午节：5月28日至30日放假调休，共3天。5月27日（星期六）上班。
六、中秋节、国庆节：10月1日至8日放假调休，共8天。9月30日（星期六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2016年12月1日`;

// The 2014 notice as a page stores it with half-width punctuation and no year in the text
// (http://executivefront.com/XinLaoDongFa/113088.html): the weekdays identify 2014.
const NOTICE_2014 =
  "各省、自治区、直辖市人民政府,国务院各部委、各直属机构:经国务院批准,现将元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。" +
  "一、元旦:1月1日放假1天。二、春节:1月31日至2月6日放假调休,共7天。1月26日(星期日)、2月8日(星期六)上班。三、清明节:4月5日放假,4月7日(星期一)补休。" +
  "四、劳动节:5月1日至3日放假调休,共3天。5月4日(星期日)上班。五、端午节:6月2日放假,与周末连休。六、中秋节:9月8日放假,与周末连休。" +
  "七、国庆节:10月1日至7日放假调休,共7天。9月28日(星期日)、10月11日(星期六)上班。节假日期间,各地区、各部门要妥善安排好值班和安全、保卫等工作。国务院办公厅12月11日";

const SOURCE = (title: string) => ({ title, issuedOn: null, references: [] });
const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
};

describe("deadlines on the shipped calendar (2026 official, 2027 provisional)", () => {
  it.each([
    { from: "2026-09-30", n: 3, due: "2026-10-10", provisional: false, why: "National Day 10-01..07 off; Saturday 10-10 is a make-up working day" },
    { from: "2026-02-13", n: 3, due: "2026-02-25", provisional: false, why: "Saturday 02-14 make-up day, Spring Festival 02-15..23 off" },
    { from: "2026-05-08", n: 1, due: "2026-05-09", provisional: false, why: "Saturday 05-09 is a make-up working day" },
    { from: "2026-01-01", n: 1, due: "2026-01-04", provisional: false, why: "01-02 and 01-03 off, Sunday 01-04 works" },
    { from: "2026-09-18", n: 1, due: "2026-09-20", provisional: false, why: "Sunday 09-20 is a make-up working day" },
    { from: "2026-02-27", n: 1, due: "2026-02-28", provisional: false, why: "Saturday 02-28 is a make-up working day" },
    { from: "2026-04-03", n: 1, due: "2026-04-07", provisional: false, why: "Qingming 04-04..06 off" },
    { from: "2026-06-18", n: 1, due: "2026-06-22", provisional: false, why: "Dragon Boat 06-19..21 off" },
    { from: "2026-12-24", n: 3, due: "2026-12-29", provisional: false, why: "within the official data" },
    { from: "2026-12-31", n: 0, due: "2026-12-31", provisional: false, why: "zero days" },
    { from: "2026-12-28", n: 7, due: "2027-01-07", provisional: true, why: "crosses into 2027: New Year's Day (statutory) skipped, provisional" },
    { from: "2027-02-04", n: 1, due: "2027-02-09", provisional: true, why: "statutory Spring Festival 02-05..08 (除夕 to 初三)" },
    { from: "2027-04-30", n: 1, due: "2027-05-03", provisional: true, why: "Labour Day 05-01..02 falls on the weekend; no make-up days known" },
    { from: "2027-09-30", n: 1, due: "2027-10-04", provisional: true, why: "National Day 10-01..03 (Fri–Sun)" },
    { from: "2027-12-30", n: 5, due: "2028-01-06", provisional: true, why: "past every arrangement: weekends and the fixed statutory days" },
    { from: "2028-04-28", n: 1, due: "2028-05-03", provisional: true, why: "no data for 2028: 05-01 (Mon) and 05-02 are statutory days" },
  ])("$from + $n working days = $due ($why)", ({ from, n, due, provisional }) => {
    expect(workingDeadline(from, n, CN_WORKING_CALENDAR)).toEqual({ date: due, provisional });
  });

  it("counts working days between two dates, provisional past the data", () => {
    expect(countWorkingDays("2026-09-30", "2026-10-10", CN_WORKING_CALENDAR)).toEqual({ days: 3, provisional: false });
    expect(countWorkingDays("2026-12-28", "2027-01-07", CN_WORKING_CALENDAR)).toEqual({ days: 7, provisional: true });
  });

  it("keeps the earlier flat interface: same coverage, same days", () => {
    expect([CN_CALENDAR.coversFrom, CN_CALENDAR.coversTo]).toEqual(["2026-01-01", "2027-12-31"]);
    expect(Object.keys(CN_CALENDAR.workdays)).toEqual(["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]);
  });
});

describe("import of the State Council's notice", () => {
  it("reads the 2026 notice into exactly the shipped 2026 data", () => {
    const a = parseStateCouncilNotice(NOTICE_2026, 2026, SOURCE("国务院办公厅关于2026年部分节假日安排的通知"));
    expect(a.status).toBe("official");
    expect(a.holidays).toEqual(CN_ARRANGEMENTS[0]!.holidays);
    expect(a.workdays).toEqual(CN_ARRANGEMENTS[0]!.workdays);
    // 33 days off: 3 + 9 + 3 + 5 + 3 + 3 + 7.
    expect(Object.keys(a.holidays)).toHaveLength(33);
  });

  it("reads the 2017 notice: 补休, a combined 中秋节、国庆节, 星期 in the brackets", () => {
    const a = parseStateCouncilNotice(NOTICE_2017, 2017, SOURCE("国务院办公厅关于2017年部分节假日安排的通知"));
    const off = [
      "2017-01-01", "2017-01-02", ...days("2017-01-27", "2017-02-02"), ...days("2017-04-02", "2017-04-04"), "2017-05-01",
      ...days("2017-05-28", "2017-05-30"), ...days("2017-10-01", "2017-10-08"),
    ];
    expect(Object.keys(a.holidays)).toEqual(off);
    expect(Object.keys(a.workdays)).toEqual(["2017-01-22", "2017-02-04", "2017-04-01", "2017-05-27", "2017-09-30"]);
    expect(a.holidays["2017-10-05"]).toBe("中秋节、国庆节");
  });

  it("reads the 2014 notice in half-width punctuation, with single days and 补休", () => {
    const a = parseStateCouncilNotice(NOTICE_2014, 2014, SOURCE("国务院办公厅关于2014年部分节假日安排的通知"));
    const off = [
      "2014-01-01", ...days("2014-01-31", "2014-02-06"), "2014-04-05", "2014-04-07", ...days("2014-05-01", "2014-05-03"), "2014-06-02", "2014-09-08",
      ...days("2014-10-01", "2014-10-07"),
    ];
    expect(Object.keys(a.holidays)).toEqual(off);
    expect(Object.keys(a.workdays)).toEqual(["2014-01-26", "2014-02-08", "2014-05-04", "2014-09-28", "2014-10-11"]);
  });

  it.each([
    { from: "2017-01-26", n: 1, due: "2017-02-03", provisional: false, why: "Spring Festival 01-27..02-02" },
    { from: "2017-02-03", n: 1, due: "2017-02-04", provisional: false, why: "Saturday 02-04 make-up day" },
    { from: "2017-09-29", n: 1, due: "2017-09-30", provisional: false, why: "Saturday 09-30 make-up day" },
    { from: "2017-09-30", n: 1, due: "2017-10-09", provisional: false, why: "10-01..08 off" },
    { from: "2017-12-29", n: 1, due: "2018-01-02", provisional: true, why: "2018 not imported: 01-01 (Mon) statutory, provisional" },
  ])("an imported year counts its make-up days: $from + $n = $due ($why)", ({ from, n, due, provisional }) => {
    const calendar = buildCalendar([parseStateCouncilNotice(NOTICE_2017, 2017, SOURCE("2017"))]);
    expect(workingDeadline(from, n, calendar)).toEqual({ date: due, provisional });
  });

  it.each([
    { name: "the notice under the wrong year (weekdays do not match)", text: NOTICE_2026, year: 2027, problem: /2027-01-01 is a 周五, the notice says 周四/ },
    { name: "a day count that does not add up", text: NOTICE_2026.replace("共9天", "共8天"), year: 2026, problem: /2026-02-15 to 2026-02-23 is 9 days, the notice says 8/ },
    { name: "a make-up day on a weekday", text: NOTICE_2026.replace("1月4日（周日）上班", "1月5日上班"), year: 2026, problem: /2026-01-05 is not a Saturday or Sunday/ },
    { name: "no numbered items", text: "2027年放假安排另行通知。", year: 2027, problem: /no numbered holiday items/ },
    { name: "a date that does not exist", text: "一、春节：2月30日放假。", year: 2026, problem: /2026年2月30日 is not a calendar date/ },
  ])("refuses $name", ({ text, year, problem }) => {
    let error: unknown;
    try {
      parseStateCouncilNotice(text, year, SOURCE("test"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArrangementError);
    expect((error as ArrangementError).problems.join("\n")).toMatch(problem);
  });
});

describe("arrangements as JSON an administrator uploads", () => {
  const good = { format: ARRANGEMENT_FORMAT, year: 2026, status: "official", source: SOURCE("test"), holidays: { "2026-01-01": "元旦" }, workdays: { "2026-01-04": "元旦调休" } };

  it("accepts a well-formed file", () => {
    expect(parseArrangement(JSON.parse(JSON.stringify(good))).workdays).toEqual({ "2026-01-04": "元旦调休" });
  });

  it.each([
    { name: "another format", input: { ...good, format: "v0" }, problem: /format must be/ },
    { name: "a date that does not exist", input: { ...good, holidays: { "2026-02-30": "春节" } }, problem: /2026-02-30 is not a calendar date/ },
    { name: "a make-up day on a Monday", input: { ...good, workdays: { "2026-01-05": "元旦调休" } }, problem: /2026-01-05 is not a Saturday or Sunday/ },
    { name: "a day both off and worked", input: { ...good, holidays: { "2026-01-04": "元旦" } }, problem: /2026-01-04 is both/ },
    { name: "a day of another year", input: { ...good, holidays: { "2026-01-01": "元旦", "2028-01-01": "元旦" } }, problem: /outside the 2026 arrangement/ },
    { name: "an unknown status", input: { ...good, status: "draft" }, problem: /status must be/ },
  ])("refuses $name", ({ input, problem }) => {
    expect(() => parseArrangement(input)).toThrow(problem);
  });

  it("refuses two arrangements for one year in a calendar", () => {
    expect(() => buildCalendar([CN_ARRANGEMENTS[0]!, CN_ARRANGEMENTS[0]!])).toThrow(/two arrangements for 2026/);
  });

  it("the provisional 2027 file is exactly the statutory days (lunar dates: 除夕 02-05, 清明 04-05, 端午 06-09, 中秋 09-15)", () => {
    const statutory = statutoryArrangement(2027, { springFestivalEve: "2027-02-05", qingming: "2027-04-05", dragonBoat: "2027-06-09", midAutumn: "2027-09-15" }, SOURCE("statutory"));
    const shipped = CN_ARRANGEMENTS[1]!;
    expect([shipped.year, shipped.status]).toEqual([2027, "provisional"]);
    expect(shipped.holidays).toEqual(statutory.holidays);
    expect(shipped.workdays).toEqual({});
    // 13 statutory days: 元旦 1, 春节 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3.
    expect(Object.keys(shipped.holidays)).toHaveLength(13);
  });
});

describe("the warning before the official data ends", () => {
  it.each([
    { today: "2026-10-31", notice: null },
    { today: "2026-11-01", notice: { code: "holiday_calendar_ending", officialThrough: "2026-12-31", daysLeft: 60, nextYear: 2027 } },
    { today: "2026-12-01", notice: { code: "holiday_calendar_ending", officialThrough: "2026-12-31", daysLeft: 30, nextYear: 2027 } },
    { today: "2026-12-31", notice: { code: "holiday_calendar_ending", officialThrough: "2026-12-31", daysLeft: 0, nextYear: 2027 } },
    { today: "2027-01-01", notice: { code: "holiday_calendar_ended", officialThrough: "2026-12-31", nextYear: 2027 } },
  ])("on $today", ({ today, notice }) => {
    expect(calendarNotice(today, CN_WORKING_CALENDAR)).toEqual(notice);
  });

  it("importing the next year moves the warning on", () => {
    const withNext = buildCalendar([CN_ARRANGEMENTS[0]!, { ...CN_ARRANGEMENTS[1]!, status: "official" }]);
    expect(calendarNotice("2026-12-01", withNext)).toBeNull();
    expect(workingDeadline("2026-12-28", 7, withNext).provisional).toBe(false);
  });
});
