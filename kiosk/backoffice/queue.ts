// The repair officers' queue: every application the rules could not decide alone, most urgent
// first, with its due date in working days; overdue rows in red, due within two working days in
// amber; filters by step, urgency, decision mode and name; counts of each.
import { h } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { get } from "./api.ts";
import { current } from "./state.ts";
import { card, chip, input, notice, select, table, word } from "./ui.ts";

export interface QueueItem {
  id: string;
  subject: { id: string; kind: string; displayName: string };
  status: "submitted" | "accepted" | "awaiting_second";
  decisionMode: "officer" | "two_officers";
  ruleId: string;
  policyVersion: string;
  filedOn: string;
  step: "accept" | "decide" | null;
  dueOn: string | null;
  provisional: boolean;
  overdue: boolean;
  workingDaysLeft: number | null;
  extended: boolean;
  awaitingSecondOfficer: { firstOfficer: string | null } | null;
  records: Array<{ id: string; kind: string; severity: string; decisionNo: string }>;
  chainState?: string;
}

interface Queue {
  asOf: string;
  overdue: number;
  items: QueueItem[];
  calendar?: { notice: { words: Record<"zh" | "en", string> } | null };
  maxPeriodCases?: unknown[];
}

export const SOON_DAYS = 2;

export function urgency(item: Pick<QueueItem, "overdue" | "workingDaysLeft">): "overdue" | "soon" | "later" {
  if (item.overdue) return "overdue";
  return item.workingDaysLeft !== null && item.workingDaysLeft <= SOON_DAYS ? "soon" : "later";
}

export async function queueScreen(): Promise<HTMLElement> {
  const queue = await get<Queue>("/v1/repair-queue");
  const me = current()!;
  const state = { status: "all", urgency: "all", mode: "all", text: "" };
  const body = h("div", {});
  const counts = h("div", { class: "counts", id: "queue-counts" });

  const count = (label: string, n: number, tone: string, id: string) => h("div", { class: `count-box ${tone}`, id }, h("strong", {}, String(n)), h("span", {}, label));
  const items = queue.items;
  counts.append(
    count(t("backoffice.queue.count.all"), items.length, "", "count-all"),
    count(t("backoffice.queue.count.accept"), items.filter((i) => i.status === "submitted").length, "", "count-accept"),
    count(t("backoffice.queue.count.decide"), items.filter((i) => i.status === "accepted").length, "", "count-decide"),
    count(t("backoffice.queue.count.second"), items.filter((i) => i.status === "awaiting_second").length, "", "count-second"),
    count(t("backoffice.queue.count.overdue"), items.filter((i) => urgency(i) === "overdue").length, "no", "count-overdue"),
    count(t("backoffice.queue.count.soon"), items.filter((i) => urgency(i) === "soon").length, "warn", "count-soon"),
  );

  const draw = () => {
    const shown = items.filter(
      (i) =>
        (state.status === "all" || i.status === state.status) &&
        (state.urgency === "all" || urgency(i) === state.urgency) &&
        (state.mode === "all" || i.decisionMode === state.mode) &&
        (state.text === "" || i.subject.displayName.includes(state.text)),
    );
    if (shown.length === 0) {
      body.replaceChildren(h("p", { class: "empty", id: "queue-empty" }, items.length === 0 ? t("backoffice.queue.empty") : t("backoffice.queue.noneMatch")));
      return;
    }
    const rows = shown.map((i) => {
      const u = urgency(i);
      const due = i.dueOn
        ? h(
            "span",
            { class: `due ${u}` },
            `${i.dueOn}${i.provisional ? ` ${t("backoffice.queue.provisional")}` : ""}`,
            h("br", {}),
            h("small", {}, u === "overdue" ? t("backoffice.queue.overdue") : t("backoffice.queue.daysLeft", { n: i.workingDaysLeft ?? 0 })),
          )
        : "—";
      const second = i.awaitingSecondOfficer
        ? chip(i.awaitingSecondOfficer.firstOfficer === me.account.id ? t("backoffice.queue.proposedByYou") : t("backoffice.queue.needsSecond"), "warn")
        : null;
      return [
        h("a", { href: `#/application/${i.id}`, class: "row-link", "data-application": i.id }, i.subject.displayName),
        h("span", {}, word("backoffice.appStatus", i.status), " ", second),
        h("span", {}, word("backoffice.mode", i.decisionMode)),
        h("span", {}, i.records.map((r) => `${word("backoffice.kind", r.kind)} · ${word("backoffice.severity", r.severity)}`).join("；")),
        i.filedOn,
        due,
      ];
    });
    const wrap = table([t("backoffice.col.subject"), t("backoffice.col.status"), t("backoffice.col.mode"), t("backoffice.col.records"), t("backoffice.col.filed"), t("backoffice.col.due")], rows, { id: "queue-table" });
    wrap.querySelectorAll("tbody tr").forEach((tr, n) => tr.classList.add(`urgency-${urgency(shown[n]!)}`));
    body.replaceChildren(wrap);
  };

  const status = select("status", ["all", "submitted", "accepted", "awaiting_second"].map((v) => ({ value: v, label: v === "all" ? t("backoffice.filter.all") : word("backoffice.appStatus", v) })), { id: "filter-status" });
  const urg = select("urgency", ["all", "overdue", "soon", "later"].map((v) => ({ value: v, label: t(`backoffice.filter.urgency.${v}` as "backoffice.filter.urgency.all") })), { id: "filter-urgency" });
  const mode = select("mode", ["all", "officer", "two_officers"].map((v) => ({ value: v, label: v === "all" ? t("backoffice.filter.all") : word("backoffice.mode", v) })), { id: "filter-mode" });
  const text = input("text", { id: "filter-text", placeholder: t("backoffice.filter.namePlaceholder") });
  status.addEventListener("change", () => ((state.status = status.value), draw()));
  urg.addEventListener("change", () => ((state.urgency = urg.value), draw()));
  mode.addEventListener("change", () => ((state.mode = mode.value), draw()));
  text.addEventListener("input", () => ((state.text = text.value.trim()), draw()));
  draw();

  const calendarNotice = queue.calendar?.notice ? notice(queue.calendar.notice.words[lang()], "warn", { id: "calendar-notice" }) : null;
  return h(
    "div",
    {},
    h("div", { class: "page-head" }, h("h1", {}, t("backoffice.queue.title")), h("p", { class: "lead" }, t("backoffice.queue.lead", { date: queue.asOf }))),
    calendarNotice,
    counts,
    card(
      null,
      h(
        "div",
        { class: "filters" },
        h("label", {}, t("backoffice.filter.status"), status),
        h("label", {}, t("backoffice.filter.urgency"), urg),
        h("label", {}, t("backoffice.filter.mode"), mode),
        h("label", {}, t("backoffice.filter.name"), text),
      ),
      body,
    ),
  );
}
