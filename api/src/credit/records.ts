// Credit records: publishing (with the publicity window from the policy in force at
// the decision date), facts from the agency's feed, the subject's credit status, and
// the grouped view the kiosk shows. Every write appends a ledger entry and, where the
// chain must know, an outbox row, in the caller's transaction.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import { appendEntry, type NewEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { enqueueChainWrite, type ChainWrite } from "../chain/outbox.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { approvalsNeededOf } from "../../../protocol/repair/approvals.ts";
import { conflict, notFound, unprocessable } from "../errors.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { addDays, chinaDate, chinaMidnight, compareDates, isCivilDate, type CivilDate } from "./calendar.ts";
import { decisionRuleFor, evaluate, NoPolicyError, policyFor, publicityOf, type Evaluation, type Fact, type FactKind, type Obligation, type SubjectHistory } from "./policy/evaluate.ts";
import { SECTORS, type DecisionMode, type Policy, type RecordKind, type Severity } from "./policy/types.ts";
import { loadPolicies, sha256 } from "./policies.ts";
import { createCreditRepository, type FactRow, type RecordRow } from "./repository.ts";

export type { FactRow, RecordRow };

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

export const chainIdOf = (kind: "record" | "application", id: string): Buffer => sha256(`onecode:${kind}:${id}`);

/** The decision as the agency sent it, with the defaults filled in: what the row and the document both hold. */
function decisionOf(input: NewRecord) {
  return {
    kind: input.kind,
    severity: input.severity,
    sector: input.sector ?? null,
    decidingUnit: input.decidingUnit,
    decisionNo: input.decisionNo,
    decisionDate: input.decisionDate,
    legalBasis: input.legalBasis,
    penalties: input.penalties ?? [],
    correctionRequired: input.correctionRequired ?? false,
    repairable: input.repairable ?? true,
    notRepairableBasis: input.notRepairableBasis ?? null,
  };
}

/**
 * Whether a stored record holds the same decision as `input` (the bulk feed's re-upload of a
 * line already published is then no conflict: the report names the existing record).
 */
export function sameDecision(row: RecordRow, input: NewRecord): boolean {
  const obligations = (list: readonly Obligation[]) => list.map((o) => ({ type: o.type, amount: o.amount ?? null, description: o.description }));
  const stored = {
    kind: row.kind,
    severity: row.severity,
    sector: row.sector,
    decidingUnit: row.deciding_unit,
    decisionNo: row.decision_no,
    decisionDate: row.decision_date,
    legalBasis: row.legal_basis,
    penalties: row.penalties,
    correctionRequired: row.correction_required,
    repairable: row.repairable,
    notRepairableBasis: row.not_repairable_basis,
    obligations: obligations(row.obligations),
  };
  return row.subject_id === input.subjectId && canonicalJson(stored) === canonicalJson({ ...decisionOf(input), obligations: obligations(input.obligations ?? []) });
}

function recordDocument(id: string, chainId: Buffer, subject: SubjectRow, input: NewRecord, policy: Policy, publicUntil: Date, isPublic: boolean) {
  return {
    schema: "onecode.credit-record/1",
    recordId: hex(chainId),
    subject: hex(subject.commitment),
    ...decisionOf(input),
    obligations: (input.obligations ?? []).map((o) => ({ type: o.type, amount: o.amount ?? null, description: o.description })),
    policyVersion: policy.version,
    publicUntil: publicUntil.toISOString(),
    public: isPublic,
    localId: id,
  };
}

/**
 * The sectors a record may name: the five of Order 58's one-year minimum and every sector a
 * stored policy's rule names. Anything else is refused rather than silently matching no rule
 * (a feed writing "fire" for "fire_safety" would otherwise skip the minimum); a record whose
 * sector no rule concerns is sent without one.
 */
export function knownSectors(policies: readonly Policy[]): string[] {
  const named = policies.flatMap((p) => [...(p.sectorMinimums ?? []).flatMap((m) => m.sectors), ...(p.otherLawPeriods ?? []).flatMap((o) => o.sectors)]);
  return [...new Set<string>([...SECTORS, ...named])].sort();
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
  const written = await writeRecord(client, input, actor, now, policies);
  const entry = await appendEntry(client, written.entry);
  if (written.chainWrite) await enqueueChainWrite(client, written.chainWrite);
  return { ...written.record, ledgerSeq: entry.seq };
}

/** A record's row written; its ledger entry and chain write still to append (the bulk feed appends a chunk's at once). */
export interface WrittenRecord {
  record: Omit<PublishedRecord, "ledgerSeq">;
  entry: NewEntry;
  chainWrite: ChainWrite | null;
}

/**
 * The record's checks and its row (and the subject's credit status). Every refusal (a
 * ProblemError) is thrown before the first write, so a caller that goes on after a refused line
 * (./batch.ts) never keeps half of one. The ledger entry and chain write are returned, not
 * written: append them in the same transaction, in the order of the records.
 */
export async function writeRecord(client: Queryable, input: NewRecord, actor: string, now: Date, policies?: Policy[], locked?: SubjectRow): Promise<WrittenRecord> {
  const today = chinaDate(now);
  if (!isCivilDate(input.decisionDate)) throw unprocessable("invalid_date", `decisionDate ${input.decisionDate} is not a calendar date`);
  if (compareDates(input.decisionDate, today) > 0) throw unprocessable("decision_date_in_future", `decisionDate ${input.decisionDate} is after today (${today})`);
  const repairable = input.repairable ?? true;
  if (!repairable && !input.notRepairableBasis) throw unprocessable("basis_required", "A record that cannot be repaired needs the legal basis (notRepairableBasis)");
  if (input.kind === "serious_list" && input.severity !== "serious") throw unprocessable("invalid_severity", "A serious-dishonesty list entry is serious");
  const credit = createCreditRepository(client);
  // `locked`: the caller holds the subject's row lock already (the bulk feed locks a chunk's subjects at once).
  const subject = locked?.id === input.subjectId ? locked : await createSubjectRepository(client).get(input.subjectId, { lock: true });
  const stored = policies ?? (await loadPolicies(client));
  if (input.sector !== undefined && input.sector !== null && !knownSectors(stored).includes(input.sector)) {
    throw unprocessable("unknown_sector", `sector ${input.sector} is not one the rules know; send one of ${knownSectors(stored).join(", ")}, or none`, { sectors: knownSectors(stored) });
  }
  let policy: Policy;
  try {
    // The record's kind picks a kind-specific rule set (the abnormal-operation list's) where one is in force.
    policy = policyFor(input.decisionDate, stored, input.kind);
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
  const inserted = await credit.insertRecord({
    ...decisionOf(input),
    id,
    chainId,
    subjectId: subject.id,
    obligations: input.obligations ?? [],
    policyVersion: policy.version,
    decisionMode: mode.decision,
    minimumEndsOn: publicity.minimumEndsOn,
    lastPublicDay: publicity.lastDay,
    publicUntil,
    public: isPublic,
    status,
    document,
    digest,
    at: now,
    actor,
  });
  if (!inserted) {
    const existing = await credit.recordIdOfDecision({ decidingUnit: input.decidingUnit, decisionNo: input.decisionNo, subjectId: subject.id, kind: input.kind });
    throw conflict("record_exists", `Decision ${input.decisionNo} of ${input.decidingUnit} is already published for this subject`, { recordId: existing ?? undefined });
  }
  const creditStatus = await credit.refreshCreditStatus(subject.id, now);
  const entry: NewEntry = {
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
      creditStatus: creditStatus.after,
    },
    actor,
    subjectRef: subjectRef(subject.commitment),
    at: now,
  };
  // Only a record still in publicity goes to the chain (an expired one would revert there).
  const chainWrite: ChainWrite | null =
    status !== "published"
      ? null
      : {
          kind: "record.publish",
          recordId: hex(chainId),
          subject: hex(subject.commitment),
          digest: hex(digest),
          category: CATEGORY[input.kind],
          severity: SEVERITY_CODE[input.severity],
          publicUntil: Math.floor(publicUntil.getTime() / 1000),
          approvalsNeeded: approvalsNeededOf(CATEGORY[input.kind], mode.decision),
        };
  const record: WrittenRecord["record"] = {
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
    creditStatus: creditStatus.after,
  };
  return { record, entry, chainWrite };
}

export async function getRecord(client: Queryable, id: string, lock = false): Promise<RecordRow> {
  const record = await createCreditRepository(client).record(id, { lock });
  if (!record) throw notFound("record_not_found", `No credit record ${id}`);
  return record;
}

export const factsOf = (client: Queryable, recordIds: readonly string[]): Promise<Map<string, FactRow[]>> => createCreditRepository(client).facts(recordIds);

/** The subject's approved repairs, for the local refusal rules. */
export async function historyOf(client: Queryable, subjectId: string): Promise<SubjectHistory> {
  const repairs = await createCreditRepository(client).approvedRepairs(subjectId);
  return { repairs: repairs.map((row) => ({ kind: row.kind, decidedOn: chinaDate(row.decided_at) })) };
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
  const marked = await createCreditRepository(client).insertRepairableNotice({ subjectId: record.subject_id, recordId: record.id, ruleId: evaluation.ruleId, at: now });
  if (!marked) return false;
  await appendEntry(client, {
    type: "record.repairable",
    payload: { recordId: hex(record.chain_id), subject: hex(subject.commitment), policyVersion: evaluation.policyVersion, ruleId: evaluation.ruleId, decision: evaluation.decision },
    actor,
    subjectRef: subjectRef(subject.commitment),
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
  const policies = await loadPolicies(client);
  if (fact.kind === "fine_paid" || fact.kind === "order_complied") {
    const index = fact.obligationIndex;
    const obligation = index === undefined || index === null ? undefined : record.obligations[index];
    const expected = fact.kind === "fine_paid" ? "fine" : "order";
    if (!obligation || obligation.type !== expected) {
      throw unprocessable("obligation_mismatch", `${fact.kind} needs obligationIndex of an obligation of type ${expected}`);
    }
  } else if (fact.kind === "condition_met") {
    if (!fact.conditionId) throw unprocessable("condition_required", "condition_met needs conditionId");
    // Only a condition of the record's own policy: nothing free-form reaches the ledger entry.
    const conditions = (policies.find((p) => p.version === record.policy_version)?.extraConditions ?? []).map((c) => c.id);
    if (!conditions.includes(fact.conditionId)) {
      throw unprocessable("unknown_condition", `${record.policy_version} has no condition ${fact.conditionId}`, { conditions });
    }
  }
  const obligationIndex = fact.kind === "fine_paid" || fact.kind === "order_complied" ? fact.obligationIndex! : null;
  const conditionId = fact.kind === "condition_met" ? fact.conditionId! : null;
  const factId = await createCreditRepository(client).insertFact({
    recordId: record.id,
    kind: fact.kind,
    obligationIndex,
    conditionId,
    on: fact.on,
    note: fact.note ?? null,
    at: now,
    actor,
  });
  if (factId === null) throw conflict("fact_exists", "This fact is already recorded for this record");
  const subject = await createSubjectRepository(client).get(record.subject_id);
  const entry = await appendEntry(client, {
    type: "record.fact_added",
    payload: { recordId: hex(record.chain_id), subject: hex(subject.commitment), kind: fact.kind, obligationIndex, conditionId, on: fact.on },
    actor,
    subjectRef: subjectRef(subject.commitment),
    at: now,
  });
  const facts = (await factsOf(client, [record.id])).get(record.id)!;
  const evaluation = evaluateRow(record, facts, await historyOf(client, record.subject_id), chinaDate(now), policies);
  await notifyIfRepairable(client, record, evaluation, subject, actor, now);
  return { id: factId, ledgerSeq: entry.seq, evaluation };
}
