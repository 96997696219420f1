// Durations and times in the page language.
import { lang, t } from "../i18n/index.ts";

/** 45 → "45 秒", 600 → "10 分钟", 43200 → "12 小时" (whole units, rounded down; a negative age counts as 0). */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return t("verifier.seconds", { n: s });
  if (s < 7200) return t("verifier.minutes", { n: Math.floor(s / 60) });
  return t("verifier.hours", { n: Math.floor(s / 3600) });
}

/** A time of day on this device's clock, with the date when it is not today. */
export function clockTime(at: number): string {
  const locale = lang() === "zh" ? "zh-CN" : "en-GB";
  const when = new Date(at);
  const time = when.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  return when.toDateString() === new Date().toDateString() ? time : `${when.toLocaleDateString(locale)} ${time}`;
}
