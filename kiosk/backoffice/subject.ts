// A subject's page: masked by default; the full identifier and name only after choosing a
// purpose (the API writes the access-log line before it answers). For registrars: the code
// (show, rotate, suspend, reinstate, revoke with a reason code), the person's reference face
// (upload or replace; it is never shown back) and the enterprise's agents' authorisations.
import { h } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { get, post, put } from "./api.ts";
import { photoBase64 } from "./registrar.ts";
import { subjectSearch, type FoundSubject } from "./lookup.ts";
import { currentPath, go } from "./router.ts";
import { hasRole } from "./state.ts";
import { busy, button, card, chip, facts, heading, input, notice, select, table, word } from "./ui.ts";

interface Subject {
  id: string;
  kind: "person" | "enterprise";
  displayName: string;
  identifierMasked: string;
  legalRepresentativeId: string | null;
  creditStatus: string;
  createdAt: string;
  code: { codeId: string; status: string; statusIndex: number; issuedAt: string; onChain: boolean } | null;
}

interface Authorisation {
  id: string;
  agentId: string;
  reference: string;
  validFrom: string;
  validUntil: string;
  revokedAt: string | null;
}

/** Reason codes for code changes: codes, never free text (the ledger keeps them for good). */
export const CODE_REASONS = ["holder_request", "device_lost", "data_corrected", "suspected_misuse", "court_order", "subject_dissolved", "deceased"] as const;
let purposes: string[] | null = null;

const reload = () => go(currentPath());

function unmaskCard(s: Subject): HTMLElement {
  const out = h("div", { class: "out", id: "unmask-out" });
  const shown = h("div", { id: "unmasked" });
  const pick = select("purpose", [{ value: "", label: t("backoffice.subject.pickPurpose") }, ...(purposes ?? []).map((p) => ({ value: p, label: word("backoffice.purpose", p) }))], { id: "unmask-purpose" });
  const show = button(t("backoffice.subject.unmask"), () => {
    if (!pick.value) return out.replaceChildren(notice(t("backoffice.subject.purposeRequired"), "error", { id: "purpose-required" }));
    void busy(show, out, async () => {
      const full = await post<{ identifier: string; name: string }>(`/v1/backoffice/subjects/${s.id}/identifier`, { purpose: pick.value });
      shown.replaceChildren(facts([[t("backoffice.col.identifier"), h("code", { id: "full-identifier" }, full.identifier)], [t("backoffice.field.name"), h("span", { id: "full-name" }, full.name)]]), h("p", { class: "hint" }, t("backoffice.subject.logged")));
    });
  }, "secondary", { id: "unmask" });
  return card(t("backoffice.subject.unmaskTitle"), h("p", { class: "hint" }, t("backoffice.subject.unmaskText")), h("div", { class: "inline-form" }, h("label", {}, t("backoffice.subject.purpose"), pick), show), out, shown);
}

function codeCard(s: Subject): HTMLElement {
  const out = h("div", { class: "out", id: "code-out" });
  const qr = h("div", { id: "code-qr" });
  if (!s.code) return card(t("backoffice.subject.code"), h("p", {}, t("backoffice.subject.noCode")));
  const code = s.code;
  const reason = select("reason", CODE_REASONS.map((r) => ({ value: r, label: word("backoffice.codeReason", r) })), { id: "code-reason" });
  const action = (name: "suspend" | "reinstate" | "revoke") => {
    const b = button(t(`backoffice.subject.code.${name}` as "backoffice.subject.code.suspend"), () =>
      void busy(b, out, async () => (await post(`/v1/codes/${code.codeId}/${name}`, { reason: reason.value }), reload())), name === "revoke" ? "danger" : "secondary", { id: `code-${name}` });
    return b;
  };
  const rotate = button(t("backoffice.subject.code.rotate"), () => void busy(rotate, out, async () => (await post(`/v1/subjects/${s.id}/code/rotate`), reload())), "secondary", { id: "code-rotate" });
  const showQr = button(t("backoffice.subject.code.show"), () =>
    void busy(showQr, out, async () => {
      const fresh = await get<{ qr: { png: string }; expiresAt: string }>(`/v1/subjects/${s.id}/code`);
      qr.replaceChildren(h("img", { src: `data:image/png;base64,${fresh.qr.png}`, alt: t("backoffice.subject.code.qrAlt"), class: "qr" }), h("p", { class: "hint" }, t("backoffice.subject.code.expires", { at: new Date(fresh.expiresAt).toLocaleTimeString(lang() === "zh" ? "zh-CN" : "en-GB") })));
    }), "secondary", { id: "code-show" });
  return card(
    t("backoffice.subject.code"),
    facts([
      [t("backoffice.col.status"), chip(word("backoffice.codeStatus", code.status), code.status === "active" ? "ok" : "no", { id: "code-status" })],
      [t("backoffice.subject.codeId"), h("code", {}, code.codeId)],
      [t("backoffice.subject.issued"), new Date(code.issuedAt).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB")],
      [t("backoffice.subject.onChain"), code.onChain ? t("backoffice.yes") : t("backoffice.subject.pendingChain")],
    ]),
    h("div", { class: "inline-form" }, h("label", {}, t("backoffice.subject.codeReason"), reason)),
    h("div", { class: "actions start" }, showQr, rotate, code.status === "active" ? action("suspend") : null, code.status === "suspended" ? action("reinstate") : null, action("revoke")),
    out,
    qr,
  );
}

function faceCard(s: Subject): HTMLElement {
  const out = h("div", { class: "out", id: "face-out" });
  const photo = h("input", { type: "file", accept: "image/jpeg,image/png", id: "face-photo", class: "input" });
  const upload = button(t("backoffice.subject.face.upload"), () => {
    const file = photo.files?.[0];
    if (!file) return out.replaceChildren(notice(t("backoffice.batch.pickFile"), "error"));
    void busy(upload, out, async () => {
      const done = await put<{ replaced: boolean }>(`/v1/persons/${s.id}/face-reference`, { photo: await photoBase64(file) });
      out.replaceChildren(notice(t(done.replaced ? "backoffice.subject.face.replaced" : "backoffice.subject.face.stored"), "ok", { id: "face-stored" }));
    });
  }, "secondary", { id: "face-upload" });
  return card(t("backoffice.subject.face.title"), h("p", { class: "hint" }, t("backoffice.subject.face.text")), h("div", { class: "inline-form" }, photo, upload), out);
}

async function authorisationsCard(s: Subject): Promise<HTMLElement> {
  const out = h("div", { class: "out", id: "auth-out" });
  const list = await get<{ items: Authorisation[] }>(`/v1/enterprises/${s.id}/authorisations`, { purpose: "enrolment" });
  let agent: FoundSubject | null = null;
  const chosen = h("p", { class: "chosen" }, t("backoffice.subject.auth.noAgent"));
  const reference = input("reference", { id: "auth-reference", placeholder: "WT-2026-001" });
  const from = input("validFrom", { type: "date", id: "auth-from" });
  const until = input("validUntil", { type: "date", id: "auth-until" });
  const add = button(t("backoffice.subject.auth.add"), () => {
    if (!agent || !reference.value.trim() || !from.value || !until.value) return out.replaceChildren(notice(t("backoffice.subject.auth.incomplete"), "error"));
    void busy(add, out, async () => {
      await post("/v1/authorisations", { enterpriseId: s.id, agentId: agent!.id, reference: reference.value.trim(), validFrom: `${from.value}T00:00:00+08:00`, validUntil: `${until.value}T23:59:59+08:00` });
      reload();
    });
  }, "primary", { id: "auth-add" });
  const rows = list.items.map((a) => [
    h("code", {}, a.reference),
    `${a.validFrom.slice(0, 10)} → ${a.validUntil.slice(0, 10)}`,
    a.revokedAt ? chip(t("backoffice.subject.auth.revoked"), "muted") : chip(t("backoffice.subject.auth.valid"), "ok"),
    a.revokedAt ? "" : h("button", { type: "button", class: "btn link", onclick: () => void busy(null, out, async () => (await post(`/v1/authorisations/${a.id}/revoke`), reload())) }, t("backoffice.subject.auth.revoke")),
  ]);
  return card(
    t("backoffice.subject.auth.title"),
    rows.length ? table([t("backoffice.subject.auth.reference"), t("backoffice.subject.auth.validity"), t("backoffice.col.status"), ""], rows, { id: "auth-table" }) : h("p", { class: "hint" }, t("backoffice.subject.auth.none")),
    h("h3", {}, t("backoffice.subject.auth.new")),
    subjectSearch({ id: "agent-search", pickLabel: t("backoffice.subject.auth.pickAgent"), onPick: (p) => p.kind === "person" && ((agent = p), chosen.replaceChildren(h("strong", {}, p.displayName), ` · ${p.identifierMasked}`)) }),
    chosen,
    h("div", { class: "inline-form" }, h("label", {}, t("backoffice.subject.auth.reference"), reference), h("label", {}, t("backoffice.subject.auth.from"), from), h("label", {}, t("backoffice.subject.auth.until"), until), add),
    out,
  );
}

export async function subjectScreen([id]: string[]): Promise<HTMLElement> {
  purposes ??= (await get<{ items: string[] }>("/v1/access-purposes")).items;
  const s = await get<Subject>(`/v1/subjects/${id}`);
  const registrar = hasRole("registrar");
  return h(
    "div",
    { id: "subject", "data-subject": s.id },
    heading(s.displayName, `${word("backoffice.subjectKind", s.kind)} · ${s.identifierMasked}`),
    card(
      null,
      facts([
        [t("backoffice.col.identifier"), h("code", { id: "masked-identifier" }, s.identifierMasked)],
        [t("backoffice.col.credit"), chip(word("backoffice.credit", s.creditStatus), s.creditStatus === "good" ? "ok" : "warn")],
        [t("backoffice.subject.enrolledAt"), new Date(s.createdAt).toLocaleDateString(lang() === "zh" ? "zh-CN" : "en-GB")],
        ...(s.legalRepresentativeId ? ([[t("backoffice.registrar.rep"), h("a", { href: `#/subject/${s.legalRepresentativeId}` }, t("backoffice.subject.openRep"))]] as Array<[string, HTMLElement]>) : []),
      ]),
    ),
    unmaskCard(s),
    registrar ? codeCard(s) : null,
    registrar && s.kind === "person" ? faceCard(s) : null,
    registrar && s.kind === "enterprise" ? await authorisationsCard(s) : null,
  );
}
