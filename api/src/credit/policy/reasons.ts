// Structured reasons: every refusal and decision carries the rule id, the policy version,
// the legal basis (document and, where known, article) and its parameters (dates, months,
// amounts). The plain words come from reason-texts.json (Chinese and English with the same
// placeholders), so a kiosk, a letter and the API say the same facts in both languages.
// Pure; importable by the front ends as well.
import texts from "./reason-texts.json" with { type: "json" };
import type { CivilDate } from "../calendar/dates.ts";
import type { LegalBasis, Policy } from "./types.ts";

export type Lang = "zh" | "en";

export type ReasonCode = Exclude<keyof typeof texts.texts, "basis">;

/** A parameter: a number, a text that reads the same in both languages (dates, descriptions from the feed), or words per language. */
export type ReasonParam = string | number | { zh: string; en: string };
export type ReasonParams = Record<string, ReasonParam>;

/** The legal basis as carried by a reason: self-contained, no lookup needed to show it. */
export interface ReasonBasis {
  /** LegalDocument id. */
  document: string;
  title: string;
  titleEn: string;
  article: { zh: string; en: string } | null;
  /** What the source read says (Chinese). */
  provision: string;
}

export interface Reason {
  /** "<policy version>.<rule>", for officers (behind "details"). */
  ruleId: string;
  /** Key of the plain-language text. */
  code: ReasonCode;
  policyVersion: string;
  basis: ReasonBasis;
  params: ReasonParams;
  /** The English text of the same template (earlier field, for one-line displays and logs). */
  message: string;
  /** One-line legal basis (earlier field). */
  source?: string;
  /** The first day this condition no longer stands in the way, when known. */
  until?: CivilDate;
}

const TEMPLATES: Record<string, { zh: string; en: string }> = texts.texts;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** The placeholders of a template, e.g. ["months", "minimumEndsOn"]. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

export function hasTemplate(code: string): boolean {
  return TEMPLATES[code] !== undefined;
}

export function formatParam(value: ReasonParam, lang: Lang): string {
  // Counts, months and years (2027) are written plainly; amounts from 10 000 yuan are grouped.
  if (typeof value === "number") return Math.abs(value) < 10000 ? String(value) : value.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB");
  if (typeof value !== "string") return value[lang];
  const d = ISO_DATE.exec(value);
  if (!d) return value;
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  return lang === "zh" ? `${year}年${month}月${day}日` : `${day} ${MONTHS_EN[month - 1]} ${year}`;
}

/** The text of `code` with its parameters; throws on a missing template or parameter (never a half sentence). */
export function renderTemplate(code: string, params: ReasonParams, lang: Lang): string {
  const template = TEMPLATES[code];
  if (!template) throw new Error(`no text for reason ${code}`);
  return template[lang].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`reason ${code}: parameter ${name} missing`);
    return formatParam(value, lang);
  });
}

export function renderBasis(basis: ReasonBasis, lang: Lang): string {
  const article = basis.article === null ? "" : lang === "zh" ? basis.article.zh : `, ${basis.article.en}`;
  return renderTemplate("basis", { document: lang === "zh" ? basis.title : basis.titleEn, article }, lang);
}

/** What a citizen reads: the sentence, then the legal basis. */
export function renderReason(reason: Pick<Reason, "code" | "params" | "basis">, lang: Lang): { text: string; basis: string } {
  return { text: renderTemplate(reason.code, reason.params, lang), basis: renderBasis(reason.basis, lang) };
}

/** The basis of a rule of `policy`, resolved against its documents. */
export function reasonBasis(policy: Policy, basis: LegalBasis): ReasonBasis {
  const doc = policy.documents.find((d) => d.id === basis.document);
  return {
    document: basis.document,
    title: doc?.title ?? basis.document,
    titleEn: doc?.titleEn ?? basis.document,
    article: basis.article,
    provision: basis.provision,
  };
}

/** A basis that is not one of the policy's documents (e.g. the law a record itself names). */
export function externalBasis(title: string, provision = ""): ReasonBasis {
  return { document: "record", title, titleEn: title, article: null, provision };
}

export function makeReason(
  policy: Policy,
  rule: string,
  code: ReasonCode,
  basis: ReasonBasis,
  params: ReasonParams = {},
  extra: { until?: CivilDate; source?: string } = {},
): Reason {
  return {
    ruleId: `${policy.version}.${rule}`,
    code,
    policyVersion: policy.version,
    basis,
    params,
    message: renderTemplate(code, params, "en"),
    source: extra.source ?? `${basis.title}${basis.article ? ` ${basis.article.zh}` : ""}`,
    ...(extra.until !== undefined ? { until: extra.until } : {}),
  };
}
