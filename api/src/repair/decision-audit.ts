// What the database says about repair decisions, for the auditor to compare with the chain
// (protocol/audit/decisions.ts checkDecisions): every application with its decision steps,
// their ledger entries, its records' states and the chain write that counts for each record.
import type { Queryable } from "../db/database.ts";
import { hex32 as hex } from "../chain/hex.ts";
import type { DbApplicationDecision, DbDecisionStep, RecordStatus } from "../../../protocol/audit/decisions.ts";

export async function decisionSnapshot(db: Queryable): Promise<DbApplicationDecision[]> {
  const apps = await db.query<{ id: string; chain_id: Buffer; status: string }>("SELECT id, chain_id, status FROM repair_applications ORDER BY filed_at, id");
  const steps = await db.query<{ application_id: string; step: "proposal" | "final"; outcome: "approved" | "refused"; digest: Buffer; policy_version: string; rule_id: string }>(
    "SELECT application_id, step, outcome, digest, policy_version, rule_id FROM repair_decisions",
  );
  const records = await db.query<{ application_id: string; id: string; chain_id: Buffer; status: RecordStatus }>(
    "SELECT ar.application_id, r.id, r.chain_id, r.status FROM repair_application_records ar JOIN credit_records r ON r.id = ar.record_id ORDER BY r.id",
  );
  // The write that counts per record: the final step's newest, else the proposal's.
  const writes = await db.query<{ application_id: string; record_id: string; step: "proposal" | "final"; officer_id: Buffer | null; status: "pending" | "sent" | "done" | "failed"; error: string | null }>(
    `SELECT DISTINCT ON (w.application_id, w.record_id) w.application_id, w.record_id, w.step, w.officer_id, o.status, o.error
       FROM repair_decision_writes w JOIN chain_outbox o ON o.id = w.outbox_id
      ORDER BY w.application_id, w.record_id, (w.step = 'final') DESC, w.id DESC`,
  );
  const entries = await db.query<{ seq: string; type: string; application_id: string }>(
    "SELECT seq, type, payload::jsonb->>'applicationId' AS application_id FROM ledger WHERE type IN ('repair.decided', 'repair.approval_proposed')",
  );
  const seqOf = new Map(entries.rows.map((e) => [`${e.type}/${e.application_id}`, Number(e.seq)]));
  const stepsOf = new Map<string, Map<string, (typeof steps.rows)[number]>>();
  for (const s of steps.rows) stepsOf.set(s.application_id, (stepsOf.get(s.application_id) ?? new Map()).set(s.step, s));
  const writeOf = new Map(writes.rows.map((w) => [`${w.application_id}/${w.record_id}`, w]));
  const recordsOf = new Map<string, (typeof records.rows)[number][]>();
  for (const r of records.rows) recordsOf.set(r.application_id, [...(recordsOf.get(r.application_id) ?? []), r]);

  return apps.rows.map((a) => {
    const applicationId = hex(a.chain_id);
    const step = (name: "proposal" | "final", entryType: string): DbDecisionStep | null => {
      const s = stepsOf.get(a.id)?.get(name);
      return s ? { outcome: s.outcome, digest: hex(s.digest), policyVersion: s.policy_version, ruleId: s.rule_id, ledgerSeq: seqOf.get(`${entryType}/${applicationId}`) ?? null } : null;
    };
    return {
      application: a.id,
      applicationId,
      status: a.status,
      final: step("final", "repair.decided"),
      proposal: step("proposal", "repair.approval_proposed"),
      records: (recordsOf.get(a.id) ?? []).map((r) => {
        const w = writeOf.get(`${a.id}/${r.id}`);
        return {
          record: r.id,
          recordId: hex(r.chain_id),
          status: r.status,
          write: w ? { step: w.step, status: w.status, error: w.error, officerId: w.officer_id ? hex(w.officer_id) : null } : null,
        };
      }),
    };
  });
}
