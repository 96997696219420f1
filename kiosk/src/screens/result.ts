// Decision: repaired, refused with the reasons (rule, policy version and legal basis in plain
// words; the rule id behind "details"), or queued for an officer with the date (暂定 when it is
// counted over a year without the official holiday arrangement).
// Code: the subject's fresh code (the enterprise's, or the person's own) and the receipt.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import type { Application } from "../api.ts";
import { finish, showCode } from "../flow.ts";
import { bindButton } from "./bind.ts";
import type { Kiosk } from "../state.ts";
import { button, formatTime, problemText, reasonItem, wordFor } from "../ui.ts";

function outcome(a: Application, self: boolean): { css: string; mark: string; title: string; text: string; reasons: Node | null } {
  if (a.status === "approved") return { css: "ok", mark: "✓", title: t("kiosk.approved"), text: t(self ? "kiosk.approvedTextSelf" : "kiosk.approvedText"), reasons: null };
  if (a.status === "refused") {
    const refusal = a.decisions?.find((d) => d.outcome === "refused");
    const reasons = refusal?.reasons ?? [];
    // A refusal stored before the structured reasons has its one line only.
    return { css: "no", mark: "✕", title: t("kiosk.refused"), text: reasons.length > 0 ? "" : (refusal?.reason ?? ""), reasons: reasons.length > 0 ? h("ul", { class: "record-reasons", "data-test": "refusal-reasons" }, ...reasons.map(reasonItem)) : null };
  }
  const due = a.acceptDue ?? a.decideDue ?? null;
  const provisional = a.acceptDue ? a.acceptDueProvisional : a.decideDueProvisional;
  const date = due && provisional ? t("kiosk.dateProvisional", { date: due }) : due;
  return { css: "wait", mark: "…", title: t("kiosk.queued"), text: date ? t(self ? "kiosk.queuedTextSelf" : "kiosk.queuedText", { date }) : t("kiosk.queuedTextNoDate"), reasons: null };
}

export function decisionScreen(k: Kiosk): Child[] {
  const a = k.state.application!;
  const self = k.state.mode === "self";
  const o = outcome(a, self);
  return [
    h("h2", {}, t("kiosk.resultTitle")),
    h(
      "div",
      { class: `decision ${o.css}`, "data-test": "decision", "data-status": a.status },
      h("div", { class: "decision-mark", "aria-hidden": "true" }, o.mark),
      h("h3", {}, o.title),
      o.text ? h("p", {}, o.text) : null,
      o.reasons,
      h("p", { class: "appno" }, `${t("kiosk.applicationNo")}: `, h("b", { "data-test": "application-no" }, a.id)),
    ),
    h("div", { class: "actions" }, button(k.state.busy, t(self ? "kiosk.toCodeSelf" : "kiosk.toCode"), () => showCode(k), { kind: "primary big", test: "to-code" })),
  ];
}

export function codeScreen(k: Kiosk): Child[] {
  const s = k.state;
  const a = s.application!;
  const who = s.applicant!;
  const c = s.code;
  const self = s.mode === "self";
  const row = (label: string, value: string, test?: string) => [h("dt", {}, label), h("dd", test ? { "data-test": test } : {}, value)];
  return [
    h("h2", {}, t(self ? "kiosk.codeTitleSelf" : "kiosk.codeTitle")),
    h(
      "div",
      { class: "code-layout" },
      h(
        "div",
        { class: "qr-card" },
        c ? h("img", { class: "qr", src: c.qr.png, alt: t("kiosk.codeTitle"), "data-test": "qr" }) : h("p", { class: "error" }, problemText("unknown")),
        h("p", { class: "qr-name" }, who.enterpriseName),
        c ? h("p", { class: "hint" }, t("kiosk.codeExpires", { time: formatTime(c.expiresAt) })) : null,
        // Not a photo of a code that expires within a minute: the code goes onto the phone (./bind.ts).
        h("p", { class: "hint" }, t("wallet.kiosk.codeHint")),
      ),
      h(
        "div",
        { class: "receipt", "data-test": "receipt" },
        h("h3", {}, t("kiosk.receiptTitle")),
        h(
          "dl",
          {},
          ...row(t("kiosk.applicationNo"), a.id, "receipt-no"),
          ...row(t(self ? "kiosk.subjectSelf" : "kiosk.enterprise"), who.enterpriseName),
          ...row(t("kiosk.applicant"), t("kiosk.applicantAs", { name: who.personName, capacity: wordFor("capacity", who.capacity) })),
          ...row(t("kiosk.recordsCount"), String(a.records?.length ?? s.selected.size)),
          ...row(t("kiosk.filedAt"), formatTime(a.filedAt)),
          ...row(t("kiosk.status"), wordFor("status", a.status), "receipt-status"),
        ),
      ),
    ),
    h(
      "div",
      { class: "actions" },
      button(s.busy, t("kiosk.print"), () => window.print(), { kind: "secondary" }),
      bindButton(k),
      button(s.busy, t("kiosk.done"), () => void finish(k), { kind: "primary big", test: "done" }),
    ),
  ];
}
