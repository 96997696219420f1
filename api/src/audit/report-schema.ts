// What POST /v1/audit/reports accepts: exactly the report `npm run audit -- --publish` sends
// (protocol/audit/report.ts and the chain fields scripts/audit.ts adds), field by field, every
// object closed (additionalProperties false), every string bounded and typed. A report is
// shown to every auditor in the console, so nothing goes in that is not one of these fields,
// and no text carries markup (< or >), whatever the console does to escape it.
import type { FindingKind } from "../../../protocol/audit/report.ts";
import type { DecisionFindingKind } from "../../../protocol/audit/decisions.ts";

const FINDING_KINDS = [
  "edited",
  "missing",
  "inserted",
  "reordered",
  "not_anchored",
  "chain_state_without_entry",
  "entry_without_chain_state",
  "broken_chain",
  "anchor_mismatch",
  "code_row_mismatch",
  "code_row_missing",
  "code_row_without_entry",
  "unsigned",
  "bad_signature",
  "signing_restarted",
] as const satisfies readonly FindingKind[];
// Every kind the audit can report is accepted (a new kind fails the type check here).
type Unlisted = Exclude<FindingKind, (typeof FINDING_KINDS)[number]>;
const everyKind: [Unlisted] extends [never] ? true : never = true;
void everyKind;

const count = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const seq = { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const text = (maxLength: number) => ({ type: "string", maxLength, pattern: "^[^<>]*$" }) as const;
const hex32 = { type: "string", pattern: "^(0x)?[0-9a-fA-F]{64}$" } as const;
const hex16 = { type: "string", pattern: "^(0x)?[0-9a-fA-F]{32}$" } as const;
const address = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" } as const;
const time = { type: "string", format: "date-time", maxLength: 40 } as const;

const finding = {
  type: "object",
  properties: {
    seq: { anyOf: [seq, { type: "null" }] },
    kind: { type: "string", enum: FINDING_KINDS },
    detail: text(2000),
    anchorIndex: seq,
    txHash: hex32,
    codeId: hex16,
  },
  required: ["seq", "kind", "detail"],
  additionalProperties: false,
} as const;

const DECISION_FINDING_KINDS = [
  "decision_not_on_chain",
  "decision_mismatch",
  "decision_not_in_database",
  "record_state_mismatch",
] as const satisfies readonly DecisionFindingKind[];
type UnlistedDecision = Exclude<DecisionFindingKind, (typeof DECISION_FINDING_KINDS)[number]>;
const everyDecisionKind: [UnlistedDecision] extends [never] ? true : never = true;
void everyDecisionKind;

const uuid = { type: "string", format: "uuid" } as const;
const decisionFinding = {
  type: "object",
  properties: {
    kind: { type: "string", enum: DECISION_FINDING_KINDS },
    application: { anyOf: [uuid, { type: "null" }] },
    applicationId: hex32,
    recordId: hex32,
    ledgerSeq: { anyOf: [seq, { type: "null" }] },
    detail: text(2000),
    txHash: hex32,
  },
  required: ["kind", "application", "applicationId", "recordId", "ledgerSeq", "detail"],
  additionalProperties: false,
} as const;

const anchorSummary = {
  type: "object",
  properties: {
    index: seq,
    fromSeq: seq,
    toSeq: seq,
    entries: count,
    root: hex32,
    ok: { type: "boolean" },
    txHash: hex32,
    blockNumber: count,
    timestamp: count,
    firstAppendedAt: time,
    lastAppendedAt: time,
    delaySeconds: { type: "number" },
  },
  required: ["index", "fromSeq", "toSeq", "entries", "root", "ok"],
  additionalProperties: false,
} as const;

export const auditReportBody = {
  type: "object",
  properties: {
    ok: { type: "boolean" },
    findings: { type: "array", maxItems: 20_000, items: finding },
    entries: count,
    lastSeq: count,
    anchoredThrough: count,
    unanchored: count,
    anchors: { type: "array", maxItems: 200_000, items: anchorSummary },
    chain: {
      type: "object",
      properties: { head: hex32, anchorCount: count, nextSeq: seq, headRecomputed: hex32 },
      required: ["head", "anchorCount", "nextSeq", "headRecomputed"],
      additionalProperties: false,
    },
    codes: {
      type: "object",
      properties: { entries: count, chainEvents: count, checked: { type: "boolean" }, rows: count, rowsAsOfSeq: count },
      required: ["entries", "chainEvents", "checked"],
      additionalProperties: false,
    },
    signatures: {
      type: "object",
      properties: { checked: { type: "boolean" }, signed: count, coveredThrough: count, startedAt: { anyOf: [seq, { type: "null" }] } },
      required: ["checked", "signed", "coveredThrough"],
      additionalProperties: false,
    },
    // The repair decisions compared with the chain (protocol/audit/decisions.ts), null when not checked.
    decisions: {
      anyOf: [
        {
          type: "object",
          properties: { applications: count, findings: { type: "array", maxItems: 20_000, items: decisionFinding } },
          required: ["applications", "findings"],
          additionalProperties: false,
        },
        { type: "null" },
      ],
    },
    startedAt: time,
    seconds: { type: "number", minimum: 0 },
    // Added by scripts/audit.ts: where the chain was read.
    block: count,
    rpc: { type: "string", format: "uri", maxLength: 500, pattern: "^https?://[^<>\"' ]*$" },
    creditLedger: address,
    codeRegistry: { anyOf: [address, { type: "null" }] },
  },
  required: ["ok", "findings", "entries"],
  additionalProperties: false,
} as const;
