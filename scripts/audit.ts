// `npm run audit -- --rpc URL (--deployment FILE | --ledger ADDR [--registry ADDR] [--from-block N])
//                  (--api URL --token T | --entries FILE.ndjson [--codes FILE.ndjson]) [--json]
//                  [--max-anchor-delay 10m] [--publish] [--now ISO] [--no-codes] [--progress]
//                  [--ledger-keys FILE|URL | --no-signatures] [--decisions FILE | --no-decisions]`
// An independent audit: reads the anchors and the code registry from the chain, the
// codes table and the entries from the API's exports (GET /v1/audit/codes, GET
// /v1/ledger/export) or from files, and re-derives everything (protocol/audit/auditor.ts).
// Read in that order (chain, codes, entries), each source is at least as new as the one
// before: the chain lags the database, and the entries cover the codes' snapshot.
// When exporting to files, export the codes before the entries for the same reason.
// --no-codes checks neither the code registry nor the codes table.
// The ledger signatures are verified under the published ledger keys: --ledger-keys (a file or
// URL holding GET /v1/ledger/keys; pin it for an API you do not trust), by default the API's
// own /v1/ledger/keys with --api; with --entries and no keys they are not checked.
// The repair decisions (every officer's decision the database reports, GET /v1/audit/decisions)
// are compared with the CreditLedger's RepairDecided / RepairApprovalProposed events and record
// states (protocol/audit/decisions.ts): over --api by default, from a file with --decisions.
// Writes still queued in the outbox are not findings (a live system lags the chain).
// Exit 0 clean, 1 findings, 2 usage or I/O error.
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { auditLedger, type AuditCodeRow, type AuditEntry, type AuditReport, type CodeSnapshot } from "../protocol/audit/auditor.ts";
import { addCodeStates, httpRpc, readChainView } from "../protocol/audit/chain-reader.ts";
import { codesFromNdjson, entriesFromNdjson } from "../protocol/audit/ndjson.ts";
import { ledgerSignatureVerifier, type LedgerPublicKey, type LedgerSignatureVerifier } from "../protocol/audit/ledger-signatures.ts";
import { checkDecisions, readDecisionView, type DbApplicationDecision, type DecisionFinding } from "../protocol/audit/decisions.ts";
import { nodeHasher } from "./lib/node-hasher.ts";

const USAGE = `usage: npm run audit -- --rpc URL (--deployment FILE | --ledger ADDR [--registry ADDR] [--from-block N])
                        (--api URL --token TOKEN | --entries FILE.ndjson [--codes FILE.ndjson])
                        [--json] [--max-anchor-delay 10m] [--publish] [--now ISO] [--no-codes] [--progress]
                        [--ledger-keys FILE|URL | --no-signatures] [--decisions FILE | --no-decisions]`;

class UsageError extends Error {}

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: ${text} (e.g. 90s, 10m, 2h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "s") as "ms"];
  return Number(m[1]) * unit;
}

function progressBar(total: number | null, enabled: boolean) {
  const started = Date.now();
  let last = 0;
  return {
    update(n: number, force = false) {
      if (!enabled) return;
      const now = Date.now();
      if (!force && now - last < 200) return;
      last = now;
      const rate = n / Math.max(0.001, (now - started) / 1000);
      const width = 30;
      const frac = total ? Math.min(1, n / total) : 0;
      const bar = total ? `[${"#".repeat(Math.round(frac * width)).padEnd(width, ".")}] ` : "";
      process.stderr.write(`\r${bar}${n.toLocaleString("en")}${total ? ` / ${total.toLocaleString("en")}` : ""} entries  ${Math.round(rate).toLocaleString("en")}/s   `);
    },
    done() {
      if (enabled) process.stderr.write("\n");
    },
  };
}

export interface DecisionAudit {
  applications: number;
  findings: DecisionFinding[];
}

export function formatReport(report: AuditReport, decisions?: DecisionAudit): string {
  const lines: string[] = [];
  const count = report.findings.length + (decisions?.findings.length ?? 0);
  lines.push(`OneCode ledger audit — ${count === 0 ? "CLEAN" : `${count} FINDING(S)`}`);
  lines.push(`  entries        ${report.entries.toLocaleString("en")} (last seq ${report.lastSeq})`);
  lines.push(`  anchors        ${report.anchors.length} (through seq ${report.anchoredThrough}; ${report.anchors.filter((a) => !a.ok).length} not reproduced)`);
  lines.push(`  unanchored     ${report.unanchored}`);
  lines.push(`  chain head     ${report.chain.head} (recomputed ${report.chain.headRecomputed})`);
  lines.push(`  code registry  ${report.codes.checked ? `${report.codes.chainEvents} events vs ${report.codes.entries} code entries` : "not checked"}`);
  lines.push(`  codes table    ${report.codes.rows !== undefined ? `${report.codes.rows} rows (as of seq ${report.codes.rowsAsOfSeq})` : "not checked"}`);
  lines.push(
    `  signatures     ${report.signatures.checked ? `${report.signatures.signed} verified, entries covered through seq ${report.signatures.coveredThrough}` : `not checked (${report.signatures.signed} present)`}`,
  );
  lines.push(`  decisions      ${decisions ? `${decisions.applications} applications compared with the chain` : "not checked"}`);
  lines.push(`  time           ${report.seconds.toFixed(2)} s`);
  if (report.findings.length > 0) {
    lines.push("");
    lines.push("  SEQ        KIND                        ANCHOR  DETAIL");
    for (const f of report.findings) {
      lines.push(
        `  ${String(f.seq ?? "-").padEnd(10)} ${f.kind.padEnd(27)} ${String(f.anchorIndex !== undefined ? `#${f.anchorIndex}` : "-").padEnd(7)} ${f.detail}${f.txHash ? ` (tx ${f.txHash})` : ""}`,
      );
    }
  }
  if (decisions && decisions.findings.length > 0) {
    lines.push("");
    lines.push("  LEDGER SEQ KIND                        APPLICATION                          DETAIL");
    for (const f of decisions.findings) {
      lines.push(
        `  ${String(f.ledgerSeq ?? "-").padEnd(10)} ${f.kind.padEnd(27)} ${(f.application ?? f.applicationId).padEnd(36)} record ${f.recordId}: ${f.detail}${f.txHash ? ` (tx ${f.txHash})` : ""}`,
      );
    }
  }
  return lines.join("\n");
}

/** The database's repair decisions (the JSON of GET /v1/audit/decisions) from the API or a file. */
async function decisionsFrom(source: { api: string; token: string } | { file: string }): Promise<DbApplicationDecision[]> {
  const text =
    "file" in source
      ? await readFile(source.file, "utf8")
      : await fetch(new URL("/v1/audit/decisions", source.api), { headers: { authorization: `Bearer ${source.token}` } }).then(async (r) => {
          if (!r.ok) throw new Error(`GET /v1/audit/decisions: HTTP ${r.status} ${await r.text().catch(() => "")}`);
          return r.text();
        });
  const body = JSON.parse(text) as { applications?: unknown };
  if (!Array.isArray(body.applications)) throw new Error("the decisions hold no applications list (GET /v1/audit/decisions)");
  return body.applications as DbApplicationDecision[];
}

async function codesFromApi(api: string, token: string): Promise<CodeSnapshot & { rows: AuditCodeRow[] }> {
  const response = await fetch(new URL("/v1/audit/codes", api), { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok || !response.body) throw new Error(`GET /v1/audit/codes: HTTP ${response.status} ${await response.text().catch(() => "")}`);
  return codesFromNdjson(response.body as unknown as AsyncIterable<Uint8Array>);
}

/** The published ledger keys (the JSON of GET /v1/ledger/keys) from a file or a URL. */
async function ledgerKeysFrom(source: string): Promise<LedgerSignatureVerifier> {
  const text = /^https?:\/\//.test(source)
    ? await fetch(source).then(async (r) => {
        if (!r.ok) throw new Error(`GET ${source}: HTTP ${r.status}`);
        return r.text();
      })
    : await readFile(source, "utf8");
  const body = JSON.parse(text) as { keys?: { kid?: unknown; x?: unknown; crv?: unknown }[] };
  const keys: LedgerPublicKey[] = (body.keys ?? []).filter((k) => k.crv === "Ed25519" && typeof k.kid === "string" && typeof k.x === "string") as LedgerPublicKey[];
  if (keys.length === 0) throw new Error(`${source} holds no Ed25519 ledger key`);
  return ledgerSignatureVerifier(keys);
}

async function* fromApi(api: string, token: string): AsyncGenerator<AuditEntry> {
  const response = await fetch(new URL("/v1/ledger/export", api), { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok || !response.body) throw new Error(`GET /v1/ledger/export: HTTP ${response.status} ${await response.text().catch(() => "")}`);
  yield* entriesFromNdjson(response.body as unknown as AsyncIterable<Uint8Array>);
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rpc: { type: "string" },
        deployment: { type: "string" },
        ledger: { type: "string" },
        registry: { type: "string" },
        "from-block": { type: "string" },
        api: { type: "string" },
        token: { type: "string" },
        entries: { type: "string" },
        codes: { type: "string" },
        json: { type: "boolean", default: false },
        "max-anchor-delay": { type: "string", default: "10m" },
        publish: { type: "boolean", default: false },
        now: { type: "string" },
        "no-codes": { type: "boolean", default: false },
        progress: { type: "boolean" },
        "ledger-keys": { type: "string" },
        "no-signatures": { type: "boolean", default: false },
        decisions: { type: "string" },
        "no-decisions": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.rpc) throw new UsageError("--rpc is required");
    if (!values.deployment && !values.ledger) throw new UsageError("--deployment or --ledger is required");
    if (!values.entries === !values.api) throw new UsageError("give exactly one of --api and --entries");
    if (values.api && !values.token) throw new UsageError("--api needs --token (an auditor token)");
    if (values.codes && !values.entries) throw new UsageError("--codes goes with --entries (over --api the codes are fetched)");
    if (values.codes && values["no-codes"]) throw new UsageError("--codes and --no-codes contradict each other");
    if (values.publish && !values.api) throw new UsageError("--publish needs --api");
    if (values["ledger-keys"] && values["no-signatures"]) throw new UsageError("--ledger-keys and --no-signatures contradict each other");
    if (values.decisions && values["no-decisions"]) throw new UsageError("--decisions and --no-decisions contradict each other");
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  try {
    const maxAnchorDelayMs = parseDuration(values["max-anchor-delay"]!);
    const now = values.now ? new Date(values.now) : new Date();
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not a time: ${values.now}`);
    let addresses: { creditLedger: string; codeRegistry?: string; fromBlock: number };
    if (values.deployment) {
      const d = JSON.parse(await readFile(values.deployment, "utf8")) as { creditLedger?: { address: string }; codeRegistry?: { address: string }; deployedAt?: number };
      if (!d.creditLedger?.address) throw new Error(`${values.deployment} is not a OneCode deployment`);
      addresses = { creditLedger: d.creditLedger.address, codeRegistry: d.codeRegistry?.address, fromBlock: d.deployedAt ?? 0 };
    } else {
      addresses = { creditLedger: values.ledger!, codeRegistry: values.registry, fromBlock: Number(values["from-block"] ?? 0) };
    }
    const rpc = httpRpc(values.rpc!);
    const chain = await readChainView(rpc, addresses, { codes: !values["no-codes"] && addresses.codeRegistry !== undefined });
    let codes: Awaited<ReturnType<typeof codesFromApi>> | undefined;
    if (values.codes) codes = await codesFromNdjson(createReadStream(values.codes));
    else if (values.api && !values["no-codes"]) codes = await codesFromApi(values.api, values.token!);
    // codeOf also for the subjects the rows name (a tampered row may name one no event does).
    if (codes && addresses.codeRegistry) await addCodeStates(rpc, chain, addresses.codeRegistry, codes.rows.map((r) => r.subject));
    const keySource = values["no-signatures"] ? undefined : (values["ledger-keys"] ?? (values.api ? new URL("/v1/ledger/keys", values.api).toString() : undefined));
    const signatures = keySource ? await ledgerKeysFrom(keySource) : undefined;
    const entries = values.entries ? entriesFromNdjson(createReadStream(values.entries)) : fromApi(values.api!, values.token!);
    const bar = progressBar(chain.nextSeq > 1 ? chain.nextSeq - 1 : null, values.progress ?? (process.stderr.isTTY === true && !values.json));
    const report = await auditLedger(entries, chain, { now, maxAnchorDelayMs, hasher: nodeHasher, onProgress: (n) => bar.update(n), codes, signatures });
    bar.update(report.entries, true);
    bar.done();
    const out = { ...report, block: chain.block, rpc: values.rpc, creditLedger: addresses.creditLedger, codeRegistry: addresses.codeRegistry ?? null };
    // After the ledger: the decisions the database reports are at least as new as its entries.
    let decisions: DecisionAudit | undefined;
    const decisionSource = values["no-decisions"] ? undefined : values.decisions ? { file: values.decisions } : values.api ? { api: values.api, token: values.token! } : undefined;
    if (decisionSource) {
      const applications = await decisionsFrom(decisionSource);
      const view = await readDecisionView(rpc, addresses.creditLedger, applications.flatMap((a) => a.records.map((r) => r.recordId)), { fromBlock: addresses.fromBlock });
      decisions = { applications: applications.length, findings: checkDecisions(applications, view) };
    }
    const ok = report.ok && (decisions?.findings.length ?? 0) === 0;
    const published = { ...out, ok, decisions: decisions ?? null };
    if (values.publish) {
      const response = await fetch(new URL("/v1/audit/reports", values.api), {
        method: "POST",
        headers: { authorization: `Bearer ${values.token}`, "content-type": "application/json" },
        body: JSON.stringify(published),
      });
      if (!response.ok) throw new Error(`POST /v1/audit/reports: HTTP ${response.status}`);
    }
    console.log(values.json ? JSON.stringify(published) : formatReport(report, decisions));
    return ok ? 0 : 1;
  } catch (error) {
    console.error(`audit failed: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
