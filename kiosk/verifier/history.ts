// The last scans, on this device only (localStorage), clearable. An official's history is
// personal data about the people checked, so it keeps the outcome, the reason, the kind
// and the time, and never a name, a code id or a credit status.
import type { CodeKind, Reason } from "../../protocol/codes/token-format.ts";
import { h } from "../lib/dom.ts";
import { lookup, t } from "../i18n/index.ts";
import type { Outcome } from "./outcome.ts";
import { clockTime } from "./format.ts";

export interface HistoryEntry {
  at: number;
  outcome: Outcome["outcome"];
  reason: Reason | null;
  kind: CodeKind | null;
  mode: Outcome["mode"];
}

const STORE = "onecode.verifier.history.v1";
const KEEP = 20;

export function loadHistory(): HistoryEntry[] {
  try {
    const entries = JSON.parse(localStorage.getItem(STORE) ?? "[]") as unknown;
    return Array.isArray(entries) ? (entries as HistoryEntry[]).slice(0, KEEP) : [];
  } catch {
    return [];
  }
}

/** Records a scan (newest first) and returns the history; only the fields above are copied. */
export function recordScan(o: Outcome): HistoryEntry[] {
  const entry: HistoryEntry = { at: o.checkedAt, outcome: o.outcome, reason: o.reason, kind: o.subject?.kind ?? null, mode: o.mode };
  const entries = [entry, ...loadHistory()].slice(0, KEEP);
  localStorage.setItem(STORE, JSON.stringify(entries));
  return entries;
}

export function clearHistory(): void {
  localStorage.removeItem(STORE);
}

const word = (key: string) => lookup(key) ?? key;

export function renderHistory(entries: HistoryEntry[], onClear: () => void): HTMLElement {
  return h(
    "section",
    { id: "history", class: "history", "aria-labelledby": "history-title" },
    h("h2", { id: "history-title" }, t("verifier.history")),
    h("p", { class: "hint" }, t("verifier.history.note")),
    entries.length === 0
      ? h("p", { class: "empty" }, t("verifier.history.none"))
      : h(
          "ol",
          { class: "scans" },
          ...entries.map((e) =>
            h(
              "li",
              { class: `scan ${e.outcome}`, "data-outcome": e.outcome },
              h("span", { class: "scan-time" }, clockTime(e.at)),
              h("span", { class: "scan-outcome" }, word(`verifier.outcome.${e.outcome}`)),
              h(
                "span",
                { class: "scan-what" },
                [e.kind ? word(`verifier.kind.${e.kind}`) : null, word(`verifier.net.${e.mode}`)].filter(Boolean).join(" · "),
              ),
            ),
          ),
        ),
    entries.length > 0 ? h("button", { type: "button", id: "clear-history", class: "btn secondary", onclick: onClear }, t("verifier.history.clear")) : null,
  );
}
