// The chain writes of repair decisions (api/migrations/008_officer_signatures.sql): one per
// record, an officer's signed decision or a rule's, queued in the outbox in the decision's own
// transaction and kept with the assertion for the audit. Their outbox status is the decision's
// state on chain: an application whose write the chain refused shows `chain_failed`.
import type { Queryable } from "../db/database.ts";
import { enqueueChainWrite, SYSTEM_OFFICER, type ChainWrite } from "../chain/outbox.ts";
import { hex32 as hex } from "../chain/hex.ts";
import type { RecordRow } from "../credit/repository.ts";
import type { ApplicationRow } from "./repository.ts";

export type DecideWrite = Extract<ChainWrite, { kind: "repair.decide" }>;

/** A write to queue, with what the database keeps of the signature. */
export interface DecisionWrite {
  recordId: string;
  write: DecideWrite;
  signed: { officerId: Buffer; keyId: Buffer; deadline: Date; assertion: object } | null;
}

export type ChainState = "none" | "pending" | "confirmed" | "chain_failed";

export interface DecisionWriteRow {
  id: number;
  application_id: string;
  step: "proposal" | "final";
  record_id: string;
  officer: string;
  officer_id: Buffer | null;
  key_id: Buffer | null;
  signed_digest: Buffer | null;
  outbox_id: number;
  status: "pending" | "sent" | "done" | "failed";
  tx_hash: string | null;
  error: string | null;
}

/** The rule's decision on every record still in publicity (decideRepairByRule: no signature). */
export function systemWrites(app: ApplicationRow, records: RecordRow[], outcome: "approved" | "refused", digest: Buffer, policyVersion: string, ruleId: string): DecisionWrite[] {
  return records
    .filter((r) => r.status === "published")
    .map((r) => ({
      recordId: r.id,
      write: {
        kind: "repair.decide",
        recordId: hex(r.chain_id),
        applicationId: hex(app.chain_id),
        outcome: outcome === "approved" ? 1 : 2,
        decisionDigest: hex(digest),
        policyVersion,
        ruleId,
        officer: SYSTEM_OFFICER,
      },
      signed: null,
    }));
}

export function createDecisionWriteRepository(db: Queryable) {
  return {
    /** Queues the writes and records them against the decision step. */
    async enqueue(applicationId: string, step: "proposal" | "final", writes: DecisionWrite[], now: Date): Promise<void> {
      for (const w of writes) {
        const outboxId = await enqueueChainWrite(db, w.write);
        await db.query(
          `INSERT INTO repair_decision_writes (application_id, step, record_id, officer, officer_id, key_id, nonce, deadline, signed_digest, assertion, outbox_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            applicationId,
            step,
            w.recordId,
            w.write.officer,
            w.signed?.officerId ?? null,
            w.signed?.keyId ?? null,
            w.write.signed?.nonce ?? null,
            w.signed?.deadline ?? null,
            w.write.signed ? Buffer.from(w.write.signed.signedDigest.slice(2), "hex") : null,
            w.signed ? JSON.stringify(w.signed.assertion) : null,
            outboxId,
            now,
          ],
        );
      }
    },

    async digestUsed(signedDigest: Buffer): Promise<boolean> {
      const r = await db.query("SELECT 1 FROM repair_decision_writes WHERE signed_digest = $1", [signedDigest]);
      return (r.rowCount ?? 0) > 0;
    },

    /** The writes that count (the newest per step and record) of some applications, oldest first. */
    async current(applicationIds: readonly string[]): Promise<DecisionWriteRow[]> {
      const r = await db.query<DecisionWriteRow>(
        `SELECT DISTINCT ON (w.application_id, w.step, w.record_id)
                w.id, w.application_id, w.step, w.record_id, w.officer, w.officer_id, w.key_id, w.signed_digest, w.outbox_id,
                o.status, o.tx_hash, o.error
           FROM repair_decision_writes w JOIN chain_outbox o ON o.id = w.outbox_id
          WHERE w.application_id = ANY($1::uuid[])
          ORDER BY w.application_id, w.step, w.record_id, w.id DESC`,
        [applicationIds],
      );
      return r.rows.sort((a, b) => a.id - b.id);
    },

    /**
     * Whether a write on one of these records (0x chain ids) still waits in the outbox, its
     * publication or an earlier decision step: a simulation now would run ahead of it.
     */
    async openOn(recordChainIds: readonly string[]): Promise<boolean> {
      const r = await db.query("SELECT 1 FROM chain_outbox WHERE status IN ('pending', 'sent') AND payload->>'recordId' = ANY($1::text[]) LIMIT 1", [recordChainIds]);
      return (r.rowCount ?? 0) > 0;
    },

    /** Applications with a decision write the chain refused (for /readyz, /metrics and the queue). */
    async failedApplications(): Promise<string[]> {
      const r = await db.query<{ application_id: string }>(
        `SELECT DISTINCT w.application_id FROM repair_decision_writes w JOIN chain_outbox o ON o.id = w.outbox_id
          WHERE o.status = 'failed'
            AND w.id = (SELECT max(id) FROM repair_decision_writes x WHERE x.application_id = w.application_id AND x.step = w.step AND x.record_id = w.record_id)`,
      );
      return r.rows.map((x) => x.application_id);
    },
  };
}

function stateOf(rows: DecisionWriteRow[]): ChainState {
  if (rows.length === 0) return "none";
  if (rows.some((w) => w.status === "failed")) return "chain_failed";
  return rows.every((w) => w.status === "done") ? "confirmed" : "pending";
}

/** The `chain` block of an application view (HTTP contract: /work/notes/officer-api.md, section 3). */
export async function decisionChainView(db: Queryable, applicationId: string) {
  const rows = await createDecisionWriteRepository(db).current([applicationId]);
  return {
    state: stateOf(rows),
    writes: rows.map((w) => ({ recordId: w.record_id, step: w.step, officer: w.officer, status: w.status, txHash: w.tx_hash, error: w.error })),
  };
}

/** The chain state of each application (the officers' queue). */
export async function decisionChainStates(db: Queryable, applicationIds: readonly string[]): Promise<Map<string, ChainState>> {
  const rows = await createDecisionWriteRepository(db).current(applicationIds);
  const byApp = new Map<string, DecisionWriteRow[]>();
  for (const row of rows) byApp.set(row.application_id, [...(byApp.get(row.application_id) ?? []), row]);
  return new Map(applicationIds.map((id) => [id, stateOf(byApp.get(id) ?? [])]));
}
