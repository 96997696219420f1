// The front ends' one translation system: t(key, params), the page language and its one
// switch. Chinese by default; `?lang=en` (or `?lang=zh`) in the address chooses; pages
// used by one official may remember the choice, the kiosk (a shared device) does not.
// Static text in the HTML pages names its key in data-i18n (textContent),
// data-i18n-placeholder or data-i18n-aria-label, and is filled here.
import { dictionaries, type Key, type Lang, type Params } from "./dictionary.ts";

export type { Key, Lang } from "./dictionary.ts";

let current: Lang = "zh";
let rememberIn: string | null = null;

export function lang(): Lang {
  return current;
}

/** The text of `key` in the page language, its {placeholders} filled from `params`. */
export function t<K extends Key>(key: K, ...params: Params<K>): string {
  const text = dictionaries[current][key];
  const values = (params as unknown[])[0] as Record<string, string | number> | undefined;
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}

/** The text of a key built from data (a code the API sends), or undefined when the dictionary has none. */
export function lookup(key: string): string | undefined {
  const words = dictionaries[current];
  return Object.hasOwn(words, key) ? words[key as Key] : undefined;
}

/** Picks the page language at load (address, then the remembered choice, then Chinese) and fills the static text. */
export function startLang(options: { remember?: string } = {}): Lang {
  rememberIn = options.remember ?? null;
  const asked = new URLSearchParams(globalThis.location?.search ?? "").get("lang");
  const remembered = rememberIn ? globalThis.localStorage?.getItem(rememberIn) : null;
  const chosen = asked ?? remembered;
  show(chosen === "en" ? "en" : "zh");
  return current;
}

/** The one language switch: Chinese ⇄ English. The page then redraws what it built from data. */
export function switchLang(): Lang {
  show(current === "zh" ? "en" : "zh");
  if (rememberIn) globalThis.localStorage?.setItem(rememberIn, current);
  return current;
}

function show(next: Lang): void {
  current = next;
  if (typeof document === "undefined") return;
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  fillStaticText(document);
}

/** Fills the text that the HTML names by key. */
export function fillStaticText(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n]")) el.textContent = textOf(el.dataset.i18n!);
  for (const el of root.querySelectorAll<HTMLInputElement>("[data-i18n-placeholder]")) el.placeholder = textOf(el.dataset.i18nPlaceholder!);
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n-aria-label]")) el.setAttribute("aria-label", textOf(el.dataset.i18nAriaLabel!));
}

/** A key named in HTML; a wrong one shows as itself (test/kiosk/i18n.test.ts checks every page's keys). */
const textOf = (key: string): string => lookup(key) ?? key;
