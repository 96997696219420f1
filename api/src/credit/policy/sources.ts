// The documents the national rule sets come from, and where their text was read (public
// pages found with the project's search tool on 2026-12-01). A rule's basis names one of
// these and, only where the page read gives it, the article: article numbers are never
// guessed. `provision` quotes the page read (Chinese), so an officer can check it.
import type { LegalBasis, LegalDocument } from "./types.ts";

// Titles are written as a citation is (《…》 and the number), ready to show.

export const DOC_527: LegalDocument = {
  id: "ndrc-2019-527",
  title: "《国家发展改革委办公厅关于进一步完善“信用中国”网站及地方信用门户网站行政处罚信息信用修复机制的通知》（发改办财金〔2019〕527号）",
  titleEn: "NDRC General Office notice on the credit repair of administrative-penalty information on Credit China and local credit portals (发改办财金〔2019〕527号)",
  references: [
    "https://www.0797cx.cn/page37?article_id=15265 (quotes the serious-penalty passage of 527号)",
    "http://tjj.qdn.gov.cn/tjfw/sxqygs/202204/t20220429_73686150.html (local summary: serious 6 months–3 years, general 3 months–1 year, from the decision date)",
  ],
  confidence: "high",
  note: "Applied to decisions from 2019-07-01 (DOMAIN.md; issue 19) until NDRC Order No. 58 took effect on 2023-05-01.",
};

export const DOC_ORDER_58: LegalDocument = {
  id: "ndrc-order-58",
  title: "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展和改革委员会令第58号）",
  titleEn: "Measures for the Repair of Credit Information after Dishonest Conduct Is Corrected (Trial) (NDRC Order No. 58)",
  references: [
    "http://m.sacsnlax.com/zwgk/content/post_1956177.html (the order's text as republished from the NDRC site: adopted 2023-01-11, issued 2023-01-13, in force 2023-05-01; arts. 1–3 read)",
    "http://www.csrcare.com/Law/LawShowEn?id=229067 (English translation; the beginning read)",
    "http://www.senqisrq.com/xxgk/ztzl/sgs/index.html (Shenzhen credit-repair page: 3 months minimum, 3 years maximum, 1 year for special equipment, work safety and fire; the longest of several penalty types; from the penalty date)",
    "http://bjlywyzs.com/art/2024/9/6/art_1228991789_59110918.html (Beijing credit-repair FAQ quoting 58号令: one-year minimum for food, drugs, special equipment, work safety and fire; serious-list removal under the list's own rules)",
  ],
  confidence: "medium",
  note: "The period rules were read in Beijing and Shenzhen summaries quoting the order, not in the order's own article text; their article numbers are therefore not given. Repealed by NDRC Order No. 36 from 2026-04-01.",
};

export const DOC_ORDER_36: LegalDocument = {
  id: "ndrc-order-36",
  title: "《信用修复管理办法》（国家发展和改革委员会令第36号）",
  titleEn: "Credit Repair Management Measures (NDRC Order No. 36)",
  references: [
    "https://toubiaole.com/news/xingyexinwen/887.html (the order's text as republished: adopted 2025-11-19, issued 2025-11-20, in force 2026-04-01; arts. 1–4 read)",
    "https://finance.stockstar.com/IG2025112600020150.shtml (NDRC release of 2025-11-26: the three classes and their periods, the rule at the maximum period, the four conditions)",
  ],
  confidence: "high",
  note: "Article numbers are given only where the text read shows them (art. 2); the period and condition articles were read in the NDRC release, without their numbers.",
};

/** Rules of this district that are not national rules (decision modes, local refusal lists). */
export const DOC_LOCAL: LegalDocument = {
  id: "local-practice",
  title: "本区信用修复办理规则（地方做法，非国家规定）",
  titleEn: "This district's credit-repair practice (local, not a national rule)",
  references: [],
  confidence: "low",
  note: "To be confirmed by the district before use; each local refusal rule is off by default.",
};

export const basis = (document: LegalDocument, provision: string, article: LegalBasis["article"] = null): LegalBasis => ({ document: document.id, article, provision });
