// Decision: repaired, refused with the reason, or queued for an officer with the date.
// Code: the enterprise's fresh code and the receipt.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import type { Application } from "../api.ts";
import { finish, showCode } from "../flow.ts";
import type { Kiosk } from "../state.ts";
import { button, formatTime, problemText, wordFor } from "../ui.ts";

function outcome(a: Application): { css: string; mark: string; title: string; text: string } {
  if (a.status === "approved") return { css: "ok", mark: "✓", title: t("kiosk.approved"), text: t("kiosk.approvedText") };
  if (a.status === "refused") {
    const reason = a.decisions?.find((d) => d.outcome === "refused")?.reason ?? "";
    return { css: "no", mark: "✕", title: t("kiosk.refused"), text: reason };
  }
  const due = a.acceptDue ?? a.decideDue ?? null;
  return { css: "wait", mark: "…", title: t("kiosk.queued"), text: due ? t("kiosk.queuedText", { date: due }) : t("kiosk.queuedTextNoDate") };
}

export function decisionScreen(k: Kiosk): Child[] {
  const a = k.state.application!;
  const o = outcome(a);
  return [
    h("h2", {}, t("kiosk.resultTitle")),
    h(
      "div",
      { class: `decision ${o.css}`, "data-test": "decision", "data-status": a.status },
      h("div", { class: "decision-mark", "aria-hidden": "true" }, o.mark),
      h("h3", {}, o.title),
      h("p", {}, o.text),
      h("p", { class: "appno" }, `${t("kiosk.applicationNo")}: `, h("b", { "data-test": "application-no" }, a.id)),
    ),
    h("div", { class: "actions" }, button(k.state.busy, t("kiosk.toCode"), () => showCode(k), { kind: "primary big", test: "to-code" })),
  ];
}

export function codeScreen(k: Kiosk): Child[] {
  const s = k.state;
  const a = s.application!;
  const who = s.applicant!;
  const c = s.code;
  const row = (label: string, value: string, test?: string) => [h("dt", {}, label), h("dd", test ? { "data-test": test } : {}, value)];
  return [
    h("h2", {}, t("kiosk.codeTitle")),
    h(
      "div",
      { class: "code-layout" },
      h(
        "div",
        { class: "qr-card" },
        c ? h("img", { class: "qr", src: c.qr.png, alt: t("kiosk.codeTitle"), "data-test": "qr" }) : h("p", { class: "error" }, problemText("unknown")),
        h("p", { class: "qr-name" }, who.enterpriseName),
        c ? h("p", { class: "hint" }, t("kiosk.codeExpires", { time: formatTime(c.expiresAt) })) : null,
        h("p", { class: "hint" }, t("kiosk.codeHint")),
      ),
      h(
        "div",
        { class: "receipt", "data-test": "receipt" },
        h("h3", {}, t("kiosk.receiptTitle")),
        h(
          "dl",
          {},
          ...row(t("kiosk.applicationNo"), a.id, "receipt-no"),
          ...row(t("kiosk.enterprise"), who.enterpriseName),
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
      button(s.busy, t("kiosk.done"), () => void finish(k), { kind: "primary big", test: "done" }),
    ),
  ];
}
