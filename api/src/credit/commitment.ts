// The credit commitment (信用承诺书) the applicant signs on screen. Versioned data:
// an application names the version and stores the digest of exactly this text.
export interface CommitmentText {
  version: string;
  text: string;
}

export const COMMITMENT_TEXTS: readonly CommitmentText[] = [
  {
    version: "cc-2026-04",
    text: [
      "信用承诺书",
      "本主体已纠正失信行为，履行了相关行政处理决定中规定的义务。",
      "本主体承诺：所提交及共享的信息真实、准确、完整；今后严格遵守法律法规，依法诚信经营；",
      "如违反承诺，自愿接受有关部门依法依规作出的处理，并同意将本承诺书向社会公开。",
      "(Credit commitment under NDRC Order No. 36: the conduct is corrected and every obligation is met; the information is true;",
      "the subject will abide by the law; a breach may be dealt with under the law; this commitment is made public.)",
    ].join("\n"),
  },
];

export const CURRENT_COMMITMENT_VERSION = "cc-2026-04";
