// The bulk import formats (one subject per line), shared by the API's import route and the
// direct mode of `npm run import`:
//   CSV header: kind,identifier,name,legal_representative   (legal_representative: the person's ID number)
//   NDJSON:     {"kind":"person","idNumber":"…","name":"…"}
//               {"kind":"enterprise","uscc":"…","name":"…","legalRepresentativeIdNumber":"…"}  (or legalRepresentativeId)
import type { BatchRow } from "../subjects/enrol-batch.ts";

export type ImportFormat = "csv" | "ndjson";

export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** The CSV header as the parser reads it (lower case, trimmed). */
export function parseCsvHeader(line: string): string[] {
  return parseCsvLine(line).map((h) => h.toLowerCase());
}

/** One line to a row, or a reason. */
export function parseLine(line: string, format: ImportFormat, header: string[] | null): BatchRow | { error: string } {
  let rec: Record<string, unknown>;
  if (format === "ndjson") {
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { error: "not valid JSON" };
    }
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) return { error: "not a JSON object" };
  } else {
    const cells = parseCsvLine(line);
    rec = Object.fromEntries((header ?? []).map((h, i) => [h, cells[i] ?? ""]));
    if (rec.kind === "person") rec.idNumber = rec.identifier;
    if (rec.kind === "enterprise") {
      rec.uscc = rec.identifier;
      rec.legalRepresentativeIdNumber = rec.legal_representative;
    }
  }
  if (rec.kind === "person") return { kind: "person", idNumber: String(rec.idNumber ?? ""), name: String(rec.name ?? "") };
  if (rec.kind === "enterprise") {
    return {
      kind: "enterprise",
      uscc: String(rec.uscc ?? ""),
      name: String(rec.name ?? ""),
      legalRepresentativeId: rec.legalRepresentativeId ? String(rec.legalRepresentativeId) : undefined,
      legalRepresentativeIdNumber: rec.legalRepresentativeIdNumber ? String(rec.legalRepresentativeIdNumber) : undefined,
    };
  }
  return { error: `kind must be person or enterprise, got ${JSON.stringify(rec.kind ?? null).slice(0, 40)}` };
}

/** A file's lines as the importer numbers them (1-based, trailing blank lines dropped). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  return lines;
}

export function formatOf(file: string): ImportFormat {
  return /\.csv$/i.test(file) ? "csv" : "ndjson";
}
