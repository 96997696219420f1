// SQL of the repair feature (api/migrations/005_credit.sql, 009_credit_rules.sql): applications
// (for an enterprise or for a person themself), the records they cover, officers' decisions,
// and the results to pass on to other platforms (sync_outbox); due dates with their
// provisional flag (counted over a year without the official holiday arrangement).
// Call with the pool, or with the client of the caller's transaction.
import type { Queryable } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { RECORD_COLUMNS, type RecordRow } from "../credit/repository.ts";
import type { CivilDate, Deadline } from "../credit/calendar.ts";
import type { Reason } from "../credit/policy/reasons.ts";
import type { DecisionMode } from "../credit/policy/types.ts";
import type { FilingChannel } from "../face/applicant-check.ts";
import type { Capacity } from "../face/assertion.ts";

export type ApplicationStatus = "submitted" | "accepted" | "awaiting_second" | "approved" | "refused";

export interface ApplicationRow {
  id: string;
  chain_id: Buffer;
  /** The credit subject applied for: an enterprise, or the applicant themself (capacity self). */
  subject_id: string;
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
  accept_due_provisional: boolean;
  accepted_at: Date | null;
  accepted_by: string | null;
  decide_due: string | null;
  decide_due_provisional: boolean;
  extended_at: Date | null;
  extended_by: string | null;
  /** A code of ./extension-reasons.ts. */
  extension_reason_code: string | null;
  decided_at: Date | null;
}

const APP_COLUMNS = `a.id, a.chain_id, a.subject_id, a.applicant_person_id, a.capacity, a.authorisation_ref, a.channel, a.commitment_version,
  a.commitment_digest, a.status, a.decision_mode, a.policy_version, a.rule_id, a.filed_at, to_char(a.filed_on, 'YYYY-MM-DD') AS filed_on,
  to_char(a.accept_due, 'YYYY-MM-DD') AS accept_due, a.accept_due_provisional, a.accepted_at, a.accepted_by,
  to_char(a.decide_due, 'YYYY-MM-DD') AS decide_due, a.decide_due_provisional, a.extended_at, a.extended_by, a.extension_reason_code, a.decided_at`;

export interface DecisionRow {
  step: "proposal" | "final";
  outcome: "approved" | "refused";
  officer: string;
  reason: string | null;
  policy_version: string;
  rule_id: string;
  /** Structured reasons (the policy's refusal or 秒批; empty for decisions stored before migration 009). */
  reasons: Reason[];
  document: string;
  digest: Buffer;
  decided_at: Date;
}

export interface NewApplicationRow {
  id: string;
  chainId: Buffer;
  subjectId: string;
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
  acceptDue: Deadline | null;
  actor: string;
}

export interface SyncItemRow {
  id: number;
  kind: string;
  record_id: string;
  payload: object;
  created_at: Date;
  due_on: string;
  due_provisional: boolean;
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

    /** The open applications (the officers' queue) with the subject's kind and display name. */
    async openApplications(): Promise<(ApplicationRow & { display_name: string; subject_kind: "person" | "enterprise" })[]> {
      const r = await db.query<ApplicationRow & { display_name: string; subject_kind: "person" | "enterprise" }>(
        `SELECT ${APP_COLUMNS}, s.display_name, s.kind AS subject_kind FROM repair_applications a JOIN subjects s ON s.id = a.subject_id
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

    /** The evaluation of each record at filing (what the policy said then, with its reasons). */
    async evaluationsOf(applicationId: string): Promise<{ record_id: string; evaluation: { ruleId?: string; reasons?: Reason[] } }[]> {
      const r = await db.query<{ record_id: string; evaluation: { ruleId?: string; reasons?: Reason[] } }>(
        "SELECT record_id, evaluation FROM repair_application_records WHERE application_id = $1 ORDER BY record_id",
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
        `INSERT INTO repair_applications (id, chain_id, subject_id, applicant_person_id, capacity, authorisation_ref, channel, commitment_version,
           commitment_digest, commitment_signature, status, decision_mode, policy_version, rule_id, filed_at, filed_on, accept_due,
           accept_due_provisional, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'submitted',$11,$12,$13,$14,$15,$16,$17,$18)`,
        [
          a.id, a.chainId, a.subjectId, a.personId, a.capacity, a.authorisationRef, a.channel, a.commitmentVersion, a.commitmentDigest,
          a.commitmentSignature, a.decisionMode, a.policyVersion, a.ruleId, a.filedAt, a.filedOn, a.acceptDue?.date ?? null,
          a.acceptDue?.provisional ?? false, a.actor,
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

    async accept(id: string, input: { at: Date; by: string; decideDue: Deadline }): Promise<void> {
      await db.query(
        "UPDATE repair_applications SET status = 'accepted', accepted_at = $2, accepted_by = $3, decide_due = $4, decide_due_provisional = $5 WHERE id = $1",
        [id, input.at, input.by, input.decideDue.date, input.decideDue.provisional],
      );
    },

    async extend(id: string, input: { decideDue: Deadline; at: Date; by: string; reasonCode: string }): Promise<void> {
      await db.query(
        `UPDATE repair_applications SET decide_due = $2, decide_due_provisional = $3, extended_at = $4, extended_by = $5, extension_reason_code = $6
          WHERE id = $1`,
        [id, input.decideDue.date, input.decideDue.provisional, input.at, input.by, input.reasonCode],
      );
    },

    /** Open applications with a due date still counted provisionally. */
    async provisionalDeadlines(): Promise<
      { id: string; filed_on: CivilDate; accepted_at: Date | null; extended: boolean; accept_due_provisional: boolean; decide_due_provisional: boolean }[]
    > {
      const r = await db.query<{ id: string; filed_on: CivilDate; accepted_at: Date | null; extended: boolean; accept_due_provisional: boolean; decide_due_provisional: boolean }>(
        `SELECT id, to_char(filed_on, 'YYYY-MM-DD') AS filed_on, accepted_at, extended_at IS NOT NULL AS extended, accept_due_provisional, decide_due_provisional
           FROM repair_applications
          WHERE status IN ('submitted', 'accepted', 'awaiting_second') AND (accept_due_provisional OR decide_due_provisional)
          ORDER BY id FOR UPDATE`,
      );
      return r.rows;
    },

    /** Replaces the recomputed due dates (null: that one is left as it is). */
    async setDeadlines(id: string, due: { accept: Deadline | null; decide: Deadline | null }): Promise<void> {
      await db.query(
        `UPDATE repair_applications SET
           accept_due = coalesce($2::date, accept_due), accept_due_provisional = coalesce($3, accept_due_provisional),
           decide_due = coalesce($4::date, decide_due), decide_due_provisional = coalesce($5, decide_due_provisional)
         WHERE id = $1`,
        [id, due.accept?.date ?? null, due.accept?.provisional ?? null, due.decide?.date ?? null, due.decide?.provisional ?? null],
      );
    },

    /** Results not yet passed on whose due date is provisional. */
    async provisionalSyncItems(): Promise<{ id: number; created_at: Date }[]> {
      const r = await db.query<{ id: number; created_at: Date }>("SELECT id, created_at FROM sync_outbox WHERE synced_at IS NULL AND due_provisional ORDER BY id FOR UPDATE");
      return r.rows;
    },

    async setSyncDue(id: number, due: Deadline): Promise<void> {
      await db.query("UPDATE sync_outbox SET due_on = $2, due_provisional = $3 WHERE id = $1", [id, due.date, due.provisional]);
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
      /** Structured reasons (api/src/credit/policy/reasons.ts); default none. */
      reasons?: Reason[];
      document: string;
      digest: Buffer;
      at: Date;
    }): Promise<void> {
      await db.query(
        `INSERT INTO repair_decisions (application_id, step, outcome, officer, reason, policy_version, rule_id, reasons, document, digest, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [d.applicationId, d.step, d.outcome, d.officer, d.reason, d.policyVersion, d.ruleId, JSON.stringify(d.reasons ?? []), d.document, d.digest, d.at],
      );
    },

    async decisionsOf(applicationId: string): Promise<DecisionRow[]> {
      const r = await db.query<DecisionRow>(
        "SELECT step, outcome, officer, reason, policy_version, rule_id, reasons, document, digest, decided_at FROM repair_decisions WHERE application_id = $1 ORDER BY id",
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
    async enqueueSync(item: { kind: "repair.approved" | "record.expired"; recordId: string; payload: object; at: Date; due: Deadline }): Promise<void> {
      await db.query(
        "INSERT INTO sync_outbox (kind, record_id, payload, created_at, due_on, due_provisional) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        [item.kind, item.recordId, JSON.stringify(item.payload), item.at, item.due.date, item.due.provisional],
      );
    },

    /** Results to pass on, all or only those not yet acknowledged; overdue as of `today`. */
    async syncItems(which: "pending" | "all", today: CivilDate): Promise<SyncItemRow[]> {
      const r = await db.query<SyncItemRow>(
        `SELECT id, kind, record_id, payload, created_at, to_char(due_on, 'YYYY-MM-DD') AS due_on, due_provisional, synced_at, synced_by,
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
