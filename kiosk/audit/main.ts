// The auditors' console. The chain is read from the browser over JSON-RPC (eth_getLogs,
// eth_call) at the RPC URL the auditor sets: no root, head or role ever comes from the
// API under audit. The API only serves entries and proofs, which are checked here against
// the chain (verifyInclusion of api/src/ledger/merkle.ts, the audit core of
// api/src/audit/auditor.ts). The node must allow CORS (anvil does by default; Besu:
// --rpc-http-cors-origins).
import { auditLedger, type AuditReport, type ChainAnchor, type Finding } from "../../protocol/audit/auditor.ts";
import { addCodeStates, httpRpc, readChainView, readRoleChanges, type RoleChange } from "../../protocol/audit/chain-reader.ts";
import { codesFromNdjson, entriesFromNdjson } from "../../protocol/audit/ndjson.ts";
import { nobleHasher } from "../../protocol/ledger/merkle.ts";
import { toHex } from "../../protocol/bytes.ts";
import { fromHex } from "../../protocol/bytes.ts";
import { leafHash, verifyInclusion } from "../../protocol/ledger/merkle.ts";

interface Settings {
  api: string;
  token: string;
  rpc: string;
  ledger: string;
  registry: string;
  fromBlock: number;
}

interface EntryJson {
  seq: number;
  type: string;
  payload: unknown;
  subjectRef: string | null;
  actor: string;
  createdAt: string;
  prevHash: string;
  hash: string;
  canonical: string;
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const settingsForm = $<HTMLFormElement>("#settings-form");
let anchors: ChainAnchor[] = [];
let report: (AuditReport & Record<string, unknown>) | null = null;

function esc(text: unknown): string {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const short = (h: string | undefined) => (h ? `${h.slice(0, 10)}…${h.slice(-6)}` : "");
const time = (unix?: number) => (unix ? new Date(unix * 1000).toISOString().replace(".000Z", "Z") : "");

function settings(): Settings {
  const f = new FormData(settingsForm);
  const s = (k: string) => String(f.get(k) ?? "").trim();
  return { api: s("api") || location.origin, token: s("token"), rpc: s("rpc"), ledger: s("ledger"), registry: s("registry"), fromBlock: Number(s("fromBlock") || 0) };
}

function setField(name: string, value: string | number | null | undefined): void {
  const input = settingsForm.elements.namedItem(name) as HTMLInputElement | null;
  if (input && value !== null && value !== undefined && input.value === "") input.value = String(value);
}

async function api<T>(path: string): Promise<T> {
  const s = settings();
  const response = await fetch(new URL(path, s.api), { headers: { authorization: `Bearer ${s.token}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { detail?: string };
    throw new Error(`${path}: HTTP ${response.status} ${body.detail ?? ""}`);
  }
  return (await response.json()) as T;
}

// ---- chain: anchors and roles ------------------------------------------------------

async function loadChain(): Promise<void> {
  const s = settings();
  const status = $("#chain-status");
  status.textContent = "读取中 reading…";
  try {
    const rpc = httpRpc(s.rpc);
    const view = await readChainView(rpc, { creditLedger: s.ledger, codeRegistry: s.registry || undefined, fromBlock: s.fromBlock });
    anchors = view.anchors;
    status.innerHTML = `<span class="ok">区块 block ${view.block}</span> · ${view.anchorCount} anchors · head <span class="mono">${short(view.head)}</span>`;
    renderAnchors();
    const roles = await readRoleChanges(rpc, { creditLedger: s.ledger, codeRegistry: s.registry || undefined, fromBlock: s.fromBlock }, view.block);
    renderRoles(roles);
  } catch (error) {
    status.innerHTML = `<span class="bad">${esc((error as Error).message)}</span>`;
  }
}

function renderAnchors(): void {
  const delays = new Map<number, number>();
  for (const a of report?.anchors ?? []) if (a.delaySeconds !== undefined) delays.set(a.index, a.delaySeconds);
  const last = anchors.at(-1);
  $("#anchor-summary").textContent = last ? `${anchors.length} 批 batches · 已锚定至 anchored through seq ${last.toSeq}` : "尚无锚定 no anchors yet";
  $("#anchor-table tbody").innerHTML = anchors
    .slice()
    .reverse()
    .map(
      (a) =>
        `<tr><td>${a.index}</td><td>${a.fromSeq}–${a.toSeq}</td><td>${a.toSeq - a.fromSeq + 1}</td><td class="mono">${short(a.root)}</td>` +
        `<td>${a.blockNumber ?? ""}</td><td>${time(a.timestamp)}</td><td>${delays.has(a.index) ? `${delays.get(a.index)!.toFixed(1)} s` : ""}</td><td class="mono">${short(a.txHash)}</td></tr>`,
    )
    .join("");
  drawChart(delays);
}

/** Bars: entries per anchor; line: delay from the batch's first append to its anchor (from an audit report). */
function drawChart(delays: Map<number, number>): void {
  const svg = $("#anchor-chart") as unknown as SVGSVGElement;
  const width = svg.clientWidth || 900;
  const height = 220;
  const pad = { l: 48, r: 48, t: 12, b: 28 };
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  if (anchors.length === 0) {
    svg.innerHTML = "";
    return;
  }
  const shown = anchors.slice(-200);
  const maxEntries = Math.max(...shown.map((a) => a.toSeq - a.fromSeq + 1));
  const maxDelay = Math.max(1, ...shown.map((a) => delays.get(a.index) ?? 0));
  const w = (width - pad.l - pad.r) / shown.length;
  const y = (v: number, max: number) => pad.t + (height - pad.t - pad.b) * (1 - v / max);
  let out = "";
  shown.forEach((a, i) => {
    const n = a.toSeq - a.fromSeq + 1;
    const x = pad.l + i * w;
    out += `<rect class="bar" x="${x + w * 0.1}" y="${y(n, maxEntries)}" width="${Math.max(1, w * 0.8)}" height="${height - pad.b - y(n, maxEntries)}" fill="#4a7bd0"><title>#${a.index}: ${n} entries</title></rect>`;
  });
  const points = shown
    .map((a, i) => (delays.has(a.index) ? `${pad.l + i * w + w / 2},${y(delays.get(a.index)!, maxDelay)}` : null))
    .filter((p) => p !== null);
  if (points.length > 0) out += `<polyline points="${points.join(" ")}" fill="none" stroke="#e07b00" stroke-width="2" />`;
  out += `<text x="4" y="${pad.t + 10}" font-size="11">${maxEntries}</text><text x="4" y="${height - pad.b}" font-size="11">0</text>`;
  out += `<text x="${width - pad.r + 4}" y="${pad.t + 10}" font-size="11" fill="#e07b00">${maxDelay.toFixed(0)} s</text>`;
  out += `<text x="${pad.l}" y="${height - 8}" font-size="11">#${shown[0]!.index}</text><text x="${width - pad.r - 30}" y="${height - 8}" font-size="11">#${shown.at(-1)!.index}</text>`;
  svg.innerHTML = out;
}

function renderRoles(roles: RoleChange[]): void {
  $("#role-table tbody").innerHTML = roles
    .slice()
    .reverse()
    .map(
      (r) =>
        `<tr><td>${time(r.timestamp)}</td><td>${r.contract}</td><td class="${r.granted ? "ok" : "bad"}">${r.granted ? "授予 granted" : "撤销 revoked"}</td>` +
        `<td>${esc(r.roleName)}</td><td class="mono">${r.account}</td><td class="mono">${r.sender}</td><td class="mono">${short(r.txHash)}</td></tr>`,
    )
    .join("");
}

// ---- audit results -----------------------------------------------------------------

function renderReport(source: string): void {
  const status = $("#audit-status");
  const tbody = $("#findings tbody");
  if (!report) {
    status.textContent = "";
    tbody.innerHTML = "";
    return;
  }
  const when = (report.publishedAt as string | undefined) ?? report.startedAt;
  status.innerHTML =
    `${esc(source)} · ${esc(when)} · ${report.entries} entries · ${report.anchors.length} anchors · ` +
    (report.ok ? `<span class="ok">无发现 clean</span>` : `<span class="bad">${report.findings.length} 项发现 findings</span>`);
  tbody.innerHTML = report.findings
    .map((f: Finding) => `<tr><td>${f.seq ?? "–"}</td><td>${esc(f.kind)}</td><td>${f.anchorIndex !== undefined ? `#${f.anchorIndex}` : ""}</td><td>${esc(f.detail)}${f.txHash ? ` <span class="mono">(tx ${short(f.txHash)})</span>` : ""}</td></tr>`)
    .join("");
  ($("#export-report") as HTMLButtonElement).disabled = false;
  renderAnchors();
}

async function loadLatest(): Promise<void> {
  try {
    report = await api<AuditReport & Record<string, unknown>>("/v1/audit/latest");
    renderReport("已发布 published");
  } catch (error) {
    $("#audit-status").innerHTML = `<span class="bad">${esc((error as Error).message)}</span>`;
  }
}

async function runAudit(): Promise<void> {
  const s = settings();
  const status = $("#audit-status");
  status.textContent = "审计中 auditing…";
  try {
    const rpc = httpRpc(s.rpc);
    const view = await readChainView(rpc, { creditLedger: s.ledger, codeRegistry: s.registry || undefined, fromBlock: s.fromBlock }, { codes: Boolean(s.registry) });
    anchors = view.anchors;
    // The codes table after the chain and before the entries (see scripts/audit.ts).
    const codesResponse = await fetch(new URL("/v1/audit/codes", s.api), { headers: { authorization: `Bearer ${s.token}` } });
    if (!codesResponse.ok || !codesResponse.body) throw new Error(`codes: HTTP ${codesResponse.status}`);
    const codes = await codesFromNdjson(codesResponse.body as unknown as AsyncIterable<Uint8Array>);
    if (s.registry) await addCodeStates(rpc, view, s.registry, codes.rows.map((r) => r.subject));
    const response = await fetch(new URL("/v1/ledger/export", s.api), { headers: { authorization: `Bearer ${s.token}` } });
    if (!response.ok || !response.body) throw new Error(`export: HTTP ${response.status}`);
    const result = await auditLedger(entriesFromNdjson(response.body as unknown as AsyncIterable<Uint8Array>), view, {
      hasher: nobleHasher,
      codes,
      onProgress: (n) => (status.textContent = `审计中 auditing… ${n} entries`),
    });
    report = { ...result, block: view.block, rpc: s.rpc, creditLedger: s.ledger, codeRegistry: s.registry };
    renderReport("本浏览器 this browser");
  } catch (error) {
    status.innerHTML = `<span class="bad">${esc((error as Error).message)}</span>`;
  }
}

function exportReport(): void {
  if (!report) return;
  const blob = new Blob([JSON.stringify(report, null, 2)], { type: "application/json" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `onecode-audit-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  document.body.append(a);
  a.click();
  a.remove();
}

// ---- entries and proofs ------------------------------------------------------------

async function search(): Promise<void> {
  const f = new FormData($<HTMLFormElement>("#search-form"));
  const q = new URLSearchParams();
  for (const key of ["seq", "type", "subjectRef"]) {
    const v = String(f.get(key) ?? "").trim();
    if (v) q.set(key, v);
  }
  for (const key of ["since", "until"]) {
    const v = String(f.get(key) ?? "").trim();
    if (v) q.set(key, new Date(v).toISOString());
  }
  q.set("limit", "100");
  const tbody = $("#entry-table tbody");
  try {
    const { entries } = await api<{ entries: EntryJson[] }>(`/v1/audit/entries?${q}`);
    tbody.innerHTML = entries
      .map(
        (e) =>
          `<tr data-seq="${e.seq}"><td>${e.seq}</td><td>${esc(e.type)}</td><td class="mono">${esc(e.subjectRef ?? "")}</td><td>${esc(e.actor)}</td><td>${esc(e.createdAt)}</td>` +
          `<td><button class="verify" data-seq="${e.seq}">验证证明 Verify proof</button></td></tr>`,
      )
      .join("");
  } catch (error) {
    tbody.innerHTML = `<tr><td colspan="6" class="bad">${esc((error as Error).message)}</td></tr>`;
  }
}

/** Verifies, in this browser, that entry `seq` is included under the root its anchor put on chain. */
async function verifyProof(seq: number): Promise<void> {
  const box = $("#proof");
  box.hidden = false;
  const anchor = anchors.find((a) => seq >= a.fromSeq && seq <= a.toSeq);
  if (!anchor) {
    box.innerHTML = `<p class="bad" id="proof-result">seq ${seq}: 尚未锚定 not anchored yet (load the chain first)</p>`;
    return;
  }
  try {
    const p = await api<{ entry: EntryJson; leafIndex: number; treeSize: number; proof: string[] }>(`/v1/audit/proof?seq=${seq}&fromSeq=${anchor.fromSeq}&toSeq=${anchor.toSeq}`);
    // Everything below is recomputed here; the API's numbers are only inputs.
    const entry = JSON.parse(p.entry.canonical) as { seq: number; type: string; actor: string; createdAt: string; payload: unknown };
    const hash = nobleHasher.entry(fromHex(p.entry.prevHash), p.entry.canonical);
    const hashOk = toHex(hash) === p.entry.hash.toLowerCase() && entry.seq === seq;
    const index = seq - anchor.fromSeq;
    const size = anchor.toSeq - anchor.fromSeq + 1;
    const included = hashOk && verifyInclusion(index, size, leafHash(hash), p.proof.map(fromHex), fromHex(anchor.root));
    box.innerHTML =
      `<p id="proof-result" class="${included ? "ok" : "bad"}">${
        included
          ? `✔ 已验证 Verified: seq ${seq} is leaf ${index} of ${size} under the root of anchor #${anchor.index} read from the chain`
          : `✘ 验证失败 NOT verified: seq ${seq} ${hashOk ? "is not included under" : "does not hash to the hash served for it, so it cannot match"} the root of anchor #${anchor.index}`
      }</p>` +
      `<p>anchor #${anchor.index} · root <span class="mono">${anchor.root}</span> · tx <span class="mono">${anchor.txHash ?? ""}</span> · block ${anchor.blockNumber ?? ""}</p>` +
      `<p>entry hash <span class="mono">${toHex(hash)}</span></p>` +
      `<p>proof (${p.proof.length} nodes)</p><pre>${p.proof.map(esc).join("\n")}</pre>` +
      `<p>entry (the exact hashed text)</p><pre>${esc(p.entry.canonical)}</pre>`;
  } catch (error) {
    box.innerHTML = `<p class="bad" id="proof-result">${esc((error as Error).message)}</p>`;
  }
}

// ---- wiring ------------------------------------------------------------------------

settingsForm.addEventListener("submit", (e) => {
  e.preventDefault();
  localStorage.setItem("onecode-audit-settings", JSON.stringify({ ...settings(), token: undefined }));
  void loadChain();
});
$<HTMLFormElement>("#search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  void search();
});
$("#entry-table").addEventListener("click", (e) => {
  const button = (e.target as HTMLElement).closest("button.verify") as HTMLButtonElement | null;
  if (button) void verifyProof(Number(button.dataset.seq));
});
$("#load-latest").addEventListener("click", () => void loadLatest());
$("#run-audit").addEventListener("click", () => void runAudit());
$("#export-report").addEventListener("click", exportReport);

async function init(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(localStorage.getItem("onecode-audit-settings") ?? "{}") as Partial<Settings>;
  for (const key of ["api", "token", "rpc", "ledger", "registry", "fromBlock"] as const) setField(key, params.get(key) ?? saved[key]);
  if (settings().token) {
    // The API's suggestion fills only what the auditor has not set.
    try {
      const config = await api<{ rpcUrl: string | null; codeRegistry: string | null; creditLedger: string | null; fromBlock: number }>("/v1/audit/config");
      setField("rpc", config.rpcUrl);
      setField("ledger", config.creditLedger);
      setField("registry", config.codeRegistry);
      setField("fromBlock", config.fromBlock);
    } catch {
      /* the auditor fills them in */
    }
    if (settings().rpc && settings().ledger) await loadChain();
    await loadLatest();
  }
  document.body.dataset.ready = "true";
}
void init();
