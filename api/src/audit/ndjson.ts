// The auditors' export format (GET /v1/ledger/export, `npm run audit -- --entries FILE`):
// one JSON object per line,
//   {"hash":"<64 hex>","prevHash":"<64 hex>","entry":<canonical entry>}
// where <canonical entry> is, byte for byte, the text the entry hash covers
// (api/src/ledger/entry.ts). The auditor hashes that slice of the line as it is, so a
// line is never re-serialised; a line laid out differently (re-indented by some tool)
// still parses, and its entry is then re-canonicalised from its fields.
import { canonicalEntry, canonicalJson } from "../ledger/entry.ts";
import type { AuditEntry } from "./auditor.ts";
import { hex, unhex } from "./hashing.ts";

export interface ExportRow {
  seq: number;
  type: string;
  /** Canonical JSON text of the payload, as stored. */
  payload: string;
  subjectRef: string | null;
  actor: string;
  createdAt: string;
  prevHash: Uint8Array;
  hash: Uint8Array;
}

const HASH_AT = '{"hash":"'.length;
const PREV_AT = HASH_AT + 64 + '","prevHash":"'.length;
const ENTRY_AT = PREV_AT + 64 + '","entry":'.length;

export function exportLine(row: ExportRow): string {
  return `{"hash":"${hex(row.hash)}","prevHash":"${hex(row.prevHash)}","entry":${canonicalEntry(row)}}`;
}

interface ParsedLine {
  hash: string;
  prevHash: string;
  entry: { seq: number; type: string; payload: unknown; subjectRef: string | null; actor: string; createdAt: string };
}

/** One export line as an audit entry; throws on a line that is not one. */
export function parseExportLine(line: string): AuditEntry {
  const fixed =
    line.startsWith('{"hash":"') &&
    line.startsWith('","prevHash":"', HASH_AT + 64) &&
    line.startsWith('","entry":{', PREV_AT + 64) &&
    line.endsWith("}}");
  if (fixed) {
    const canonical = line.slice(ENTRY_AT, -1);
    const e = JSON.parse(canonical) as ParsedLine["entry"];
    checkFields(e);
    return {
      seq: e.seq,
      type: e.type,
      subjectRef: e.subjectRef,
      actor: e.actor,
      createdAt: e.createdAt,
      hash: unhex(line.slice(HASH_AT, HASH_AT + 64)),
      prevHash: unhex(line.slice(PREV_AT, PREV_AT + 64)),
      canonical,
    };
  }
  const obj = JSON.parse(line) as ParsedLine;
  if (!obj || typeof obj !== "object" || typeof obj.hash !== "string" || typeof obj.prevHash !== "string") throw new TypeError("not an export line");
  const e = obj.entry;
  checkFields(e);
  return {
    seq: e.seq,
    type: e.type,
    subjectRef: e.subjectRef,
    actor: e.actor,
    createdAt: e.createdAt,
    hash: unhex(obj.hash),
    prevHash: unhex(obj.prevHash),
    canonical: canonicalEntry({ ...e, payload: canonicalJson(e.payload) }),
  };
}

function checkFields(e: ParsedLine["entry"] | undefined): void {
  if (
    !e ||
    typeof e !== "object" ||
    !Number.isSafeInteger(e.seq) ||
    typeof e.type !== "string" ||
    typeof e.actor !== "string" ||
    typeof e.createdAt !== "string" ||
    (e.subjectRef !== null && typeof e.subjectRef !== "string")
  ) {
    throw new TypeError("export line has no valid entry");
  }
}

/** Splits a byte or text stream into lines (UTF-8). */
export async function* lines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of chunks) {
    rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf("\n");
    let start = 0;
    while (nl >= 0) {
      const line = rest.slice(start, nl);
      if (line.trim().length > 0) yield line;
      start = nl + 1;
      nl = rest.indexOf("\n", start);
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.trim().length > 0) yield rest;
}

/** Audit entries from a stream of export lines; `lineNo` errors name the line. */
export async function* entriesFromNdjson(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<AuditEntry> {
  let no = 0;
  for await (const line of lines(chunks)) {
    no += 1;
    try {
      yield parseExportLine(line);
    } catch (error) {
      throw new Error(`line ${no}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}
