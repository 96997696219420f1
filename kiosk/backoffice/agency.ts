// The credit agency's screens: publish a record (a form checked before it is sent, and the
// API's refusal shown next to the field it names), and add the facts that end an obligation
// (fine paid, order complied with, correction done, condition met). The batch upload is in
// ./batch.ts.
import { h } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { ApiError, get, post } from "./api.ts";
import { batchCard } from "./batch.ts";
import { subjectSearch, type FoundSubject } from "./lookup.ts";
import { busy, button, card, chip, errorSummary, errorText, field, heading, input, notice, select, showErrors, word } from "./ui.ts";

export const KINDS = ["admin_penalty", "serious_list", "abnormal_operation", "other"] as const;
export const SEVERITIES = ["minor", "general", "serious"] as const;
export const SECTORS = ["food", "drugs", "special_equipment", "work_safety", "fire_safety"] as const;

const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

function options(prefix: string, codes: readonly string[], empty?: string) {
  return [...(empty ? [{ value: "", label: empty }] : []), ...codes.map((c) => ({ value: c, label: word(prefix, c) }))];
}

/** The record the form describes, and what is wrong with it (per field). */
export function recordFromForm(form: HTMLFormElement, subject: FoundSubject | null): { record: Record<string, unknown>; problems: Array<{ field?: string; text: string }> } {
  const v = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? "";
  const checked = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.checked ?? false;
  const problems: Array<{ field?: string; text: string }> = [];
  const required = (name: string, label: string) => {
    if (!v(name)) problems.push({ field: name, text: t("backoffice.form.required", { what: label }) });
  };
  if (!subject) problems.push({ field: "subject", text: t("backoffice.agency.pickSubject") });
  required("decidingUnit", t("backoffice.field.decidingUnit"));
  required("decisionNo", t("backoffice.field.decisionNo"));
  required("legalBasis", t("backoffice.field.legalBasis"));
  const date = v("decisionDate");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) problems.push({ field: "decisionDate", text: t("backoffice.form.dateFormat") });
  else if (date > today()) problems.push({ field: "decisionDate", text: t("backoffice.form.dateFuture") });
  const fine = v("fineAmount");
  if (fine !== "" && !(Number(fine) > 0)) problems.push({ field: "fineAmount", text: t("backoffice.form.amount") });
  const notRepairable = !checked("repairable");
  if (notRepairable && !v("notRepairableBasis")) problems.push({ field: "notRepairableBasis", text: t("backoffice.form.required", { what: t("backoffice.field.notRepairableBasis") }) });
  const obligations = [];
  if (fine !== "") obligations.push({ type: "fine", amount: Number(fine), description: v("fineText") || t("backoffice.agency.fineDefault") });
  if (v("orderText")) obligations.push({ type: "order", description: v("orderText") });
  const record: Record<string, unknown> = {
    subjectId: subject?.id,
    kind: v("kind"),
    severity: v("severity"),
    sector: v("sector") || null,
    decidingUnit: v("decidingUnit"),
    decisionNo: v("decisionNo"),
    decisionDate: date,
    legalBasis: v("legalBasis"),
    penalties: [{ type: v("penaltyType") || word("backoffice.kind", v("kind")), severity: v("severity") }],
    obligations,
    correctionRequired: checked("correctionRequired"),
    repairable: !notRepairable,
    ...(notRepairable ? { notRepairableBasis: v("notRepairableBasis") } : {}),
  };
  return { record, problems };
}

function publishCard(): HTMLElement {
  let subject: FoundSubject | null = null;
  const chosen = h("p", { id: "publish-subject", class: "chosen" }, t("backoffice.agency.noSubject"));
  const out = h("div", { class: "out", id: "publish-out" });
  const summary = errorSummary();
  const text = (name: string, attrs: Record<string, string> = {}) => input(name, { id: `rec-${name}`, ...attrs });
  const form = h(
    "form",
    { class: "form grid", id: "publish-form", novalidate: true },
    summary,
    h("input", { type: "hidden", name: "subject", id: "rec-subject" }),
    field(t("backoffice.field.kind"), select("kind", options("backoffice.kind", KINDS), { id: "rec-kind" })),
    field(t("backoffice.field.severity"), select("severity", options("backoffice.severity", SEVERITIES), { id: "rec-severity" })),
    field(t("backoffice.field.sector"), select("sector", options("backoffice.sector", SECTORS, t("backoffice.agency.noSector")), { id: "rec-sector" }), t("backoffice.agency.sectorHint")),
    field(t("backoffice.field.decidingUnit"), text("decidingUnit")),
    field(t("backoffice.field.decisionNo"), text("decisionNo", { placeholder: "佛禅市监罚〔2026〕12号" })),
    field(t("backoffice.field.decisionDate"), text("decisionDate", { type: "date", max: today() })),
    field(t("backoffice.field.penaltyType"), text("penaltyType", { placeholder: t("backoffice.agency.penaltyPlaceholder") })),
    field(t("backoffice.field.legalBasis"), h("textarea", { name: "legalBasis", id: "rec-legalBasis", class: "input", rows: 2 })),
    field(t("backoffice.field.fineAmount"), text("fineAmount", { inputmode: "decimal" }), t("backoffice.agency.fineHint")),
    field(t("backoffice.field.fineText"), text("fineText")),
    field(t("backoffice.field.orderText"), text("orderText")),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "correctionRequired", id: "rec-correction" }), t("backoffice.field.correctionRequired")),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "repairable", id: "rec-repairable", checked: true }), t("backoffice.field.repairable")),
    field(t("backoffice.field.notRepairableBasis"), text("notRepairableBasis")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn primary", id: "publish" }, t("backoffice.agency.publish"))),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const { record, problems } = recordFromForm(form, subject);
    showErrors(form, summary, problems);
    if (problems.length) return;
    void busy(form.querySelector<HTMLButtonElement>("#publish"), out, async () => {
      try {
        const published = await post<{ id: string; status: string; policyVersion: string }>("/v1/records", record);
        out.replaceChildren(notice(t("backoffice.agency.published", { id: published.id, policy: published.policyVersion }), "ok", { id: "published" }));
      } catch (error) {
        // The API names the field when it can ("decisionDate must be…"); show it there too.
        const named = error instanceof ApiError ? Object.keys(record).find((k) => error.message.includes(k)) : undefined;
        showErrors(form, summary, [{ field: named, text: errorText(error) }]);
      }
    });
  });
  const search = subjectSearch({
    id: "publish-search",
    onPick: (s) => {
      subject = s;
      chosen.replaceChildren(t("backoffice.agency.subject"), " ", h("strong", {}, s.displayName), ` · ${s.identifierMasked}`);
    },
  });
  return card(t("backoffice.agency.publishTitle"), search, chosen, form, out);
}

interface SubjectRecords {
  subject: { id: string; displayName: string; creditStatus: string };
  repairableNow: Rec[];
  later: Rec[];
  inReview: Rec[];
  notRepairable: Rec[];
  ended: Rec[];
}
interface Rec {
  id: string;
  kind: string;
  severity: string;
  decisionNo: string;
  status: string;
  obligations: Array<{ index: number; type: string; description: string; fulfilledOn: string | null }>;
  correctionRequired: boolean;
  facts: Array<{ kind: string; on: string }>;
}

function factForm(record: Rec, refresh: () => void): HTMLElement {
  const out = h("div", { class: "out" });
  const kind = select("kind", options("backoffice.factKind", ["fine_paid", "order_complied", "correction_done", "condition_met"]), { id: `fact-kind-${record.id}` });
  const obligation = select("obligation", record.obligations.map((o) => ({ value: String(o.index), label: `${word("backoffice.obligation", o.type)}：${o.description}` })), { id: `fact-obligation-${record.id}` });
  const on = input("on", { type: "date", value: today(), max: today(), id: `fact-on-${record.id}` });
  const condition = input("conditionId", { id: `fact-condition-${record.id}`, placeholder: "condition id" });
  const add = button(t("backoffice.agency.addFact"), () =>
    void busy(add, out, async () => {
      const k = kind.value;
      const body: Record<string, unknown> = { kind: k, on: on.value };
      if (k === "fine_paid" || k === "order_complied") body.obligationIndex = Number(obligation.value);
      if (k === "condition_met") body.conditionId = condition.value.trim();
      const added = await post<{ evaluation: { repairable: string } }>(`/v1/records/${record.id}/facts`, body);
      out.replaceChildren(notice(t("backoffice.agency.factAdded", { state: word("backoffice.repairable", added.evaluation.repairable) }), "ok", { "data-fact-added": record.id }));
      refresh();
    }), "secondary", { "data-add-fact": record.id });
  return h("div", { class: "inline-form" }, h("label", {}, t("backoffice.field.factKind"), kind), record.obligations.length ? h("label", {}, t("backoffice.field.obligation"), obligation) : null, h("label", {}, t("backoffice.field.factCondition"), condition), h("label", {}, t("backoffice.field.factOn"), on), add, out);
}

function factsCard(): HTMLElement {
  const list = h("div", { id: "facts-records" });
  const show = async (s: FoundSubject) => {
    const view = await get<SubjectRecords>(`/v1/subjects/${s.id}/records`);
    const published = [...view.repairableNow, ...view.later, ...view.inReview, ...view.notRepairable];
    list.replaceChildren(
      h("h3", {}, view.subject.displayName),
      ...(published.length === 0
        ? [h("p", { class: "empty" }, t("backoffice.agency.noPublished"))]
        : published.map((r) =>
            h(
              "article",
              { class: "record-card", "data-record": r.id },
              h("h4", {}, `${word("backoffice.kind", r.kind)} · ${r.decisionNo} `, chip(word("backoffice.severity", r.severity), "warn")),
              h("ul", {}, ...r.facts.map((f) => h("li", {}, `${word("backoffice.factKind", f.kind)} · ${f.on}`))),
              factForm(r, () => void show(s)),
            ),
          )),
    );
  };
  return card(t("backoffice.agency.factsTitle"), subjectSearch({ id: "facts-search", onPick: (s) => void show(s).catch((e: unknown) => list.replaceChildren(notice(errorText(e), "error"))) }), list);
}

export async function agencyScreen(): Promise<HTMLElement> {
  return h("div", {}, heading(t("backoffice.agency.title"), t("backoffice.agency.lead")), publishCard(), factsCard(), batchCard());
}
