// Automatic services (免申即享), run periodically by the workers and directly in tests:
// 1. records past their maximum publicity period: each is evaluated at today; those the rule
//    set ends by itself stop being public (./max-period.ts endPublicity: anchored, listed for
//    other platforms), the others go to the deciding unit's officers as a case with the
//    reasons (handOver) and stay public;
// 2. open cases that Order 36 hands over only while a duty is unmet are evaluated again: once
//    the feed shows the duties met, publicity ends and the case closes (system:scheduler);
//    cases under a list's own rules are closed by an officer only;
// 3. records that have just become repairable are marked (a notification the kiosk opens on,
//    and a ledger entry).
// Every step reads ctx.clock, so a TestClock drives it. Facts count when dated on or before today.
import type { AppContext } from "../context.ts";
import { withTransaction } from "../db/database.ts";
import { chinaDate } from "../credit/calendar.ts";
import { loadPolicies } from "../credit/policies.ts";
import { evaluateRow, historyOf, notifyIfRepairable } from "../credit/records.ts";
import { createCreditRepository } from "../credit/repository.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { endPublicity, handOver, type Ending } from "./max-period.ts";

export const SCHEDULER_ACTOR = "system:scheduler";

export interface SchedulerRun {
  /** Record ids whose publicity ended at the maximum period (by itself, or once a handed-over record's duties were met). */
  expired: string[];
  /** Record ids handed to the deciding unit's officers at the maximum period. */
  handedOver: string[];
  /** Record ids newly marked repairable. */
  notified: string[];
}

const BATCH = 200;

export async function runCreditScheduler(ctx: AppContext): Promise<SchedulerRun> {
  const now = ctx.clock.now();
  const today = chinaDate(now);
  const run: SchedulerRun = { expired: [], handedOver: [], notified: [] };

  // 1. The maximum period: one subject per transaction, subject row locked first, then its records.
  for (;;) {
    const due = await createCreditRepository(ctx.db.pool).subjectsWithExpiredRecords(now, BATCH);
    if (due.length === 0) break;
    for (const subjectId of due) {
      const done = await withTransaction(ctx.db.pool, async (client) => {
        const credit = createCreditRepository(client);
        const subject = await createSubjectRepository(client).get(subjectId, { lock: true });
        const records = await credit.expiredRecordsOf(subjectId, now);
        const facts = await credit.facts(records.map((r) => r.id));
        const history = await historyOf(client, subjectId);
        const policies = await loadPolicies(client);
        const endings: Ending[] = [];
        const handed: string[] = [];
        for (const r of records) {
          const atMaximum = evaluateRow(r, facts.get(r.id)!, history, today, policies).atMaximum;
          // public_until is the day after the last public day, so the evaluation always sees the maximum over.
          if (!atMaximum) throw new Error(`record ${r.id}: public_until passed but the policy sees no maximum`);
          if (atMaximum.outcome === "ends") endings.push({ record: r, ruleId: atMaximum.ruleId, reasons: atMaximum.reasons, lastPublicDay: atMaximum.lastDay });
          else if (await handOver(client, subject, r, atMaximum, now, SCHEDULER_ACTOR)) handed.push(r.id);
        }
        await endPublicity(client, subject, endings, SCHEDULER_ACTOR, now);
        return { expired: endings.map((e) => e.record.id), handed };
      });
      run.expired.push(...done.expired);
      run.handedOver.push(...done.handed);
    }
    if (due.length < BATCH) break;
  }

  // 2. Handed over while a duty was unmet: ends by itself once the feed shows every duty met.
  const cases = await createCreditRepository(ctx.db.pool).openMaxPeriodCases("ends_if_met");
  for (const subjectId of new Set(cases.map((c) => c.subject_id))) {
    const ended = await withTransaction(ctx.db.pool, async (client) => {
      const credit = createCreditRepository(client);
      const subject = await createSubjectRepository(client).get(subjectId, { lock: true });
      const ids = cases.filter((c) => c.subject_id === subjectId).map((c) => c.record_id);
      const records = await credit.records(ids, { lock: true, publishedOnly: true });
      const facts = await credit.facts(records.map((r) => r.id));
      const history = await historyOf(client, subjectId);
      const policies = await loadPolicies(client);
      const endings: Ending[] = [];
      for (const r of records) {
        const atMaximum = evaluateRow(r, facts.get(r.id)!, history, today, policies).atMaximum;
        if (atMaximum?.outcome !== "ends") continue;
        endings.push({ record: r, ruleId: atMaximum.ruleId, reasons: atMaximum.reasons, lastPublicDay: atMaximum.lastDay });
        await credit.closeMaxPeriodCase(r.id, { at: now, by: SCHEDULER_ACTOR, outcome: "ended" });
      }
      await endPublicity(client, subject, endings, SCHEDULER_ACTOR, now);
      return endings.map((e) => e.record.id);
    });
    run.expired.push(...ended);
  }

  // 3. Newly repairable: candidates are published records past their minimum period (or with none) and not yet marked.
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
