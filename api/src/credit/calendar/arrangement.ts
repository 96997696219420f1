// The holiday calendar as data: one arrangement per year, as the State Council's General
// Office publishes it (国务院办公厅关于N年部分节假日安排的通知, normally in November or
// December of year N−1), in a JSON format an administrator can import and replace.
//
// Working days skip weekends and days off and count the make-up working days (调休上班).
// A year without the official arrangement is never guessed silently: its days are
// counted from what is certain (weekends, the statutory days of the 全国年节及纪念日放假办法)
// and every result that touches it says `provisional: true`.
import { addDays, compareDates, daysBetween, isCivilDate, isWeekend, yearOf, type CivilDate } from "./dates.ts";

export const ARRANGEMENT_FORMAT = "onecode.holiday-arrangement/1";

export interface ArrangementSource {
  /** The notice, e.g. "国务院办公厅关于2026年部分节假日安排的通知". */
  title: string;
  /** The date the notice was issued, when known. */
  issuedOn: CivilDate | null;
  /** Public pages carrying the text that was imported. */
  references: string[];
  note?: string;
}

export interface HolidayArrangement {
  format: typeof ARRANGEMENT_FORMAT;
  year: number;
  /** official: the State Council's arrangement; provisional: statutory days only, until it is published. */
  status: "official" | "provisional";
  source: ArrangementSource;
  /** Days off (放假): statutory days and the days moved next to them, weekends included. */
  holidays: Record<CivilDate, string>;
  /** Make-up working days (调休上班); each falls on a Saturday or Sunday. */
  workdays: Record<CivilDate, string>;
}

export class ArrangementError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`holiday arrangement refused: ${problems.join("; ")}`);
    this.name = "ArrangementError";
    this.problems = problems;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An arrangement may name days of late December before and January after its year (元旦 across the year end). */
function inReach(date: CivilDate, year: number): boolean {
  return compareDates(date, `${year - 1}-12-01`) >= 0 && compareDates(date, `${year + 1}-01-31`) <= 0;
}

function dayTable(value: unknown, field: string, year: number, problems: string[]): Record<CivilDate, string> {
  const out: Record<CivilDate, string> = {};
  if (!isRecord(value)) {
    problems.push(`${field} must be an object of "YYYY-MM-DD": name`);
    return out;
  }
  for (const [date, name] of Object.entries(value)) {
    if (!isCivilDate(date)) problems.push(`${field}: ${date} is not a calendar date`);
    else if (!inReach(date, year)) problems.push(`${field}: ${date} is outside the ${year} arrangement`);
    else if (typeof name !== "string" || name.trim() === "") problems.push(`${field}: ${date} needs the holiday's name`);
    else out[date] = name;
  }
  return out;
}

/**
 * Checks an arrangement (parsed JSON, e.g. uploaded by an administrator) and returns it
 * typed; throws ArrangementError listing every problem, so a wrong file changes nothing.
 */
export function parseArrangement(input: unknown): HolidayArrangement {
  const problems: string[] = [];
  if (!isRecord(input)) throw new ArrangementError(["the arrangement must be a JSON object"]);
  if (input.format !== ARRANGEMENT_FORMAT) problems.push(`format must be "${ARRANGEMENT_FORMAT}"`);
  const year = input.year;
  if (typeof year !== "number" || !Number.isInteger(year) || year < 2000 || year > 2100) {
    throw new ArrangementError([...problems, "year must be a whole year between 2000 and 2100"]);
  }
  if (input.status !== "official" && input.status !== "provisional") problems.push('status must be "official" or "provisional"');
  const source = input.source;
  if (!isRecord(source) || typeof source.title !== "string" || source.title.trim() === "") problems.push("source.title must name the notice");
  const issuedOn = isRecord(source) ? source.issuedOn : null;
  if (issuedOn !== null && issuedOn !== undefined && (typeof issuedOn !== "string" || !isCivilDate(issuedOn))) problems.push("source.issuedOn must be a date or null");
  const references = isRecord(source) ? source.references : [];
  if (references !== undefined && (!Array.isArray(references) || references.some((r) => typeof r !== "string"))) problems.push("source.references must be a list of texts");
  const holidays = dayTable(input.holidays, "holidays", year, problems);
  const workdays = dayTable(input.workdays, "workdays", year, problems);
  for (const date of Object.keys(workdays)) {
    if (!isWeekend(date)) problems.push(`workdays: ${date} is not a Saturday or Sunday, so it cannot be a make-up working day`);
    if (holidays[date] !== undefined) problems.push(`${date} is both a day off and a make-up working day`);
  }
  if (!Object.keys(holidays).some((d) => yearOf(d) === year)) problems.push(`holidays: no day off in ${year}`);
  if (problems.length > 0) throw new ArrangementError(problems);
  const s = source as Record<string, unknown>;
  return {
    format: ARRANGEMENT_FORMAT,
    year,
    status: input.status as HolidayArrangement["status"],
    source: {
      title: s.title as string,
      issuedOn: (issuedOn as string | null | undefined) ?? null,
      references: (references as string[] | undefined) ?? [],
      ...(typeof s.note === "string" ? { note: s.note } : {}),
    },
    holidays,
    workdays,
  };
}

/** The lunar-calendar statutory days of a year, converted to civil dates (they move every year). */
export interface LunarDates {
  /** 除夕, the last day of the lunar year: the Spring Festival days off are 除夕 to 正月初三. */
  springFestivalEve: CivilDate;
  /** 清明 (a solar term, 4 or 5 April). */
  qingming: CivilDate;
  /** 端午, 5th day of the 5th lunar month. */
  dragonBoat: CivilDate;
  /** 中秋, 15th day of the 8th lunar month. */
  midAutumn: CivilDate;
}

/** Statutory days of 全国年节及纪念日放假办法 (2024 revision) that fall on fixed civil dates. */
const FIXED_STATUTORY: Record<string, string> = {
  "01-01": "元旦",
  "05-01": "劳动节",
  "05-02": "劳动节",
  "10-01": "国庆节",
  "10-02": "国庆节",
  "10-03": "国庆节",
};

export function fixedStatutoryHoliday(date: CivilDate): string | undefined {
  return FIXED_STATUTORY[date.slice(5)];
}

/**
 * A provisional arrangement from the statutory days alone (元旦 1, 春节 4, 清明 1, 劳动节 2,
 * 端午 1, 中秋 1, 国庆 3): no moved days and no make-up working days, which only the State
 * Council's notice sets. Deadlines counted on it are marked provisional.
 */
export function statutoryArrangement(year: number, lunar: LunarDates, source: ArrangementSource): HolidayArrangement {
  const holidays: Record<CivilDate, string> = {};
  for (const [monthDay, name] of Object.entries(FIXED_STATUTORY)) holidays[`${year}-${monthDay}`] = name;
  for (let i = 0; i < 4; i++) holidays[addDays(lunar.springFestivalEve, i)] = "春节";
  holidays[lunar.qingming] = "清明节";
  holidays[lunar.dragonBoat] = "端午节";
  holidays[lunar.midAutumn] = "中秋节";
  const sorted = Object.fromEntries(Object.entries(holidays).sort(([a], [b]) => compareDates(a, b)));
  return parseArrangement({ format: ARRANGEMENT_FORMAT, year, status: "provisional", source, holidays: sorted, workdays: {} });
}

/** Arrangements merged into one calendar, with what is official and what is not. */
export interface WorkingCalendar {
  arrangements: readonly HolidayArrangement[];
  holidays: Readonly<Record<CivilDate, string>>;
  workdays: Readonly<Record<CivilDate, string>>;
  statusByYear: Readonly<Record<number, HolidayArrangement["status"]>>;
  /** Last day of the unbroken run of official years from the first one (null: no official year). */
  officialThrough: CivilDate | null;
  officialFrom: CivilDate | null;
}

export function buildCalendar(arrangements: readonly HolidayArrangement[]): WorkingCalendar {
  const sorted = [...arrangements].sort((a, b) => a.year - b.year);
  const holidays: Record<CivilDate, string> = {};
  const workdays: Record<CivilDate, string> = {};
  const statusByYear: Record<number, HolidayArrangement["status"]> = {};
  const problems: string[] = [];
  for (const a of sorted) {
    if (statusByYear[a.year] !== undefined) problems.push(`two arrangements for ${a.year}`);
    statusByYear[a.year] = a.status;
    for (const [d, name] of Object.entries(a.holidays)) holidays[d] = name;
    for (const [d, name] of Object.entries(a.workdays)) workdays[d] = name;
  }
  for (const d of Object.keys(workdays)) if (holidays[d] !== undefined) problems.push(`${d} is a day off in one arrangement and a working day in another`);
  if (problems.length > 0) throw new ArrangementError(problems);
  const official = sorted.filter((a) => a.status === "official").map((a) => a.year);
  let through: number | null = null;
  if (official.length > 0) {
    through = official[0]!;
    while (statusByYear[through + 1] === "official") through += 1;
  }
  return {
    arrangements: sorted,
    holidays,
    workdays,
    statusByYear,
    officialFrom: official.length > 0 ? `${official[0]}-01-01` : null,
    officialThrough: through === null ? null : `${through}-12-31`,
  };
}

export interface DayInfo {
  working: boolean;
  /** The year has no official arrangement: the answer may change when it is imported. */
  provisional: boolean;
}

export function dayInfo(date: CivilDate, calendar: WorkingCalendar): DayInfo {
  const status = calendar.statusByYear[yearOf(date)];
  const provisional = status !== "official";
  if (calendar.workdays[date] !== undefined) return { working: true, provisional };
  if (calendar.holidays[date] !== undefined) return { working: false, provisional };
  if (status === undefined && fixedStatutoryHoliday(date) !== undefined) return { working: false, provisional };
  return { working: !isWeekend(date), provisional };
}

export interface Deadline {
  date: CivilDate;
  /** Some day counted lies in a year without the official arrangement: recompute once it is imported. */
  provisional: boolean;
}

/** The `n`-th working day after `from` (the start day itself is not counted). Never throws for a valid date. */
export function workingDeadline(from: CivilDate, n: number, calendar: WorkingCalendar): Deadline {
  if (!Number.isInteger(n) || n < 0) throw new RangeError("n must be a non-negative integer");
  let date = from;
  let left = n;
  let provisional = false;
  while (left > 0) {
    date = addDays(date, 1);
    const info = dayInfo(date, calendar);
    provisional ||= info.provisional;
    if (info.working) left -= 1;
  }
  return { date, provisional };
}

/** Working days after `from` up to and including `to` (0 when `to` <= `from`). */
export function countWorkingDays(from: CivilDate, to: CivilDate, calendar: WorkingCalendar): { days: number; provisional: boolean } {
  let days = 0;
  let provisional = false;
  for (let d = addDays(from, 1); compareDates(d, to) <= 0; d = addDays(d, 1)) {
    const info = dayInfo(d, calendar);
    provisional ||= info.provisional;
    if (info.working) days += 1;
  }
  return { days, provisional };
}

/** How many days before the official data ends the administrators are warned. */
export const CALENDAR_WARNING_DAYS = 60;

export type CalendarNotice =
  | { code: "holiday_calendar_ending"; officialThrough: CivilDate; daysLeft: number; nextYear: number }
  | { code: "holiday_calendar_ended"; officialThrough: CivilDate | null; nextYear: number };

/**
 * The warning for officers and administrators: from CALENDAR_WARNING_DAYS days before the
 * official data ends (the next year's notice should be imported), and after it (deadlines
 * are provisional). Null while nothing needs doing.
 */
export function calendarNotice(today: CivilDate, calendar: WorkingCalendar): CalendarNotice | null {
  const through = calendar.officialThrough;
  if (through === null || compareDates(today, through) > 0) {
    return { code: "holiday_calendar_ended", officialThrough: through, nextYear: through === null ? yearOf(today) : yearOf(through) + 1 };
  }
  const daysLeft = daysBetween(today, through);
  if (daysLeft <= CALENDAR_WARNING_DAYS) return { code: "holiday_calendar_ending", officialThrough: through, daysLeft, nextYear: yearOf(through) + 1 };
  return null;
}
