// Automatic services (免申即享), run periodically by the workers and directly in tests:
// 1. records whose maximum publicity period has passed stop being public by themselves
//    (status expired, ledger entry, chain record.expire, the subject's credit status,
//    the result listed for other platforms);
// 2. records that have just become repairable are marked (a notification the kiosk
//    opens on, and a ledger entry).
// Every step reads ctx.clock, so a TestClock drives it.
import type { AppContext } from "../context.ts";
import { withTransaction } from "../db/database.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { addDays, addWorkingDays, CalendarRangeError, chinaDate, type CivilDate } from "../credit/calendar.ts";
import { loadPolicies } from "../credit/policies.ts";
import { policyFor } from "../credit/policy/evaluate.ts";
import { evaluateRow, historyOf, notifyIfRepairable } from "../credit/records.ts";
import { createCreditRepository } from "../credit/repository.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { createRepairRepository } from "./repository.ts";

export const SCHEDULER_ACTOR = "system:scheduler";

export interface SchedulerRun {
  /** Record ids whose publicity ended at the maximum period. */
  expired: string[];
  /** Record ids newly marked repairable. */
  notified: string[];
}

const BATCH = 200;

/** The sync due date; past the holiday calendar, calendar days (earlier, never later) so expiry never stops. */
function syncDue(today: CivilDate, workingDays: number): CivilDate {
  try {
    return addWorkingDays(today, workingDays);
  } catch (error) {
    if (error instanceof CalendarRangeError) return addDays(today, workingDays);
    throw error;
  }
}

export async function runCreditScheduler(ctx: AppContext): Promise<SchedulerRun> {
  const now = ctx.clock.now();
  const today = chinaDate(now);
  const run: SchedulerRun = { expired: [], notified: [] };

  // 1. Expiry at the maximum period: one subject per transaction, subject row locked first.
  for (;;) {
    const due = await createCreditRepository(ctx.db.pool).subjectsWithExpiredRecords(now, BATCH);
    if (due.length === 0) break;
    for (const subjectId of due) {
      const ids = await withTransaction(ctx.db.pool, async (client) => {
        const credit = createCreditRepository(client);
        const subject = await createSubjectRepository(client).get(subjectId, { lock: true });
        const records = await credit.expiredRecordsOf(subjectId, now);
        if (records.length === 0) return [];
        await credit.setStatus(records.map((r) => r.id), "expired", now);
        // An open application on these records stays in the officers' queue: it can only be
        // refused now (approval needs a record in publicity), and that refusal is not sent on chain.
        const creditStatus = await credit.refreshCreditStatus(subjectId, now);
        const policies = await loadPolicies(client);
        for (const r of records) {
          const deadlines = policyFor(today, policies).deadlines;
          await appendEntry(client, {
            type: "record.expired",
            payload: {
              recordId: hex(r.chain_id),
              subject: hex(subject.commitment),
              lastPublicDay: r.last_public_day,
              policyVersion: r.policy_version,
              ruleId: `${r.policy_version}.max_period`,
              creditStatusBefore: creditStatus.before,
              creditStatusAfter: creditStatus.after,
            },
            actor: SCHEDULER_ACTOR,
            subjectRef: subjectRef(subject.commitment),
            at: now,
          });
          await enqueueChainWrite(client, { kind: "record.expire", recordId: hex(r.chain_id) });
          await createRepairRepository(client).enqueueSync({
            kind: "record.expired",
            recordId: r.id,
            payload: { recordId: r.id, decidingUnit: r.deciding_unit, decisionNo: r.decision_no, action: "stop_publicity", lastPublicDay: r.last_public_day },
            at: now,
            dueOn: syncDue(today, deadlines.platformSyncWorkingDays),
          });
        }
        return records.map((r) => r.id);
      });
      run.expired.push(...ids);
    }
    if (due.length < BATCH) break;
  }

  // 2. Newly repairable: candidates are published records past their minimum period (or with none) and not yet marked.
  const candidates = await createCreditRepository(ctx.db.pool).repairableCandidates(today);
  const bySubject = new Map<string, string[]>();
  for (const c of candidates) bySubject.set(c.subject_id, [...(bySubject.get(c.subject_id) ?? []), c.id]);
  for (const [subjectId, recordIds] of bySubject) {
    const ids = await withTransaction(ctx.db.pool, async (client) => {
      const credit = createCreditRepository(client);
      const subject = await createSubjectRepository(client).get(subjectId);
      const records = await credit.records(recordIds, { publishedOnly: true });
      const facts = await credit.facts(records.map((r) => r.id));
      const history = await historyOf(client, subjectId);
      const policies = await loadPolicies(client);
      const marked: string[] = [];
      for (const r of records) {
        const evaluation = evaluateRow(r, facts.get(r.id)!, history, today, policies);
        if (await notifyIfRepairable(client, r, evaluation, subject, SCHEDULER_ACTOR, now)) marked.push(r.id);
      }
      return marked;
    });
    run.notified.push(...ids);
  }
  return run;
}
