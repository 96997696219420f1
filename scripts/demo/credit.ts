// Demo credit records for `npm start`, published once after the demo subjects
// (scripts/demo/subjects.ts) through the credit agency's and the officers' own functions.
// Dates are relative to the clock, so the kiosk always shows one record repairable now,
// some later, one not repairable, and the officers' queue holds a serious-list removal that
// needs two officers.
import type { AppContext } from "../../api/src/context.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { addDays, addMonths, chinaDate } from "../../api/src/credit/calendar.ts";
import { addFact, publishRecord, type NewRecord } from "../../api/src/credit/records.ts";
import { CURRENT_COMMITMENT_VERSION } from "../../api/src/credit/commitment.ts";
import { fileApplication } from "../../api/src/repair/applications.ts";

export interface CreditDemoSeed {
  records: Array<{ id: string; subjectId: string; label: string }>;
  applications: string[];
}

const AGENCY = "credit_agency:demo-seed";

/**
 * Publishes demo records for the given enterprises (default: the first three enterprises in
 * the database, oldest first). Skips everything when any credit record exists already.
 */
export async function seedCreditDemo(ctx: AppContext, options: { enterpriseIds?: string[] } = {}): Promise<CreditDemoSeed | null> {
  const existing = await ctx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM credit_records");
  if (existing.rows[0]!.n > 0) return null;
  const enterprises =
    options.enterpriseIds ??
    (await ctx.db.pool.query<{ id: string }>("SELECT id FROM subjects WHERE kind = 'enterprise' ORDER BY created_at, id LIMIT 3")).rows.map((r) => r.id);
  if (enterprises.length === 0) return null;
  const now = ctx.clock.now();
  const today = chinaDate(now);
  const ago = (months: number, days = 0) => addDays(addMonths(today, -months), -days);
  const out: CreditDemoSeed = { records: [], applications: [] };

  const plan: Array<{ subject: number; label: string; record: Omit<NewRecord, "subjectId">; paidOn?: string }> = [
    {
      subject: 0,
      label: "general penalty, fine paid, minimum period over: repairable now (秒批)",
      record: {
        kind: "admin_penalty", severity: "general", decidingUnit: "佛山市禅城区市场监督管理局", decisionNo: "禅市监罚〔DEMO〕101号",
        decisionDate: ago(4), legalBasis: "《中华人民共和国广告法》第五十五条", obligations: [{ type: "fine", amount: 30000, description: "罚款人民币叁万元" }],
      },
      paidOn: ago(3),
    },
    {
      subject: 0,
      label: "general penalty, fine paid, minimum period still running: later",
      record: {
        kind: "admin_penalty", severity: "general", decidingUnit: "佛山市禅城区生态环境局", decisionNo: "禅环罚〔DEMO〕7号",
        decisionDate: ago(1), legalBasis: "《中华人民共和国大气污染防治法》第一百零八条", obligations: [{ type: "fine", amount: 50000, description: "罚款人民币伍万元" }],
      },
      paidOn: ago(0, 20),
    },
    {
      subject: 1,
      label: "serious-dishonesty list entry: two officers decide",
      record: {
        kind: "serious_list", severity: "serious", decidingUnit: "佛山市禅城区应急管理局", decisionNo: "禅应急严失〔DEMO〕3号",
        decisionDate: ago(13), legalBasis: "《安全生产严重失信主体名单管理办法》第五条",
      },
    },
    {
      subject: 1,
      label: "abnormal-operation list entry, order not complied with: later",
      record: {
        kind: "abnormal_operation", severity: "general", decidingUnit: "佛山市禅城区市场监督管理局", decisionNo: "禅市监异〔DEMO〕55号",
        decisionDate: ago(5), legalBasis: "《企业经营异常名录管理暂行办法》第四条", obligations: [{ type: "order", description: "补报2025年度年度报告" }],
      },
    },
    {
      subject: 2,
      label: "not repairable by law",
      record: {
        kind: "admin_penalty", severity: "serious", decidingUnit: "佛山市禅城区市场监督管理局", decisionNo: "禅市监罚〔DEMO〕202号",
        decisionDate: ago(2), legalBasis: "《中华人民共和国食品安全法》第一百三十五条", repairable: false,
        notRepairableBasis: "《中华人民共和国食品安全法》第一百三十五条: 从业禁止期内不予信用修复 (demo basis)",
      },
    },
  ];

  for (const p of plan) {
    const subjectId = enterprises[p.subject];
    if (!subjectId) continue;
    const published = await withTransaction(ctx.db.pool, (c) => publishRecord(c, { ...p.record, subjectId }, AGENCY, now));
    if (p.paidOn) {
      await withTransaction(ctx.db.pool, (c) => addFact(c, published.id, { kind: "fine_paid", obligationIndex: 0, on: p.paidOn! }, AGENCY, now));
    }
    out.records.push({ id: published.id, subjectId, label: p.label });
  }

  // An officer-assisted application for the serious-list entry, so the review queue is not empty.
  const listEntry = out.records.find((r) => r.label.startsWith("serious-dishonesty"));
  if (listEntry) {
    const rep = (await ctx.db.pool.query<{ legal_rep_id: string | null }>("SELECT legal_rep_id FROM subjects WHERE id = $1", [listEntry.subjectId])).rows[0]?.legal_rep_id;
    if (rep) {
      const view = await withTransaction(ctx.db.pool, (c) =>
        fileApplication(
          ctx,
          c,
          {
            enterpriseId: listEntry.subjectId,
            recordIds: [listEntry.id],
            applicant: { personId: rep, capacity: "legal_representative" },
            commitment: { version: CURRENT_COMMITMENT_VERSION, accepted: true, signature: "demo" },
          },
          { sub: "demo-seed", role: "repair_officer" },
          now,
        ),
      );
      out.applications.push(view.id);
    }
  }
  return out;
}
