// Why an officer refuses a repair (Order 58 and the repair measures: what must be true before
// a record leaves publicity). A code from this list, never free text, like the extension
// reasons (./extension-reasons.ts): the code goes into the signed decision document, the
// decision row and the ledger entry, and the ledger refuses anything an officer could type (a
// name, an ID number, an opinion about the applicant). An officer's optional note stays in the
// decision document and the database; the ledger and the chain carry only its digest. The words
// are what the applicant is told, in Chinese and English.
export interface RefusalReason {
  code: string;
  zh: string;
  en: string;
}

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  {
    code: "obligations_unfulfilled",
    zh: "未履行行政处罚决定或其他决定规定的义务",
    en: "The obligations set by the penalty or other decision have not been fulfilled",
  },
  {
    code: "not_corrected",
    zh: "失信行为尚未纠正或整改不到位",
    en: "The dishonest conduct has not been corrected, or the correction is insufficient",
  },
  {
    code: "facts_not_confirmed",
    zh: "认定单位未确认履行或整改情况",
    en: "The deciding authority has not confirmed the fulfilment or the correction",
  },
  {
    code: "commitment_untrue",
    zh: "信用承诺内容不实或申请信息不真实",
    en: "The credit commitment or the information in the application is not true",
  },
  {
    code: "applicant_not_entitled",
    zh: "申请人无权代表该信用主体申请",
    en: "The applicant may not apply for this credit subject",
  },
  {
    code: "not_repairable_by_law",
    zh: "依照法律法规不予修复",
    en: "The law does not allow this record to be repaired",
  },
  {
    code: "repeat_dishonesty",
    zh: "修复期间再次发生失信行为或被列入严重失信主体名单",
    en: "Further dishonest conduct occurred, or the subject was put on the serious-dishonesty list, during the repair",
  },
  {
    code: "other_authority_objects",
    zh: "相关部门或行业主管部门不同意修复",
    en: "Another authority or the sector's regulator objects to the repair",
  },
];

export const REFUSAL_REASON_CODES = REFUSAL_REASONS.map((r) => r.code);

export function refusalReason(code: string | null | undefined): RefusalReason | null {
  return REFUSAL_REASONS.find((r) => r.code === code) ?? null;
}
