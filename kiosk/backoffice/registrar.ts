// The registrar's screens: find a subject (masked results), enrol a person (with a reference
// photo for the face check) or an enterprise (with its legal representative). The subject's
// own page is ./subject.ts.
import { h } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { post } from "./api.ts";
import { subjectSearch, type FoundSubject } from "./lookup.ts";
import { busy, card, errorSummary, field, heading, input, notice, showErrors } from "./ui.ts";
import { checkResidentId, checkUscc } from "../../protocol/identifiers.ts";

/** A photo file as base64 (no data: prefix), as the API takes it. */
export async function photoBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function enrolPersonCard(): HTMLElement {
  const out = h("div", { class: "out", id: "enrol-person-out" });
  const summary = errorSummary();
  const idNumber = input("idNumber", { id: "person-id", maxlength: 18, inputmode: "text" });
  const name = input("name", { id: "person-name" });
  const photo = h("input", { type: "file", name: "photo", accept: "image/jpeg,image/png", id: "person-photo", class: "input" });
  const form = h("form", { class: "form", id: "enrol-person", novalidate: true }, summary, field(t("backoffice.field.idNumber"), idNumber), field(t("backoffice.field.name"), name), field(t("backoffice.field.photo"), photo, t("backoffice.registrar.photoHint")), h("div", { class: "actions" }, h("button", { type: "submit", class: "btn primary" }, t("backoffice.registrar.enrolPerson"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const problems = [];
    const id = idNumber.value.trim().toUpperCase();
    const check = checkResidentId(id);
    if (!check.ok) problems.push({ field: "idNumber", text: t("backoffice.form.idNumber") });
    if (!name.value.trim()) problems.push({ field: "name", text: t("backoffice.form.required", { what: t("backoffice.field.name") }) });
    showErrors(form, summary, problems);
    if (problems.length) return;
    void busy(form.querySelector("button"), out, async () => {
      const file = photo.files?.[0];
      const body = { idNumber: id, name: name.value.trim(), ...(file ? { referencePhoto: await photoBase64(file) } : {}) };
      const enrolled = await post<{ id: string; displayName: string }>("/v1/persons", body);
      out.replaceChildren(notice(t("backoffice.registrar.enrolled", { name: enrolled.displayName }), "ok"), h("a", { href: `#/subject/${enrolled.id}`, id: "enrolled-link" }, t("backoffice.registrar.openSubject")));
      form.reset();
    });
  });
  return card(t("backoffice.registrar.enrolPersonTitle"), form, out);
}

function enrolEnterpriseCard(): HTMLElement {
  const out = h("div", { class: "out", id: "enrol-enterprise-out" });
  const summary = errorSummary();
  let rep: FoundSubject | null = null;
  const uscc = input("uscc", { id: "enterprise-uscc", maxlength: 18 });
  const name = input("name", { id: "enterprise-name" });
  const repChosen = h("p", { class: "chosen", id: "enterprise-rep" }, t("backoffice.registrar.noRep"));
  const repSearch = subjectSearch({
    id: "rep-search",
    pickLabel: t("backoffice.registrar.pickRep"),
    onPick: (s) => {
      if (s.kind !== "person") return;
      rep = s;
      repChosen.replaceChildren(t("backoffice.registrar.rep"), " ", h("strong", {}, s.displayName), ` · ${s.identifierMasked}`);
    },
  });
  const form = h("form", { class: "form", id: "enrol-enterprise", novalidate: true }, summary, field(t("backoffice.field.uscc"), uscc), field(t("backoffice.field.enterpriseName"), name), h("input", { type: "hidden", name: "rep" }), h("div", { class: "actions" }, h("button", { type: "submit", class: "btn primary" }, t("backoffice.registrar.enrolEnterprise"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const problems = [];
    const code = uscc.value.trim().toUpperCase();
    if (!checkUscc(code).ok) problems.push({ field: "uscc", text: t("backoffice.form.uscc") });
    if (!name.value.trim()) problems.push({ field: "name", text: t("backoffice.form.required", { what: t("backoffice.field.enterpriseName") }) });
    if (!rep) problems.push({ field: "rep", text: t("backoffice.registrar.pickRepFirst") });
    showErrors(form, summary, problems);
    if (problems.length) return;
    void busy(form.querySelector("button"), out, async () => {
      const enrolled = await post<{ id: string; displayName: string }>("/v1/enterprises", { uscc: code, name: name.value.trim(), legalRepresentativeId: rep!.id });
      out.replaceChildren(notice(t("backoffice.registrar.enrolled", { name: enrolled.displayName }), "ok"), h("a", { href: `#/subject/${enrolled.id}` }, t("backoffice.registrar.openSubject")));
    });
  });
  return card(t("backoffice.registrar.enrolEnterpriseTitle"), h("p", { class: "hint" }, t("backoffice.registrar.repFirst")), repSearch, repChosen, form, out);
}

export async function registrarScreen(): Promise<HTMLElement> {
  return h(
    "div",
    {},
    heading(t("backoffice.registrar.title"), t("backoffice.registrar.lead")),
    card(t("backoffice.registrar.searchTitle"), subjectSearch({ id: "registrar-search", link: (s) => `#/subject/${s.id}` })),
    h("div", { class: "two-col" }, enrolPersonCard(), enrolEnterpriseCard()),
  );
}

/** Anyone who reads subjects (officers, agencies, auditors) finds one here. */
export async function lookupScreen(): Promise<HTMLElement> {
  return h("div", {}, heading(t("backoffice.lookup.title"), t("backoffice.lookup.lead")), card(null, subjectSearch({ id: "lookup-search", link: (s) => `#/subject/${s.id}` })));
}
