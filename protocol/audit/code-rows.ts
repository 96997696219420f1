// THE CODES TABLE
// The current code rows (GET /v1/audit/codes: code id, subject commitment, kind, status,
// attestation, read in one snapshot together with the ledger head seq `asOfSeq`) are
// state, not history: nothing hashes them. They are checked against two witnesses:
//   - the ledger: replaying the code.* entries up to asOfSeq gives every code's subject,
//     kind, attestation and status. The row and its entry are written in one transaction
//     (api/src/codes), so any difference is a tamper, with no allowed delay;
//   - the chain: the CodeRegistry events give every code's subject, kind, attestation and
//     status, and codeOf(subject) the subject's current code id and status. The chain
//     may lag the database by the outbox delay, so a difference with the chain alone
//     counts only once the ledger's last entry about the code is older than that delay.
// A differing row is code_row_mismatch at the seq of the last ledger entry about that
// code (the entry whose effect the row should show); a code the ledger issued without a
// row is code_row_missing at that seq; a row no entry names is code_row_without_entry
// (no seq: nothing in the ledger is about it; the finding names the code id).
import { bareHex } from "./canonical-text.ts";
import { STATUS_AFTER, STATUS_NAME, chainCodeId, codePayload, codeTransitions, inOriginalOrder, namedCodeId, originalSeq } from "./code-registry.ts";
import type { AuditCodeRow, ChainCodeState, ChainView, CodeSnapshot } from "./report.ts";
import type { CodeEntry, Findings, Reconstruction } from "./row-store.ts";

const STATUS_OF_ROW: Record<AuditCodeRow["status"], number> = { active: 1, suspended: 2, revoked: 3 };

interface CodeFacts {
  subject?: string;
  kind?: number;
  attestation?: string;
  /** 1 active, 2 suspended, 3 revoked; undefined: never issued (only named). */
  status?: number;
  /** Seq of the last entry about the code. */
  seq?: number;
  /** Seq of the entry that issued it (subject, kind and attestation come from there). */
  issuedSeq?: number;
  txHash?: string;
  time?: number;
}

/**
 * Checks every code row against the state the code entries (up to the snapshot's seq)
 * leave and against the code registry, then names the codes the ledger issued that have
 * no row. Returns how many rows were checked and the seq they were read at.
 */
export async function checkCodeRows(
  snapshot: CodeSnapshot,
  codeEntries: CodeEntry[],
  rec: Reconstruction,
  lastSeq: number,
  chain: ChainView,
  now: number,
  maxDelay: number,
  findings: Findings,
): Promise<{ rows: number; asOfSeq: number }> {
  const asOfSeq = snapshot.asOfSeq ?? lastSeq;
  if (asOfSeq > lastSeq) {
    findings.add({
      seq: lastSeq + 1,
      kind: "missing",
      detail: `the codes table was read when the ledger head was seq ${asOfSeq}, but the entries end at seq ${lastSeq}: entries ${lastSeq + 1}..${asOfSeq} are absent (or the codes were exported after the entries)`,
    });
  }

  // The ledger's word on every code, replayed up to the snapshot.
  const ledger = new Map<string, CodeFacts>();
  const subjectOfCode = new Map<string, string>();
  const facts = (map: Map<string, CodeFacts>, codeId: string) => {
    let f = map.get(codeId);
    if (!f) map.set(codeId, (f = {}));
    return f;
  };
  for (const ce of inOriginalOrder(codeEntries, rec)) {
    if (originalSeq(ce, rec) > asOfSeq) continue;
    const payload = codePayload(ce);
    if (!payload) continue;
    const named = namedCodeId(payload);
    const transitions = codeTransitions(ce.type, payload, (codeId) => subjectOfCode.get(codeId));
    if (named) {
      const f = facts(ledger, named);
      f.seq = ce.seq;
      f.time = ce.time;
    }
    for (const t of transitions) {
      const f = facts(ledger, t.codeId);
      f.seq = ce.seq;
      f.time = ce.time;
      if (t.action === "issued") {
        subjectOfCode.set(t.codeId, t.subject);
        f.issuedSeq = ce.seq;
        f.subject = t.subject;
        f.kind = t.kind;
        f.attestation = t.attestation;
      }
      f.status = STATUS_AFTER[t.action];
    }
  }

  // The chain's word: every code's history from the events, each subject's current code from codeOf.
  const onChain = new Map<string, CodeFacts>();
  const kindOfSubject = new Map<string, number>();
  for (const ev of chain.codeEvents ?? []) {
    const f = facts(onChain, bareHex(ev.codeId));
    const subject = bareHex(ev.subject);
    if (ev.action === "issued") {
      f.subject = subject;
      f.kind = ev.kind ?? kindOfSubject.get(subject);
      f.attestation = ev.attestation !== undefined ? bareHex(ev.attestation) : undefined;
      if (f.kind !== undefined) kindOfSubject.set(subject, f.kind);
    }
    f.status = STATUS_AFTER[ev.action];
    f.txHash = ev.txHash;
  }
  const codeOf = new Map<string, ChainCodeState>();
  for (const cs of chain.codeStates ?? []) codeOf.set(bareHex(cs.subject), cs);

  let rows = 0;
  const seen = new Set<string>();
  for await (const row of snapshot.rows) {
    rows += 1;
    const codeId = bareHex(row.codeId);
    seen.add(codeId);
    const subject = bareHex(row.subject);
    const attestation = bareHex(row.attestation);
    const status = STATUS_OF_ROW[row.status] ?? 0;
    const shown = `${STATUS_NAME[status] ?? row.status}, subject ${subject}, kind ${row.kind}, attestation ${attestation}`;
    const mine = ledger.get(codeId);

    // Against the ledger.
    const vsLedger: string[] = [];
    if (!mine) {
      const theirs = onChain.get(codeId);
      findings.add({
        seq: null,
        kind: "code_row_without_entry",
        codeId,
        txHash: theirs?.txHash,
        detail:
          `the codes table holds code ${codeId} (${shown}) but no ledger entry up to seq ${asOfSeq} names it (row inserted, or its entries removed)` +
          (chain.codeEvents ? (theirs ? `; the chain knows it (last event tx ${theirs.txHash ?? "?"})` : "; the chain does not know it either") : ""),
      });
      continue;
    }
    if (mine.status === undefined) {
      vsLedger.push(`no entry issued it (its issue entry is missing or altered)`);
    } else {
      if (mine.status !== status) vsLedger.push(`status ${row.status}, the ledger says ${STATUS_NAME[mine.status]}`);
      const issuedAt = mine.issuedSeq !== undefined ? ` (issued at seq ${mine.issuedSeq})` : "";
      if (mine.subject !== undefined && mine.subject !== subject) vsLedger.push(`subject ${subject}, the ledger says ${mine.subject}${issuedAt}`);
      if (mine.kind !== undefined && mine.kind !== row.kind) vsLedger.push(`kind ${row.kind}, the ledger says ${mine.kind}${issuedAt}`);
      if (mine.attestation !== undefined && mine.attestation !== attestation) vsLedger.push(`attestation ${attestation}, the ledger says ${mine.attestation}${issuedAt}`);
    }

    // Against the chain (only when the registry was read).
    const vsChain: string[] = [];
    let txHash: string | undefined;
    if (chain.codeEvents) {
      const theirs = onChain.get(codeId);
      txHash = theirs?.txHash;
      if (!theirs || theirs.status === undefined || theirs.subject === undefined) {
        vsChain.push(`no CodeIssued event on chain for it`);
      } else {
        if (theirs.status !== status) vsChain.push(`the chain's events leave it ${STATUS_NAME[theirs.status]}`);
        if (theirs.subject !== subject) vsChain.push(`the chain issued it to subject ${theirs.subject}`);
        if (theirs.kind !== undefined && theirs.kind !== row.kind) vsChain.push(`the chain has kind ${theirs.kind}`);
        if (theirs.attestation !== undefined && theirs.attestation !== attestation) vsChain.push(`the chain has attestation ${theirs.attestation}`);
      }
      const current = codeOf.get(subject);
      if (current) {
        const currentId = chainCodeId(current.codeId);
        if (status !== 3 && (currentId !== codeId || current.status !== status)) {
          vsChain.push(`codeOf(subject) on chain is ${currentId ?? "none"} ${STATUS_NAME[current.status] ?? current.status}`);
        } else if (status === 3 && currentId === codeId && current.status !== 3) {
          vsChain.push(`codeOf(subject) on chain has it ${STATUS_NAME[current.status] ?? current.status}`);
        }
      }
    }
    // The chain may still be catching up with recent changes (the outbox).
    const chainCounts = vsChain.length > 0 && (mine.time === undefined || now - mine.time > maxDelay);
    if (vsLedger.length === 0 && !chainCounts) continue;
    const lastSeqOfCode = mine.seq ?? null;
    findings.add({
      seq: lastSeqOfCode,
      kind: "code_row_mismatch",
      codeId,
      txHash,
      detail:
        `the codes table row of code ${codeId} (${shown}) ` +
        (vsLedger.length > 0 ? `disagrees with the ledger: ${vsLedger.join("; ")}` : `agrees with the ledger but not with the chain`) +
        (vsChain.length > 0 ? `; chain: ${vsChain.join("; ")}` : chain.codeEvents ? `; the chain agrees with the row` : "") +
        (lastSeqOfCode !== null ? `; the last ledger entry about this code is seq ${lastSeqOfCode}` : ""),
    });
  }

  // Codes the ledger issued that have no row.
  for (const [codeId, mine] of ledger) {
    if (seen.has(codeId) || mine.status === undefined) continue;
    findings.add({
      seq: mine.seq ?? null,
      kind: "code_row_missing",
      codeId,
      txHash: onChain.get(codeId)?.txHash,
      detail: `the ledger has code ${codeId} ${STATUS_NAME[mine.status]} for subject ${mine.subject ?? "?"} (last entry seq ${mine.seq}) but the codes table has no row for it`,
    });
  }
  return { rows, asOfSeq };
}
