// SQL of the repair feature (api/migrations/005_credit.sql): applications, the records they
// cover, officers' decisions, and the results to pass on to other platforms (sync_outbox).
// Call with the pool, or with the client of the caller's transaction.
import type { Queryable } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { RECORD_COLUMNS, type RecordRow } from "../credit/repository.ts";
import type { CivilDate } from "../credit/calendar.ts";
import type { DecisionMode } from "../credit/policy/types.ts";
import type { FilingChannel } from "../face/applicant-check.ts";
import type { Capacity } from "../face/assertion.ts";

export type ApplicationStatus = "submitted" | "accepted" | "awaiting_second" | "approved" | "refused";

export interface ApplicationRow {
  id: string;
  chain_id: Buffer;
  enterprise_id: string;
  applicant_person_id: string;
  capacity: Capacity;
  authorisation_ref: string | null;
  channel: FilingChannel;
  commitment_version: string;
  commitment_digest: Buffer;
  status: ApplicationStatus;
  decision_mode: DecisionMode;
  policy_version: string;
  rule_id: string;
  filed_at: Date;
  filed_on: string;
  accept_due: string | null;
  accepted_at: Date | null;
  accepted_by: string | null;
  decide_due: string | null;
  extended_at: Date | null;
  extended_by: string | null;
  extension_reason: string | null;
  decided_at: Date | null;
}

const APP_COLUMNS = `a.id, a.chain_id, a.enterprise_id, a.applicant_person_id, a.capacity, a.authorisation_ref, a.channel, a.commitment_version,
  a.commitment_digest, a.status, a.decision_mode, a.policy_version, a.rule_id, a.filed_at, to_char(a.filed_on, 'YYYY-MM-DD') AS filed_on,
  to_char(a.accept_due, 'YYYY-MM-DD') AS accept_due, a.accepted_at, a.accepted_by, to_char(a.decide_due, 'YYYY-MM-DD') AS decide_due,
  a.extended_at, a.extended_by, a.extension_reason, a.decided_at`;

export interface DecisionRow {
  step: "proposal" | "final";
  outcome: "approved" | "refused";
  officer: string;
  reason: string | null;
  policy_version: string;
  rule_id: string;
  document: string;
  digest: Buffer;
  decided_at: Date;
}

export interface NewApplicationRow {
  id: string;
  chainId: Buffer;
  enterpriseId: string;
  personId: string;
  capacity: Capacity;
  authorisationRef: string | null;
  channel: FilingChannel;
  commitmentVersion: string;
  commitmentDigest: Buffer;
  commitmentSignature: string | null;
  decisionMode: DecisionMode;
  policyVersion: string;
  ruleId: string;
  filedAt: Date;
  filedOn: CivilDate;
  acceptDue: CivilDate | null;
  actor: string;
}

export interface SyncItemRow {
  id: number;
  kind: string;
  record_id: string;
  payload: object;
  created_at: Date;
  due_on: string;
  synced_at: Date | null;
  synced_by: string | null;
  overdue: boolean;
}

export function createRepairRepository(db: Queryable) {
  return {
    /** The application or 404 application_not_found; `lock` takes its row lock. */
    async application(id: string, options: { lock?: boolean } = {}): Promise<ApplicationRow> {
      const r = await db.query<ApplicationRow>(`SELECT ${APP_COLUMNS} FROM repair_applications a WHERE a.id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
      if (!r.rows[0]) throw notFound("application_not_found", `No repair application ${id}`);
      return r.rows[0];
    },

    /** The open applications (the officers' queue) with the enterprise's display name. */
    async openApplications(): Promise<(ApplicationRow & { display_name: string })[]> {
      const r = await db.query<ApplicationRow & { display_name: string }>(
        `SELECT ${APP_COLUMNS}, s.display_name FROM repair_applications a JOIN subjects s ON s.id = a.enterprise_id
          WHERE a.status IN ('submitted', 'accepted', 'awaiting_second')`,
      );
      return r.rows;
    },

    /** The records an application covers, in id order; `lock` locks them (after the application row). */
    async recordsOf(applicationId: string, options: { lock?: boolean } = {}): Promise<RecordRow[]> {
      const r = await db.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM credit_records r JOIN repair_application_records ar ON ar.record_id = r.id
          WHERE ar.application_id = $1 ORDER BY r.id${options.lock ? " FOR UPDATE OF r" : ""}`,
        [applicationId],
      );
      return r.rows;
    },

    /** An open application on one of these records, if any. */
    async openApplicationOn(recordIds: readonly string[]): Promise<{ application_id: string; record_id: string } | null> {
      const r = await db.query<{ application_id: string; record_id: string }>(
        "SELECT application_id, record_id FROM repair_application_records WHERE open AND record_id = ANY($1::uuid[])",
        [recordIds],
      );
      return r.rows[0] ?? null;
    },

    async insertApplication(a: NewApplicationRow): Promise<void> {
      await db.query(
        `INSERT INTO repair_applications (id, chain_id, enterprise_id, applicant_person_id, capacity, authorisation_ref, channel, commitment_version,
           commitment_digest, commitment_signature, status, decision_mode, policy_version, rule_id, filed_at, filed_on, accept_due, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'submitted',$11,$12,$13,$14,$15,$16,$17)`,
        [
          a.id, a.chainId, a.enterpriseId, a.personId, a.capacity, a.authorisationRef, a.channel, a.commitmentVersion, a.commitmentDigest,
          a.commitmentSignature, a.decisionMode, a.policyVersion, a.ruleId, a.filedAt, a.filedOn, a.acceptDue, a.actor,
        ],
      );
    },

    /** Links a record to the application; a record with another open application fails on the unique index (23505). */
    async insertApplicationRecord(applicationId: string, recordId: string, evaluation: unknown): Promise<void> {
      await db.query("INSERT INTO repair_application_records (application_id, record_id, evaluation) VALUES ($1, $2, $3)", [
        applicationId,
        recordId,
        JSON.stringify(evaluation),
      ]);
    },

    async accept(id: string, input: { at: Date; by: string; decideDue: CivilDate }): Promise<void> {
      await db.query("UPDATE repair_applications SET status = 'accepted', accepted_at = $2, accepted_by = $3, decide_due = $4 WHERE id = $1", [
        id,
        input.at,
        input.by,
        input.decideDue,
      ]);
    },

    async extend(id: string, input: { decideDue: CivilDate; at: Date; by: string; reason: string }): Promise<void> {
      await db.query("UPDATE repair_applications SET decide_due = $2, extended_at = $3, extended_by = $4, extension_reason = $5 WHERE id = $1", [
        id,
        input.decideDue,
        input.at,
        input.by,
        input.reason,
      ]);
    },

    async setAwaitingSecond(id: string): Promise<void> {
      await db.query("UPDATE repair_applications SET status = 'awaiting_second' WHERE id = $1", [id]);
    },

    /** The final status; the application's records are free for a new application from then on. */
    async close(id: string, outcome: "approved" | "refused", at: Date): Promise<void> {
      await db.query("UPDATE repair_applications SET status = $2, decided_at = $3 WHERE id = $1", [id, outcome, at]);
      await db.query("UPDATE repair_application_records SET open = false WHERE application_id = $1", [id]);
    },

    /** Inserts a decision step; a second one of the same step fails on the unique index (23505). */
    async insertDecision(d: {
      applicationId: string;
      step: "proposal" | "final";
      outcome: "approved" | "refused";
      officer: string;
      reason: string | null;
      policyVersion: string;
      ruleId: string;
      document: string;
      digest: Buffer;
      at: Date;
    }): Promise<void> {
      await db.query(
        `INSERT INTO repair_decisions (application_id, step, outcome, officer, reason, policy_version, rule_id, document, digest, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [d.applicationId, d.step, d.outcome, d.officer, d.reason, d.policyVersion, d.ruleId, d.document, d.digest, d.at],
      );
    },

    async decisionsOf(applicationId: string): Promise<DecisionRow[]> {
      const r = await db.query<DecisionRow>(
        "SELECT step, outcome, officer, reason, policy_version, rule_id, document, digest, decided_at FROM repair_decisions WHERE application_id = $1 ORDER BY id",
        [applicationId],
      );
      return r.rows;
    },

    /** Who proposed the approval of each application awaiting a second officer. */
    async proposers(applicationIds: readonly string[]): Promise<Map<string, string>> {
      const r = await db.query<{ application_id: string; officer: string }>(
        "SELECT application_id, officer FROM repair_decisions WHERE step = 'proposal' AND application_id = ANY($1::uuid[])",
        [applicationIds],
      );
      return new Map(r.rows.map((p) => [p.application_id, p.officer]));
    },

    /** Queues a result for other platforms (once per kind and record). */
    async enqueueSync(item: { kind: "repair.approved" | "record.expired"; recordId: string; payload: object; at: Date; dueOn: CivilDate }): Promise<void> {
      await db.query("INSERT INTO sync_outbox (kind, record_id, payload, created_at, due_on) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING", [
        item.kind,
        item.recordId,
        JSON.stringify(item.payload),
        item.at,
        item.dueOn,
      ]);
    },

    /** Results to pass on, all or only those not yet acknowledged; overdue as of `today`. */
    async syncItems(which: "pending" | "all", today: CivilDate): Promise<SyncItemRow[]> {
      const r = await db.query<SyncItemRow>(
        `SELECT id, kind, record_id, payload, created_at, to_char(due_on, 'YYYY-MM-DD') AS due_on, synced_at, synced_by,
                (synced_at IS NULL AND due_on < $2::date) AS overdue
           FROM sync_outbox WHERE ($1 = 'all' OR synced_at IS NULL) ORDER BY id`,
        [which, today],
      );
      return r.rows;
    },

    /** Marks a result as passed on (the first acknowledgement counts); false when there is no such item. */
    async acknowledgeSync(id: number, at: Date, by: string): Promise<boolean> {
      const r = await db.query("UPDATE sync_outbox SET synced_at = coalesce(synced_at, $2), synced_by = coalesce(synced_by, $3) WHERE id = $1", [id, at, by]);
      return (r.rowCount ?? 0) > 0;
    },
  };
}

export type RepairRepository = ReturnType<typeof createRepairRepository>;
