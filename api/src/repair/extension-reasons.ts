// Why an officer extends the decision period (7 working days, extendable once by 10 for
// complex cases: DOMAIN.md "Deadlines"). A code from this list, never free text: the
// extension is a ledger entry, and the ledger is immutable, so nothing an officer types (a
// name, a phone number, an opinion about the applicant) may end up in it. The words are
// shown to the applicant in Chinese and English from here.
export interface ExtensionReason {
  code: string;
  zh: string;
  en: string;
}

export const EXTENSION_REASONS: readonly ExtensionReason[] = [
  {
    code: "verify_correction",
    zh: "需要核实失信行为的纠正和整改情况",
    en: "The correction of the conduct needs to be verified",
  },
  {
    code: "on_site_inspection",
    zh: "需要现场核查",
    en: "An on-site inspection is needed",
  },
  {
    code: "other_authority_opinion",
    zh: "需要征求其他部门或行业主管部门的意见",
    en: "The opinion of another authority or of the sector's regulator is needed",
  },
  {
    code: "several_records",
    zh: "申请涉及多条失信信息，需要逐条核查",
    en: "The application covers several records that are checked one by one",
  },
  {
    code: "collective_review",
    zh: "案情复杂，需要集体研究决定",
    en: "The case is complex and is decided collectively",
  },
];

export const EXTENSION_REASON_CODES = EXTENSION_REASONS.map((r) => r.code);

export function extensionReason(code: string | null): ExtensionReason | null {
  return EXTENSION_REASONS.find((r) => r.code === code) ?? null;
}
