// The public credit page (信用信息公示查询): search, a subject's records under publicity with
// their periods and legal basis, the repairs granted and the credit commitments signed for
// them. DOM from h() only; every text from the shared dictionary or, for what the API words
// (the legal basis), the API's text in the language shown. The rule ids sit behind "details".
import "./style.css";
import { h } from "../lib/dom.ts";
import { lang, lookup, startLang, switchLang, t } from "../i18n/index.ts";
import { PublicError, search, subjectPage, type Commitment, type PublicRecord, type Repair, type SearchResult, type SubjectPage, type SubjectSummary, type Words } from "./api.ts";

type View = { kind: "none" } | { kind: "results"; result: SearchResult } | { kind: "subject"; page: SubjectPage; from: SearchResult | null };

let view: View = { kind: "none" };
let error: PublicError | null = null;
let busy = false;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const word = (key: string, fallback: string) => lookup(key) ?? fallback;
const inLang = (w: Words | null) => (w ? w[lang()] : "");

function draw(): void {
  const e = $("error");
  e.hidden = error === null;
  e.textContent = error ? errorText(error) : "";
  const root = $("view");
  root.dataset.busy = String(busy);
  if (busy) return root.replaceChildren(h("p", { class: "muted" }, t("public.loading")));
  if (view.kind === "results") return root.replaceChildren(results(view.result));
  if (view.kind === "subject") return root.replaceChildren(subject(view.page, view.from));
  root.replaceChildren();
}

function errorText(e: PublicError): string {
  if (e.code === "rate_limited") return t("public.error.rate_limited", { seconds: e.retryAfterSeconds ?? 60 });
  return lookup(`public.error.${e.code}`) ?? t("public.error.unknown");
}

async function run(task: () => Promise<View>): Promise<void> {
  if (busy) return;
  busy = true;
  error = null;
  draw();
  try {
    view = await task();
  } catch (e) {
    error = e instanceof PublicError ? e : new PublicError("unknown");
  } finally {
    busy = false;
    draw();
  }
}

function results(r: SearchResult): HTMLElement {
  if (r.results.length === 0) return h("p", { "data-test": "no-results" }, t("public.noResults"));
  return h(
    "section",
    {},
    h("h2", {}, t("public.results")),
    h("ul", { class: "results", "data-test": "results" }, ...r.results.map((s) => h("li", {}, h("button", { type: "button", class: "result", "data-test": "result", "data-id": s.id, onclick: () => void run(async () => ({ kind: "subject", page: await subjectPage(s.id), from: r })) }, ...summary(s))))),
    r.more ? h("p", { class: "muted" }, t("public.more", { n: r.results.length })) : null,
  );
}

function summary(s: SubjectSummary): (HTMLElement | string)[] {
  return [
    h("strong", { "data-test": "subject-name" }, s.name),
    h("span", { class: "muted" }, `${word(`public.kind.${s.kind}`, s.kind)} · ${word(`public.identifier.${s.kind}`, "")} ${s.identifier}`),
    h("span", { class: `status-${s.creditStatus}` }, word(`public.status.${s.creditStatus}`, s.creditStatus)),
  ];
}

function subject(p: SubjectPage, from: SearchResult | null): HTMLElement {
  return h(
    "article",
    { "data-test": "subject" },
    from ? h("button", { type: "button", class: "back", "data-test": "back", onclick: () => { view = { kind: "results", result: from }; draw(); } }, t("public.back")) : null,
    h("div", { class: "card" }, ...summary(p.subject)),
    section("records", t("public.records", { n: p.records.length }), p.records.length === 0 ? t("public.noRecordsShown") : null, p.records.map(record)),
    section("repairs", t("public.repairs", { n: p.repairs.length }), p.repairs.length === 0 ? t("public.noRepairs") : null, p.repairs.map(repair)),
    section("commitments", t("public.commitments", { n: p.commitments.length }), p.commitments.length === 0 ? t("public.noCommitments") : null, p.commitments.map(commitment)),
  );
}

function section(test: string, title: string, empty: string | null, items: HTMLElement[]): HTMLElement {
  return h("section", { "data-test": test }, h("h3", {}, title), empty ? h("p", { class: "muted" }, empty) : null, ...items);
}

const row = (label: string, value: string, test?: string) => [h("dt", {}, label), h("dd", test ? { "data-test": test } : {}, value)];

function record(r: PublicRecord): HTMLElement {
  return h(
    "div",
    { class: "card", "data-test": "record", "data-record": r.id },
    h("h4", {}, `${word(`public.recordKind.${r.kind}`, r.kind)} · ${word(`public.severity.${r.severity}`, r.severity)}`),
    h("dl", {}, ...row(t("public.decisionNo"), r.decisionNo), ...row(t("public.decidingUnit"), r.decidingUnit), ...row(t("public.decisionDate"), r.decisionDate), ...row(t("public.legalBasis"), r.legalBasis)),
    h("p", { "data-test": "period" }, t("public.period", { from: r.period.from, to: r.period.lastPublicDay })),
    h("p", { class: "muted" }, t("public.minimum", { date: r.period.minimumEndsOn })),
    r.period.basis ? h("p", { class: "basis", "data-test": "period-basis" }, inLang(r.period.basis)) : null,
  );
}

function repair(r: Repair): HTMLElement {
  return h(
    "div",
    { class: "card", "data-test": "repair" },
    h("h4", {}, t("public.repairedOn", { date: r.decidedOn })),
    h("ul", {}, ...r.records.map((x) => h("li", {}, `${x.decisionNo} · ${x.decidingUnit} · ${x.decisionDate}`))),
    r.basis ? h("p", { class: "basis" }, inLang(r.basis)) : null,
    h("details", {}, h("summary", {}, t("public.details")), h("code", {}, `${r.ruleId} · ${r.policyVersion}`)),
  );
}

function commitment(c: Commitment): HTMLElement {
  return h(
    "div",
    { class: "card", "data-test": "commitment" },
    h("dl", {}, ...row(t("public.commitmentVersion"), c.version, "commitment-version"), ...row(t("public.signedOn"), c.signedOn, "commitment-date"), ...row(t("public.signedAs"), word(`public.capacity.${c.capacity}`, c.capacity))),
    h("div", { class: "commitment-text", "data-test": "commitment-text" }, c.text),
    h("p", { class: "muted" }, t("public.signatureNote")),
    h("details", {}, h("summary", {}, t("public.details")), h("dl", {}, ...row(t("public.digest"), c.digest), ...row(t("public.application"), c.applicationChainId))),
  );
}

startLang();
$("lang").addEventListener("click", () => {
  switchLang();
  draw();
});
$<HTMLFormElement>("search").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = $<HTMLInputElement>("q").value.trim();
  if (q) void run(async () => ({ kind: "results", result: await search(q) }));
});
draw();
