// Working-day deadlines of repair applications (acceptance, decision, extension, passing the
// result on to other platforms), from the policy in force on a date and the holiday
// arrangements stored in the database (api/src/credit/holidays.ts). A deadline is never
// refused and never counted in calendar days: past the official data it is counted from
// weekends and the statutory days and stored as provisional, and recomputed when the year's
// arrangement is imported (recomputeProvisionalDeadlines).
import type { Queryable } from "../db/database.ts";
import { chinaDate, workingDeadline, type CivilDate, type Deadline, type WorkingCalendar } from "../credit/calendar.ts";
import { loadWorkingCalendar } from "../credit/holidays.ts";
import { policyFor } from "../credit/policy/evaluate.ts";
import type { Deadlines, Policy } from "../credit/policy/types.ts";
import { createRepairRepository } from "./repository.ts";

export { loadWorkingCalendar };

export function deadlinesOf(policies: Policy[], date: CivilDate): Deadlines {
  return policyFor(date, policies).deadlines;
}

/** The `n`-th working day after `from` on the stored calendar, and whether it is provisional. */
export async function dueAfter(client: Queryable, from: CivilDate, n: number): Promise<Deadline> {
  return workingDeadline(from, n, await loadWorkingCalendar(client));
}

/** The decision due date of an accepted application: from the acceptance day, plus the extension when granted. */
export function decideDueOf(calendar: WorkingCalendar, policies: Policy[], app: { accepted_on: CivilDate; filed_on: CivilDate; extended: boolean }): Deadline {
  const base = workingDeadline(app.accepted_on, deadlinesOf(policies, app.accepted_on).decideWorkingDays, calendar);
  if (!app.extended) return base;
  const extended = workingDeadline(base.date, deadlinesOf(policies, app.filed_on).extensionWorkingDays, calendar);
  return { date: extended.date, provisional: base.provisional || extended.provisional };
}

/**
 * After an import: every due date still marked provisional is counted again on `calendar`
 * (open applications and results not yet passed on). Returns how many rows changed.
 */
export async function recomputeProvisionalDeadlines(client: Queryable, calendar: WorkingCalendar, policies: Policy[]): Promise<{ applications: number; syncItems: number }> {
  const repair = createRepairRepository(client);
  let applications = 0;
  for (const a of await repair.provisionalDeadlines()) {
    const accept = a.accept_due_provisional ? workingDeadline(a.filed_on, deadlinesOf(policies, a.filed_on).acceptWorkingDays, calendar) : null;
    const decide = a.decide_due_provisional && a.accepted_at ? decideDueOf(calendar, policies, { accepted_on: chinaDate(a.accepted_at), filed_on: a.filed_on, extended: a.extended }) : null;
    await repair.setDeadlines(a.id, { accept, decide });
    applications += 1;
  }
  let syncItems = 0;
  for (const s of await repair.provisionalSyncItems()) {
    const from = chinaDate(s.created_at);
    await repair.setSyncDue(s.id, workingDeadline(from, deadlinesOf(policies, from).platformSyncWorkingDays, calendar));
    syncItems += 1;
  }
  return { applications, syncItems };
}
