// Credit records: publishing (with the publicity window from the policy in force at
// the decision date), facts from the agency's feed, the subject's credit status, and
// the grouped view the kiosk shows. Every write appends a ledger entry and, where the
// chain must know, an outbox row, in the caller's transaction.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import { appendEntry } from "../ledger/append.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { enqueueChainWrite, hex32 } from "../chain/outbox.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { addDays, chinaDate, chinaMidnight, compareDates, isCivilDate, type CivilDate } from "./calendar.ts";
import { decisionRuleFor, evaluate, NoPolicyError, policyFor, publicityOf, type Evaluation, type Fact, type FactKind, type Obligation, type SubjectHistory } from "./policy/evaluate.ts";
import type { DecisionMode, Policy, RecordKind, Severity } from "./policy/types.ts";
import { loadPolicies, sha256 } from "./policies.ts";

export const CATEGORY: Record<RecordKind, number> = { admin_penalty: 1, serious_list: 2, abnormal_operation: 3, other: 4 };
export const SEVERITY_CODE: Record<Severity, number> = { minor: 1, general: 2, serious: 3 };

export interface NewRecord {
  subjectId: string;
  kind: RecordKind;
  severity: Severity;
  sector?: string | null;
  decidingUnit: string;
  decisionNo: string;
  decisionDate: CivilDate;
  legalBasis: string;
  penalties?: { type: string; severity: Severity }[];
  obligations?: Obligation[];
  correctionRequired?: boolean;
  repairable?: boolean;
  notRepairableBasis?: string | null;
  /** Show on the public view; default from the policy (minor records normally are not shown). */
  publish?: boolean;
}

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

export interface SubjectRow {
  id: string;
  kind: "person" | "enterprise";
  display_name: string;
  commitment: Buffer;
  legal_rep_id: string | null;
  credit_status: "good" | "dishonest" | "serious";
}

export const chainIdOf = (kind: "record" | "application", id: string): Buffer => sha256(`onecode:${kind}:${id}`);
export const hex = (b: Buffer): string => hex32(b);

export async function lockSubject(client: Queryable, subjectId: string): Promise<SubjectRow> {
  const r = await client.query<SubjectRow>(
    "SELECT id, kind, display_name, commitment, legal_rep_id, credit_status FROM subjects WHERE id = $1 FOR UPDATE",
    [subjectId],
  );
  if (!r.rows[0]) throw notFound("subject_not_found", `No subject ${subjectId}`);
  return r.rows[0];
}

export async function getSubject(client: Queryable, subjectId: string): Promise<SubjectRow> {
  const r = await client.query<SubjectRow>("SELECT id, kind, display_name, commitment, legal_rep_id, credit_status FROM subjects WHERE id = $1", [subjectId]);
  if (!r.rows[0]) throw notFound("subject_not_found", `No subject ${subjectId}`);
  return r.rows[0];
}

/**
 * Recomputes a subject's credit status from its active public records (call with the
 * subject row locked). serious: on the serious-dishonesty list; dishonest: any other
 * record in publicity; good: none.
 */
export async function refreshCreditStatus(client: Queryable, subjectId: string, now: Date): Promise<{ before: string; after: string }> {
  const r = await client.query<{ before: string; after: string }>(
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
}

function recordDocument(id: string, chainId: Buffer, subject: SubjectRow, input: NewRecord, policy: Policy, publicUntil: Date, isPublic: boolean) {
  return {
    schema: "onecode.credit-record/1",
    recordId: hex(chainId),
    subject: hex(subject.commitment),
    kind: input.kind,
    severity: input.severity,
    sector: input.sector ?? null,
    decidingUnit: input.decidingUnit,
    decisionNo: input.decisionNo,
    decisionDate: input.decisionDate,
    legalBasis: input.legalBasis,
    penalties: input.penalties ?? [],
    obligations: (input.obligations ?? []).map((o) => ({ type: o.type, amount: o.amount ?? null, description: o.description })),
    correctionRequired: input.correctionRequired ?? false,
    repairable: input.repairable ?? true,
    notRepairableBasis: input.notRepairableBasis ?? null,
    policyVersion: policy.version,
    publicUntil: publicUntil.toISOString(),
    public: isPublic,
    localId: id,
  };
}

export interface PublishedRecord {
  id: string;
  chainId: string;
  status: RecordRow["status"];
  policyVersion: string;
  decisionMode: DecisionMode;
  minimumEndsOn: CivilDate;
  lastPublicDay: CivilDate;
  publicUntil: string;
  public: boolean;
  digest: string;
  ledgerSeq: number;
  creditStatus: string;
}

/** Publishes one record: row, ledger entry, chain write and the subject's new credit status, in `client`'s transaction. */
export async function publishRecord(client: Queryable, input: NewRecord, actor: string, now: Date, policies?: Policy[]): Promise<PublishedRecord> {
  const today = chinaDate(now);
  if (!isCivilDate(input.decisionDate)) throw unprocessable("invalid_date", `decisionDate ${input.decisionDate} is not a calendar date`);
  if (compareDates(input.decisionDate, today) > 0) throw unprocessable("decision_date_in_future", `decisionDate ${input.decisionDate} is after today (${today})`);
  const repairable = input.repairable ?? true;
  if (!repairable && !input.notRepairableBasis) throw unprocessable("basis_required", "A record that cannot be repaired needs the legal basis (notRepairableBasis)");
  if (input.kind === "serious_list" && input.severity !== "serious") throw unprocessable("invalid_severity", "A serious-dishonesty list entry is serious");
  const subject = await lockSubject(client, input.subjectId);
  let policy: Policy;
  try {
    policy = policyFor(input.decisionDate, policies ?? (await loadPolicies(client)));
  } catch (error) {
    if (error instanceof NoPolicyError) throw unprocessable("no_policy", error.message);
    throw error;
  }
  const publicity = publicityOf(input, policy);
  const mode = decisionRuleFor(input, policy);
  const publicUntil = chinaMidnight(addDays(publicity.lastDay, 1));
  const isPublic = input.publish ?? publicity.publishedByDefault;
  // A record fed in after its publicity ended is kept for the history, not published.
  const status = publicUntil.getTime() <= now.getTime() ? "expired" : "published";
  const id = randomUUID();
  const chainId = chainIdOf("record", id);
  const document = canonicalJson(recordDocument(id, chainId, subject, input, policy, publicUntil, isPublic));
  const digest = sha256(document);
  const inserted = await client.query(
    `INSERT INTO credit_records (id, chain_id, subject_id, kind, severity, sector, deciding_unit, decision_no, decision_date, legal_basis,
       penalties, obligations, correction_required, repairable, not_repairable_basis, policy_version, decision_mode,
       minimum_ends_on, last_public_day, public_until, public, status, status_changed_at, document, digest, created_at, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27)
     ON CONFLICT (deciding_unit, decision_no, subject_id, kind) DO NOTHING RETURNING id`,
    [
      id, chainId, subject.id, input.kind, input.severity, input.sector ?? null, input.decidingUnit, input.decisionNo, input.decisionDate,
      input.legalBasis, JSON.stringify(input.penalties ?? []), JSON.stringify(input.obligations ?? []), input.correctionRequired ?? false,
      repairable, input.notRepairableBasis ?? null, policy.version, mode.decision, publicity.minimumEndsOn, publicity.lastDay, publicUntil,
      isPublic, status, status === "expired" ? now : null, document, digest, now, actor,
    ],
  );
  if (inserted.rowCount === 0) {
    const existing = await client.query<{ id: string }>(
      "SELECT id FROM credit_records WHERE deciding_unit = $1 AND decision_no = $2 AND subject_id = $3 AND kind = $4",
      [input.decidingUnit, input.decisionNo, subject.id, input.kind],
    );
    throw conflict("record_exists", `Decision ${input.decisionNo} of ${input.decidingUnit} is already published for this subject`, { recordId: existing.rows[0]?.id });
  }
  const credit = await refreshCreditStatus(client, subject.id, now);
  const entry = await appendEntry(client, {
    type: "record.published",
    payload: {
      recordId: hex(chainId),
      subject: hex(subject.commitment),
      digest: hex(digest),
      kind: input.kind,
      severity: input.severity,
      decisionDate: input.decisionDate,
      policyVersion: policy.version,
      periodRuleId: publicity.ruleId,
      decisionMode: mode.decision,
      decisionRuleId: mode.ruleId,
      publicUntil: publicUntil.toISOString(),
      public: isPublic,
      status,
      creditStatus: credit.after,
    },
    actor,
    subjectRef: hex(subject.commitment),
    at: now,
  });
  if (status === "published") {
    await enqueueChainWrite(client, {
      kind: "record.publish",
      recordId: hex(chainId),
      subject: hex(subject.commitment),
      digest: hex(digest),
      category: CATEGORY[input.kind],
      severity: SEVERITY_CODE[input.severity],
      publicUntil: Math.floor(publicUntil.getTime() / 1000),
      twoOfficers: mode.decision === "two_officers",
    });
  }
  return {
    id,
    chainId: hex(chainId),
    status,
    policyVersion: policy.version,
    decisionMode: mode.decision,
    minimumEndsOn: publicity.minimumEndsOn,
    lastPublicDay: publicity.lastDay,
    publicUntil: publicUntil.toISOString(),
    public: isPublic,
    digest: hex(digest),
    ledgerSeq: entry.seq,
    creditStatus: credit.after,
  };
}

export async function getRecord(client: Queryable, id: string, lock = false): Promise<RecordRow> {
  const r = await client.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM credit_records r WHERE r.id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  if (!r.rows[0]) throw notFound("record_not_found", `No credit record ${id}`);
  return r.rows[0];
}

export async function factsOf(client: Queryable, recordIds: string[]): Promise<Map<string, FactRow[]>> {
  const out = new Map<string, FactRow[]>(recordIds.map((id) => [id, []]));
  if (recordIds.length === 0) return out;
  const r = await client.query<FactRow>(
    `SELECT id, record_id, kind, obligation_index, condition_id, to_char(occurred_on, 'YYYY-MM-DD') AS occurred_on, note, created_at
       FROM credit_facts WHERE record_id = ANY($1::uuid[]) ORDER BY id`,
    [recordIds],
  );
  for (const f of r.rows) out.get(f.record_id)!.push(f);
  return out;
}

/** The subject's approved repairs, for the local refusal rules. */
export async function historyOf(client: Queryable, subjectId: string): Promise<SubjectHistory> {
  const r = await client.query<{ kind: RecordKind; decided_at: Date }>(
    `SELECT c.kind, d.decided_at FROM repair_decisions d
       JOIN repair_application_records ar ON ar.application_id = d.application_id
       JOIN credit_records c ON c.id = ar.record_id
      WHERE c.subject_id = $1 AND d.step = 'final' AND d.outcome = 'approved'`,
    [subjectId],
  );
  return { repairs: r.rows.map((row) => ({ kind: row.kind, decidedOn: chinaDate(row.decided_at) })) };
}

export const toFacts = (rows: FactRow[]): Fact[] =>
  rows.map((f) => ({ kind: f.kind, obligationIndex: f.obligation_index, conditionId: f.condition_id, on: f.occurred_on }));

export function evaluateRow(record: RecordRow, facts: FactRow[], history: SubjectHistory, date: CivilDate, policies: Policy[]): Evaluation {
  return evaluate(
    {
      kind: record.kind,
      severity: record.severity,
      penalties: record.penalties,
      sector: record.sector,
      decisionDate: record.decision_date,
      obligations: record.obligations,
      correctionRequired: record.correction_required,
      repairable: record.repairable,
      notRepairableBasis: record.not_repairable_basis,
      status: record.status,
    },
    toFacts(facts),
    history,
    date,
    policies.filter((p) => p.version === record.policy_version).length > 0 ? policies.filter((p) => p.version === record.policy_version) : policies,
  );
}

/** 免申即享: records that are repairable now get one notification (and a ledger entry). */
export async function notifyIfRepairable(client: Queryable, record: RecordRow, evaluation: Evaluation, subject: SubjectRow, actor: string, now: Date): Promise<boolean> {
  if (evaluation.repairable !== "now" || record.status !== "published") return false;
  const r = await client.query(
    "INSERT INTO credit_notifications (subject_id, record_id, kind, rule_id, created_at) VALUES ($1, $2, 'repairable', $3, $4) ON CONFLICT (record_id, kind) DO NOTHING",
    [record.subject_id, record.id, evaluation.ruleId, now],
  );
  if (r.rowCount === 0) return false;
  await appendEntry(client, {
    type: "record.repairable",
    payload: { recordId: hex(record.chain_id), subject: hex(subject.commitment), policyVersion: evaluation.policyVersion, ruleId: evaluation.ruleId, decision: evaluation.decision },
    actor,
    subjectRef: hex(subject.commitment),
    at: now,
  });
  return true;
}

export interface NewFact {
  kind: FactKind;
  obligationIndex?: number | null;
  conditionId?: string | null;
  on: CivilDate;
  note?: string | null;
}

export async function addFact(client: Queryable, recordId: string, fact: NewFact, actor: string, now: Date): Promise<{ id: number; ledgerSeq: number; evaluation: Evaluation }> {
  const record = await getRecord(client, recordId, true);
  if (!isCivilDate(fact.on)) throw unprocessable("invalid_date", `on ${fact.on} is not a calendar date`);
  if (compareDates(fact.on, chinaDate(now)) > 0) throw unprocessable("fact_in_future", `The fact is dated after today`);
  if (compareDates(fact.on, record.decision_date) < 0) throw unprocessable("fact_before_decision", `The fact is dated before the decision (${record.decision_date})`);
  if (fact.kind === "fine_paid" || fact.kind === "order_complied") {
    const index = fact.obligationIndex;
    const obligation = index === undefined || index === null ? undefined : record.obligations[index];
    const expected = fact.kind === "fine_paid" ? "fine" : "order";
    if (!obligation || obligation.type !== expected) {
      throw unprocessable("obligation_mismatch", `${fact.kind} needs obligationIndex of an obligation of type ${expected}`);
    }
  } else if (fact.kind === "condition_met" && !fact.conditionId) {
    throw unprocessable("condition_required", "condition_met needs conditionId");
  }
  const obligationIndex = fact.kind === "fine_paid" || fact.kind === "order_complied" ? fact.obligationIndex! : null;
  const conditionId = fact.kind === "condition_met" ? fact.conditionId! : null;
  const inserted = await client.query<{ id: number }>(
    `INSERT INTO credit_facts (record_id, kind, obligation_index, condition_id, occurred_on, note, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id`,
    [record.id, fact.kind, obligationIndex, conditionId, fact.on, fact.note ?? null, now, actor],
  );
  if (inserted.rowCount === 0) throw conflict("fact_exists", "This fact is already recorded for this record");
  const subject = await getSubject(client, record.subject_id);
  const entry = await appendEntry(client, {
    type: "record.fact_added",
    payload: { recordId: hex(record.chain_id), subject: hex(subject.commitment), kind: fact.kind, obligationIndex, conditionId, on: fact.on },
    actor,
    subjectRef: hex(subject.commitment),
    at: now,
  });
  const policies = await loadPolicies(client);
  const facts = (await factsOf(client, [record.id])).get(record.id)!;
  const evaluation = evaluateRow(record, facts, await historyOf(client, record.subject_id), chinaDate(now), policies);
  await notifyIfRepairable(client, record, evaluation, subject, actor, now);
  return { id: inserted.rows[0]!.id, ledgerSeq: entry.seq, evaluation };
}

export function recordView(r: RecordRow, facts: FactRow[] = []) {
  return {
    id: r.id,
    chainId: hex(r.chain_id),
    subjectId: r.subject_id,
    kind: r.kind,
    severity: r.severity,
    sector: r.sector,
    decidingUnit: r.deciding_unit,
    decisionNo: r.decision_no,
    decisionDate: r.decision_date,
    legalBasis: r.legal_basis,
    penalties: r.penalties,
    obligations: r.obligations.map((o, index) => ({
      ...o,
      index,
      fulfilledOn: facts.find((f) => f.obligation_index === index && (f.kind === "fine_paid" || f.kind === "order_complied"))?.occurred_on ?? null,
    })),
    correctionRequired: r.correction_required,
    repairable: r.repairable,
    notRepairableBasis: r.not_repairable_basis,
    policyVersion: r.policy_version,
    decisionMode: r.decision_mode,
    minimumEndsOn: r.minimum_ends_on,
    lastPublicDay: r.last_public_day,
    publicUntil: r.public_until.toISOString(),
    public: r.public,
    status: r.status,
    statusChangedAt: r.status_changed_at?.toISOString() ?? null,
    digest: hex(r.digest),
    facts: facts.map((f) => ({ kind: f.kind, obligationIndex: f.obligation_index, conditionId: f.condition_id, on: f.occurred_on, note: f.note })),
  };
}

export type RecordView = ReturnType<typeof recordView>;

/**
 * What the kiosk shows for a subject: its records grouped as repairable now, later
 * (with the date and the rule), in review (an open application), not repairable
 * (with the reason), and ended (repaired or expired), plus its 免申即享 notifications.
 */
export async function subjectRecordsView(client: Queryable, subjectId: string, now: Date) {
  const subject = await getSubject(client, subjectId);
  const records = (await client.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM credit_records r WHERE r.subject_id = $1 ORDER BY r.decision_date, r.created_at`, [subjectId])).rows;
  const facts = await factsOf(client, records.map((r) => r.id));
  const history = await historyOf(client, subjectId);
  const policies = await loadPolicies(client);
  const open = await client.query<{ record_id: string; application_id: string; status: string }>(
    `SELECT ar.record_id, a.id AS application_id, a.status FROM repair_application_records ar JOIN repair_applications a ON a.id = ar.application_id
      WHERE ar.open AND ar.record_id = ANY($1::uuid[])`,
    [records.map((r) => r.id)],
  );
  const openBy = new Map(open.rows.map((o) => [o.record_id, o]));
  const date = chinaDate(now);
  const view = {
    subject: { id: subject.id, kind: subject.kind, displayName: subject.display_name, creditStatus: subject.credit_status },
    asOf: date,
    repairableNow: [] as object[],
    later: [] as object[],
    inReview: [] as object[],
    notRepairable: [] as object[],
    ended: [] as object[],
    notifications: [] as object[],
  };
  for (const r of records) {
    const rv = recordView(r, facts.get(r.id));
    if (r.status !== "published") {
      view.ended.push(rv);
      continue;
    }
    const pending = openBy.get(r.id);
    if (pending) {
      view.inReview.push({ ...rv, applicationId: pending.application_id, applicationStatus: pending.status });
      continue;
    }
    const e = evaluateRow(r, facts.get(r.id)!, history, date, policies);
    const evaluation = { repairable: e.repairable, earliestDate: e.earliestDate ?? null, decision: e.decision, ruleId: e.ruleId, policyVersion: e.policyVersion, reasons: e.reasons };
    if (e.repairable === "now") view.repairableNow.push({ ...rv, evaluation });
    else if (e.repairable === "later") view.later.push({ ...rv, evaluation });
    else view.notRepairable.push({ ...rv, evaluation });
  }
  const notes = await client.query<{ id: number; record_id: string; rule_id: string; created_at: Date; seen_at: Date | null }>(
    "SELECT id, record_id, rule_id, created_at, seen_at FROM credit_notifications WHERE subject_id = $1 ORDER BY id",
    [subjectId],
  );
  view.notifications = notes.rows.map((n) => ({ id: n.id, recordId: n.record_id, kind: "repairable", ruleId: n.rule_id, createdAt: n.created_at.toISOString(), seen: n.seen_at !== null }));
  return view;
}

/** The public view: only records in publicity, only what the credit sites show. */
export async function publicRecordsView(client: Queryable, subjectId: string, now: Date) {
  const subject = await getSubject(client, subjectId);
  const records = (
    await client.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM credit_records r WHERE r.subject_id = $1 AND r.status = 'published' AND r.public AND r.public_until > $2 ORDER BY r.decision_date`,
      [subjectId, now],
    )
  ).rows;
  return {
    subject: { displayName: subject.display_name, creditStatus: subject.credit_status },
    asOf: now.toISOString(),
    records: records.map((r) => ({
      id: r.id,
      kind: r.kind,
      severity: r.severity,
      decidingUnit: r.deciding_unit,
      decisionNo: r.decision_no,
      decisionDate: r.decision_date,
      legalBasis: r.legal_basis,
      publicUntil: r.public_until.toISOString(),
      digest: hex(r.digest),
    })),
  };
}
