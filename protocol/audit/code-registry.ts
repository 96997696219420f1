// The code registry on chain against the code entries of the ledger: every CodeIssued,
// CodeRevoked, CodeSuspended and CodeReinstated event has its entry and every code entry its
// event (once the outbox delay has passed), and codeOf(subject) shows what the entries leave.
// Also the shared reading of code entries (which chain writes an entry stands for, its
// payload, the original order) that the codes table check uses too.
import { bareHex, payloadText } from "./canonical-text.ts";
import type { ChainCodeEvent, ChainView, CodeAction } from "./report.ts";
import type { CodeEntry, Findings, Reconstruction } from "./row-store.ts";

interface CodeTransition {
  action: CodeAction;
  subject: string;
  codeId: string;
  kind?: number;
  attestation?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? bareHex(v) : undefined;
}

/** The code id a code entry's payload names (the new code's, for a rotation). */
export function namedCodeId(payload: Record<string, unknown>): string | undefined {
  return str(payload.codeId) ?? str(payload.code_id) ?? str(payload.newCodeId);
}

/** A code id read from the chain, or null for the zero id (codeOf of a subject without a code). */
export function chainCodeId(hex: string): string | null {
  const id = bareHex(hex);
  return /^0+$/.test(id) ? null : id;
}

function kindNumber(v: unknown): number | undefined {
  if (v === 1 || v === "person") return 1;
  if (v === 2 || v === "enterprise") return 2;
  return undefined;
}

/**
 * The chain writes a code entry stands for (api/src/codes): 'code.issued' is CodeIssued, or,
 * with `replaces`, a rotation (CodeRevoked of the old code, then CodeIssued); 'code.rotated'
 * the same; 'code.suspended' | 'code.reinstated' | 'code.revoked' name only the code id, whose
 * subject comes from the entry that issued it (`subjectOf`).
 */
export function codeTransitions(type: string, payload: Record<string, unknown>, subjectOf: (codeId: string) => string | undefined = () => undefined): CodeTransition[] {
  const codeId = namedCodeId(payload);
  const subject = str(payload.subject) ?? str(payload.commitment) ?? str(payload.subjectCommitment) ?? (codeId ? subjectOf(codeId) : undefined);
  if (!subject || !codeId) return [];
  const kind = kindNumber(payload.kind ?? payload.codeKind);
  const attestation = str(payload.attestation);
  switch (type) {
    case "code.issued":
    case "code.rotated": {
      const old = str(payload.replaces) ?? str(payload.oldCodeId) ?? str(payload.previousCodeId);
      const issued: CodeTransition = { action: "issued", subject, codeId, kind, attestation };
      return old ? [{ action: "revoked", subject, codeId: old }, issued] : [issued];
    }
    case "code.revoked":
      return [{ action: "revoked", subject, codeId }];
    case "code.suspended":
      return [{ action: "suspended", subject, codeId }];
    case "code.reinstated":
      return [{ action: "reinstated", subject, codeId }];
    default:
      return [];
  }
}

const CHANGES = new Set(["code.suspended", "code.reinstated", "code.revoked"]);
/** A code's status after each action, as CodeRegistry numbers it (1 active, 2 suspended, 3 revoked). */
export const STATUS_AFTER: Record<CodeAction, number> = { issued: 1, suspended: 2, reinstated: 1, revoked: 3 };
export const STATUS_NAME = ["none", "active", "suspended", "revoked"];

/** Checks the code registry's events and codeOf states against the code entries. */
export function checkCodes(codeEntries: CodeEntry[], rec: Reconstruction, chain: ChainView, now: number, maxDelay: number, findings: Findings): void {
  const events = chain.codeEvents ?? [];
  const pending = new Map<string, ChainCodeEvent[]>();
  const key = (a: string, s: string, c: string) => `${a}|${s}|${c}`;
  for (const ev of events) {
    const k = key(ev.action, bareHex(ev.subject), bareHex(ev.codeId));
    pending.set(k, [...(pending.get(k) ?? []), ev]);
  }
  const state = new Map<string, { codeId: string; status: number; seq: number; time: number }>();
  const subjectsReported = new Set<string>();
  const entrySubjects = new Map<string, number>(); // subject -> seq of its last entry
  const subjectOfCode = new Map<string, string>();
  for (const ce of inOriginalOrder(codeEntries, rec)) {
    const payload = codePayload(ce);
    if (!payload) continue;
    const transitions = codeTransitions(ce.type, payload, (codeId) => subjectOfCode.get(codeId));
    if (transitions.length === 0 && CHANGES.has(ce.type) && now - ce.time > maxDelay) {
      findings.add({
        seq: ce.seq,
        kind: "entry_without_chain_state",
        detail: `seq ${ce.seq} (${ce.type}) names code ${String(payload.codeId)}, which no code entry before it issued`,
      });
    }
    for (const t of transitions) {
      if (t.action === "issued") subjectOfCode.set(t.codeId, t.subject);
      entrySubjects.set(t.subject, ce.seq);
      state.set(t.subject, { codeId: t.codeId, status: STATUS_AFTER[t.action], seq: ce.seq, time: ce.time });
      const k = key(t.action, t.subject, t.codeId);
      const list = pending.get(k);
      const ev = list?.shift();
      if (ev === undefined) {
        if (now - ce.time > maxDelay) {
          subjectsReported.add(t.subject);
          findings.add({
            seq: ce.seq,
            kind: "entry_without_chain_state",
            detail: `seq ${ce.seq} (${ce.type}) says code ${t.codeId} was ${t.action} for subject ${t.subject}, but no Code${cap(t.action)} event on chain matches`,
          });
        }
        continue;
      }
      if (t.action === "issued") {
        const diffs: string[] = [];
        if (t.attestation && ev.attestation && bareHex(ev.attestation) !== t.attestation) diffs.push(`attestation ${t.attestation} vs ${bareHex(ev.attestation)} on chain`);
        if (t.kind && ev.kind && t.kind !== ev.kind) diffs.push(`kind ${t.kind} vs ${ev.kind} on chain`);
        if (diffs.length > 0) {
          subjectsReported.add(t.subject);
          findings.add({ seq: ce.seq, kind: "entry_without_chain_state", detail: `seq ${ce.seq} (${ce.type}) differs from the chain: ${diffs.join(", ")}`, txHash: ev.txHash });
        }
      }
    }
  }
  for (const list of pending.values()) {
    for (const ev of list) {
      const subject = bareHex(ev.subject);
      subjectsReported.add(subject);
      const related = entrySubjects.get(subject);
      findings.add({
        seq: related ?? null,
        kind: "chain_state_without_entry",
        detail:
          `Code${cap(ev.action)} of code ${bareHex(ev.codeId)} for subject ${subject} (block ${ev.blockNumber ?? "?"}) has no ledger entry` +
          (related !== undefined ? `; the ledger's last code entry for this subject is seq ${related}` : ""),
        txHash: ev.txHash,
      });
    }
  }
  for (const cs of chain.codeStates ?? []) {
    const subject = bareHex(cs.subject);
    if (subjectsReported.has(subject)) continue;
    const mine = state.get(subject);
    const chainCode = chainCodeId(cs.codeId);
    if (!mine && cs.status === 0) continue;
    if (!mine) {
      findings.add({ seq: null, kind: "chain_state_without_entry", detail: `codeOf(${subject}) is code ${chainCode} (${STATUS_NAME[cs.status]}) but no code entry names this subject` });
      continue;
    }
    if (mine.codeId !== chainCode || mine.status !== cs.status) {
      if (now - mine.time <= maxDelay) continue; // the outbox may still be sending it
      findings.add({
        seq: mine.seq,
        kind: cs.status === 0 ? "entry_without_chain_state" : "chain_state_without_entry",
        detail: `after seq ${mine.seq} the ledger has code ${mine.codeId} ${STATUS_NAME[mine.status]} for subject ${subject}; codeOf on chain says ${chainCode ?? "none"} ${STATUS_NAME[cs.status]}`,
      });
    }
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A code entry's original seq (an edited row, whose original seq is unknown: its stored seq). */
export function originalSeq(ce: CodeEntry, rec: Reconstruction): number {
  const s = rec.origSeq[ce.index];
  return s !== undefined && Number.isFinite(s) ? s : ce.seq;
}

/** Code entries in their original order. */
export function inOriginalOrder(codeEntries: CodeEntry[], rec: Reconstruction): CodeEntry[] {
  return [...codeEntries].sort((a, b) => originalSeq(a, rec) - originalSeq(b, rec) || a.seq - b.seq);
}

/** The payload object of a code entry, or null when it is not one. */
export function codePayload(ce: CodeEntry): Record<string, unknown> | null {
  try {
    const payload = JSON.parse(payloadText(ce.canonical)) as unknown;
    return payload !== null && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
