// Calendar dates and working days. Pure.
//
// Dates are civil dates in China Standard Time (UTC+8, no daylight saving) written
// as "YYYY-MM-DD": decision dates, due dates and publicity days are such dates, not
// instants. The holiday calendar is data (CN_CALENDAR below), not code.
//
// Period arithmetic follows the Civil Code of the PRC, arts. 201 and 203: the day a
// period starts (the decision date) is not counted, and a period of N months ends
// on the corresponding day of the N-th month after it (the month's last day when
// there is none). So a 3-month period from 2026-04-15 ends on 2026-07-15, and the
// first day after it is 2026-07-16.

/** "YYYY-MM-DD". */
export type CivilDate = string;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CST_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export function isCivilDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function parts(date: CivilDate): [number, number, number] {
  if (!isCivilDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

function fromUtcMidnight(ms: number): CivilDate {
  return new Date(ms).toISOString().slice(0, 10);
}

function utcMidnight(date: CivilDate): number {
  const [y, m, d] = parts(date);
  return Date.UTC(y, m - 1, d);
}

/** The civil date in China of an instant. */
export function chinaDate(instant: Date): CivilDate {
  return fromUtcMidnight(instant.getTime() + CST_OFFSET_MS);
}

/** 00:00 China time of a date, as an instant. */
export function chinaMidnight(date: CivilDate): Date {
  return new Date(utcMidnight(date) - CST_OFFSET_MS);
}

export function addDays(date: CivilDate, days: number): CivilDate {
  return fromUtcMidnight(utcMidnight(date) + days * DAY_MS);
}

/** The corresponding day `months` later, clamped to the month's last day (Civil Code art. 203). */
export function addMonths(date: CivilDate, months: number): CivilDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const ty = Math.floor(index / 12);
  const tm = index - ty * 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return fromUtcMidnight(Date.UTC(ty, tm, Math.min(d, last)));
}

export function compareDates(a: CivilDate, b: CivilDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxDate(...dates: CivilDate[]): CivilDate {
  return dates.reduce((a, b) => (b > a ? b : a));
}

/** Day of week, 0 Sunday … 6 Saturday. */
export function weekday(date: CivilDate): number {
  return new Date(utcMidnight(date)).getUTCDay();
}

export interface HolidayCalendar {
  /** Where the dates come from, and what is assumed. */
  source: string;
  /** First and last date the calendar knows; working-day arithmetic outside it refuses to guess. */
  coversFrom: CivilDate;
  coversTo: CivilDate;
  /** Public holidays (法定节假日 and the days moved next to them), including those on weekends. */
  holidays: Record<CivilDate, string>;
  /** Make-up working days (调休上班) that fall on a Saturday or Sunday. */
  workdays: Record<CivilDate, string>;
}

/**
 * Mainland China public holidays for 2026 and 2027.
 *
 * 2026: the State Council General Office notice on the 2026 holiday arrangements
 * (国务院办公厅关于2026年部分节假日安排的通知), published November 2025.
 *
 * 2027: ASSUMPTION. The 2027 notice is normally published in November 2026 and was
 * not available when this table was written. The table holds only the statutory days
 * of the 全国年节及纪念日放假办法 (2024 revision) on their 2027 dates (lunar dates
 * converted: 除夕 2027-02-05, 清明 2027-04-05, 端午 2027-06-09, 中秋 2027-09-15), with
 * no moved days and no make-up working days. Replace it with the notice when it is out.
 */
export const CN_CALENDAR: HolidayCalendar = {
  source:
    "2026: 国务院办公厅关于2026年部分节假日安排的通知; 2027: statutory days only (全国年节及纪念日放假办法, 2024 revision), pending the 2027 notice",
  coversFrom: "2026-01-01",
  coversTo: "2027-12-31",
  holidays: {
    "2026-01-01": "元旦",
    "2026-01-02": "元旦",
    "2026-01-03": "元旦",
    "2026-02-15": "春节",
    "2026-02-16": "春节",
    "2026-02-17": "春节",
    "2026-02-18": "春节",
    "2026-02-19": "春节",
    "2026-02-20": "春节",
    "2026-02-21": "春节",
    "2026-02-22": "春节",
    "2026-02-23": "春节",
    "2026-04-04": "清明节",
    "2026-04-05": "清明节",
    "2026-04-06": "清明节",
    "2026-05-01": "劳动节",
    "2026-05-02": "劳动节",
    "2026-05-03": "劳动节",
    "2026-05-04": "劳动节",
    "2026-05-05": "劳动节",
    "2026-06-19": "端午节",
    "2026-06-20": "端午节",
    "2026-06-21": "端午节",
    "2026-09-25": "中秋节",
    "2026-09-26": "中秋节",
    "2026-09-27": "中秋节",
    "2026-10-01": "国庆节",
    "2026-10-02": "国庆节",
    "2026-10-03": "国庆节",
    "2026-10-04": "国庆节",
    "2026-10-05": "国庆节",
    "2026-10-06": "国庆节",
    "2026-10-07": "国庆节",
    "2027-01-01": "元旦 (statutory; 2027 notice pending)",
    "2027-02-05": "春节 (statutory; 2027 notice pending)",
    "2027-02-06": "春节 (statutory; 2027 notice pending)",
    "2027-02-07": "春节 (statutory; 2027 notice pending)",
    "2027-02-08": "春节 (statutory; 2027 notice pending)",
    "2027-04-05": "清明节 (statutory; 2027 notice pending)",
    "2027-05-01": "劳动节 (statutory; 2027 notice pending)",
    "2027-05-02": "劳动节 (statutory; 2027 notice pending)",
    "2027-06-09": "端午节 (statutory; 2027 notice pending)",
    "2027-09-15": "中秋节 (statutory; 2027 notice pending)",
    "2027-10-01": "国庆节 (statutory; 2027 notice pending)",
    "2027-10-02": "国庆节 (statutory; 2027 notice pending)",
    "2027-10-03": "国庆节 (statutory; 2027 notice pending)",
  },
  workdays: {
    "2026-01-04": "元旦调休",
    "2026-02-14": "春节调休",
    "2026-02-28": "春节调休",
    "2026-05-09": "劳动节调休",
    "2026-09-20": "国庆节调休",
    "2026-10-10": "国庆节调休",
  },
};

export class CalendarRangeError extends RangeError {
  constructor(date: CivilDate, calendar: HolidayCalendar) {
    super(`the holiday calendar covers ${calendar.coversFrom} to ${calendar.coversTo}, not ${date}`);
    this.name = "CalendarRangeError";
  }
}

export function isWorkingDay(date: CivilDate, calendar: HolidayCalendar = CN_CALENDAR): boolean {
  if (date < calendar.coversFrom || date > calendar.coversTo) throw new CalendarRangeError(date, calendar);
  if (calendar.workdays[date] !== undefined) return true;
  if (calendar.holidays[date] !== undefined) return false;
  const day = weekday(date);
  return day !== 0 && day !== 6;
}

/**
 * The `n`-th working day after `date` (the start day itself is not counted, as in
 * "accept within 3 working days of the application").
 */
export function addWorkingDays(date: CivilDate, n: number, calendar: HolidayCalendar = CN_CALENDAR): CivilDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError("n must be a non-negative integer");
  let current = date;
  let left = n;
  while (left > 0) {
    current = addDays(current, 1);
    if (isWorkingDay(current, calendar)) left -= 1;
  }
  return current;
}

/** Working days after `from` up to and including `to` (0 when `to` <= `from`). */
export function workingDaysBetween(from: CivilDate, to: CivilDate, calendar: HolidayCalendar = CN_CALENDAR): number {
  let count = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (isWorkingDay(d, calendar)) count += 1;
  return count;
}
