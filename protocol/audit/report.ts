// What the audit takes and gives: the ledger entries and the chain view it reads, the
// codes snapshot, its options, and the report with its findings. Types only (and the
// default anchoring delay), so the command line, the console and the readers share them.
import type { Hasher } from "../ledger/merkle.ts";
import type { LedgerSignatureVerifier } from "./ledger-signatures.ts";

export type FindingKind =
  | "edited"
  | "missing"
  | "inserted"
  | "reordered"
  | "not_anchored"
  | "chain_state_without_entry"
  | "entry_without_chain_state"
  | "broken_chain"
  | "anchor_mismatch"
  | "code_row_mismatch"
  | "code_row_missing"
  | "code_row_without_entry"
  /** Entries after the last valid ledger signature: not written by the API (seq: the first of them). */
  | "unsigned"
  /** A ledger signature that does not verify under the published keys (seq: the entry that carries it). */
  | "bad_signature"
  /** A second ledger.signing_started entry: the signatures before it were stripped (seq: that entry). */
  | "signing_restarted";

export interface Finding {
  /** Ledger sequence number concerned (as stored; for missing entries the anchored one), or null. */
  seq: number | null;
  kind: FindingKind;
  detail: string;
  /** The anchor that covers the entry (and confirms the finding when its root was reproduced). */
  anchorIndex?: number;
  txHash?: string;
  /** The code concerned (code row findings), hex. */
  codeId?: string;
}

/** One ledger row as an auditor receives it. */
export interface AuditEntry {
  seq: number;
  type: string;
  subjectRef: string | null;
  actor: string;
  createdAt: string;
  prevHash: Uint8Array;
  hash: Uint8Array;
  /** Exactly the text that was hashed: canonicalEntry(...) of protocol/ledger/entry.ts. */
  canonical: string;
  /** The API's ledger signature over `hash` (the last entry of each append), or null. */
  signature?: string | null;
}

export interface ChainAnchor {
  index: number;
  fromSeq: number;
  toSeq: number;
  /** 0x hex. */
  root: string;
  /** 0x hex, as emitted. */
  head: string;
  txHash?: string;
  blockNumber?: number;
  /** Block time, unix seconds. */
  timestamp?: number;
}

export type CodeAction = "issued" | "revoked" | "suspended" | "reinstated";

export interface ChainCodeEvent {
  action: CodeAction;
  /** Hex, with or without 0x. */
  subject: string;
  codeId: string;
  kind?: number;
  attestation?: string;
  txHash?: string;
  blockNumber?: number;
}

export interface ChainCodeState {
  subject: string;
  codeId: string;
  kind: number;
  /** 0 none, 1 active, 2 suspended, 3 revoked. */
  status: number;
}

/** What the auditor reads from the chain (see chain-reader.ts). */
export interface ChainView {
  anchors: ChainAnchor[];
  /** CreditLedger.head(), 0x hex. */
  head: string;
  anchorCount: number;
  nextSeq: number;
  /** CodeRegistry events; undefined: the code registry is not checked. */
  codeEvents?: ChainCodeEvent[];
  /** CodeRegistry.codeOf for the subjects of interest. */
  codeStates?: ChainCodeState[];
}

/** One row of the codes table as an auditor receives it (GET /v1/audit/codes). */
export interface AuditCodeRow {
  /** 32 hex. */
  codeId: string;
  /** The subject's commitment, hex (subjects.commitment of codes.subject_id). */
  subject: string;
  /** 1 person, 2 enterprise (subjects.kind); 0 the row names no subject. */
  kind: number;
  status: "active" | "suspended" | "revoked";
  /** Hex. */
  attestation: string;
}

/** The codes table at one moment: `asOfSeq` is the ledger head seq in the same snapshot. */
export interface CodeSnapshot {
  /** Undefined: the snapshot is taken to match the last entry audited. */
  asOfSeq?: number;
  rows: Iterable<AuditCodeRow> | AsyncIterable<AuditCodeRow>;
}

export interface AuditOptions {
  /** "Now" for the anchoring and outbox delays (default: the clock). */
  now?: Date;
  /** Entries (and code changes) older than this must be anchored (on chain). Default 10 minutes. */
  maxAnchorDelayMs?: number;
  hasher?: Hasher;
  onProgress?: (entries: number) => void;
  /** Findings of one kind beyond this are summarised in one more finding. Default 1000. */
  maxFindingsPerKind?: number;
  /** The codes table, checked against the code entries and the code registry. */
  codes?: CodeSnapshot;
  /**
   * The published ledger keys (GET /v1/ledger/keys, ledgerSignatureVerifier): every signature
   * is verified and every entry must be covered by one. Undefined: signatures are not checked.
   */
  signatures?: LedgerSignatureVerifier;
}

export interface AnchorSummary {
  index: number;
  fromSeq: number;
  toSeq: number;
  entries: number;
  root: string;
  /** The root re-derived from the entries equals the anchored one. */
  ok: boolean;
  txHash?: string;
  blockNumber?: number;
  timestamp?: number;
  firstAppendedAt?: string;
  lastAppendedAt?: string;
  /** Anchor block time minus the first entry's append time: how long the oldest entry waited. */
  delaySeconds?: number;
}

export interface AuditReport {
  ok: boolean;
  findings: Finding[];
  entries: number;
  lastSeq: number;
  anchoredThrough: number;
  unanchored: number;
  anchors: AnchorSummary[];
  chain: { head: string; anchorCount: number; nextSeq: number; headRecomputed: string };
  codes: {
    entries: number;
    chainEvents: number;
    checked: boolean;
    /** Code rows checked (undefined: the codes table was not given). */
    rows?: number;
    /** The ledger seq the code rows were read at. */
    rowsAsOfSeq?: number;
  };
  signatures: {
    checked: boolean;
    /** Entries that carry a signature. */
    signed: number;
    /** The last seq covered by a valid signature (0: none); every entry up to it is vouched for. */
    coveredThrough: number;
    /** The ledger.signing_started entry of a ledger written before signatures, or null. */
    startedAt: number | null;
  };
  startedAt: string;
  seconds: number;
}

export const DEFAULT_MAX_ANCHOR_DELAY_MS = 10 * 60 * 1000;
