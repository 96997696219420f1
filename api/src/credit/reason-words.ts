// Reasons as the API returns them: the structured reason (rule id, policy version, legal
// basis, parameters) plus its plain words in Chinese and English, rendered from the shared
// templates (./policy/reason-texts.json), so the kiosk, the public page and an officer's
// screen show the same facts in both languages without a copy of the texts. The front ends
// show `words[lang].text` and `.basis`; the rule id belongs behind a "details" control.
import { renderReason, type Lang, type Reason } from "./policy/reasons.ts";

export interface ReasonWords {
  text: string;
  basis: string;
}

export type WordedReason = Partial<Reason> & { ruleId: string; message: string; words: Record<Lang, ReasonWords> };

/** The reason with its words; an evaluation stored before the templates (no `code`) keeps its one message. */
export function withWords(reason: Partial<Reason> & { ruleId: string; message: string }): WordedReason {
  if (reason.code && reason.params && reason.basis) {
    const r = { code: reason.code, params: reason.params, basis: reason.basis };
    return { ...reason, words: { zh: renderReason(r, "zh"), en: renderReason(r, "en") } };
  }
  const legacy = { text: reason.message, basis: reason.source ?? "" };
  return { ...reason, words: { zh: legacy, en: legacy } };
}

export const worded = (reasons: readonly (Partial<Reason> & { ruleId: string; message: string })[] | undefined): WordedReason[] => (reasons ?? []).map(withWords);

/** One line per language (the decision's `reason` column and letters): the sentences joined. */
export function reasonLine(reasons: readonly Reason[], lang: Lang): string {
  return reasons.map((r) => renderReason(r, lang).text).join(lang === "zh" ? "" : " ");
}
