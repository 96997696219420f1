// The audit result: the latest report the API published, or an audit run here in the
// browser (the chain read by the browser, the entries and codes streamed from the API and
// checked by the audit core of protocol/audit/), its findings, and their export as JSON.
// A browser audit verifies the ledger signatures too, under the keys the API publishes
// (GET /v1/ledger/keys, as `npm run audit -- --api` does): an entry a database intruder wrote
// carries none of them. The key ids are shown, to compare with a copy published elsewhere.
// The repair decisions the database reports (GET /v1/audit/decisions) are compared with the
// chain's too (protocol/audit/decisions.ts), as `npm run audit` does; their findings join the table.
import { auditLedger, type Finding } from "../../protocol/audit/auditor.ts";
import { addCodeStates, httpRpc, readChainView } from "../../protocol/audit/chain-reader.ts";
import { ledgerSignatureVerifier, type LedgerPublicKey } from "../../protocol/audit/ledger-signatures.ts";
import { codesFromNdjson, entriesFromNdjson } from "../../protocol/audit/ndjson.ts";
import { checkDecisions, readDecisionView, type DbApplicationDecision, type DecisionFinding } from "../../protocol/audit/decisions.ts";
import { nobleHasher } from "../../protocol/ledger/merkle.ts";
import { lookup, t } from "../i18n/index.ts";
import { h } from "../lib/dom.ts";
import { renderAnchors } from "./chain.ts";
import { apiGet, apiStream, settings } from "./settings.ts";
import { $, bad, errorText, mono, ok, short, td, view, type Report } from "./view.ts";

export async function loadLatest(): Promise<void> {
  try {
    view.report = { report: await apiGet<Report>("/v1/audit/latest"), source: "published" };
    view.reportStatus = null;
  } catch (error) {
    view.reportStatus = { state: "failed", message: errorText(error) };
  }
  renderReport();
}

export async function runAudit(): Promise<void> {
  const s = settings();
  view.reportStatus = { state: "working" };
  renderReport();
  try {
    const rpc = httpRpc(s.rpc);
    const chain = await readChainView(rpc, { creditLedger: s.ledger, codeRegistry: s.registry || undefined, fromBlock: s.fromBlock }, { codes: Boolean(s.registry) });
    view.anchors = chain.anchors;
    // The codes table after the chain and before the entries (see scripts/audit.ts).
    const codes = await codesFromNdjson(await apiStream("/v1/audit/codes", "codes"));
    if (s.registry) await addCodeStates(rpc, chain, s.registry, codes.rows.map((r) => r.subject));
    const keys = await ledgerKeys();
    const entries = entriesFromNdjson(await apiStream("/v1/ledger/export", "export"));
    const result = await auditLedger(entries, chain, {
      hasher: nobleHasher,
      codes,
      signatures: ledgerSignatureVerifier(keys),
      onProgress: (n) => {
        view.reportStatus = { state: "working", progress: n };
        renderReport();
      },
    });
    // After the entries: the decisions the database reports are at least as new (scripts/audit.ts).
    const { applications } = await apiGet<{ applications: DbApplicationDecision[] }>("/v1/audit/decisions");
    const decisionView = await readDecisionView(rpc, s.ledger, applications.flatMap((a) => a.records.map((r) => r.recordId)), { fromBlock: s.fromBlock });
    const decisions = { applications: applications.length, findings: checkDecisions(applications, decisionView) };
    const report: Report = {
      ...result,
      ok: result.ok && decisions.findings.length === 0,
      decisions,
      block: chain.block,
      rpc: s.rpc,
      creditLedger: s.ledger,
      codeRegistry: s.registry,
      ledgerKeys: keys.map((k) => k.kid),
    };
    view.report = { report, source: "browser" };
    view.reportStatus = null;
  } catch (error) {
    view.reportStatus = { state: "failed", message: errorText(error) };
  }
  renderReport();
}

/** The published ledger public keys (a JWK set); without them the audit cannot tell the API's entries from an intruder's, so it does not run. */
async function ledgerKeys(): Promise<LedgerPublicKey[]> {
  const set = await apiGet<{ keys?: Array<{ kid?: unknown; x?: unknown }> }>("/v1/ledger/keys");
  const keys = (set.keys ?? []).filter((k): k is LedgerPublicKey => typeof k.kid === "string" && typeof k.x === "string").map((k) => ({ kid: k.kid, x: k.x }));
  if (keys.length === 0) throw new Error(t("audit.signatures.noKeys"));
  return keys;
}

/** The signatures line of a report: what was verified, or that a (published) report did not. */
function signaturesLine(report: Report): string {
  const s = report.signatures as Report["signatures"] | undefined;
  if (!s) return t("audit.signatures.absent");
  if (!s.checked) return t("audit.signatures.notChecked", { signed: s.signed });
  let line = t("audit.signatures.checked", { signed: s.signed, covered: s.coveredThrough });
  if (s.startedAt !== null && s.startedAt > 1) line += t("audit.signatures.startedAt", { seq: s.startedAt });
  const kids = Array.isArray(report.ledgerKeys) ? (report.ledgerKeys as unknown[]).filter((k): k is string => typeof k === "string") : [];
  if (kids.length > 0) line += t("audit.signatures.keys", { kids: kids.join(", ") });
  return line;
}

export function renderReport(): void {
  const status = $("#audit-status");
  const next = view.reportStatus;
  if (next?.state === "working") status.replaceChildren(next.progress === undefined ? t("audit.auditing") : t("audit.auditingProgress", { n: next.progress }));
  else if (next?.state === "failed") status.replaceChildren(bad(next.message));
  if (!view.report) return;
  const { report, source } = view.report;
  const when = (report.publishedAt as string | undefined) ?? report.startedAt;
  const summary = t("audit.reportSummary", {
    source: source === "published" ? t("audit.source.published") : t("audit.source.browser"),
    when,
    entries: report.entries,
    anchors: report.anchors?.length ?? 0,
  });
  const decisions = decisionsOf(report);
  const count = report.findings.length + (decisions?.findings.length ?? 0);
  if (!next) status.replaceChildren(`${summary} · `, report.ok && count === 0 ? ok(t("audit.clean")) : bad(t("audit.findings", { n: count })));
  $("#audit-signatures").replaceChildren(signaturesLine(report));
  $("#audit-decisions").replaceChildren(decisions ? t("audit.decisions.checked", { n: decisions.applications }) : t("audit.decisions.absent"));
  $("#findings tbody").replaceChildren(...report.findings.map(findingRow), ...(decisions?.findings ?? []).map(decisionRow));
  $("#export-report").removeAttribute("disabled");
  renderAnchors(); // the delays of the report join the chart
}

function findingRow(f: Finding): HTMLElement {
  return h(
    "tr",
    {},
    td(f.seq ?? "–"),
    td(kindCell(f.kind)),
    td(f.anchorIndex !== undefined ? `#${f.anchorIndex}` : ""),
    h("td", {}, f.detail, f.txHash ? " " : null, f.txHash ? mono(`(tx ${short(f.txHash)})`) : null),
  );
}

/** The decisions part of a report (null or absent: not checked, e.g. a report published before it existed). */
function decisionsOf(report: Report): { applications: number; findings: DecisionFinding[] } | null {
  const d = report.decisions as { applications?: unknown; findings?: unknown } | null | undefined;
  return d && typeof d.applications === "number" && Array.isArray(d.findings) ? { applications: d.applications, findings: d.findings as DecisionFinding[] } : null;
}

function decisionRow(f: DecisionFinding): HTMLElement {
  const where = t("audit.decisions.where", { application: f.application ?? short(f.applicationId), record: short(f.recordId) });
  return h("tr", {}, td(f.ledgerSeq ?? "–"), td(kindCell(f.kind)), td(""), h("td", {}, where, f.detail, f.txHash ? " " : null, f.txHash ? mono(`(tx ${short(f.txHash)})`) : null));
}

/** A finding's kind: its code as the audit core writes it, and its name in the page language where the dictionary has one. */
function kindCell(kind: string): HTMLElement {
  const name = lookup(`audit.kind.${kind}`);
  return h("span", { class: "kind", "data-kind": kind }, name ? `${name} ` : null, name ? mono(`(${kind})`) : kind);
}

export function exportReport(): void {
  if (!view.report) return;
  const blob = new Blob([JSON.stringify(view.report.report, null, 2)], { type: "application/json" });
  const a = h("a", { href: URL.createObjectURL(blob), download: `onecode-audit-${new Date().toISOString().replace(/[:.]/g, "-")}.json` });
  document.body.append(a);
  a.click();
  a.remove();
}
