// Records: the subject's dishonesty records in four groups (repairable now, later with the
// date, in review, not repairable with the reason); those repairable now can be chosen. The
// reasons are the API's words in the language shown, the legal basis under each, the rule id
// only behind "details" (./ui.ts reasonItem).
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import type { RecordItem } from "../api.ts";
import { finish, toCommitment } from "../flow.ts";
import type { Kiosk } from "../state.ts";
import { button, reasonItem, wordFor } from "../ui.ts";
import { bindEarlyButton } from "./bind.ts";
import { unbindButton } from "./unbind.ts";

type Group = "now" | "later" | "review" | "not";

export function recordsScreen(k: Kiosk): Child[] {
  const s = k.state;
  const r = s.records!;
  const nothing = r.repairableNow.length + r.later.length + r.notRepairable.length + r.inReview.length === 0;
  const canRepair = r.repairableNow.length > 0;
  return [
    h("h2", {}, t("kiosk.recordsTitle", { name: r.subject.displayName })),
    nothing ? h("p", { class: "notice" }, t(s.mode === "self" ? "kiosk.noRecordsSelf" : "kiosk.noRecords")) : null,
    !nothing && !canRepair ? h("p", { class: "notice" }, t(s.mode === "self" ? "kiosk.groupNoneSelf" : "kiosk.groupNone")) : null,
    h(
      "div",
      { class: "groups" },
      group(k, "now", t("kiosk.groupNow"), r.repairableNow),
      group(k, "later", t("kiosk.groupLater"), r.later),
      group(k, "review", t("kiosk.groupReview"), r.inReview),
      group(k, "not", t("kiosk.groupNot"), r.notRepairable),
    ),
    h(
      "div",
      { class: "actions sticky" },
      // Once the face check has passed, a phone is bound here (./bind.ts) or a lost one removed
      // (./unbind.ts): neither needs an application, nor anything to repair.
      bindEarlyButton(k),
      unbindButton(k),
      canRepair ? h("span", { class: "count", "data-test": "selected-count" }, t("kiosk.selectedCount", { n: s.selected.size })) : null,
      canRepair
        ? button(s.busy, t("kiosk.toCommitment"), () => void toCommitment(k), { kind: "primary big", disabled: s.selected.size === 0, test: "to-commitment" })
        : button(s.busy, t("kiosk.finish"), () => void finish(k), { kind: "primary big", test: "finish" }),
    ),
  ];
}

function group(k: Kiosk, kind: Group, title: string, items: RecordItem[]): Node | null {
  if (items.length === 0) return null;
  return h(
    "section",
    { class: `group group-${kind}`, "data-test": `group-${kind}` },
    h("h3", {}, t("kiosk.groupCount", { title, n: items.length })),
    ...items.map((rec) => recordCard(k, rec, kind)),
  );
}

function recordCard(k: Kiosk, rec: RecordItem, kind: Group): Node {
  const reasons = rec.evaluation?.reasons ?? [];
  const body = h(
    "div",
    { class: "record-body" },
    h("div", { class: "record-title" }, h("b", {}, wordFor("kind", rec.kind)), h("span", { class: `sev sev-${rec.severity}` }, wordFor("severity", rec.severity))),
    h("div", { class: "record-meta" }, `${t("kiosk.decisionNo")} ${rec.decisionNo} · ${t("kiosk.decisionDate")} ${rec.decisionDate}`),
    h("div", { class: "record-meta" }, `${t("kiosk.decidingUnit")} ${rec.decidingUnit}`),
    kind === "later" && rec.evaluation?.earliestDate ? h("div", { class: "record-when", "data-test": "later-date" }, t("kiosk.laterFrom", { date: rec.evaluation.earliestDate })) : null,
    kind === "later" || kind === "not" ? h("ul", { class: "record-reasons" }, ...reasons.map(reasonItem)) : null,
    kind === "review" && rec.applicationStatus ? h("div", { class: "record-when" }, wordFor("status", rec.applicationStatus)) : null,
  );
  if (kind !== "now") return h("article", { class: `record record-${kind}`, "data-record": rec.id }, body);
  const checked = k.state.selected.has(rec.id);
  const box = h("input", {
    type: "checkbox",
    class: "record-check",
    "data-test": "record-check",
    onchange: (e) => {
      if ((e.target as HTMLInputElement).checked) k.state.selected.add(rec.id);
      else k.state.selected.delete(rec.id);
      k.render();
    },
  });
  box.checked = checked;
  return h("label", { class: `record record-${kind}${checked ? " chosen" : ""}`, "data-record": rec.id }, box, body);
}
