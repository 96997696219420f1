// The abnormal-operation list (经营异常名录) as its own policy: it is repaired under the
// market regulator's rules, not under the NDRC periods. What the sources read say:
// - 《市场监督管理信用修复管理办法》 (SAMR; the 2021 text was read, through a county
//   regulator's guide and a republished copy): repair means moving the subject out of the
//   list (art. 2); the regulator that listed it is responsible (art. 4); a listed subject
//   may apply when one of four things is done: the missing annual reports filed and
//   published, the instant-disclosure duty performed, the false information corrected, or
//   the address re-registered / shown reachable again.
// - 《企业经营异常名录管理暂行办法》 and 《企业信息公示暂行条例》 (as summarised at the
//   SAIC press conference and quoted by later pages): a subject listed for 3 years whose
//   cause has not gone is put on the serious-violation list (严重违法企业名单); the regulator
//   reminds it within 60 days before the 3 years end; a move-out decision is made within
//   7 days of the correction being published.
// - DOMAIN.md says the rules were revised and the revision is in force from 2025-12-25. The
//   revised text was NOT found in the sources available: this policy starts on that date and
//   carries the 2021 conditions over (ASSUMPTION, to be checked against the revised text).
//   Entries listed before 2025-12-25 stay under the national rule set of their date.
//
// In this system the cure arrives as an obligation of the record (type "order", e.g.
// "补报2025年度报告并公示") and its fact (`order_complied`) from the regulator's feed.
import { basis, DOC_LOCAL } from "./sources.ts";
import type { LegalDocument, Policy } from "./types.ts";

export const DOC_SAMR_REPAIR: LegalDocument = {
  id: "samr-credit-repair",
  title: "《市场监督管理信用修复管理办法》（国家市场监督管理总局）",
  titleEn: "Measures for Credit Repair in Market Regulation (State Administration for Market Regulation)",
  references: [
    "http://www.yuanjiang.gov.cn/21773/21775/content_1999679.html (沅江市市场监督管理局信用修复指引: the four conditions for the abnormal-operation list)",
    "http://m.personalh.cn/article/mobile-do-detail-id-42884.html (the 2021 text, arts. 1–4)",
  ],
  confidence: "medium",
  note: "Read in its 2021 text; DOMAIN.md gives a revision in force from 2025-12-25 whose text was not found.",
};

export const DOC_ABNORMAL_LIST: LegalDocument = {
  id: "abnormal-list-rules",
  title: "《企业信息公示暂行条例》《企业经营异常名录管理暂行办法》",
  titleEn: "Interim Regulations on Enterprise Information Disclosure; Interim Measures for the Administration of the Abnormal-Operation List",
  references: [
    "http://shanghaiinvest.com/cn/viewfile.php?id=8486 (SAIC press conference: the four listing causes and their cures; 3 years uncured → serious-violation list; reminder within 60 days before)",
    "http://crsrw.com/qiyezixun/42013.html (经营异常名录管理办法 arts. 9–12: move-out within 7 days after the correction is published)",
  ],
  confidence: "medium",
};

const CURES =
  "被列入经营异常名录的当事人，符合下列情形之一的，可以申请信用修复：（一）补报未报年份年度报告并公示；（二）已经履行即时信息公示义务；（三）已经更正其隐瞒真实情况、弄虚作假的公示信息；（四）依法办理住所或者经营场所变更登记，或者当事人提出通过登记的住所或者经营场所可以重新取得联系。";

const NO_PERIOD = basis(DOC_SAMR_REPAIR, `${CURES}（无最短公示期：纠正后即可申请）`);

export const SAMR_ABNORMAL_2025: Policy = {
  version: "samr-abnormal-2025",
  title: "经营异常名录信用修复（市场监督管理信用修复管理办法）",
  effectiveFrom: "2025-12-25",
  effectiveTo: null,
  source: DOC_SAMR_REPAIR.title,
  kinds: ["abnormal_operation"],
  documents: [DOC_SAMR_REPAIR, DOC_ABNORMAL_LIST, DOC_LOCAL],
  // No minimum: the subject applies once the cause is cured. 36 months: the point where an
  // uncured listing goes to the serious-violation list (it does not end by itself).
  periods: {
    minor: { minMonths: 0, maxMonths: 36, publishedByDefault: true, basis: NO_PERIOD },
    general: { minMonths: 0, maxMonths: 36, publishedByDefault: true, basis: NO_PERIOD },
    serious: { minMonths: 0, maxMonths: 36, publishedByDefault: true, basis: NO_PERIOD },
  },
  sectorMinimums: [],
  otherLawPeriods: [],
  atMaximum: "officer",
  atMaximumReason: "max_period_abnormal",
  atMaximumBasis: basis(DOC_ABNORMAL_LIST, "企业被列入经营异常名录的事由自列入之日起届满3年仍未消失的，将被列入严重违法企业名单。（国家工商总局新闻发布会）"),
  atMaximumByKind: [],
  conditionsBasis: basis(DOC_SAMR_REPAIR, CURES),
  repairableBasis: basis(DOC_SAMR_REPAIR, "符合条件的当事人可以依照本办法申请移出经营异常名录"),
  decisionRules: [
    {
      id: "decision.listing_regulator",
      kinds: [],
      severities: [],
      decision: "officer",
      source: "SAMR credit-repair measures art. 4: the regulator that listed the subject decides the move-out",
      basis: basis(DOC_SAMR_REPAIR, "经营异常名录、严重违法失信名单信用修复管理工作由作出列入决定的市场监督管理部门负责。", { zh: "第四条", en: "Art. 4" }),
    },
  ],
  extraConditions: [],
  // The local lists' refusal rules concern penalty repairs; none is known for the abnormal list.
  refusalRules: [],
  deadlines: { acceptWorkingDays: 3, decideWorkingDays: 7, extensionWorkingDays: 10, platformSyncWorkingDays: 3 },
};
