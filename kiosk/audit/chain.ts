// The chain, read by this browser over JSON-RPC: the anchors (table and chart) and the
// contracts' role changes. No root, head or role comes from the API under audit.
import { httpRpc, readChainView, readRoleChanges } from "../../protocol/audit/chain-reader.ts";
import { t } from "../i18n/index.ts";
import { h, svg } from "../lib/dom.ts";
import { settings } from "./settings.ts";
import { $, bad, errorText, mono, ok, short, td, time, view } from "./view.ts";

/** The chart shows the last anchors only: older bars would be too thin to read. */
const CHART_ANCHORS = 200;

export async function loadChain(): Promise<void> {
  const s = settings();
  view.chain = { state: "working" };
  renderChain();
  try {
    const rpc = httpRpc(s.rpc);
    const addresses = { creditLedger: s.ledger, codeRegistry: s.registry || undefined, fromBlock: s.fromBlock };
    const chain = await readChainView(rpc, addresses);
    view.anchors = chain.anchors;
    view.chain = { state: "shown", block: chain.block, anchorCount: chain.anchorCount, head: chain.head };
    renderChain();
    view.roles = await readRoleChanges(rpc, addresses, chain.block);
  } catch (error) {
    view.chain = { state: "failed", message: errorText(error) };
  }
  renderChain();
}

export function renderChain(): void {
  const c = view.chain;
  const status = $("#chain-status");
  if (!c) status.replaceChildren();
  else if (c.state === "working") status.replaceChildren(t("audit.reading"));
  else if (c.state === "failed") status.replaceChildren(bad(c.message));
  else status.replaceChildren(ok(t("audit.atBlock", { block: c.block })), ` · ${t("audit.anchorCount", { n: c.anchorCount })} · ${t("audit.head")} `, mono(short(c.head)));
  renderAnchors();
  renderRoles();
}

/** Delay from a batch's first append to its anchor, by anchor index (known once a report is shown). */
function delays(): Map<number, number> {
  const out = new Map<number, number>();
  if (!view.report) return out;
  // A published report need not list its anchors (the API requires only ok, entries and findings).
  for (const a of view.report.report.anchors ?? []) if (a.delaySeconds !== undefined) out.set(a.index, a.delaySeconds);
  return out;
}

export function renderAnchors(): void {
  const anchors = view.anchors;
  const delay = delays();
  const last = anchors.at(-1);
  $("#anchor-summary").textContent = last ? t("audit.anchorSummary", { n: anchors.length, seq: last.toSeq }) : t("audit.noAnchors");
  $("#anchor-table tbody").replaceChildren(
    ...anchors
      .slice()
      .reverse()
      .map((a) =>
        h(
          "tr",
          {},
          td(a.index),
          td(`${a.fromSeq}–${a.toSeq}`),
          td(a.toSeq - a.fromSeq + 1),
          td(short(a.root), "mono"),
          td(a.blockNumber ?? ""),
          td(time(a.timestamp)),
          td(delay.has(a.index) ? `${delay.get(a.index)!.toFixed(1)} s` : ""),
          td(short(a.txHash), "mono"),
        ),
      ),
  );
  drawChart(delay);
}

/** Bars: entries per anchor; line: delay from the batch's first append to its anchor. */
function drawChart(delay: Map<number, number>): void {
  const chart = document.querySelector<SVGSVGElement>("#anchor-chart")!;
  const width = chart.clientWidth || 900;
  const height = 220;
  const pad = { l: 48, r: 48, t: 12, b: 28 };
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const shown = view.anchors.slice(-CHART_ANCHORS);
  if (shown.length === 0) {
    chart.replaceChildren();
    return;
  }
  const entries = (a: (typeof shown)[number]) => a.toSeq - a.fromSeq + 1;
  const maxEntries = Math.max(...shown.map(entries));
  const maxDelay = Math.max(1, ...shown.map((a) => delay.get(a.index) ?? 0));
  const w = (width - pad.l - pad.r) / shown.length;
  const y = (v: number, max: number) => pad.t + (height - pad.t - pad.b) * (1 - v / max);
  const parts: SVGElement[] = shown.map((a, i) =>
    svg(
      "rect",
      { class: "bar", x: pad.l + i * w + w * 0.1, y: y(entries(a), maxEntries), width: Math.max(1, w * 0.8), height: height - pad.b - y(entries(a), maxEntries), fill: "#4a7bd0" },
      svg("title", {}, t("audit.barTitle", { index: a.index, n: entries(a) })),
    ),
  );
  const points = shown.flatMap((a, i) => (delay.has(a.index) ? [`${pad.l + i * w + w / 2},${y(delay.get(a.index)!, maxDelay)}`] : []));
  if (points.length > 0) parts.push(svg("polyline", { points: points.join(" "), fill: "none", stroke: "#e07b00", "stroke-width": 2 }));
  const label = (x: number, yy: number, text: string, fill?: string) => svg("text", { x, y: yy, "font-size": 11, fill }, text);
  parts.push(
    label(4, pad.t + 10, String(maxEntries)),
    label(4, height - pad.b, "0"),
    label(width - pad.r + 4, pad.t + 10, `${maxDelay.toFixed(0)} s`, "#e07b00"),
    label(pad.l, height - 8, `#${shown[0]!.index}`),
    label(width - pad.r - 30, height - 8, `#${shown.at(-1)!.index}`),
  );
  chart.replaceChildren(...parts);
}

function renderRoles(): void {
  $("#role-table tbody").replaceChildren(
    ...view.roles
      .slice()
      .reverse()
      .map((r) =>
        h(
          "tr",
          {},
          td(time(r.timestamp)),
          td(r.contract),
          td(r.granted ? t("audit.granted") : t("audit.revoked"), r.granted ? "ok" : "bad"),
          td(r.roleName),
          td(r.account, "mono"),
          td(r.sender, "mono"),
          td(short(r.txHash), "mono"),
        ),
      ),
  );
}
