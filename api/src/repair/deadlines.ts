// Working-day deadlines of repair applications (acceptance, decision, extension, passing the
// result on to other platforms), from the policy in force on a date.
import { addWorkingDays as addWorkingDaysRaw, CalendarRangeError, type CivilDate } from "../credit/calendar.ts";
import { policyFor } from "../credit/policy/evaluate.ts";
import type { Policy } from "../credit/policy/types.ts";
import { ProblemError } from "../errors.ts";

/** Working-day arithmetic; a date outside the holiday calendar is an operator problem, said plainly. */
export function addWorkingDays(date: CivilDate, n: number): CivilDate {
  try {
    return addWorkingDaysRaw(date, n);
  } catch (error) {
    if (error instanceof CalendarRangeError) {
      throw new ProblemError(503, "holiday_calendar_outdated", "Service unavailable", `${error.message}: add the year to api/src/credit/calendar.ts`);
    }
    throw error;
  }
}

export function deadlinesOf(policies: Policy[], date: CivilDate) {
  return policyFor(date, policies).deadlines;
}
