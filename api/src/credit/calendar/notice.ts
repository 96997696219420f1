// Import of the State Council's yearly holiday notice (国务院办公厅关于N年部分节假日安排的通知)
// from its published text, so an administrator pastes the notice instead of typing dates.
// Pure. The notice lists, per holiday, the days off (放假 / 放假调休, "M月D日至D日 … 共N天"),
// days off in lieu (补休) and the make-up working days (上班). Every weekday the notice
// names in brackets ("（周日）", "（星期六）") is checked against the year, so a notice
// imported under the wrong year, or a typing error, is refused rather than stored.
import { addDays, civilDate, compareDates, weekday, type CivilDate } from "./dates.ts";
import { ARRANGEMENT_FORMAT, ArrangementError, parseArrangement, type ArrangementSource, type HolidayArrangement } from "./arrangement.ts";

const FULL_WIDTH: Record<string, string> = { "：": ":", "，": ",", "。": ".", "（": "(", "）": ")", "；": ";" };
const WEEKDAYS: Record<string, number> = { 日: 0, 天: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6 };
const WEEKDAY_NAMES = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
const HEADER = /(?:^|\.)[一二三四五六七八九十]+、([^:.,]{1,20}):/g;
const DATE_TOKEN = /(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?/g;
const KEYWORDS = /放假|补休|上班|共\d+天|连休/;

function normalise(text: string): string {
  return text.replace(/[：，。（）；]/g, (c) => FULL_WIDTH[c]!).replace(/[\s\u3000]+/g, "");
}

/** Splits on , ; . outside brackets. */
function clauses(sentence: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of sentence) {
    if (c === "(") depth += 1;
    if (c === ")") depth = Math.max(0, depth - 1);
    if (depth === 0 && (c === "," || c === ";" || c === ".")) {
      if (current) out.push(current);
      current = "";
    } else current += c;
  }
  if (current) out.push(current);
  return out;
}

interface Context {
  year: number;
  month: number | null;
  problems: string[];
}

function datesIn(clause: string, ctx: Context): CivilDate[] {
  const out: CivilDate[] = [];
  for (const m of clause.matchAll(DATE_TOKEN)) {
    if (m[1]) ctx.year = Number(m[1]);
    if (m[2]) ctx.month = Number(m[2]);
    if (ctx.month === null) {
      ctx.problems.push(`"${m[0]}" has no month`);
      continue;
    }
    const date = civilDate(ctx.year, ctx.month, Number(m[3]));
    if (date === null) {
      ctx.problems.push(`${ctx.year}年${ctx.month}月${m[3]}日 is not a calendar date`);
      continue;
    }
    const hint = /(?:周|星期)([日天一二三四五六])/.exec(m[4] ?? "");
    if (hint && WEEKDAYS[hint[1]!] !== weekday(date)) {
      ctx.problems.push(`${date} is a ${WEEKDAY_NAMES[weekday(date)]}, the notice says ${hint[0]}: is the year right?`);
    }
    out.push(date);
  }
  return out;
}

/**
 * Reads the notice text for `year` into an official arrangement. Throws ArrangementError
 * with every problem found (unreadable clause, wrong weekday, day count that does not add
 * up, make-up day not on a weekend).
 */
export function parseStateCouncilNotice(text: string, year: number, source: ArrangementSource): HolidayArrangement {
  const body = normalise(text);
  const headers = [...body.matchAll(HEADER)];
  if (headers.length === 0) throw new ArrangementError(["no numbered holiday items (一、元旦：…) found in the text"]);
  const holidays: Record<CivilDate, string> = {};
  const workdays: Record<CivilDate, string> = {};
  const problems: string[] = [];
  headers.forEach((h, i) => {
    const name = h[1]!;
    const end = i + 1 < headers.length ? headers[i + 1]!.index : body.length;
    const ctx: Context = { year, month: null, problems };
    let lastRange: CivilDate[] | null = null;
    // The text after the last item (encouragement, duty rosters, signature) has no keyword: stop there.
    for (const sentence of body.slice(h.index + h[0].length, end).split(".")) {
      if (!KEYWORDS.test(sentence)) break;
      for (const clause of clauses(sentence)) {
        const count = /共(\d+)天/.exec(clause);
        if (count) {
          if (lastRange === null) problems.push(`${name}: "${clause}" follows no range of days`);
          else if (lastRange.length !== Number(count[1])) problems.push(`${name}: ${lastRange[0]} to ${lastRange.at(-1)} is ${lastRange.length} days, the notice says ${count[1]}`);
          continue;
        }
        const dates = datesIn(clause, ctx);
        if (dates.length === 0) continue;
        if (clause.includes("上班")) {
          for (const d of dates) workdays[d] = `${name}调休`;
        } else if (clause.includes("补休")) {
          for (const d of dates) holidays[d] = name;
        } else if (clause.includes("放假") && clause.includes("至") && dates.length === 2) {
          const [from, to] = dates as [CivilDate, CivilDate];
          const range: CivilDate[] = [];
          for (let d = from; compareDates(d, to) <= 0 && range.length <= 31; d = addDays(d, 1)) range.push(d);
          if (compareDates(from, to) > 0 || range.length > 31) problems.push(`${name}: ${from} to ${to} is not a range of days`);
          else for (const d of range) holidays[d] = name;
          lastRange = range;
        } else if (clause.includes("放假")) {
          for (const d of dates) holidays[d] = name;
          lastRange = dates;
        } else {
          problems.push(`${name}: cannot read "${clause}"`);
        }
      }
    }
  });
  if (problems.length > 0) throw new ArrangementError(problems);
  const sorted = (table: Record<CivilDate, string>) => Object.fromEntries(Object.entries(table).sort(([a], [b]) => compareDates(a, b)));
  return parseArrangement({ format: ARRANGEMENT_FORMAT, year, status: "official", source, holidays: sorted(holidays), workdays: sorted(workdays) });
}
