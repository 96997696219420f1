// Demo credit records for `npm start`, published once for the demo enterprises
// (./subjects.ts) through the credit agency's and the officers' routes. Dates are relative
// to the API's clock, so the kiosk always shows one record repairable now, some later, one
// not repairable, and the officers' queue holds a serious-list removal that needs two
// officers.
import { addDays, addMonths, chinaDate } from "../../api/src/credit/calendar.ts";
import type { NewRecord } from "../../api/src/credit/records.ts";
import { demoCaller, type DemoTarget } from "./api.ts";

export interface CreditDemoSeed {
  records: Array<{ id: string; subjectId: string; label: string }>;
  applications: string[];
}

/**
 * Publishes demo records for three enterprises (fewer ids: their part of the plan only).
 * Skips everything when any credit record exists already (then returns null).
 */
export async function seedCreditDemo(target: DemoTarget, enterprises: string[]): Promise<CreditDemoSeed | null> {
  const existing = await target.ctx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM credit_records");
  if (existing.rows[0]!.n > 0 || enterprises.length === 0) return null;
  const agency = await demoCaller(target, "credit_agency");
  const officer = await demoCaller(target, "repair_officer");
  const now = target.ctx.clock.now();
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
    const published = await agency.post<{ id: string }>("/v1/records", { ...p.record, subjectId });
    if (p.paidOn) await agency.post(`/v1/records/${published.id}/facts`, { kind: "fine_paid", obligationIndex: 0, on: p.paidOn });
    out.records.push({ id: published.id, subjectId, label: p.label });
  }

  // An officer-assisted application for the serious-list entry, so the review queue is not empty.
  const listEntry = out.records.find((r) => r.label.startsWith("serious-dishonesty"));
  if (listEntry) {
    const { legalRepresentativeId } = await officer.get<{ legalRepresentativeId: string | null }>(`/v1/subjects/${listEntry.subjectId}`);
    if (legalRepresentativeId) {
      const { version } = await officer.get<{ version: string }>("/v1/credit/commitment");
      const application = await officer.post<{ id: string }>("/v1/repair-applications", {
        enterpriseId: listEntry.subjectId,
        recordIds: [listEntry.id],
        applicant: { personId: legalRepresentativeId, capacity: "legal_representative" },
        commitment: { version, accepted: true, signature: "demo" },
      });
      out.applications.push(application.id);
    }
  }
  return out;
}
