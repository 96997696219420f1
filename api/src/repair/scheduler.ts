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
import { enqueueChainWrite } from "../chain/outbox.ts";
import { addDays, addWorkingDays, CalendarRangeError, chinaDate, type CivilDate } from "../credit/calendar.ts";
import { loadPolicies } from "../credit/policies.ts";
import { policyFor } from "../credit/policy/evaluate.ts";
import { evaluateRow, factsOf, getSubject, hex, historyOf, lockSubject, notifyIfRepairable, RECORD_COLUMNS, refreshCreditStatus, type RecordRow } from "../credit/records.ts";

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
    const due = await ctx.db.pool.query<{ subject_id: string }>(
      "SELECT DISTINCT subject_id FROM credit_records WHERE status = 'published' AND public_until <= $1 LIMIT $2",
      [now, BATCH],
    );
    if (due.rows.length === 0) break;
    for (const { subject_id } of due.rows) {
      const ids = await withTransaction(ctx.db.pool, async (client) => {
        const subject = await lockSubject(client, subject_id);
        const records = (
          await client.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM credit_records r WHERE r.subject_id = $1 AND r.status = 'published' AND r.public_until <= $2 FOR UPDATE`, [
            subject_id,
            now,
          ])
        ).rows;
        if (records.length === 0) return [];
        await client.query("UPDATE credit_records SET status = 'expired', status_changed_at = $2 WHERE id = ANY($1::uuid[])", [records.map((r) => r.id), now]);
        // An open application on these records stays in the officers' queue: it can only be
        // refused now (approval needs a record in publicity), and that refusal is not sent on chain.
        const credit = await refreshCreditStatus(client, subject_id, now);
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
              creditStatusBefore: credit.before,
              creditStatusAfter: credit.after,
            },
            actor: SCHEDULER_ACTOR,
            subjectRef: hex(subject.commitment),
            at: now,
          });
          await enqueueChainWrite(client, { kind: "record.expire", recordId: hex(r.chain_id) });
          await client.query(
            "INSERT INTO sync_outbox (kind, record_id, payload, created_at, due_on) VALUES ('record.expired', $1, $2, $3, $4) ON CONFLICT DO NOTHING",
            [r.id, JSON.stringify({ recordId: r.id, decidingUnit: r.deciding_unit, decisionNo: r.decision_no, action: "stop_publicity", lastPublicDay: r.last_public_day }), now, syncDue(today, deadlines.platformSyncWorkingDays)],
          );
        }
        return records.map((r) => r.id);
      });
      run.expired.push(...ids);
    }
    if (due.rows.length < BATCH) break;
  }

  // 2. Newly repairable: candidates are published records past their minimum period (or with none) and not yet marked.
  const candidates = await ctx.db.pool.query<{ id: string; subject_id: string }>(
    `SELECT r.id, r.subject_id FROM credit_records r
      WHERE r.status = 'published' AND r.repairable AND r.minimum_ends_on < $1
        AND NOT EXISTS (SELECT 1 FROM credit_notifications n WHERE n.record_id = r.id AND n.kind = 'repairable')
      ORDER BY r.subject_id`,
    [today],
  );
  const bySubject = new Map<string, string[]>();
  for (const c of candidates.rows) bySubject.set(c.subject_id, [...(bySubject.get(c.subject_id) ?? []), c.id]);
  for (const [subjectId, recordIds] of bySubject) {
    const ids = await withTransaction(ctx.db.pool, async (client) => {
      const subject = await getSubject(client, subjectId);
      const records = (await client.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM credit_records r WHERE r.id = ANY($1::uuid[]) AND r.status = 'published'`, [recordIds])).rows;
      const facts = await factsOf(client, records.map((r) => r.id));
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
