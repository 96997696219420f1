// Small pieces every kiosk screen uses: the button, times, and plain words for codes.
import { h } from "../lib/dom.ts";
import { lang, lookup, t } from "../i18n/index.ts";

/** A large touch button; every button is disabled while a step runs. */
export function button(busy: boolean, label: string, onclick: () => void, opts: { kind?: string; disabled?: boolean; test?: string } = {}): HTMLButtonElement {
  return h("button", { type: "button", class: `btn ${opts.kind ?? "primary"}`, disabled: opts.disabled || busy, "data-test": opts.test, onclick }, label);
}

/** A time as people in Foshan read it. */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false });
}

/** Plain words for an API problem code or a face refusal reason; a code without words gets the general apology. */
export function problemText(code: string | undefined): string {
  return lookup(`kiosk.faceReason.${code}`) ?? lookup(`kiosk.error.${code}`) ?? t("kiosk.error.unknown");
}

/** The words for a value the API sends (a record kind, a severity, a status…), or the value itself. */
export function wordFor(group: "kind" | "severity" | "capacity" | "status", value: string): string {
  return lookup(`kiosk.${group}.${value}`) ?? value;
}
