// What the anchoring worker may seal: the entries after the last anchor that a valid ledger
// signature covers (./append.ts signs the last entry of every append; the hash chain carries
// that signature back over the entries before it). The worker does not trust the rows: it
// re-derives every entry hash and link from the last anchored entry on, and stops at the first
// entry that does not hash, does not link, or carries a signature that does not verify. What
// lies beyond the last valid signature is never anchored and is reported as a problem
// (ledger_alerts, /readyz, /metrics): entries the API appends are always signed in the same
// INSERT, so a committed entry after the last signature was written by something else.
import type { Queryable } from "../db/database.ts";
import { entryHash, GENESIS_HASH } from "../../../protocol/ledger/entry.ts";
import { MAX_ROWS_PER_INSERT } from "./append.ts";
import { LEDGER_COLUMNS, type LedgerRow } from "./rows.ts";
import type { LedgerKeys } from "./signing.ts";

export type LedgerProblemKind = "unsigned" | "bad_signature" | "broken_chain" | "edited";

export interface LedgerProblem {
  seq: number;
  kind: LedgerProblemKind;
  detail: string;
}

export interface SignedRange {
  /** The last seq to anchor (fromSeq - 1: nothing to anchor). */
  toSeq: number;
  /** Entry hashes of fromSeq..toSeq, re-derived and checked. */
  hashes: Buffer[];
  problem: LedgerProblem | null;
}

/** The longest run from `fromSeq` (at most `maxBatch`) that hashes, links and is covered by a valid signature. */
export async function signedRange(client: Queryable, fromSeq: number, maxBatch: number, keys: LedgerKeys): Promise<SignedRange> {
  let prev: Uint8Array = GENESIS_HASH;
  if (fromSeq > 1) {
    const before = await client.query<{ hash: Buffer }>("SELECT hash FROM ledger WHERE seq = $1", [fromSeq - 1]);
    if (!before.rows[0]) throw new Error(`ledger entry ${fromSeq - 1} (the last anchored) is missing`);
    prev = before.rows[0].hash;
  }
  // Any entry's signature lies at most one INSERT (MAX_ROWS_PER_INSERT rows) ahead of it.
  const window = Math.max(maxBatch, MAX_ROWS_PER_INSERT);
  const { rows } = await client.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq >= $1 ORDER BY seq LIMIT $2`, [fromSeq, window]);
  let covered = -1;
  // A full batch stops the scan early: what lies after it is the next batch's, not unsigned.
  let full = false;
  let problem: LedgerProblem | null = null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const seq = fromSeq + i;
    if (Number(r.seq) !== seq) {
      problem = { seq, kind: "broken_chain", detail: `seq ${seq} is missing (the next entry stored is ${r.seq})` };
      break;
    }
    if (!r.prev_hash.equals(prev)) {
      problem = { seq, kind: "broken_chain", detail: `seq ${seq} does not link to the entry before it` };
      break;
    }
    const computed = entryHash(prev, { seq, type: r.type, payload: r.payload, subjectRef: r.subject_ref, actor: r.actor, createdAt: r.created_at.toISOString() });
    if (!r.hash.equals(computed)) {
      problem = { seq, kind: "edited", detail: `seq ${seq} does not hash to its stored hash: its content was changed` };
      break;
    }
    if (r.signature) {
      const verdict = keys.verify(r.signature, r.hash);
      if (verdict !== "valid") {
        problem = { seq, kind: "bad_signature", detail: `the ledger signature on seq ${seq} is ${verdict.replace("_", " ")}` };
        break;
      }
      covered = i;
      if (covered >= maxBatch - 1) {
        full = true;
        break;
      }
    }
    prev = r.hash;
  }
  if (!problem && !full && covered < rows.length - 1 && rows.length < window) {
    // The end of the ledger, and no signature after these entries.
    const first = fromSeq + covered + 1;
    const last = Number(rows[rows.length - 1]!.seq);
    problem = { seq: first, kind: "unsigned", detail: `seq ${first}..${last} carry no ledger signature of this API: not anchored` };
  } else if (!problem && covered < 0 && rows.length === window) {
    problem = { seq: fromSeq, kind: "unsigned", detail: `no ledger signature within ${window} entries from seq ${fromSeq}: not anchored` };
  }
  const n = Math.min(covered + 1, maxBatch);
  return { toSeq: fromSeq + n - 1, hashes: rows.slice(0, n).map((r) => r.hash), problem };
}

/** Records a problem once (while open) and returns whether it is new. */
export async function raiseLedgerAlert(client: Queryable, problem: LedgerProblem): Promise<boolean> {
  const r = await client.query(
    "INSERT INTO ledger_alerts (seq, kind, detail) VALUES ($1, $2, $3) ON CONFLICT (seq, kind) WHERE resolved_at IS NULL DO NOTHING",
    [problem.seq, problem.kind, problem.detail],
  );
  return (r.rowCount ?? 0) > 0;
}

/** The worker found nothing wrong up to the head: earlier alerts are resolved. */
export async function resolveLedgerAlerts(client: Queryable): Promise<void> {
  await client.query("UPDATE ledger_alerts SET resolved_at = now() WHERE resolved_at IS NULL");
}

export interface LedgerIntegrity {
  /** Open alerts, oldest first (at most 20). */
  alerts: (LedgerProblem & { detectedAt: string })[];
  /** Entries after the last signed entry (what no signature covers at the head). */
  unsignedTail: number;
}

/** For /readyz and /metrics: open alerts and the unsigned entries at the head. */
export async function ledgerIntegrity(client: Queryable): Promise<LedgerIntegrity> {
  const alerts = await client.query<{ seq: number; kind: LedgerProblemKind; detail: string; detected_at: Date }>(
    "SELECT seq, kind, detail, detected_at FROM ledger_alerts WHERE resolved_at IS NULL ORDER BY id LIMIT 20",
  );
  const tail = await client.query<{ n: number | null }>(
    "SELECT COALESCE((SELECT max(seq) FROM ledger), 0) - COALESCE((SELECT max(seq) FROM ledger WHERE signature IS NOT NULL), 0) AS n",
  );
  return {
    alerts: alerts.rows.map((a) => ({ seq: Number(a.seq), kind: a.kind, detail: a.detail, detectedAt: a.detected_at.toISOString() })),
    unsignedTail: Math.max(0, Number(tail.rows[0]?.n ?? 0)),
  };
}
