// The supervisor's dashboard: applications by state, how many are overdue, the share the rules
// decided at once (秒批 and rule refusals), the median working days an officer took to decide,
// and the same per unit, with bar charts (SVG built from data, no library).
import { h, svg } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { get } from "./api.ts";
import { card, heading, table, word } from "./ui.ts";

interface Dashboard {
  asOf: string;
  sinceDays: number;
  total: number;
  byState: Record<string, number>;
  overdue: number;
  decided: number;
  instantShare: number | null;
  medianWorkingDaysToDecide: number | null;
  perUnit: Array<{ unit: string; open: number; overdue: number; decided: number; medianWorkingDaysToDecide: number | null }>;
}

/** A horizontal bar chart: one labelled bar per entry. */
export function barChart(id: string, entries: Array<{ label: string; value: number; tone?: string }>, title: string): SVGSVGElement {
  const rowH = 28;
  const labelW = 180;
  const width = 640;
  const max = Math.max(1, ...entries.map((e) => e.value));
  const chart = svg("svg", { id, class: "chart", viewBox: `0 0 ${width} ${entries.length * rowH + 8}`, role: "img", "aria-label": title });
  entries.forEach((e, i) => {
    const y = i * rowH + 4;
    const w = Math.max(2, ((width - labelW - 60) * e.value) / max);
    chart.append(
      svg("text", { x: labelW - 8, y: y + 17, "text-anchor": "end", class: "chart-label" }, e.label),
      svg("rect", { x: labelW, y: y + 4, width: w, height: rowH - 10, rx: 4, class: `bar ${e.tone ?? ""}`, "data-value": e.value }),
      svg("text", { x: labelW + w + 6, y: y + 17, class: "chart-value" }, String(e.value)),
    );
  });
  return chart;
}

const pct = (x: number | null) => (x === null ? "—" : `${Math.round(x * 100)}%`);
const days = (x: number | null) => (x === null ? "—" : t("backoffice.dashboard.days", { n: x }));
const unitName = (u: string) => (u === "system" ? t("backoffice.dashboard.unitSystem") : u === "unassigned" ? t("backoffice.dashboard.unitUnassigned") : u === "machine" ? t("backoffice.dashboard.unitMachine") : u);

export async function dashboardScreen(): Promise<HTMLElement> {
  const d = await get<Dashboard>("/v1/backoffice/dashboard");
  const states = ["submitted", "accepted", "awaiting_second", "approved", "refused"];
  const tiles = [
    ["dash-total", t("backoffice.dashboard.total"), String(d.total), ""],
    ["dash-overdue", t("backoffice.dashboard.overdue"), String(d.overdue), d.overdue ? "no" : ""],
    ["dash-instant", t("backoffice.dashboard.instant"), pct(d.instantShare), ""],
    ["dash-median", t("backoffice.dashboard.median"), days(d.medianWorkingDaysToDecide), ""],
  ];
  return h(
    "div",
    {},
    heading(t("backoffice.dashboard.title"), t("backoffice.dashboard.lead", { date: d.asOf, days: d.sinceDays })),
    h("div", { class: "counts" }, ...tiles.map(([id, label, value, tone]) => h("div", { class: `count-box ${tone}`, id }, h("strong", {}, value!), h("span", {}, label!)))),
    h(
      "div",
      { class: "two-col" },
      card(t("backoffice.dashboard.byState"), barChart("chart-states", states.map((s) => ({ label: word("backoffice.appStatus", s), value: d.byState[s] ?? 0, tone: s })), t("backoffice.dashboard.byState"))),
      card(t("backoffice.dashboard.perUnit"), barChart("chart-units", d.perUnit.map((u) => ({ label: unitName(u.unit), value: u.decided })), t("backoffice.dashboard.perUnit"))),
    ),
    card(
      t("backoffice.dashboard.unitTable"),
      table(
        [t("backoffice.field.unit"), t("backoffice.dashboard.open"), t("backoffice.dashboard.overdue"), t("backoffice.dashboard.decided"), t("backoffice.dashboard.median")],
        d.perUnit.map((u) => [unitName(u.unit), String(u.open), String(u.overdue), String(u.decided), days(u.medianWorkingDaysToDecide)]),
        { id: "unit-table" },
      ),
    ),
  );
}
