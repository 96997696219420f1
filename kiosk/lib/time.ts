// Times on every front end as people in Foshan read them (Beijing time), without guessing the
// order of day and month.
import { lang } from "../i18n/index.ts";

/**
 * A time as a newcomer reads it without guessing the order of day and month: "12月2日 00:29",
 * "2 Dec, 00:29" (was 12/02 and 02/12 for the same day); the year only when it is not this year;
 * seconds where a code lives a minute (the kiosk's).
 */
export function timeOf(iso: string, shown: { seconds?: boolean } = {}): string {
  const at = new Date(iso);
  const zone = "Asia/Shanghai";
  const year = (d: Date) => d.toLocaleString("en-GB", { timeZone: zone, year: "numeric" });
  const options: Intl.DateTimeFormatOptions = { timeZone: zone, hour12: false, month: lang() === "zh" ? "long" : "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
  if (year(at) !== year(new Date())) options.year = "numeric";
  if (shown.seconds) options.second = "2-digit";
  return at.toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", options);
}
