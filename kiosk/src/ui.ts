// Small pieces every kiosk screen uses: the button, times, plain words for codes, and a
// policy reason as a citizen reads it.
import { h } from "../lib/dom.ts";
import { timeOf } from "../lib/time.ts";
import { lang, lookup, t } from "../i18n/index.ts";
import type { Reason } from "./api.ts";

/** A large touch button; every button is disabled while a step runs. */
export function button(busy: boolean, label: string, onclick: () => void, opts: { kind?: string; disabled?: boolean; test?: string } = {}): HTMLButtonElement {
  return h("button", { type: "button", class: `btn ${opts.kind ?? "primary"}`, disabled: opts.disabled || busy, "data-test": opts.test, onclick }, label);
}

/** A time as people in Foshan read it (kiosk/lib/time.ts, as the wallet shows it), to the second: the kiosk's codes live a minute. */
export const formatTime = (iso: string): string => timeOf(iso, { seconds: true });

/** Plain words for an API problem code or a face refusal reason; a code without words gets the general apology. */
export function problemText(code: string | undefined): string {
  return lookup(`kiosk.faceReason.${code}`) ?? lookup(`kiosk.error.${code}`) ?? t("kiosk.error.unknown");
}

/**
 * A refusal or decision reason: the sentence and its legal basis in the language shown (the API
 * renders both languages from the same templates, with the same facts); the rule id and policy
 * version only inside "details", for the officer at the counter. An evaluation stored before
 * the templates has one message only.
 */
export function reasonItem(r: Reason): HTMLElement {
  const words = r.words?.[lang()] ?? { text: r.message, basis: "" };
  return h(
    "li",
    { class: "reason", "data-test": "reason" },
    h("span", { class: "reason-text" }, words.text),
    words.basis ? h("small", { class: "basis", "data-test": "basis" }, words.basis) : null,
    h("details", { class: "officer-details" }, h("summary", {}, t("kiosk.details")), h("code", { "data-test": "rule-id" }, r.policyVersion ? `${r.ruleId} · ${r.policyVersion}` : r.ruleId)),
  );
}

/** The words for a value the API sends (a record kind, a severity, a status…), or the value itself. */
export function wordFor(group: "kind" | "severity" | "capacity" | "status", value: string): string {
  return lookup(`kiosk.${group}.${value}`) ?? value;
}
