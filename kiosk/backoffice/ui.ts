// Small components of the back office, built with h() (text always as text nodes): cards,
// labelled fields with their error next to them, tables, status chips, notices, and the one
// place an ApiError becomes words (the dictionary's backoffice.error.<code>, else its detail).
import { h, type Child } from "../lib/dom.ts";
import { lookup, t } from "../i18n/index.ts";
import { ApiError } from "./api.ts";

export function card(title: string | null, ...children: Child[]): HTMLElement {
  return h("section", { class: "card" }, title ? h("h2", {}, title) : null, ...children);
}

/** A label with its control, a hint under it and a slot for the field's error. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h("div", { class: "field-row" }, h("label", { for: id }, label), hint ? h("p", { class: "hint" }, hint) : null, control, h("p", { class: "field-error", "data-for": id, role: "alert" }));
}

export function input(name: string, attrs: Record<string, string | number | boolean | undefined> = {}): HTMLInputElement {
  return h("input", { name, class: "input", autocomplete: "off", ...attrs });
}

export function select(name: string, options: Array<{ value: string; label: string }>, attrs: Record<string, string | boolean | undefined> = {}): HTMLSelectElement {
  return h("select", { name, class: "input", ...attrs }, ...options.map((o) => h("option", { value: o.value }, o.label)));
}

export function button(label: string, onclick: (e: Event) => void, kind: "primary" | "secondary" | "danger" | "link" = "primary", attrs: Record<string, string | boolean | undefined> = {}): HTMLButtonElement {
  return h("button", { type: "button", class: `btn ${kind}`, onclick, ...attrs }, label);
}

export function chip(text: string, tone: "ok" | "warn" | "no" | "info" | "muted" = "info", attrs: Record<string, string> = {}): HTMLElement {
  return h("span", { class: `chip ${tone}`, ...attrs }, text);
}

export function notice(text: string, tone: "info" | "warn" | "error" | "ok" = "info", attrs: Record<string, string> = {}): HTMLElement {
  return h("div", { class: `notice ${tone}`, role: tone === "error" ? "alert" : "status", ...attrs }, text);
}

/** Definition list of label/value pairs (values may be nodes). */
export function facts(pairs: Array<[string, Child]>): HTMLElement {
  return h("dl", { class: "facts" }, ...pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

export function table(headers: string[], rows: Child[][], attrs: Record<string, string> = {}): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h("table", attrs, h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c)))))),
  );
}

/** The words for an API refusal: the dictionary's text for its code, else the API's detail. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const known = lookup(`backoffice.error.${error.code}`);
    return known ?? t("backoffice.error.generic", { code: error.code, detail: error.message });
  }
  if (error instanceof DOMException && error.name === "NotAllowedError") return t("backoffice.error.passkey_cancelled");
  return t("backoffice.error.generic", { code: "client", detail: error instanceof Error ? error.message : String(error) });
}

/** Shows field errors next to their fields and a summary at the top of the form. */
export function showErrors(form: HTMLElement, summary: HTMLElement, errors: Array<{ field?: string; text: string }>): void {
  for (const p of form.querySelectorAll<HTMLElement>(".field-error")) p.textContent = "";
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
  summary.replaceChildren();
  if (errors.length === 0) {
    summary.hidden = true;
    return;
  }
  summary.hidden = false;
  summary.append(h("h3", {}, t("backoffice.form.problems")), h("ul", {}, ...errors.map((e) => h("li", {}, e.text))));
  for (const e of errors) {
    if (!e.field) continue;
    const control = form.querySelector<HTMLElement>(`[name="${e.field}"]`);
    if (!control) continue;
    control.classList.add("invalid");
    const slot = form.querySelector<HTMLElement>(`.field-error[data-for="${control.id}"]`);
    if (slot) slot.textContent = e.text;
  }
}

export function errorSummary(): HTMLElement {
  const el = h("div", { class: "error-summary", tabindex: "-1" });
  el.hidden = true;
  return el;
}

/** Runs an action with its button disabled, showing a refusal in `out`; true when it succeeded. */
export async function busy(button: HTMLButtonElement | null, out: HTMLElement, action: () => Promise<void>): Promise<boolean> {
  if (button) button.disabled = true;
  out.replaceChildren();
  try {
    await action();
    return true;
  } catch (error) {
    out.replaceChildren(notice(errorText(error), "error", { "data-error-code": error instanceof ApiError ? error.code : "client" }));
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

/** A key from data (a status, a kind) in the dictionary, else the code itself. */
export function word(prefix: string, code: string | null | undefined): string {
  if (!code) return "—";
  return lookup(`${prefix}.${code}`) ?? code;
}

export function heading(title: string, lead?: string): HTMLElement {
  return h("div", { class: "page-head" }, h("h1", {}, title), lead ? h("p", { class: "lead" }, lead) : null);
}
