// Finding a subject: enterprises by USCC or a part of the name, persons by their exact ID
// number (GET /v1/backoffice/subjects, masked results). Used by the registrar's search, the
// credit agency's forms and anyone who needs a subject's id.
import { h } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { get } from "./api.ts";
import { busy, chip, input, table, word } from "./ui.ts";

export interface FoundSubject {
  id: string;
  kind: "person" | "enterprise";
  displayName: string;
  identifierMasked: string;
  creditStatus: string;
  legalRepresentative: { id: string; displayName: string } | null;
  code: { codeId: string; status: string } | null;
  publishedRecords: number;
}

export async function findSubjects(q: string): Promise<{ by: string; items: FoundSubject[] }> {
  return get(`/v1/backoffice/subjects?q=${encodeURIComponent(q)}`);
}

/** A search box and its results; `onPick` gets the chosen subject (a link or a button per row). */
export function subjectSearch(options: { id: string; onPick?: (s: FoundSubject) => void; pickLabel?: string; link?: (s: FoundSubject) => string }): HTMLElement {
  const q = input("q", { id: `${options.id}-q`, placeholder: t("backoffice.lookup.placeholder"), "aria-describedby": `${options.id}-hint` });
  const out = h("div", { class: "out" });
  const results = h("div", { id: `${options.id}-results` });
  const form = h(
    "form",
    { class: "search", role: "search", id: options.id },
    h("label", { for: q.id }, t("backoffice.lookup.label")),
    h("div", { class: "search-row" }, q, h("button", { type: "submit", class: "btn primary" }, t("backoffice.lookup.search"))),
    h("p", { class: "hint", id: `${options.id}-hint` }, t("backoffice.lookup.hint")),
    out,
    results,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (q.value.trim() === "") return;
    void busy(form.querySelector("button"), out, async () => {
      const found = await findSubjects(q.value);
      if (found.items.length === 0) {
        results.replaceChildren(h("p", { class: "empty" }, found.by === "name" ? t("backoffice.lookup.noneByName") : t("backoffice.lookup.noneById")));
        return;
      }
      results.replaceChildren(
        table(
          [t("backoffice.col.subject"), t("backoffice.col.kind"), t("backoffice.col.identifier"), t("backoffice.col.credit"), t("backoffice.col.code"), ""],
          found.items.map((s) => [
            options.link ? h("a", { href: options.link(s), "data-subject": s.id }, s.displayName) : s.displayName,
            word("backoffice.subjectKind", s.kind),
            h("code", {}, s.identifierMasked),
            chip(word("backoffice.credit", s.creditStatus), s.creditStatus === "good" ? "ok" : s.creditStatus === "serious" ? "no" : "warn"),
            s.code ? word("backoffice.codeStatus", s.code.status) : "—",
            options.onPick ? h("button", { type: "button", class: "btn secondary small", "data-pick": s.id, onclick: () => options.onPick!(s) }, options.pickLabel ?? t("backoffice.lookup.pick")) : "",
          ]),
          { class: "results" },
        ),
      );
    });
  });
  return form;
}
