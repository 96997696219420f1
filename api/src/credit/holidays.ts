// The holiday calendar as data an administrator updates (migration 009, table
// holiday_arrangements): one arrangement per year in the format of ./calendar/arrangement.ts.
// The shipped years (2026 official, 2027 provisional) are inserted at boot when absent; an
// import replaces a provisional year, and an official one only when asked to explicitly.
// Every deadline is counted on the calendar built from the rows, read per request (a few
// rows of JSON), so an import counts from the next request on without a cache to invalidate.
import { createHash } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { ArrangementError, buildCalendar, calendarNotice, chinaDate, CN_ARRANGEMENTS, parseArrangement, parseStateCouncilNotice, type ArrangementSource, type CalendarNotice, type HolidayArrangement, type WorkingCalendar } from "./calendar.ts";
import { renderTemplate } from "./policy/reasons.ts";
import { conflict, unprocessable } from "../errors.ts";

export interface ArrangementRow {
  year: number;
  status: HolidayArrangement["status"];
  arrangement: HolidayArrangement;
  digest: Buffer;
  imported_at: Date;
  imported_by: string;
}

export const digestOf = (a: HolidayArrangement): Buffer => createHash("sha256").update(canonicalJson(a)).digest();

export function createHolidayRepository(db: Queryable) {
  return {
    async all(): Promise<ArrangementRow[]> {
      return (await db.query<ArrangementRow>("SELECT year, status, arrangement, digest, imported_at, imported_by FROM holiday_arrangements ORDER BY year")).rows;
    },

    /** The year's row, locked for the import that may replace it. */
    async forUpdate(year: number): Promise<ArrangementRow | null> {
      const r = await db.query<ArrangementRow>("SELECT year, status, arrangement, digest, imported_at, imported_by FROM holiday_arrangements WHERE year = $1 FOR UPDATE", [year]);
      return r.rows[0] ?? null;
    },

    async insertIfAbsent(a: HolidayArrangement, at: Date, by: string): Promise<void> {
      await db.query(
        "INSERT INTO holiday_arrangements (year, status, arrangement, digest, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (year) DO NOTHING",
        [a.year, a.status, JSON.stringify(a), digestOf(a), at, by],
      );
    },

    async upsert(a: HolidayArrangement, at: Date, by: string): Promise<void> {
      await db.query(
        `INSERT INTO holiday_arrangements (year, status, arrangement, digest, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (year) DO UPDATE SET status = EXCLUDED.status, arrangement = EXCLUDED.arrangement, digest = EXCLUDED.digest,
           imported_at = EXCLUDED.imported_at, imported_by = EXCLUDED.imported_by`,
        [a.year, a.status, JSON.stringify(a), digestOf(a), at, by],
      );
    },
  };
}

/** Boot step: the shipped arrangements for the years the database does not hold yet. */
export async function ensureShippedArrangements(db: Queryable): Promise<void> {
  const holidays = createHolidayRepository(db);
  for (const a of CN_ARRANGEMENTS) await holidays.insertIfAbsent(a, new Date(), "system:boot");
}

/** The working calendar of the stored arrangements (checked again: a hand-edited row cannot slip in). */
export async function loadWorkingCalendar(db: Queryable): Promise<WorkingCalendar> {
  const rows = await createHolidayRepository(db).all();
  return buildCalendar(rows.map((r) => parseArrangement(r.arrangement)));
}

/** What an administrator sends: the arrangement as JSON, or the State Council's notice as pasted text. */
export type ArrangementImport =
  | { arrangement: unknown; replaceOfficial?: boolean }
  | { notice: { year: number; text: string; source: ArrangementSource }; replaceOfficial?: boolean };

const invalid = (error: ArrangementError) =>
  unprocessable("holiday_arrangement_invalid", `The holiday arrangement was refused: ${error.problems.length} problem(s)`, { problems: error.problems });

/** Parses an import (422 holiday_arrangement_invalid with problems[] when it is wrong). */
export function parseImport(input: ArrangementImport): HolidayArrangement {
  try {
    return "arrangement" in input ? parseArrangement(input.arrangement) : parseStateCouncilNotice(input.notice.text, input.notice.year, input.notice.source);
  } catch (error) {
    if (error instanceof ArrangementError) throw invalid(error);
    throw error;
  }
}

/**
 * Stores an imported arrangement in the caller's transaction: refuses to replace an official
 * year unless `replaceOfficial`, and refuses an arrangement that contradicts its neighbours
 * (422). Returns what it replaced.
 */
export async function storeArrangement(
  client: Queryable,
  arrangement: HolidayArrangement,
  options: { replaceOfficial: boolean; actor: string; now: Date },
): Promise<{ replaced: HolidayArrangement["status"] | null }> {
  const holidays = createHolidayRepository(client);
  const existing = await holidays.forUpdate(arrangement.year);
  if (existing?.status === "official" && !options.replaceOfficial) {
    throw conflict("holiday_arrangement_official_exists", `${arrangement.year} already has the official arrangement; send replaceOfficial: true to replace it`);
  }
  const others = (await holidays.all()).filter((r) => r.year !== arrangement.year).map((r) => parseArrangement(r.arrangement));
  try {
    buildCalendar([...others, arrangement]);
  } catch (error) {
    if (error instanceof ArrangementError) throw invalid(error);
    throw error;
  }
  await holidays.upsert(arrangement, options.now, options.actor);
  return { replaced: existing?.status ?? null };
}

/**
 * The holiday data as officers and administrators see it: the stored years and, from 60 days
 * before the official data ends, the warning to import the next year's notice (after it: the
 * deadlines are provisional), worded in both languages.
 */
export function calendarStatus(calendar: WorkingCalendar, now: Date) {
  const notice: CalendarNotice | null = calendarNotice(chinaDate(now), calendar);
  return {
    officialThrough: calendar.officialThrough,
    arrangements: calendar.arrangements.map((a) => ({ year: a.year, status: a.status, source: a.source })),
    notice: notice && { ...notice, words: { zh: renderTemplate(notice.code, { ...notice, officialThrough: notice.officialThrough ?? "—" }, "zh"), en: renderTemplate(notice.code, { ...notice, officialThrough: notice.officialThrough ?? "—" }, "en") } },
  };
}
