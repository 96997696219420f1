// Civil dates and period arithmetic. Pure, no calendar data (calendar.ts adds the holidays).
//
// Dates are civil dates in China Standard Time (UTC+8, no daylight saving) written
// as "YYYY-MM-DD": decision dates, due dates and publicity days are such dates, not
// instants.
//
// Period arithmetic follows the Civil Code of the PRC: the day a period starts (the
// decision date) is not counted (art. 201), and a period of N months ends on the
// corresponding day of the N-th month after it, or on that month's last day when it
// has none (art. 202). So a 3-month period from 2026-04-15 ends on 2026-07-15, and the
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

/** The date of year/month/day, or null when there is no such day (e.g. 2027-02-29). */
export function civilDate(year: number, month: number, day: number): CivilDate | null {
  const text = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return isCivilDate(text) ? text : null;
}

export function yearOf(date: CivilDate): number {
  return parts(date)[0];
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

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CivilDate, to: CivilDate): number {
  return Math.round((utcMidnight(to) - utcMidnight(from)) / DAY_MS);
}

/** The corresponding day `months` later, clamped to the month's last day (Civil Code art. 202). */
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

export function isWeekend(date: CivilDate): boolean {
  const day = weekday(date);
  return day === 0 || day === 6;
}
