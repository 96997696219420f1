// In-memory ledgers and anchors for the audit's unit tests: the same hashing as
// api/src/ledger/append.ts and the same head chain as CreditLedger.
import { canonicalEntry, canonicalJson, entryHash, GENESIS_HASH } from "../../protocol/ledger/entry.ts";
import { leafHash, rootFromLeafHashes } from "../../protocol/ledger/merkle.ts";
import { toHex } from "../../protocol/bytes.ts";
import { anchorHead } from "../../protocol/ledger/anchor-head.ts";
import type { AuditEntry, ChainAnchor, ChainView } from "../../protocol/audit/auditor.ts";
import type { ExportRow } from "../../protocol/audit/ndjson.ts";

export function buildRows(count: number, start = Date.parse("2026-11-26T02:00:00.000Z")): ExportRow[] {
  const rows: ExportRow[] = [];
  let prev: Uint8Array = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const type = ["subject.enrolled", "record.published", "repair.filed", "repair.decided"][seq % 4]!;
    const payload = canonicalJson({ n: seq, note: `entry ${seq}`, nested: { a: [1, 2, seq] } });
    const row = { seq, type, payload, subjectRef: seq % 3 === 0 ? null : `ref-${seq % 17}`, actor: "registrar:alice", createdAt: new Date(start + seq * 1000).toISOString() };
    const hash = entryHash(prev, row);
    rows.push({ ...row, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

/** Re-hash rows from `from` (0-based index) on, as an attacker who recomputes the chain would. */
export function rehash(rows: ExportRow[], from: number): void {
  for (let i = from; i < rows.length; i++) {
    const prev = i === 0 ? GENESIS_HASH : rows[i - 1]!.hash;
    rows[i] = { ...rows[i]!, prevHash: prev, hash: entryHash(prev, rows[i]!) };
  }
}

export function anchorsFor(rows: ExportRow[], batch: number, upTo = rows.length): ChainView {
  const anchors: ChainAnchor[] = [];
  let head: Uint8Array = new Uint8Array(32);
  for (let from = 1, index = 1; from <= upTo; from += batch, index++) {
    const to = Math.min(upTo, from + batch - 1);
    const root = rootFromLeafHashes(rows.slice(from - 1, to).map((r) => leafHash(r.hash)));
    head = anchorHead(head, from, to, root);
    anchors.push({ index, fromSeq: from, toSeq: to, root: `0x${toHex(root)}`, head: `0x${toHex(head)}`, txHash: `0x${index.toString(16).padStart(64, "0")}` });
  }
  return { anchors, head: `0x${toHex(head)}`, anchorCount: anchors.length, nextSeq: (anchors.at(-1)?.toSeq ?? 0) + 1 };
}

export function toAuditEntries(rows: ExportRow[]): AuditEntry[] {
  return rows.map((r) => ({ ...r, canonical: canonicalEntry(r) }));
}
