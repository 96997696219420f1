// The access log, for auditors (and admins): who read personal data or changed something,
// when, from where, and for which purpose; filtered by action or by subject, newest first.
import { h } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { get, query } from "./api.ts";
import { busy, card, heading, input, table, word } from "./ui.ts";

interface LogItem {
  id: number;
  at: string;
  actor: string | null;
  account: { id: string; name: string | null; unit: string | null; login: string | null } | null;
  action: string;
  subject: { id: string; displayName: string | null } | null;
  purpose: string | null;
  status: number | null;
  detail: Record<string, unknown>;
  ip: string | null;
}

/** Reads of personal data stand out from the other lines. */
const PERSONAL = new Set(["identifier.unmasked", "subject.viewed", "records.viewed", "case_file.viewed", "subject.searched", "authorisations.viewed", "application.viewed", "ledger.exported"]);

export async function accessLogScreen(): Promise<HTMLElement> {
  const action = input("action", { id: "log-action", placeholder: "identifier.unmasked" });
  const subject = input("subject", { id: "log-subject", placeholder: t("backoffice.log.subjectPlaceholder") });
  const out = h("div", { class: "out" });
  const body = h("div", { id: "log-body" });
  const load = async () => {
    const { items } = await get<{ items: LogItem[] }>(`/v1/access-log${query({ action: action.value.trim(), subject: subject.value.trim(), limit: 200 })}`);
    body.replaceChildren(
      table(
        [t("backoffice.col.when"), t("backoffice.log.who"), t("backoffice.log.action"), t("backoffice.col.subject"), t("backoffice.subject.purpose"), t("backoffice.col.status"), "IP"],
        items.map((l) => [
          new Date(l.at).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai" }),
          l.account ? h("span", {}, h("strong", {}, l.account.name ?? l.account.id), h("br", {}), h("small", {}, `${l.account.unit ?? ""} · ${l.actor ?? ""}`)) : (l.actor ?? t("backoffice.log.nobody")),
          h("span", { class: PERSONAL.has(l.action) ? "personal" : "" }, word("backoffice.logAction", l.action) === l.action ? l.action : `${word("backoffice.logAction", l.action)} (${l.action})`),
          l.subject ? h("a", { href: `#/subject/${l.subject.id}` }, l.subject.displayName ?? l.subject.id) : "—",
          l.purpose ? word("backoffice.purpose", l.purpose) : "—",
          l.status === null ? "—" : String(l.status),
          l.ip ?? "—",
        ]),
        { id: "log-table" },
      ),
    );
  };
  const form = h("form", { class: "filters", id: "log-filter" }, h("label", {}, t("backoffice.log.action"), action), h("label", {}, t("backoffice.log.subject"), subject), h("button", { type: "submit", class: "btn secondary" }, t("backoffice.log.filter")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(form.querySelector("button"), out, load);
  });
  await load();
  return h("div", {}, heading(t("backoffice.log.title"), t("backoffice.log.lead")), card(null, form, out, body));
}
