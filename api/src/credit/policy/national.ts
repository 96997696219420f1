// The national rule sets as data, one version per rule set; the set in force at the
// decision date governs a record (policyFor in evaluate.ts). They are loaded into the
// credit_policies table at boot (insert if absent; a stored version is never
// overwritten), and the database copy is what the API evaluates with: a local authority
// may switch on a refusal rule there, add an "other law" period, or add a version.
//
//   national-2019  发改办财金〔2019〕527号   decisions 2019-07-01 … 2023-04-30
//   national-2023  NDRC Order No. 58        decisions 2023-05-01 … 2026-03-31
//   national-2026  NDRC Order No. 36        decisions from 2026-04-01
//   samr-abnormal-2025 (samr.ts)            abnormal-operation list, from 2025-12-25
import { basis, DOC_527, DOC_LOCAL, DOC_ORDER_36, DOC_ORDER_58 } from "./sources.ts";
import { SAMR_ABNORMAL_2025 } from "./samr.ts";
import type { LegalDocument, Policy } from "./types.ts";

/** Local refusal rules seen in local lists; not national rules, so off by default. */
export const localRefusalRules = (): Policy["refusalRules"] => [
  {
    id: "local.interval_since_last_repair",
    type: "interval_since_last_repair",
    months: 12,
    enabled: false,
    source: "local list practice: less than 1 year since the last repair (not a national rule; to be confirmed by the district before use)",
  },
  {
    id: "local.repairs_within_5y",
    type: "repairs_within",
    count: 2,
    months: 60,
    enabled: false,
    source: "local list practice: 2 repairs within 5 years (not a national rule; to be confirmed by the district before use)",
  },
  {
    id: "local.same_kind_within_5y",
    type: "same_kind_within",
    months: 60,
    enabled: false,
    source: "local list practice: the same kind repaired within 5 years (not a national rule; to be confirmed by the district before use)",
  },
];

/** How an approval is made; matched against the strictest penalty of the decision. */
const decisionRules = (doc: LegalDocument, seriousList: string): Policy["decisionRules"] => [
  {
    id: "decision.serious_list_two_officers",
    kinds: ["serious_list"],
    severities: [],
    decision: "two_officers",
    source: `${doc.title}: leaving the serious-dishonesty list is decided by the deciding unit (four eyes in this district)`,
    basis: basis(doc, seriousList),
  },
  {
    id: "decision.serious_officer",
    kinds: [],
    severities: ["serious"],
    decision: "officer",
    source: "district practice: serious dishonesty is reviewed by an officer",
    basis: basis(DOC_LOCAL, "严重失信信息的修复由认定单位工作人员审核（本区做法）"),
  },
  {
    id: "decision.automatic",
    kinds: [],
    severities: [],
    decision: "automatic",
    source: "district practice: 秒批 when the feed shows every condition met",
    basis: basis(DOC_LOCAL, "信用机构数据显示各项条件均已满足的，系统即时办结（秒批，本区做法）"),
  },
];

export const NATIONAL_DEADLINES: Policy["deadlines"] = {
  acceptWorkingDays: 3,
  decideWorkingDays: 7,
  extensionWorkingDays: 10,
  platformSyncWorkingDays: 3,
};

// ---------------------------------------------------------------- 发改办财金〔2019〕527号
const P527_GENERAL = "一般失信行为的行政处罚信息自处罚决定之日起公示3个月至1年（527号，地方摘要）";
const P527_SERIOUS = "涉及严重失信行为的行政处罚信息自行政处罚决定之日起，在信用网站最短公示期限为六个月，最长公示期限为三年。";
const P527_MINOR =
  "527号只分一般、严重两类；本系统把轻微记录按一般失信行为的期限处理，默认不公示（假设，待确认）";

export const NATIONAL_2019: Policy = {
  version: "national-2019",
  title: "行政处罚信息信用修复机制（发改办财金〔2019〕527号）",
  effectiveFrom: "2019-07-01",
  effectiveTo: "2023-04-30",
  source: DOC_527.title,
  documents: [DOC_527, DOC_LOCAL],
  periods: {
    minor: { minMonths: 3, maxMonths: 12, publishedByDefault: false, basis: basis(DOC_527, P527_MINOR) },
    general: { minMonths: 3, maxMonths: 12, publishedByDefault: true, basis: basis(DOC_527, P527_GENERAL) },
    serious: { minMonths: 6, maxMonths: 36, publishedByDefault: true, basis: basis(DOC_527, P527_SERIOUS) },
  },
  // 527号 sets no sector minimum (the one-year minimum for five sectors came with Order 58).
  sectorMinimums: [],
  // "法律、法规、规章另有规定的从其规定": the hook, empty until a sector's period is entered.
  otherLawPeriods: [],
  atMaximum: "ends",
  atMaximumBasis: basis(DOC_527, "最长公示期限届满的，信用网站将撤下相关信息，不再对外公示。"),
  atMaximumByKind: [
    {
      kind: "serious_list",
      atMaximum: "officer",
      basis: basis(DOC_527, "527号规定的是行政处罚信息的公示期限；严重失信主体名单按各名单制度由认定单位移出"),
    },
  ],
  conditionsBasis: basis(DOC_527, "最短公示期限届满、履行行政处罚决定规定的义务、纠正失信行为后，可申请信用修复"),
  repairableBasis: basis(DOC_527, "527号未单列不可修复的情形：以记录所载、明确禁止修复的法律依据为准"),
  decisionRules: decisionRules(DOC_527, "严重失信主体名单由认定单位按名单制度决定是否移出"),
  extraConditions: [],
  refusalRules: localRefusalRules(),
  deadlines: NATIONAL_DEADLINES,
};

// ---------------------------------------------------------------- NDRC Order No. 58
const P58_PERIOD = "对于列入行政处罚信息公示的，最短公示期为三个月，最长公示期为三年。（深圳摘要，引58号令）";
const P58_SECTOR = "食品、药品、特种设备、安全生产、消防领域行政处罚信息最短公示期一年。（北京问答，引58号令）";
const P58_MINOR = "58号令对行政处罚信息不分轻重，统一为3个月至3年；轻微记录默认不公示（本系统的假设，待确认）";

export const NATIONAL_2023: Policy = {
  version: "national-2023",
  title: "失信行为纠正后的信用信息修复管理办法（试行）（国家发展改革委令第58号）",
  effectiveFrom: "2023-05-01",
  effectiveTo: "2026-03-31",
  source: DOC_ORDER_58.title,
  documents: [DOC_ORDER_58, DOC_LOCAL],
  // One period for all administrative-penalty information, whatever the severity.
  periods: {
    minor: { minMonths: 3, maxMonths: 36, publishedByDefault: false, basis: basis(DOC_ORDER_58, P58_MINOR) },
    general: { minMonths: 3, maxMonths: 36, publishedByDefault: true, basis: basis(DOC_ORDER_58, P58_PERIOD) },
    serious: { minMonths: 3, maxMonths: 36, publishedByDefault: true, basis: basis(DOC_ORDER_58, P58_PERIOD) },
  },
  sectorMinimums: [
    {
      id: "sector_minimum.food_drugs_equipment_safety_fire",
      sectors: ["food", "drugs", "special_equipment", "work_safety", "fire_safety"],
      // Every severity: the order does not limit the one-year minimum to serious cases. Which
      // penalties count as "in the sector" is the deciding unit's classification in the feed
      // (Beijing, for instance, counts work-safety penalties for serious violations only).
      severities: [],
      minMonths: 12,
      basis: basis(DOC_ORDER_58, P58_SECTOR),
    },
  ],
  otherLawPeriods: [],
  atMaximum: "ends",
  atMaximumBasis: basis(DOC_ORDER_58, "最长公示期届满后，相关信息自动停止公示。（深圳摘要，引58号令）"),
  atMaximumByKind: [
    {
      kind: "serious_list",
      atMaximum: "officer",
      basis: basis(DOC_ORDER_58, "信用主体应向相关严重失信主体名单认定单位申请信用修复，认定单位按照已建立的严重失信主体名单制度规定，决定是否同意将信用主体移出名单。（北京问答）"),
    },
  ],
  conditionsBasis: basis(DOC_ORDER_58, "最短公示期届满后，方可按规定申请提前终止公示；申请前应纠正失信行为、履行相关义务。（深圳摘要，引58号令）"),
  repairableBasis: basis(DOC_ORDER_58, "除法律、法规和党中央、国务院政策文件明确规定不可修复的情形外，满足相关条件的信用主体均可按要求申请信用信息修复。", { zh: "第二条", en: "Art. 2" }),
  decisionRules: decisionRules(DOC_ORDER_58, "信用主体应向相关严重失信主体名单认定单位申请信用修复，认定单位按照已建立的严重失信主体名单制度规定，决定是否同意将信用主体移出名单。（北京问答）"),
  extraConditions: [],
  refusalRules: localRefusalRules(),
  deadlines: NATIONAL_DEADLINES,
};

// ---------------------------------------------------------------- NDRC Order No. 36
const P36_PERIODS =
  "轻微失信信息原则上不予公示；行业主管部门认为确有必要公示的，公示期最长不超过3个月，且法定责任履行完毕即可申请修复。一般失信信息的最短公示期为3个月，最长为1年。严重失信信息的最短公示期为1年，最长为3年。";

export const NATIONAL_2026: Policy = {
  version: "national-2026",
  title: "信用修复管理办法（国家发展改革委令第36号）",
  effectiveFrom: "2026-04-01",
  effectiveTo: null,
  source: DOC_ORDER_36.title,
  documents: [DOC_ORDER_36, DOC_LOCAL],
  periods: {
    minor: { minMonths: 0, maxMonths: 3, publishedByDefault: false, basis: basis(DOC_ORDER_36, P36_PERIODS) },
    general: { minMonths: 3, maxMonths: 12, publishedByDefault: true, basis: basis(DOC_ORDER_36, P36_PERIODS) },
    serious: { minMonths: 12, maxMonths: 36, publishedByDefault: true, basis: basis(DOC_ORDER_36, P36_PERIODS) },
  },
  sectorMinimums: [],
  // "另有规定的，从其规定": enter a sector's period here (or in the stored copy) with its law.
  otherLawPeriods: [],
  atMaximum: "ends_if_met",
  atMaximumBasis: basis(
    DOC_ORDER_36,
    "最长公示期届满后，相关信息自动停止公示。对达到最长公示期但未纠正失信行为或未完全履行相关义务的，按照行业主管部门有关规定执行。",
  ),
  atMaximumByKind: [],
  conditionsBasis: basis(
    DOC_ORDER_36,
    "（一）达到最短公示期限；（二）纠正失信行为，完全履行失信行为涉及的行政处罚、异常名录或严重失信主体名单等规定的义务；（三）公开作出信用承诺；（四）法律、行政法规、部门规章要求的其他条件。",
  ),
  repairableBasis: basis(DOC_ORDER_36, "除法律、法规或党中央、国务院政策文件明确规定不可修复的情形外，满足相关条件的信用主体均可按要求申请信用修复。", { zh: "第二条", en: "Art. 2" }),
  decisionRules: decisionRules(DOC_ORDER_36, "严重失信主体名单信息的修复由认定单位决定是否移出名单"),
  extraConditions: [],
  refusalRules: localRefusalRules(),
  deadlines: NATIONAL_DEADLINES,
};

/** Every shipped version (the market regulator's abnormal-list policy included: it is national too). */
export const NATIONAL_POLICIES: readonly Policy[] = [NATIONAL_2019, NATIONAL_2023, SAMR_ABNORMAL_2025, NATIONAL_2026];
