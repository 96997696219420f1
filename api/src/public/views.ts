// What the public credit page shows, as the national credit portal (信用中国) does: a subject
// found by name or code, its records under publicity with their periods and the legal basis of
// those periods, the repairs granted, and the credit commitments (信用承诺书) signed for them,
// which NDRC Order No. 36 makes public together with the repair.
//
// What is public and what is not:
// - an enterprise: its registered name and USCC in full (public registration data);
// - a person: found only by the exact resident ID number, shown masked (张*三, 4405**********0014);
// - a commitment: its text, version, SHA-256 and the date it was signed, the capacity it was
//   signed in (legal representative, authorised agent, the person themself) and the repair
//   application's chain id (which ties it to the anchored ledger). Not the signature: the
//   handwritten mark (of which the system keeps only a digest) and a typed name identify a
//   natural person and add nothing to what the commitment says; the signer's name and ID are
//   not shown either (an agent is a private person; the subject is what commits).
import { checkResidentId, checkUscc } from "../../../protocol/identifiers.ts";
import type { Queryable } from "../db/database.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { chinaDate } from "../credit/calendar.ts";
import { loadPolicies } from "../credit/policies.ts";
import { publicityOf } from "../credit/policy/evaluate.ts";
import { reasonBasis, renderBasis } from "../credit/policy/reasons.ts";
import type { LegalBasis, Policy } from "../credit/policy/types.ts";
import type { RecordRow } from "../credit/repository.ts";
import { notFound } from "../errors.ts";
import { maskIdentifier } from "../subjects/masking.ts";
import { createPublicRepository, type PublicSubjectRow } from "./repository.ts";

export const SEARCH_LIMIT = 20;
export const REPAIRS_LIMIT = 50;

const basisWords = (policy: Policy | undefined, basis: LegalBasis | undefined) => {
  if (!policy || !basis) return null;
  const b = reasonBasis(policy, basis);
  return { zh: renderBasis(b, "zh"), en: renderBasis(b, "en") };
};

function subjectView(s: PublicSubjectRow) {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    // A USCC is public; a resident ID number is personal information.
    identifier: s.kind === "enterprise" ? s.identifier : maskIdentifier(s.identifier),
    creditStatus: s.credit_status,
  };
}

export type SearchQuery = { kind: "uscc" | "id_number" | "name"; text: string };

/** What the text typed is: a valid USCC, a valid resident ID number, or part of an enterprise name. */
export function readQuery(q: string): SearchQuery | { invalid: string } {
  const text = q.trim();
  const code = text.toUpperCase();
  if (/^[0-9A-Z]{18}$/.test(code)) {
    if (checkUscc(code).ok) return { kind: "uscc", text: code };
    if (checkResidentId(code).ok) return { kind: "id_number", text: code };
    return { invalid: "code_invalid" };
  }
  // A fragment of an ID number finds nobody: a person is found by the whole number only.
  if (/^[0-9Xx]{6,}$/.test(text)) return { invalid: "id_number_incomplete" };
  if ([...text].length < 2) return { invalid: "query_too_short" };
  return { kind: "name", text };
}

export async function searchSubjects(db: Queryable, query: SearchQuery) {
  const repo = createPublicRepository(db);
  const found =
    query.kind === "name"
      ? await repo.enterprisesNamed(query.text, SEARCH_LIMIT + 1)
      : [await repo.byIdentifier(query.kind === "uscc" ? "enterprise" : "person", query.text)].filter((s): s is PublicSubjectRow => s !== null);
  return { query: { kind: query.kind }, results: found.slice(0, SEARCH_LIMIT).map(subjectView), more: found.length > SEARCH_LIMIT };
}

function recordView(r: RecordRow, policies: Policy[]) {
  const policy = policies.find((p) => p.version === r.policy_version);
  const publicity = policy ? publicityOf({ kind: r.kind, severity: r.severity, penalties: r.penalties, sector: r.sector, decisionDate: r.decision_date }, policy) : null;
  return {
    id: r.id,
    chainId: hex(r.chain_id),
    kind: r.kind,
    severity: r.severity,
    decidingUnit: r.deciding_unit,
    decisionNo: r.decision_no,
    decisionDate: r.decision_date,
    legalBasis: r.legal_basis,
    period: {
      from: r.decision_date,
      // Repair may be applied for from the day after; publicity ends by the day after lastPublicDay at the latest.
      minimumEndsOn: r.minimum_ends_on,
      lastPublicDay: r.last_public_day,
      policyVersion: r.policy_version,
      basis: basisWords(policy, publicity?.maxBasis),
    },
    publicUntil: r.public_until.toISOString(),
    digest: hex(r.digest),
  };
}

/** The public page of one subject. 404 public_subject_not_found for an unknown id. */
export async function subjectPage(db: Queryable, id: string, now: Date) {
  const repo = createPublicRepository(db);
  const subject = await repo.subject(id);
  if (!subject) throw notFound("public_subject_not_found", "No such credit subject");
  const policies = await loadPolicies(db);
  const records = await repo.recordsInPublicity(id, now);
  const repairs = await repo.grantedRepairs(id, REPAIRS_LIMIT);
  const byVersion = (v: string) => policies.find((p) => p.version === v);
  return {
    subject: { ...subjectView(subject), displayName: subject.name },
    asOf: now.toISOString(),
    today: chinaDate(now),
    records: records.map((r) => recordView(r, policies)),
    repairs: repairs.map((a) => ({
      applicationChainId: hex(a.application_chain_id),
      decidedOn: chinaDate(a.decided_at),
      records: a.records,
      policyVersion: a.policy_version,
      ruleId: a.rule_id,
      decisionDigest: hex(a.decision_digest),
      basis: basisWords(byVersion(a.policy_version), byVersion(a.policy_version)?.conditionsBasis),
    })),
    commitments: repairs.map((a) => ({
      applicationChainId: hex(a.application_chain_id),
      version: a.commitment_version,
      digest: hex(a.commitment_digest),
      text: a.commitment_text,
      signedOn: chinaDate(a.filed_at),
      capacity: a.capacity,
      // Public from the repair decision on, with it.
      publicFrom: chinaDate(a.decided_at),
    })),
  };
}
