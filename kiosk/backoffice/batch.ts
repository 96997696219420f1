// The credit agency's batch upload: a file of records, NDJSON (one JSON object a line) or CSV
// (a header row, then one record a line; RFC 4180 quoting). Lines may name the enterprise by
// its USCC instead of its id: the page finds each USCC once. Lines go to POST /v1/records:batch
// in chunks of 500 with a progress bar; the report says, line by line of the file, what was
// published, which were published before (a re-upload publishes nothing twice) and why the
// other lines were refused, and can be saved as CSV.
import { h } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { post } from "./api.ts";
import { findSubjects } from "./lookup.ts";
import { busy, card, chip, notice, table, word } from "./ui.ts";

export const CHUNK = 500;

export interface LineResult {
  line: number;
  status: number;
  code?: string;
  detail?: string;
  id?: string;
}

interface Parsed {
  line: number;
  value?: Record<string, unknown>;
  error?: { code: string; detail: string };
}

/** RFC 4180 rows: commas, quotes ("" inside quotes), line breaks inside quotes; with the line each row starts on. */
export function csvRows(text: string): Array<{ line: number; cells: string[] }> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      if (cells.some((x) => x !== "")) rows.push({ line: start, cells });
      cells = [];
      cell = "";
      line++;
      start = line;
    } else cell += c;
  }
  cells.push(cell);
  if (cells.some((x) => x !== "")) rows.push({ line: start, cells });
  return rows;
}

const CSV_FIELDS = ["subjectId", "uscc", "kind", "severity", "sector", "decidingUnit", "decisionNo", "decisionDate", "legalBasis", "penaltyType", "fineAmount", "fineText", "orderText", "correctionRequired", "repairable", "notRepairableBasis"];

function recordOfCsv(header: string[], cells: string[]): Record<string, unknown> {
  const get = (name: string) => (cells[header.indexOf(name)] ?? "").trim();
  const bool = (name: string, fallback: boolean) => (get(name) === "" ? fallback : ["1", "true", "yes", "是"].includes(get(name).toLowerCase()));
  const obligations = [];
  if (get("fineAmount")) obligations.push({ type: "fine", amount: Number(get("fineAmount")), description: get("fineText") || "罚款" });
  if (get("orderText")) obligations.push({ type: "order", description: get("orderText") });
  const record: Record<string, unknown> = {
    kind: get("kind"),
    severity: get("severity"),
    decidingUnit: get("decidingUnit"),
    decisionNo: get("decisionNo"),
    decisionDate: get("decisionDate"),
    legalBasis: get("legalBasis"),
    penalties: [{ type: get("penaltyType") || get("kind"), severity: get("severity") }],
    obligations,
    correctionRequired: bool("correctionRequired", false),
    repairable: bool("repairable", true),
  };
  if (get("subjectId")) record.subjectId = get("subjectId");
  if (get("uscc")) record.uscc = get("uscc");
  if (get("sector")) record.sector = get("sector");
  if (get("notRepairableBasis")) record.notRepairableBasis = get("notRepairableBasis");
  return record;
}

/** The file's records, line by line; a line that cannot be read carries its error. */
export function parseBatch(name: string, text: string): Parsed[] {
  const csv = /\.csv$/i.test(name) || (!text.trimStart().startsWith("{") && text.includes(","));
  if (!csv) {
    return text.split(/\r?\n/).flatMap((raw, i): Parsed[] => {
      if (raw.trim() === "") return [];
      try {
        const value = JSON.parse(raw) as unknown;
        if (!value || typeof value !== "object" || Array.isArray(value)) return [{ line: i + 1, error: { code: "not_an_object", detail: "not a JSON object" } }];
        return [{ line: i + 1, value: value as Record<string, unknown> }];
      } catch {
        return [{ line: i + 1, error: { code: "malformed_json", detail: "malformed JSON" } }];
      }
    });
  }
  const rows = csvRows(text.replace(/^\uFEFF/, ""));
  const header = rows.shift()?.cells.map((c) => c.trim()) ?? [];
  const unknown = header.filter((c) => !CSV_FIELDS.includes(c));
  if (unknown.length) return [{ line: 1, error: { code: "csv_header", detail: `unknown columns: ${unknown.join(", ")}` } }];
  return rows.map((r) => (r.cells.length > header.length ? { line: r.line, error: { code: "csv_columns", detail: `${r.cells.length} cells for ${header.length} columns` } } : { line: r.line, value: recordOfCsv(header, r.cells) }));
}

/** Replaces each line's `uscc` by the enterprise's id (one look-up per USCC). */
async function resolveUsccs(lines: Parsed[]): Promise<void> {
  const usccs = [...new Set(lines.map((l) => l.value?.uscc).filter((u): u is string => typeof u === "string" && u !== ""))];
  const ids = new Map<string, string | null>();
  for (let i = 0; i < usccs.length; i += 4) {
    await Promise.all(
      usccs.slice(i, i + 4).map(async (u) => {
        const found = await findSubjects(u).catch(() => ({ by: "uscc", items: [] }));
        ids.set(u, found.by === "uscc" && found.items[0]?.kind === "enterprise" ? found.items[0].id : null);
      }),
    );
  }
  for (const l of lines) {
    if (!l.value || typeof l.value.uscc !== "string") continue;
    const id = ids.get(l.value.uscc);
    if (!id) l.error = { code: "unknown_uscc", detail: `no enrolled enterprise with USCC ${l.value.uscc}` };
    else {
      const { uscc: _uscc, ...rest } = l.value;
      l.value = { ...rest, subjectId: id };
    }
  }
}

export async function uploadBatch(lines: Parsed[], progress: (done: number, total: number) => void): Promise<LineResult[]> {
  await resolveUsccs(lines);
  const results: LineResult[] = lines.filter((l) => l.error).map((l) => ({ line: l.line, status: 400, code: l.error!.code, detail: l.error!.detail }));
  const sendable = lines.filter((l) => !l.error);
  let done = results.length;
  progress(done, lines.length);
  for (let i = 0; i < sendable.length; i += CHUNK) {
    const chunk = sendable.slice(i, i + CHUNK);
    const answer = await post<{ results: Array<LineResult & { recordStatus?: string }> }>("/v1/records:batch", chunk.map((l) => l.value));
    for (const r of answer.results) results.push({ ...r, line: chunk[r.line - 1]!.line });
    done += chunk.length;
    progress(done, lines.length);
  }
  return results.sort((a, b) => a.line - b.line);
}

function reportCsv(results: LineResult[]): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return ["line,status,code,detail,recordId", ...results.map((r) => [r.line, r.status, r.code ?? "", q(r.detail ?? ""), r.id ?? ""].join(","))].join("\n");
}

export function batchCard(): HTMLElement {
  const file = h("input", { type: "file", accept: ".ndjson,.jsonl,.json,.csv,text/csv", id: "batch-file", class: "input" });
  const out = h("div", { class: "out", id: "batch-out" });
  const bar = h("div", { class: "bar" });
  const progress = h("div", { class: "progress", id: "batch-progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, bar);
  const progressText = h("p", { class: "hint", id: "batch-progress-text" });
  const report = h("div", { id: "batch-report" });
  const start = h("button", { type: "button", class: "btn primary", id: "batch-upload" }, t("backoffice.batch.upload"));
  start.addEventListener("click", () => {
    const chosen = file.files?.[0];
    if (!chosen) return out.replaceChildren(notice(t("backoffice.batch.pickFile"), "error"));
    void busy(start, out, async () => {
      report.replaceChildren();
      const lines = parseBatch(chosen.name, await chosen.text());
      const results = await uploadBatch(lines, (done, total) => {
        const pct = total === 0 ? 100 : Math.round((done / total) * 100);
        bar.style.width = `${pct}%`;
        progress.setAttribute("aria-valuenow", String(pct));
        progressText.textContent = t("backoffice.batch.progress", { done, total });
      });
      // 201: published now; 200: the same record was published before (a re-upload publishes nothing twice).
      const accepted = results.filter((r) => r.status === 201);
      const already = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status !== 201 && r.status !== 200);
      const download = h("a", { class: "btn secondary", download: "batch-report.csv", href: URL.createObjectURL(new Blob([reportCsv(results)], { type: "text/csv" })), id: "batch-download" }, t("backoffice.batch.download"));
      const acceptedList = h("details", { id: "batch-accepted" }, h("summary", {}, t("backoffice.batch.showAccepted", { n: accepted.length })), table([t("backoffice.col.line"), t("backoffice.col.record")], accepted.slice(0, 200).map((r) => [String(r.line), h("code", {}, r.id ?? "")])), accepted.length > 200 ? h("p", { class: "hint" }, t("backoffice.batch.firstOnly", { n: 200 })) : null);
      report.replaceChildren(
        h("p", { id: "batch-summary", class: "summary" }, chip(t("backoffice.batch.accepted", { n: accepted.length }), "ok"), " ", chip(t("backoffice.batch.already", { n: already.length }), "muted", { id: "batch-already" }), " ", chip(t("backoffice.batch.refused", { n: refused.length }), refused.length ? "no" : "ok"), " ", download),
        ...(refused.length === 0
          ? []
          : [
              table(
              [t("backoffice.col.line"), t("backoffice.col.code"), t("backoffice.col.reason")],
              refused.map((r) => [String(r.line), h("code", {}, r.code ?? String(r.status)), word("backoffice.batchError", r.code) === r.code ? (r.detail ?? "") : `${word("backoffice.batchError", r.code)} — ${r.detail ?? ""}`]),
              { id: "batch-refused" },
              ),
            ]),
        acceptedList,
      );
    });
  });
  return card(
    t("backoffice.batch.title"),
    h("p", {}, t("backoffice.batch.lead")),
    h("details", {}, h("summary", {}, t("backoffice.batch.formats")), h("p", { class: "hint" }, t("backoffice.batch.csvColumns")), h("pre", { class: "mono" }, CSV_FIELDS.filter((f) => f !== "subjectId").join(","))),
    h("div", { class: "inline-form" }, file, start),
    progress,
    progressText,
    out,
    report,
  );
}
