// The wallet's lists, drawn from what the holder routes answer: records under publicity with
// when repair becomes possible, 免申即享 notices with where and how, bound phones (unbind), and
// for an enterprise who may act for it. Every text goes in as text (kiosk/lib/dom.ts).
import { h, type Child } from "../lib/dom.ts";
import { lookup, t } from "../i18n/index.ts";
import { timeOf } from "../lib/time.ts";

export interface WalletRecord {
  id: string;
  kind: string;
  decidingUnit: string;
  decisionNo: string;
  decisionDate: string;
  publicUntil: string | null;
  repair: "now" | "later" | "in_review" | "never";
  repairFrom: string | null;
  notRepairableBasis: string | null;
}

export interface RecordsAnswer {
  asOf: string;
  creditStatus: string;
  records: WalletRecord[];
  endedCount: number;
}

export interface Notice {
  id: number;
  recordId: string;
  decisionNo: string | null;
  decidingUnit: string | null;
  createdAt: string;
  seen: boolean;
  stillRepairable: boolean;
}

export interface Device {
  id: string;
  name: string;
  holder: string;
  capacity: string;
  boundAt: string;
  current: boolean;
}

export interface Representatives {
  legalRepresentative: { displayName: string } | null;
  agents: { displayName: string; reference: string; validUntil: string }[];
}

function repairLine(r: WalletRecord): string {
  if (r.repair === "later" && r.repairFrom) return t("wallet.repair.later", { date: r.repairFrom });
  if (r.repair === "never" && r.notRepairableBasis) return t("wallet.repair.neverBasis", { basis: r.notRepairableBasis });
  return lookup(`wallet.repair.${r.repair}`) ?? r.repair;
}

export function recordsList(answer: RecordsAnswer): Child[] {
  return [
    h("h2", {}, t("wallet.recordsTitle")),
    h("p", { class: "hint" }, t("wallet.recordsAsOf", { date: answer.asOf })),
    answer.records.length === 0 ? h("p", { class: "card empty", "data-test": "records-none" }, t("wallet.recordsNone")) : null,
    ...answer.records.map((r) =>
      h(
        "article",
        { class: `card record repair-${r.repair}`, "data-test": "record", "data-record": r.id, "data-repair": r.repair },
        h("p", { class: "kind" }, lookup(`wallet.kindOf.${r.kind}`) ?? r.kind),
        h("h3", {}, r.decisionNo),
        h("p", {}, t("wallet.recordDecided", { unit: r.decidingUnit, date: r.decisionDate })),
        r.publicUntil ? h("p", { class: "hint" }, t("wallet.recordPublicUntil", { date: r.publicUntil })) : null,
        h("p", { class: "repair", "data-test": "repair-line" }, repairLine(r)),
      ),
    ),
    answer.endedCount > 0 ? h("p", { class: "hint" }, t("wallet.recordsEnded", { n: answer.endedCount })) : null,
  ];
}

export function noticesList(notices: Notice[], onSeen: (id: number) => void): Child[] {
  return [
    h("h2", {}, t("wallet.noticesTitle")),
    notices.length === 0 ? h("p", { class: "card empty", "data-test": "notices-none" }, t("wallet.noticesNone")) : null,
    ...notices.map((n) =>
      h(
        "article",
        { class: `card notice${n.seen ? " seen" : ""}`, "data-test": "notice", "data-record": n.recordId, "data-seen": String(n.seen) },
        // A notice whose record was applied for or ended since says so in its headline too, not "can now be repaired".
        h("h3", { class: n.stillRepairable ? "" : "closed" }, t(n.stillRepairable ? "wallet.noticeRepairable" : "wallet.noticeClosed")),
        n.decisionNo ? h("p", {}, t("wallet.noticeRecord", { no: n.decisionNo, unit: n.decidingUnit ?? "" })) : null,
        n.stillRepairable ? h("p", {}, t("wallet.noticeWhere")) : h("p", { class: "hint" }, t("wallet.noticeDone")),
        n.stillRepairable ? h("p", {}, t("wallet.noticeHow")) : null,
        h("p", { class: "hint" }, t("wallet.noticeAt", { time: timeOf(n.createdAt) })),
        n.seen ? null : h("button", { type: "button", class: "btn secondary", "data-test": "notice-seen", onclick: () => onSeen(n.id) }, t("wallet.noticeSeen")),
      ),
    ),
  ];
}

export function devicesList(devices: Device[], reps: Representatives | null, onRemove: (device: Device) => void): Child[] {
  return [
    h("h2", {}, t("wallet.devicesTitle")),
    ...devices.map((d) =>
      h(
        "article",
        { class: "card device", "data-test": "device", "data-device": d.id },
        h("h3", {}, d.name, d.current ? h("span", { class: "tag" }, t("wallet.deviceThis")) : null),
        h("p", {}, t("wallet.heldBy", { name: d.holder, capacity: t(`wallet.capacity.${d.capacity}` as "wallet.capacity.self") })),
        h("p", { class: "hint" }, t("wallet.deviceBoundAt", { time: timeOf(d.boundAt) })),
        h("button", { type: "button", class: "btn danger", "data-test": "device-remove", onclick: () => onRemove(d) }, t("wallet.deviceRemove")),
      ),
    ),
    h("p", { class: "hint" }, t("wallet.deviceLost")),
    reps
      ? h(
          "section",
          { class: "card reps", "data-test": "representatives" },
          h("h2", {}, t("wallet.repsTitle")),
          reps.legalRepresentative ? h("p", {}, t("wallet.repsLegal", { name: reps.legalRepresentative.displayName })) : null,
          ...(reps.agents.length === 0
            ? [h("p", { class: "hint" }, t("wallet.repsNoAgent"))]
            : reps.agents.map((a) => h("p", { "data-test": "agent" }, t("wallet.repsAgent", { name: a.displayName, ref: a.reference, date: a.validUntil.slice(0, 10) })))),
        )
      : null,
  ];
}
