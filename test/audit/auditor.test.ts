// The audit core on in-memory ledgers: a clean ledger passes, and each kind of tamper
// is found at the right sequence number (the same cases run against PostgreSQL in
// tamper.test.ts).
import { describe, expect, it } from "vitest";
import { auditLedger, withSeq, payloadText, type AuditCodeRow, type Finding } from "../../protocol/audit/auditor.ts";
import { leafHash, nobleHasher, rootFromLeafHashes } from "../../protocol/ledger/merkle.ts";
import { nodeHasher } from "../../scripts/lib/node-hasher.ts";
import { codeExportLine, codeHeaderLine, codesFromNdjson, exportLine, parseExportLine } from "../../protocol/audit/ndjson.ts";
import { canonicalEntry, entryHash } from "../../protocol/ledger/entry.ts";
import { anchorsFor, buildRows, rehash, toAuditEntries } from "./fixture.ts";

const NOW = new Date("2026-11-26T03:00:00.000Z");
const opts = { now: NOW, maxAnchorDelayMs: 10 * 60_000 };
const brief = (fs: Finding[]) => fs.map((f) => `${f.kind}@${f.seq}`);

describe("hashing", () => {
  it("streams the same RFC 6962 roots as merkle.ts, with both hashers", () => {
    const leaves = buildRows(37).map((r) => leafHash(r.hash));
    for (let n = 1; n <= 37; n++) {
      const want = rootFromLeafHashes(leaves.slice(0, n));
      expect(rootFromLeafHashes(leaves.slice(0, n), nobleHasher)).toEqual(want);
      expect(new Uint8Array(rootFromLeafHashes(leaves.slice(0, n), nodeHasher))).toEqual(want);
    }
  });

  it("export lines round-trip byte for byte, and the canonical text edits keep the hash definition", () => {
    const rows = buildRows(5);
    for (const r of rows) {
      const e = parseExportLine(exportLine(r));
      expect(e.canonical).toBe(canonicalEntry(r));
      expect(e.hash).toEqual(r.hash);
      expect(JSON.parse(payloadText(e.canonical))).toEqual(JSON.parse(r.payload));
      expect(withSeq(e.canonical, 99)).toBe(canonicalEntry({ ...r, seq: 99 }));
      // A re-indented line still parses to the same canonical text.
      const loose = JSON.stringify(JSON.parse(exportLine(r)), null, 1).replace(/\n/g, " ");
      expect(parseExportLine(loose).canonical).toBe(canonicalEntry(r));
    }
  });
});

describe("auditLedger", () => {
  it("passes a clean ledger", async () => {
    const rows = buildRows(300);
    const report = await auditLedger(toAuditEntries(rows), anchorsFor(rows, 64), opts);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.anchors.every((a) => a.ok)).toBe(true);
    expect(report.anchoredThrough).toBe(300);
  });

  it("names an edited entry (hash column left alone)", async () => {
    const rows = buildRows(300);
    const chain = anchorsFor(rows, 64);
    rows[149] = { ...rows[149]!, payload: rows[149]!.payload.replace("entry 150", "entry 151") };
    const report = await auditLedger(toAuditEntries(rows), chain, opts);
    expect(brief(report.findings)).toEqual(["edited@150"]);
    expect(report.findings[0]!.anchorIndex).toBe(3);
  });

  it("names an entry rewritten with a recomputed hash of its own", async () => {
    const rows = buildRows(300);
    const chain = anchorsFor(rows, 64);
    const r = { ...rows[149]!, actor: "registrar:mallory" };
    rows[149] = { ...r, hash: entryHash(r.prevHash, r) };
    const report = await auditLedger(toAuditEntries(rows), chain, opts);
    expect(brief(report.findings)).toEqual(["edited@150"]);
    expect(report.anchors.every((a) => a.ok)).toBe(true);
  });

  it("bounds a rewrite with a recomputed chain to the first anchored batch that differs", async () => {
    const rows = buildRows(300);
    const chain = anchorsFor(rows, 64);
    rows[149] = { ...rows[149]!, actor: "registrar:mallory" };
    rehash(rows, 149);
    const report = await auditLedger(toAuditEntries(rows), chain, opts);
    expect(brief(report.findings)).toEqual(["anchor_mismatch@129", "anchor_mismatch@193", "anchor_mismatch@257"]);
  });

  it("names a deleted entry, with and without renumbering", async () => {
    const rows = buildRows(300);
    const chain = anchorsFor(rows, 64);
    const gap = rows.filter((r) => r.seq !== 77);
    expect(brief((await auditLedger(toAuditEntries(gap), chain, opts)).findings)).toEqual(["missing@77"]);
    const renumbered = gap.map((r) => (r.seq > 77 ? { ...r, seq: r.seq - 1 } : r));
    const report = await auditLedger(toAuditEntries(renumbered), chain, opts);
    expect(brief(report.findings)).toEqual(["missing@77"]);
    expect(report.anchors.every((a) => a.ok)).toBe(true);
  });

  it("names an inserted entry (renumbered after it, chained correctly before it)", async () => {
    const rows = buildRows(300);
    const chain = anchorsFor(rows, 64);
    const fake = { seq: 101, type: "repair.decided", payload: '{"approved":true}', subjectRef: "ref-1", actor: "repair_officer:mallory", createdAt: rows[99]!.createdAt };
    const inserted = [...rows.slice(0, 100), { ...fake, prevHash: rows[99]!.hash, hash: entryHash(rows[99]!.hash, fake) }, ...rows.slice(100).map((r) => ({ ...r, seq: r.seq + 1 }))];
    const report = await auditLedger(toAuditEntries(inserted), chain, opts);
    expect(brief(report.findings)).toEqual(["inserted@101"]);
    // Junk hashes for the inserted row: still inserted at 101.
    inserted[100] = { ...inserted[100]!, hash: new Uint8Array(32).fill(7) };
    expect(brief((await auditLedger(toAuditEntries(inserted), chain, opts)).findings)).toEqual(["inserted@101"]);
  });

  it("names both entries of a swap (rows exchanged, or only their contents)", async () => {
    const rows = buildRows(300);
    const chain = anchorsFor(rows, 64);
    for (const [a, b] of [[40, 41], [40, 200]] as const) {
      const swapped = rows.slice();
      swapped[a - 1] = { ...rows[b - 1]!, seq: a };
      swapped[b - 1] = { ...rows[a - 1]!, seq: b };
      expect(brief((await auditLedger(toAuditEntries(swapped), chain, opts)).findings)).toEqual([`reordered@${a}`, `reordered@${b}`]);
      const contents = rows.slice();
      contents[a - 1] = { ...rows[b - 1]!, seq: a, prevHash: rows[a - 1]!.prevHash, hash: rows[a - 1]!.hash };
      contents[b - 1] = { ...rows[a - 1]!, seq: b, prevHash: rows[b - 1]!.prevHash, hash: rows[b - 1]!.hash };
      expect(brief((await auditLedger(toAuditEntries(contents), chain, opts)).findings)).toEqual([`reordered@${a}`, `reordered@${b}`]);
    }
  });

  it("names an altered prev_hash column", async () => {
    const rows = buildRows(100);
    const chain = anchorsFor(rows, 64);
    rows[49] = { ...rows[49]!, prevHash: new Uint8Array(32).fill(1) };
    expect(brief((await auditLedger(toAuditEntries(rows), chain, opts)).findings)).toEqual(["broken_chain@50"]);
  });

  it("names a deleted tail and entries left unanchored too long", async () => {
    const rows = buildRows(300);
    const chain = anchorsFor(rows, 64, 250);
    const late = await auditLedger(toAuditEntries(rows), chain, { now: new Date(Date.parse(rows[250]!.createdAt) + 11 * 60_000), maxAnchorDelayMs: 10 * 60_000 });
    expect(brief(late.findings)).toEqual(["not_anchored@251"]);
    const fresh = await auditLedger(toAuditEntries(rows), chain, { now: new Date(Date.parse(rows[250]!.createdAt) + 60_000), maxAnchorDelayMs: 10 * 60_000 });
    expect(fresh.ok).toBe(true);
    expect(fresh.unanchored).toBe(50);
    const cut = await auditLedger(toAuditEntries(rows.slice(0, 248)), chain, opts);
    expect(brief(cut.findings)).toEqual(["missing@249", "missing@250", "anchor_mismatch@193"].sort(bySeq));
  });

  it("checks the anchor head chain against the contract", async () => {
    const rows = buildRows(100);
    const chain = anchorsFor(rows, 10);
    const dropped = { ...chain, anchors: chain.anchors.filter((a) => a.index !== 5) };
    const kinds = brief((await auditLedger(toAuditEntries(rows), dropped, opts)).findings);
    expect(kinds).toContain("anchor_mismatch@51"); // #6 numbered where #5 should be
    expect(kinds).toContain("broken_chain@51"); // gap 41..50
    const forged = { ...chain, head: `0x${"ab".repeat(32)}` };
    expect(brief((await auditLedger(toAuditEntries(rows), forged, opts)).findings)).toEqual(["anchor_mismatch@null"]);
  });
});

function bySeq(a: string, b: string): number {
  return Number(a.split("@")[1]) - Number(b.split("@")[1]);
}

describe("the code registry and the codes table against the code entries", () => {
  const subject = "ab".repeat(32);
  const code1 = "11".repeat(16);
  const code2 = "22".repeat(16);
  const att = "cd".repeat(32);
  // As api/src/codes writes them: an issue, a suspension, a reinstatement, a rotation (issue with replaces).
  function codeLedger() {
    const payloads: [string, Record<string, unknown>][] = [
      ["code.issued", { attestation: att, codeId: code1, kind: "person", replaces: null, statusIndex: 0, subject }],
      ["code.suspended", { codeId: code1, from: "active", reason: null, to: "suspended" }],
      ["code.reinstated", { codeId: code1, from: "suspended", reason: null, to: "active" }],
      ["code.issued", { attestation: att, codeId: code2, kind: "person", replaces: code1, statusIndex: 1, subject }],
    ];
    const rows = buildRows(4).map((r, i) => ({ ...r, type: payloads[i]![0], payload: JSON.stringify(payloads[i]![1]) }));
    rehash(rows, 0);
    return rows;
  }
  const events = [
    { action: "issued" as const, subject: `0x${subject}`, codeId: `0x${code1}`, kind: 1, attestation: `0x${att}`, txHash: "0xaa" },
    { action: "suspended" as const, subject: `0x${subject}`, codeId: `0x${code1}`, txHash: "0xab" },
    { action: "reinstated" as const, subject: `0x${subject}`, codeId: `0x${code1}`, txHash: "0xac" },
    { action: "revoked" as const, subject: `0x${subject}`, codeId: `0x${code1}`, txHash: "0xad" },
    { action: "issued" as const, subject: `0x${subject}`, codeId: `0x${code2}`, kind: 1, attestation: `0x${att}`, txHash: "0xad" },
  ];
  const state = [{ subject: `0x${subject}`, codeId: `0x${code2}`, kind: 1, status: 1 }];

  it("agrees when the chain replays the entries", async () => {
    const rows = codeLedger();
    const report = await auditLedger(toAuditEntries(rows), { ...anchorsFor(rows, 4), codeEvents: events, codeStates: state }, opts);
    expect(report.findings).toEqual([]);
  });

  it("names on-chain changes without entries, entries without on-chain changes, and a differing codeOf", async () => {
    const rows = codeLedger();
    const chain = anchorsFor(rows, 4);
    const noSuspend = events.filter((e) => e.action !== "suspended");
    expect(brief((await auditLedger(toAuditEntries(rows), { ...chain, codeEvents: noSuspend, codeStates: state }, opts)).findings)).toEqual(["entry_without_chain_state@2"]);
    const extra = [...events, { action: "revoked" as const, subject: `0x${subject}`, codeId: `0x${code2}`, txHash: "0xff" }];
    const revokedState = [{ ...state[0]!, status: 3 }];
    const found = (await auditLedger(toAuditEntries(rows), { ...chain, codeEvents: extra, codeStates: revokedState }, opts)).findings;
    expect(brief(found)).toEqual(["chain_state_without_entry@4"]);
    expect(found[0]!.txHash).toBe("0xff");
    const stale = await auditLedger(toAuditEntries(rows), { ...chain, codeEvents: events, codeStates: [{ ...state[0]!, status: 2 }] }, opts);
    expect(brief(stale.findings)).toEqual(["chain_state_without_entry@4"]);
    // Young entries may still be in the outbox: not a finding yet.
    const young = await auditLedger(toAuditEntries(rows), { ...chain, codeEvents: noSuspend, codeStates: state }, { ...opts, now: new Date(Date.parse(rows[3]!.createdAt) + 1000) });
    expect(young.findings).toEqual([]);
  });

  // The codes table as the ledger leaves it: code1 revoked by the rotation, code2 active.
  const codeRows = (): AuditCodeRow[] => [
    { codeId: code1, subject, kind: 1, status: "revoked", attestation: att },
    { codeId: code2, subject, kind: 1, status: "active", attestation: att },
  ];

  it("checks code rows against the ledger, with or without the chain, at the snapshot's seq", async () => {
    const rows = codeLedger();
    const chain = { ...anchorsFor(rows, 4), codeEvents: events, codeStates: state };
    const clean = await auditLedger(toAuditEntries(rows), chain, { ...opts, codes: { asOfSeq: 4, rows: codeRows() } });
    expect(clean.findings).toEqual([]);
    expect(clean.codes).toMatchObject({ rows: 2, rowsAsOfSeq: 4 });

    const onlyLedger = anchorsFor(rows, 4);
    const bad = codeRows();
    bad[1] = { ...bad[1]!, status: "suspended", kind: 2 };
    const found = (await auditLedger(toAuditEntries(rows), onlyLedger, { ...opts, codes: { rows: bad } })).findings;
    expect(brief(found)).toEqual(["code_row_mismatch@4"]);
    expect(found[0]!.codeId).toBe(code2);
    expect(found[0]!.detail).toContain("status suspended, the ledger says active");
    expect(found[0]!.detail).toContain("kind 2, the ledger says 1 (issued at seq 4)");

    // Rows read when the ledger ended at seq 2 (code1 suspended, code2 not yet issued) match
    // the ledger up to seq 2, not its later entries.
    const early: AuditCodeRow[] = [{ codeId: code1, subject, kind: 1, status: "suspended", attestation: att }];
    expect((await auditLedger(toAuditEntries(rows), onlyLedger, { ...opts, codes: { asOfSeq: 2, rows: early } })).findings).toEqual([]);
    const earlyActive = [{ ...early[0]!, status: "active" as const }];
    expect(brief((await auditLedger(toAuditEntries(rows), onlyLedger, { ...opts, codes: { asOfSeq: 2, rows: earlyActive } })).findings)).toEqual(["code_row_mismatch@2"]);
    // The same rows as of seq 4 lack code2 and show code1 before its rotation.
    expect(brief((await auditLedger(toAuditEntries(rows), onlyLedger, { ...opts, codes: { asOfSeq: 4, rows: early } })).findings)).toEqual([
      "code_row_mismatch@4",
      "code_row_missing@4",
    ]);
    // Rows read at a seq the entries do not reach: the tail is gone.
    expect(brief((await auditLedger(toAuditEntries(rows), onlyLedger, { ...opts, codes: { asOfSeq: 6, rows: codeRows() } })).findings)).toEqual(["missing@5"]);
    // A row nothing names.
    const stray = { codeId: "33".repeat(16), subject: "ef".repeat(32), kind: 2, status: "active" as const, attestation: att };
    const strayFound = (await auditLedger(toAuditEntries(rows), chain, { ...opts, codes: { rows: [...codeRows(), stray] } })).findings;
    expect(brief(strayFound)).toEqual(["code_row_without_entry@null"]);
    expect(strayFound[0]!.codeId).toBe(stray.codeId);
  });

  it("counts a code row differing from the chain only once the outbox delay has passed", async () => {
    const rows = codeLedger();
    // The chain has seen only the first issue; the ledger and the rows are ahead.
    const lagging = { ...anchorsFor(rows, 4), codeEvents: events.slice(0, 1), codeStates: [{ subject: `0x${subject}`, codeId: `0x${code1}`, kind: 1, status: 1 }] };
    const young = new Date(Date.parse(rows[3]!.createdAt) + 1000);
    expect((await auditLedger(toAuditEntries(rows), lagging, { ...opts, now: young, codes: { rows: codeRows() } })).findings).toEqual([]);
    const old = (await auditLedger(toAuditEntries(rows), lagging, { ...opts, codes: { rows: codeRows() } })).findings;
    const rowFindings = old.filter((f) => f.kind.startsWith("code_row"));
    expect(brief(rowFindings)).toEqual(["code_row_mismatch@4", "code_row_mismatch@4"]);
    expect(rowFindings.every((f) => f.detail.includes("agrees with the ledger but not with the chain"))).toBe(true);
    expect(rowFindings.find((f) => f.codeId === code2)!.detail).toContain("no CodeIssued event on chain");
    expect(rowFindings.find((f) => f.codeId === code1)!.detail).toContain("the chain's events leave it active");
  });

  it("reads the codes export: header, rows, and errors naming the line", async () => {
    const line = codeExportLine({
      codeId: code1,
      subject: Buffer.from(subject, "hex"),
      kind: "enterprise",
      status: "suspended",
      attestation: Buffer.from(att, "hex"),
      replaces: null,
      issuedAt: "2026-11-26T02:00:00.000Z",
      changedAt: "2026-11-26T02:00:00.000Z",
    });
    const parsed = await codesFromNdjson([`${codeHeaderLine(12)}\n${line}\n`]);
    expect(parsed).toEqual({ asOfSeq: 12, rows: [{ codeId: code1, subject, kind: 2, status: "suspended", attestation: att }] });
    expect((await codesFromNdjson([line])).asOfSeq).toBeUndefined();
    await expect(codesFromNdjson([`${line}\n${line.replace("suspended", "paused")}\n`])).rejects.toThrow(/codes line 2/);
  });
});
