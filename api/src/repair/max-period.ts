// The maximum publicity period. A record whose maximum is over either stops being public by
// itself (status expired, ledger entry, chain record.expire, credit status, the result listed
// for other platforms) or, where the rule set says the deciding unit decides (Order 36 with
// the conduct uncorrected or an obligation unmet; serious lists under 527号 and Order 58; the
// abnormal-operation list), goes to that unit's officers as a case with the reasons: the
// record stays public until the case is closed. The scheduler (./scheduler.ts) calls
// endPublicity and handOver; officers list and close the cases through maxPeriodRoutes.
import type { FastifyInstance } from "fastify";
import type { Queryable } from "../db/database.ts";
import { withTransaction } from "../db/database.ts";
import { actorOf } from "../auth/operators.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { conflict, notFound } from "../errors.ts";
import { chinaDate, type CivilDate } from "../credit/calendar.ts";
import { loadPolicies } from "../credit/policies.ts";
import type { MaximumOutcome, Reason } from "../credit/policy/evaluate.ts";
import { worded } from "../credit/reason-words.ts";
import { createCreditRepository, type RecordRow } from "../credit/repository.ts";
import { createSubjectRepository, type SubjectRow } from "../subjects/repository.ts";
import { deadlinesOf, dueAfter } from "./deadlines.ts";
import { createRepairRepository } from "./repository.ts";

/**
 * The reasons as a ledger entry names them: rule and text code only. Their parameters quote the
 * feed (an obligation's description) and the sources; those stay in the erasable rows (the
 * case, the evaluation), never in the immutable ledger.
 */
const ledgerReasons = (reasons: Reason[]) => reasons.map((r) => ({ ruleId: r.ruleId, code: r.code }));

export interface Ending {
  record: RecordRow;
  ruleId: string;
  reasons: Reason[];
  lastPublicDay: CivilDate;
}

/** Ends the publicity of a subject's records (the caller holds the subject's and the records' locks). */
export async function endPublicity(client: Queryable, subject: SubjectRow, endings: Ending[], actor: string, now: Date): Promise<void> {
  if (endings.length === 0) return;
  const credit = createCreditRepository(client);
  const today = chinaDate(now);
  await credit.setStatus(endings.map((e) => e.record.id), "expired", now);
  // An open application on these records stays in the officers' queue: it can only be
  // refused now (approval needs a record in publicity), and that refusal is not sent on chain.
  const creditStatus = await credit.refreshCreditStatus(subject.id, now);
  const policies = await loadPolicies(client);
  const due = await dueAfter(client, today, deadlinesOf(policies, today).platformSyncWorkingDays);
  for (const { record: r, ruleId, reasons, lastPublicDay } of endings) {
    await appendEntry(client, {
      type: "record.expired",
      payload: {
        recordId: hex(r.chain_id),
        subject: hex(subject.commitment),
        lastPublicDay,
        policyVersion: r.policy_version,
        ruleId,
        reasons: ledgerReasons(reasons),
        creditStatusBefore: creditStatus.before,
        creditStatusAfter: creditStatus.after,
      },
      actor,
      subjectRef: subjectRef(subject.commitment),
      at: now,
    });
    await enqueueChainWrite(client, { kind: "record.expire", recordId: hex(r.chain_id) });
    await createRepairRepository(client).enqueueSync({
      kind: "record.expired",
      recordId: r.id,
      payload: { recordId: r.id, decidingUnit: r.deciding_unit, decisionNo: r.decision_no, action: "stop_publicity", lastPublicDay },
      at: now,
      due,
    });
  }
}

/** Opens the deciding unit's case for a record at its maximum, with its ledger entry; false when it has one. */
export async function handOver(client: Queryable, subject: SubjectRow, record: RecordRow, outcome: MaximumOutcome, now: Date, actor: string): Promise<boolean> {
  const opened = await createCreditRepository(client).openMaxPeriodCase({
    recordId: record.id,
    at: now,
    decidingUnit: record.deciding_unit,
    policyVersion: record.policy_version,
    ruleId: outcome.ruleId,
    atMaximum: outcome.rule === "ends_if_met" ? "ends_if_met" : "officer",
    reasons: outcome.reasons,
  });
  if (!opened) return false;
  await appendEntry(client, {
    type: "record.handed_over",
    payload: {
      recordId: hex(record.chain_id),
      subject: hex(subject.commitment),
      lastPublicDay: outcome.lastDay,
      policyVersion: record.policy_version,
      ruleId: outcome.ruleId,
      reasons: ledgerReasons(outcome.reasons),
    },
    actor,
    subjectRef: subjectRef(subject.commitment),
    at: now,
  });
  return true;
}

/**
 * An officer closes a case: `ended` stops the publicity now (as at the maximum, by the
 * officer), `kept` leaves the record public under the sector's rules. Either way the decision
 * is a ledger entry, and the scheduler does not hand the record over again.
 */
export async function closeMaxPeriodCase(client: Queryable, recordId: string, outcome: "ended" | "kept", actor: string, now: Date) {
  const credit = createCreditRepository(client);
  const record = await credit.record(recordId);
  if (!record) throw notFound("record_not_found", `No credit record ${recordId}`);
  const subject = await createSubjectRepository(client).get(record.subject_id, { lock: true });
  const locked = (await credit.records([recordId], { lock: true }))[0]!;
  const found = await credit.maxPeriodCase(recordId, { lock: true });
  if (!found) throw notFound("case_not_found", `Record ${recordId} was not handed over at its maximum period`);
  if (found.closed_at) throw conflict("case_closed", `The case was closed on ${found.closed_at.toISOString()} (${found.outcome})`);
  await credit.closeMaxPeriodCase(recordId, { at: now, by: actor, outcome });
  await appendEntry(client, {
    type: "record.hand_over_closed",
    payload: { recordId: hex(locked.chain_id), subject: hex(subject.commitment), policyVersion: locked.policy_version, ruleId: found.rule_id, outcome },
    actor,
    subjectRef: subjectRef(subject.commitment),
    at: now,
  });
  if (outcome === "ended" && locked.status === "published") {
    await endPublicity(client, subject, [{ record: locked, ruleId: found.rule_id, reasons: found.reasons, lastPublicDay: locked.last_public_day }], actor, now);
  }
  return caseView({ ...found, closed_at: now, closed_by: actor, outcome });
}

function caseView(c: { record_id: string; opened_at: Date; deciding_unit: string; policy_version: string; rule_id: string; at_maximum: string; reasons: Reason[]; closed_at: Date | null; closed_by: string | null; outcome: string | null }) {
  return {
    recordId: c.record_id,
    openedAt: c.opened_at.toISOString(),
    decidingUnit: c.deciding_unit,
    policyVersion: c.policy_version,
    ruleId: c.rule_id,
    atMaximum: c.at_maximum,
    reasons: worded(c.reasons),
    closedAt: c.closed_at?.toISOString() ?? null,
    closedBy: c.closed_by,
    outcome: c.outcome,
  };
}

/** The open cases for the officers' queue, oldest first, with the reasons in words. */
export async function openCases(client: Queryable) {
  return (await createCreditRepository(client).openMaxPeriodCases()).map(caseView);
}

export function maxPeriodRoutes(app: FastifyInstance): void {
  const { db, clock } = app.ctx;
  app.get(
    "/v1/max-period-cases",
    { preHandler: app.requireRole("repair_officer"), schema: { tags: ["repair"], summary: "Records handed to the deciding unit at their maximum publicity period (open cases)" } },
    async () => ({ items: await openCases(db.pool) }),
  );
  app.post<{ Params: { recordId: string }; Body: { outcome: "ended" | "kept" } }>(
    "/v1/max-period-cases/:recordId/close",
    {
      preHandler: app.requireRole("repair_officer"),
      schema: {
        tags: ["repair"],
        summary: "Close a maximum-period case: end the publicity now, or keep the record public under the sector's rules",
        params: { type: "object", required: ["recordId"], properties: { recordId: { type: "string", format: "uuid" } } },
        body: { type: "object", additionalProperties: false, required: ["outcome"], properties: { outcome: { type: "string", enum: ["ended", "kept"] } } },
      },
    },
    async (request) => withTransaction(db.pool, (c) => closeMaxPeriodCase(c, request.params.recordId, request.body.outcome, actorOf(request.operator!), clock.now())),
  );
}
