// The auditors' export format (GET /v1/ledger/export, `npm run audit -- --entries FILE`):
// one JSON object per line,
//   {"hash":"<64 hex>","prevHash":"<64 hex>","entry":<canonical entry>}
// or, for the last entry of each append (the signed one, ./ledger-signatures.ts),
//   {"hash":"<64 hex>","prevHash":"<64 hex>","signature":"<detached JWS>","entry":<canonical entry>}
// where <canonical entry> is, byte for byte, the text the entry hash covers
// (protocol/ledger/entry.ts). The auditor hashes that slice of the line as it is, so a
// line is never re-serialised; a line laid out differently (re-indented by some tool)
// still parses, and its entry is then re-canonicalised from its fields.
//
// The codes export (GET /v1/audit/codes, `npm run audit -- --codes FILE`): a first line
//   {"asOfSeq":<ledger head seq when the rows were read>}
// then one line per row of the codes table,
//   {"codeId":"<32 hex>","subject":"<64 hex>","kind":"person"|"enterprise","status":"active"|"suspended"|"revoked","attestation":"<64 hex>"}
// (more fields, e.g. issuedAt, changedAt, replaces, are ignored). The header may be left
// out (the rows are then taken to match the last entry audited).
import { canonicalEntry, canonicalJson, type LedgerEntry } from "../ledger/entry.ts";
import type { AuditCodeRow, AuditEntry, CodeSnapshot } from "./report.ts";
import { fromHex, toHex } from "../bytes.ts";

/** One exported entry: exactly the stored entry (protocol/ledger/entry.ts) and its ledger signature, if any. */
export type ExportRow = LedgerEntry & { signature?: string | null };

const HASH_AT = '{"hash":"'.length;
const PREV_AT = HASH_AT + 64 + '","prevHash":"'.length;
const AFTER_PREV = PREV_AT + 64;
const ENTRY_KEY = '","entry":';
const SIGNATURE_KEY = '","signature":"';
// A signature is base64url and dots only: it never holds a quote.
const SIGNATURE_TEXT = /^[A-Za-z0-9_.-]+$/;

export function exportLine(row: ExportRow): string {
  const signature = row.signature ? `","signature":"${row.signature}` : "";
  return `{"hash":"${toHex(row.hash)}","prevHash":"${toHex(row.prevHash)}${signature}","entry":${canonicalEntry(row)}}`;
}

interface ParsedLine {
  hash: string;
  prevHash: string;
  signature?: unknown;
  entry: { seq: number; type: string; payload: unknown; subjectRef: string | null; actor: string; createdAt: string };
}

/** Where the entry starts in a line of the usual layout, and its signature; null when the line is laid out otherwise. */
function fixedLayout(line: string): { entryAt: number; signature: string | null } | null {
  if (!line.startsWith('{"hash":"') || !line.startsWith('","prevHash":"', HASH_AT + 64) || !line.endsWith("}}")) return null;
  if (line.startsWith(ENTRY_KEY + "{", AFTER_PREV)) return { entryAt: AFTER_PREV + ENTRY_KEY.length, signature: null };
  if (!line.startsWith(SIGNATURE_KEY, AFTER_PREV)) return null;
  const from = AFTER_PREV + SIGNATURE_KEY.length;
  const end = line.indexOf('"', from);
  if (end < 0 || !line.startsWith(ENTRY_KEY + "{", end)) return null;
  const signature = line.slice(from, end);
  return SIGNATURE_TEXT.test(signature) ? { entryAt: end + ENTRY_KEY.length, signature } : null;
}

/** One export line as an audit entry; throws on a line that is not one. */
export function parseExportLine(line: string): AuditEntry {
  const fixed = fixedLayout(line);
  if (fixed) {
    // The usual layout: the entry is already the canonical text that was hashed.
    const canonical = line.slice(fixed.entryAt, -1);
    const e = checkFields(JSON.parse(canonical) as ParsedLine["entry"]);
    return auditEntry(e, line.slice(HASH_AT, HASH_AT + 64), line.slice(PREV_AT, PREV_AT + 64), canonical, fixed.signature);
  }
  const obj = JSON.parse(line) as ParsedLine;
  if (!obj || typeof obj !== "object" || typeof obj.hash !== "string" || typeof obj.prevHash !== "string") throw new TypeError("not an export line");
  if (obj.signature !== undefined && obj.signature !== null && typeof obj.signature !== "string") throw new TypeError("signature is not a string");
  const e = checkFields(obj.entry);
  return auditEntry(e, obj.hash, obj.prevHash, canonicalEntry({ ...e, payload: canonicalJson(e.payload) }), (obj.signature as string | null | undefined) ?? null);
}

function auditEntry(e: ParsedLine["entry"], hash: string, prevHash: string, canonical: string, signature: string | null): AuditEntry {
  return {
    seq: e.seq,
    type: e.type,
    subjectRef: e.subjectRef,
    actor: e.actor,
    createdAt: e.createdAt,
    hash: fromHex(hash),
    prevHash: fromHex(prevHash),
    canonical,
    signature,
  };
}

function checkFields(e: ParsedLine["entry"] | undefined): ParsedLine["entry"] {
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
  return e;
}

/** Splits a byte or text stream into lines (UTF-8). */
export async function* lines(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<string> {
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

export interface CodeExportRow {
  codeId: string;
  /** Commitment bytes. */
  subject: Uint8Array;
  /** "unknown": the row's subject_id names no subject. */
  kind: "person" | "enterprise" | "unknown";
  status: "active" | "suspended" | "revoked";
  attestation: Uint8Array;
  replaces: string | null;
  issuedAt: string;
  changedAt: string;
}

export function codeHeaderLine(asOfSeq: number): string {
  return JSON.stringify({ asOfSeq });
}

export function codeExportLine(row: CodeExportRow): string {
  return JSON.stringify({
    codeId: row.codeId,
    subject: toHex(row.subject),
    kind: row.kind,
    status: row.status,
    attestation: toHex(row.attestation),
    replaces: row.replaces,
    issuedAt: row.issuedAt,
    changedAt: row.changedAt,
  });
}

const HEX = /^(0x)?[0-9a-fA-F]+$/;
const STATUSES = new Set(["active", "suspended", "revoked"]);

/** One code line as a code row; throws on a line that is not one. */
export function parseCodeLine(line: string): AuditCodeRow {
  const o = JSON.parse(line) as Record<string, unknown> | null;
  if (!o || typeof o !== "object") throw new TypeError("not a code row");
  const kind = o.kind === "person" || o.kind === 1 ? 1 : o.kind === "enterprise" || o.kind === 2 ? 2 : o.kind === "unknown" || o.kind === 0 ? 0 : -1;
  if (
    typeof o.codeId !== "string" ||
    !HEX.test(o.codeId) ||
    typeof o.subject !== "string" ||
    !HEX.test(o.subject) ||
    typeof o.attestation !== "string" ||
    !HEX.test(o.attestation) ||
    typeof o.status !== "string" ||
    !STATUSES.has(o.status) ||
    kind < 0
  ) {
    throw new TypeError("not a code row");
  }
  return { codeId: o.codeId, subject: o.subject, kind, status: o.status as AuditCodeRow["status"], attestation: o.attestation };
}

/** A codes export (header line optional) read whole: the rows are compared by code id. */
export async function codesFromNdjson(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): Promise<CodeSnapshot & { rows: AuditCodeRow[] }> {
  const rows: AuditCodeRow[] = [];
  let asOfSeq: number | undefined;
  let no = 0;
  for await (const line of lines(chunks)) {
    no += 1;
    try {
      if (no === 1 && line.includes('"asOfSeq"')) {
        const header = JSON.parse(line) as { asOfSeq?: unknown };
        if (!Number.isSafeInteger(header.asOfSeq) || (header.asOfSeq as number) < 0) throw new TypeError("asOfSeq is not a sequence number");
        asOfSeq = header.asOfSeq as number;
        continue;
      }
      rows.push(parseCodeLine(line));
    } catch (error) {
      throw new Error(`codes line ${no}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return { asOfSeq, rows };
}
