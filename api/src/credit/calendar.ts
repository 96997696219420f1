// Calendar dates and working days. Pure.
//
// The date arithmetic is in calendar/dates.ts (Civil Code arts. 201–202); the holiday
// data is one JSON arrangement per year in calendar/ (format and import in
// calendar/arrangement.ts, import of the State Council's notice text in calendar/notice.ts).
//
// Two interfaces:
// - workingDeadline / countWorkingDays / calendarNotice on a WorkingCalendar: never throw
//   for a valid date; a result that counts a day of a year without the official
//   arrangement says `provisional: true`, and calendarNotice warns from 60 days before the
//   official data ends. This is what deadlines should use.
// - addWorkingDays / isWorkingDay / workingDaysBetween on the flat HolidayCalendar: the
//   earlier interface, kept unchanged (same days, same CalendarRangeError outside
//   coversFrom..coversTo) for the callers that still use it.
import arrangement2026 from "./calendar/cn-2026.json" with { type: "json" };
import arrangement2027 from "./calendar/cn-2027-provisional.json" with { type: "json" };
import { buildCalendar, parseArrangement, type HolidayArrangement, type WorkingCalendar } from "./calendar/arrangement.ts";
import { addDays, weekday, type CivilDate } from "./calendar/dates.ts";

export * from "./calendar/dates.ts";
export {
  ArrangementError,
  ARRANGEMENT_FORMAT,
  buildCalendar,
  calendarNotice,
  CALENDAR_WARNING_DAYS,
  countWorkingDays,
  dayInfo,
  fixedStatutoryHoliday,
  parseArrangement,
  statutoryArrangement,
  workingDeadline,
  type ArrangementSource,
  type CalendarNotice,
  type Deadline,
  type HolidayArrangement,
  type LunarDates,
  type WorkingCalendar,
} from "./calendar/arrangement.ts";
export { parseStateCouncilNotice } from "./calendar/notice.ts";

/**
 * The shipped arrangements: 2026 from the State Council's notice; 2027 provisional
 * (statutory days only: the 2027 notice was not available, see the file's note).
 * Checked by the same parser as an administrator's import.
 */
export const CN_ARRANGEMENTS: readonly HolidayArrangement[] = [parseArrangement(arrangement2026), parseArrangement(arrangement2027)];

export const CN_WORKING_CALENDAR: WorkingCalendar = buildCalendar(CN_ARRANGEMENTS);

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

/** The flat view of a working calendar, for the earlier interface. */
export function flatCalendar(calendar: WorkingCalendar): HolidayCalendar {
  const years = calendar.arrangements.map((a) => a.year);
  return {
    source: calendar.arrangements.map((a) => `${a.year}: ${a.source.title}${a.status === "provisional" ? " (provisional)" : ""}`).join("; "),
    coversFrom: `${Math.min(...years)}-01-01`,
    coversTo: `${Math.max(...years)}-12-31`,
    holidays: { ...calendar.holidays },
    workdays: { ...calendar.workdays },
  };
}

export const CN_CALENDAR: HolidayCalendar = flatCalendar(CN_WORKING_CALENDAR);

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
 * "accept within 3 working days of the application"). Earlier interface: prefer
 * workingDeadline, which never throws and says when the answer is provisional.
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
