// SQL of the credit feature (api/migrations/005_credit.sql, 009_credit_rules.sql): dishonesty
// records, the facts that obligations were met, 免申即享 notifications, the subject's credit
// status, the commitment texts, and the records handed to an officer at the maximum period. Call with the pool, or with the client of the caller's transaction;
// the policy versions are read by ./policies.ts.
import type { Queryable } from "../db/database.ts";
import type { CivilDate } from "./calendar.ts";
import type { FactKind, Obligation, Reason } from "./policy/evaluate.ts";
import type { DecisionMode, RecordKind, Severity } from "./policy/types.ts";

export interface RecordRow {
  id: string;
  chain_id: Buffer;
  subject_id: string;
  kind: RecordKind;
  severity: Severity;
  sector: string | null;
  deciding_unit: string;
  decision_no: string;
  decision_date: string;
  legal_basis: string;
  penalties: { type: string; severity: Severity }[];
  obligations: Obligation[];
  correction_required: boolean;
  repairable: boolean;
  not_repairable_basis: string | null;
  policy_version: string;
  decision_mode: DecisionMode;
  minimum_ends_on: string;
  last_public_day: string;
  public_until: Date;
  public: boolean;
  status: "published" | "repaired" | "expired";
  status_changed_at: Date | null;
  digest: Buffer;
  created_at: Date;
}

export const RECORD_COLUMNS = `r.id, r.chain_id, r.subject_id, r.kind, r.severity, r.sector, r.deciding_unit, r.decision_no,
  to_char(r.decision_date, 'YYYY-MM-DD') AS decision_date, r.legal_basis, r.penalties, r.obligations, r.correction_required,
  r.repairable, r.not_repairable_basis, r.policy_version, r.decision_mode,
  to_char(r.minimum_ends_on, 'YYYY-MM-DD') AS minimum_ends_on, to_char(r.last_public_day, 'YYYY-MM-DD') AS last_public_day,
  r.public_until, r.public, r.status, r.status_changed_at, r.digest, r.created_at`;

export interface MaxPeriodCaseRow {
  record_id: string;
  opened_at: Date;
  deciding_unit: string;
  policy_version: string;
  rule_id: string;
  at_maximum: "ends_if_met" | "officer";
  reasons: Reason[];
  closed_at: Date | null;
  closed_by: string | null;
  outcome: "ended" | "kept" | null;
}

/** Not yet handed to an officer at the maximum period (a case, open or closed, settles it). */
const NO_CASE = "NOT EXISTS (SELECT 1 FROM credit_max_period_cases c WHERE c.record_id = r.id)";

export interface FactRow {
  id: number;
  record_id: string;
  kind: FactKind;
  obligation_index: number | null;
  condition_id: string | null;
  occurred_on: string;
  note: string | null;
  created_at: Date;
}

export interface NewRecordRow {
  id: string;
  chainId: Buffer;
  subjectId: string;
  kind: RecordKind;
  severity: Severity;
  sector: string | null;
  decidingUnit: string;
  decisionNo: string;
  decisionDate: CivilDate;
  legalBasis: string;
  penalties: unknown[];
  obligations: unknown[];
  correctionRequired: boolean;
  repairable: boolean;
  notRepairableBasis: string | null;
  policyVersion: string;
  decisionMode: DecisionMode;
  minimumEndsOn: CivilDate;
  lastPublicDay: CivilDate;
  publicUntil: Date;
  public: boolean;
  status: RecordRow["status"];
  document: string;
  digest: Buffer;
  at: Date;
  actor: string;
}

export function createCreditRepository(db: Queryable) {
  const lockClause = (lock?: boolean) => (lock ? " FOR UPDATE" : "");
  const rows = async (where: string, args: unknown[], options: { lock?: boolean; order?: string } = {}) =>
    (await db.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM credit_records r WHERE ${where} ORDER BY ${options.order ?? "r.id"}${lockClause(options.lock)}`, args)).rows;

  return {
    async record(id: string, options: { lock?: boolean } = {}): Promise<RecordRow | null> {
      return (await rows("r.id = $1", [id], options))[0] ?? null;
    },

    /** The records with these ids, in id order (the lock order of every writer). */
    records: (ids: readonly string[], options: { lock?: boolean; publishedOnly?: boolean } = {}) =>
      rows(`r.id = ANY($1::uuid[])${options.publishedOnly ? " AND r.status = 'published'" : ""}`, [ids], options),

    recordsOfSubject: (subjectId: string) => rows("r.subject_id = $1", [subjectId], { order: "r.decision_date, r.created_at" }),

    /** What the public view shows: records in publicity, public, not yet past their end. */
    publicRecordsOf: (subjectId: string, now: Date) =>
      rows("r.subject_id = $1 AND r.status = 'published' AND r.public AND r.public_until > $2", [subjectId, now], { order: "r.decision_date" }),

    /** A subject's published records past their maximum by `now`, not handed to an officer (row-locked: expiry). */
    expiredRecordsOf: (subjectId: string, now: Date) =>
      rows(`r.subject_id = $1 AND r.status = 'published' AND r.public_until <= $2 AND ${NO_CASE}`, [subjectId, now], { lock: true }),

    /** Inserts a record unless the agency already published this decision for this subject; false then. */
    async insertRecord(r: NewRecordRow): Promise<boolean> {
      const inserted = await db.query(
        `INSERT INTO credit_records (id, chain_id, subject_id, kind, severity, sector, deciding_unit, decision_no, decision_date, legal_basis,
           penalties, obligations, correction_required, repairable, not_repairable_basis, policy_version, decision_mode,
           minimum_ends_on, last_public_day, public_until, public, status, status_changed_at, document, digest, created_at, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27)
         ON CONFLICT (deciding_unit, decision_no, subject_id, kind) DO NOTHING RETURNING id`,
        [
          r.id, r.chainId, r.subjectId, r.kind, r.severity, r.sector, r.decidingUnit, r.decisionNo, r.decisionDate,
          r.legalBasis, JSON.stringify(r.penalties), JSON.stringify(r.obligations), r.correctionRequired,
          r.repairable, r.notRepairableBasis, r.policyVersion, r.decisionMode, r.minimumEndsOn, r.lastPublicDay, r.publicUntil,
          r.public, r.status, r.status === "expired" ? r.at : null, r.document, r.digest, r.at, r.actor,
        ],
      );
      return (inserted.rowCount ?? 0) > 0;
    },

    async recordIdOfDecision(d: { decidingUnit: string; decisionNo: string; subjectId: string; kind: RecordKind }): Promise<string | null> {
      const r = await db.query<{ id: string }>(
        "SELECT id FROM credit_records WHERE deciding_unit = $1 AND decision_no = $2 AND subject_id = $3 AND kind = $4",
        [d.decidingUnit, d.decisionNo, d.subjectId, d.kind],
      );
      return r.rows[0]?.id ?? null;
    },

    async setStatus(ids: readonly string[], status: "repaired" | "expired", at: Date): Promise<void> {
      await db.query("UPDATE credit_records SET status = $2, status_changed_at = $3 WHERE id = ANY($1::uuid[]) AND status = 'published'", [ids, status, at]);
    },

    /** Subjects with a published record past its maximum by `now` that no officer's case holds. */
    async subjectsWithExpiredRecords(now: Date, limit: number): Promise<string[]> {
      const r = await db.query<{ subject_id: string }>(
        `SELECT DISTINCT r.subject_id FROM credit_records r WHERE r.status = 'published' AND r.public_until <= $1 AND ${NO_CASE} LIMIT $2`,
        [now, limit],
      );
      return r.rows.map((row) => row.subject_id);
    },

    /** Opens the officer's case of a record at its maximum period; false when it has one already. */
    async openMaxPeriodCase(c: { recordId: string; at: Date; decidingUnit: string; policyVersion: string; ruleId: string; atMaximum: "ends_if_met" | "officer"; reasons: Reason[] }): Promise<boolean> {
      const r = await db.query(
        `INSERT INTO credit_max_period_cases (record_id, opened_at, deciding_unit, policy_version, rule_id, at_maximum, reasons)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (record_id) DO NOTHING`,
        [c.recordId, c.at, c.decidingUnit, c.policyVersion, c.ruleId, c.atMaximum, JSON.stringify(c.reasons)],
      );
      return (r.rowCount ?? 0) > 0;
    },

    /** Open cases, oldest first; `atMaximum` narrows to the scheduler's (ends_if_met) or the officers' only. */
    async openMaxPeriodCases(atMaximum?: "ends_if_met" | "officer"): Promise<(MaxPeriodCaseRow & { subject_id: string })[]> {
      const r = await db.query<MaxPeriodCaseRow & { subject_id: string }>(
        `SELECT c.*, r.subject_id FROM credit_max_period_cases c JOIN credit_records r ON r.id = c.record_id
          WHERE c.closed_at IS NULL AND ($1::text IS NULL OR c.at_maximum = $1) ORDER BY c.opened_at, c.record_id`,
        [atMaximum ?? null],
      );
      return r.rows;
    },

    async maxPeriodCase(recordId: string, options: { lock?: boolean } = {}): Promise<MaxPeriodCaseRow | null> {
      const r = await db.query<MaxPeriodCaseRow>(`SELECT * FROM credit_max_period_cases WHERE record_id = $1${lockClause(options.lock)}`, [recordId]);
      return r.rows[0] ?? null;
    },

    async closeMaxPeriodCase(recordId: string, close: { at: Date; by: string; outcome: "ended" | "kept" }): Promise<void> {
      await db.query("UPDATE credit_max_period_cases SET closed_at = $2, closed_by = $3, outcome = $4 WHERE record_id = $1 AND closed_at IS NULL", [
        recordId,
        close.at,
        close.by,
        close.outcome,
      ]);
    },

    /** Published records past their minimum period (before `today`) and not yet marked repairable, by subject. */
    async repairableCandidates(today: CivilDate): Promise<{ id: string; subject_id: string }[]> {
      const r = await db.query<{ id: string; subject_id: string }>(
        `SELECT r.id, r.subject_id FROM credit_records r
          WHERE r.status = 'published' AND r.repairable AND r.minimum_ends_on < $1
            AND NOT EXISTS (SELECT 1 FROM credit_notifications n WHERE n.record_id = r.id AND n.kind = 'repairable')
          ORDER BY r.subject_id`,
        [today],
      );
      return r.rows;
    },

    /** The facts of each record (every id present, in fact order). */
    async facts(recordIds: readonly string[]): Promise<Map<string, FactRow[]>> {
      const out = new Map<string, FactRow[]>(recordIds.map((id) => [id, []]));
      if (recordIds.length === 0) return out;
      const r = await db.query<FactRow>(
        `SELECT id, record_id, kind, obligation_index, condition_id, to_char(occurred_on, 'YYYY-MM-DD') AS occurred_on, note, created_at
           FROM credit_facts WHERE record_id = ANY($1::uuid[]) ORDER BY id`,
        [recordIds],
      );
      for (const f of r.rows) out.get(f.record_id)!.push(f);
      return out;
    },

    /** Inserts a fact unless it is already recorded; its id, or null. */
    async insertFact(f: { recordId: string; kind: FactKind; obligationIndex: number | null; conditionId: string | null; on: CivilDate; note: string | null; at: Date; actor: string }): Promise<number | null> {
      const r = await db.query<{ id: number }>(
        `INSERT INTO credit_facts (record_id, kind, obligation_index, condition_id, occurred_on, note, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id`,
        [f.recordId, f.kind, f.obligationIndex, f.conditionId, f.on, f.note, f.at, f.actor],
      );
      return r.rows[0]?.id ?? null;
    },

    /** The subject's approved repairs (the local refusal rules look at them). */
    async approvedRepairs(subjectId: string): Promise<{ kind: RecordKind; decided_at: Date }[]> {
      const r = await db.query<{ kind: RecordKind; decided_at: Date }>(
        `SELECT c.kind, d.decided_at FROM repair_decisions d
           JOIN repair_application_records ar ON ar.application_id = d.application_id
           JOIN credit_records c ON c.id = ar.record_id
          WHERE c.subject_id = $1 AND d.step = 'final' AND d.outcome = 'approved'`,
        [subjectId],
      );
      return r.rows;
    },

    /** The open repair application on each of these records. */
    async openApplicationsOn(recordIds: readonly string[]): Promise<{ record_id: string; application_id: string; status: string }[]> {
      const r = await db.query<{ record_id: string; application_id: string; status: string }>(
        `SELECT ar.record_id, a.id AS application_id, a.status FROM repair_application_records ar JOIN repair_applications a ON a.id = ar.application_id
          WHERE ar.open AND ar.record_id = ANY($1::uuid[])`,
        [recordIds],
      );
      return r.rows;
    },

    /** Marks a record repairable once; false when it already was. */
    async insertRepairableNotice(n: { subjectId: string; recordId: string; ruleId: string; at: Date }): Promise<boolean> {
      const r = await db.query(
        "INSERT INTO credit_notifications (subject_id, record_id, kind, rule_id, created_at) VALUES ($1, $2, 'repairable', $3, $4) ON CONFLICT (record_id, kind) DO NOTHING",
        [n.subjectId, n.recordId, n.ruleId, n.at],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async notificationsOf(subjectId: string): Promise<{ id: number; record_id: string; rule_id: string; created_at: Date; seen_at: Date | null }[]> {
      const r = await db.query<{ id: number; record_id: string; rule_id: string; created_at: Date; seen_at: Date | null }>(
        "SELECT id, record_id, rule_id, created_at, seen_at FROM credit_notifications WHERE subject_id = $1 ORDER BY id",
        [subjectId],
      );
      return r.rows;
    },

    async markNotificationSeen(id: number, subjectId: string, at: Date): Promise<void> {
      await db.query("UPDATE credit_notifications SET seen_at = coalesce(seen_at, $3) WHERE id = $1 AND subject_id = $2", [id, subjectId, at]);
    },

    /**
     * Recomputes a subject's credit status from its active public records (call with the
     * subject row locked). serious: on the serious-dishonesty list; dishonest: any other
     * record in publicity; good: none.
     */
    async refreshCreditStatus(subjectId: string, now: Date): Promise<{ before: string; after: string }> {
      const r = await db.query<{ before: string; after: string }>(
        `WITH active AS (
           SELECT kind FROM credit_records WHERE subject_id = $1 AND status = 'published' AND public AND public_until > $2)
         UPDATE subjects s SET credit_status = CASE
             WHEN EXISTS (SELECT 1 FROM active WHERE kind = 'serious_list') THEN 'serious'
             WHEN EXISTS (SELECT 1 FROM active) THEN 'dishonest'
             ELSE 'good' END
           FROM (SELECT credit_status AS before FROM subjects WHERE id = $1) old
          WHERE s.id = $1
          RETURNING old.before, s.credit_status AS after`,
        [subjectId, now],
      );
      return r.rows[0]!;
    },

    /** The digest of a credit commitment text (信用承诺书) version, or null when there is no such version. */
    async commitmentDigest(version: string): Promise<Buffer | null> {
      const r = await db.query<{ digest: Buffer }>("SELECT digest FROM credit_commitment_texts WHERE version = $1", [version]);
      return r.rows[0]?.digest ?? null;
    },
  };
}

export type CreditRepository = ReturnType<typeof createCreditRepository>;
