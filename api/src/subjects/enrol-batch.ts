// Bulk enrolment (the import command): the same rows, ledger entries and chain
// writes as enrolPerson / enrolEnterprise, for many subjects with a handful of
// statements instead of a dozen round trips each. Rows are checked in code first;
// a refused row is reported with the same code the API would give and never
// written; the others commit together in the caller's transaction.
import type { Queryable } from "../db/database.ts";
import { ProblemError } from "../errors.ts";
import { appendEntries, type NewEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { toHex } from "../../../protocol/bytes.ts";
import { codeIssuedEntry, codeIssueWrite, prepareCode, type PreparedCode } from "../codes/issue.ts";
import { enqueueChainWrites } from "../chain/outbox.ts";
import { checkResidentId } from "../../../protocol/identifiers.ts";
import type { SubjectKind } from "./commitment.ts";
import {
  duplicateSubject,
  invalidLegalRepresentative,
  isSubjectId,
  legalRepresentativeNotFound,
  legalRepresentativeNotPerson,
  validateEnterprise,
  validatePerson,
  type ValidSubject,
} from "./enrol.ts";

export type BatchRow =
  | { kind: "person"; idNumber: string; name: string }
  | { kind: "enterprise"; uscc: string; name: string; legalRepresentativeId?: string; legalRepresentativeIdNumber?: string };

export type BatchResult = { ok: true; id: string; codeId: string } | { ok: false; code: string; reason: string };

interface Pending {
  index: number;
  kind: SubjectKind;
  subject: ValidSubject;
  legalRepId: string | null;
  id?: string;
  code?: PreparedCode;
}

function refusal(error: unknown): BatchResult {
  if (error instanceof ProblemError) return { ok: false, code: error.code, reason: error.message };
  throw error;
}

/** Inserts subjects of one kind; returns identifier → id for the rows actually inserted. */
async function insertSubjects(client: Queryable, rows: Pending[], actor: string, at: Date): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const result = await client.query<{ id: string; identifier: string }>(
    `INSERT INTO subjects (kind, identifier, name, display_name, commitment, legal_rep_id, created_at, created_by)
     SELECT kind, identifier, name, display_name, commitment, legal_rep_id, $7, $8
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::uuid[])
       AS r(kind, identifier, name, display_name, commitment, legal_rep_id)
     ON CONFLICT DO NOTHING
     RETURNING id, identifier`,
    [
      rows.map((r) => r.kind),
      rows.map((r) => r.subject.identifier),
      rows.map((r) => r.subject.name),
      rows.map((r) => r.subject.displayName),
      rows.map((r) => r.subject.commitment),
      rows.map((r) => r.legalRepId),
      at,
      actor,
    ],
  );
  return new Map(result.rows.map((r) => [r.identifier, r.id]));
}

export async function enrolBatch(client: Queryable, subjectKey: Uint8Array, rows: readonly BatchRow[], actor: string, at: Date): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(rows.length);
  const seen = new Set<string>();
  const persons: Pending[] = [];
  const enterprises: (Pending & { repIdNumber: string | null })[] = [];

  // 1. Everything that needs no database: checksums, names, duplicates within the batch.
  rows.forEach((row, index) => {
    try {
      if (row.kind === "person") {
        const subject = validatePerson(subjectKey, row, at);
        if (seen.has(subject.identifier)) throw duplicateSubject("person");
        seen.add(subject.identifier);
        persons.push({ index, kind: "person", subject, legalRepId: null });
      } else {
        const subject = validateEnterprise(subjectKey, row);
        if (seen.has(subject.identifier)) throw duplicateSubject("enterprise");
        let repId: string | null = null;
        let repIdNumber: string | null = null;
        if (row.legalRepresentativeId) {
          if (!isSubjectId(row.legalRepresentativeId)) throw invalidLegalRepresentative();
          repId = row.legalRepresentativeId;
        } else {
          const id = checkResidentId(String(row.legalRepresentativeIdNumber ?? ""), at);
          if (!id.ok) throw legalRepresentativeNotFound();
          repIdNumber = id.value;
        }
        seen.add(subject.identifier);
        enterprises.push({ index, kind: "enterprise", subject, legalRepId: repId, repIdNumber });
      }
    } catch (error) {
      results[index] = refusal(error);
    }
  });

  // 2. Already enrolled?
  const identifiers = [...persons, ...enterprises].map((p) => p.subject.identifier);
  const existing = new Set(
    identifiers.length
      ? (await client.query<{ identifier: string }>("SELECT identifier FROM subjects WHERE identifier = ANY($1::text[])", [identifiers])).rows.map(
          (r) => r.identifier,
        )
      : [],
  );
  const fresh = <T extends Pending>(list: T[]) =>
    list.filter((p) => {
      if (!existing.has(p.subject.identifier)) return true;
      results[p.index] = refusal(duplicateSubject(p.kind));
      return false;
    });

  // 3. Persons first: an enterprise's legal representative may be in the same batch.
  const newPersons = fresh(persons);
  const personIds = await insertSubjects(client, newPersons, actor, at);

  // 4. Legal representatives must be enrolled persons.
  const candidates = fresh(enterprises);
  const repIds = candidates.map((e) => e.legalRepId).filter((x): x is string => x !== null);
  const repNumbers = candidates.map((e) => e.repIdNumber).filter((x): x is string => x !== null);
  const reps = (
    await client.query<{ id: string; identifier: string; kind: SubjectKind }>(
      "SELECT id, identifier, kind FROM subjects WHERE id = ANY($1::uuid[]) OR identifier = ANY($2::text[])",
      [repIds, repNumbers],
    )
  ).rows;
  const repById = new Map(reps.map((r) => [r.id, r]));
  const repByNumber = new Map(reps.map((r) => [r.identifier, r]));
  const newEnterprises = candidates.filter((e) => {
    const rep = e.legalRepId ? repById.get(e.legalRepId) : repByNumber.get(e.repIdNumber!);
    if (!rep) results[e.index] = refusal(legalRepresentativeNotFound());
    else if (rep.kind !== "person") results[e.index] = refusal(legalRepresentativeNotPerson());
    else {
      e.legalRepId = rep.id;
      return true;
    }
    return false;
  });
  const enterpriseIds = await insertSubjects(client, newEnterprises, actor, at);

  // 5. Rows the unique index refused (a concurrent enrolment) are duplicates; the rest get codes.
  const enrolled: Pending[] = [];
  for (const [list, ids] of [
    [newPersons, personIds],
    [newEnterprises, enterpriseIds],
  ] as const) {
    for (const p of list) {
      const id = ids.get(p.subject.identifier);
      if (!id) results[p.index] = refusal(duplicateSubject(p.kind));
      else enrolled.push(Object.assign(p, { id, code: prepareCode({ commitment: p.subject.commitment, kind: p.kind, at }) }));
    }
  }
  enrolled.sort((a, b) => a.index - b.index);
  if (enrolled.length === 0) return results;

  const codes = await client.query<{ code_id: string; status_index: number }>(
    `INSERT INTO codes (code_id, subject_id, status, attestation, issued_at, changed_at)
     SELECT code_id, subject_id, 'active', attestation, $4, $4
     FROM unnest($1::text[], $2::uuid[], $3::bytea[]) WITH ORDINALITY AS c(code_id, subject_id, attestation, n) ORDER BY n
     RETURNING code_id, status_index`,
    [enrolled.map((p) => p.code!.codeId), enrolled.map((p) => p.id!), enrolled.map((p) => p.code!.attestation), at],
  );
  const statusIndex = new Map(codes.rows.map((r) => [r.code_id, r.status_index]));

  // 6. The ledger entries and chain writes, in row order, exactly as single enrolment writes them.
  const entries: NewEntry[] = [];
  for (const p of enrolled) {
    const commitment = toHex(p.subject.commitment);
    entries.push({
      type: "subject.enrolled",
      payload:
        p.kind === "person"
          ? { subjectId: p.id, kind: "person", commitment }
          : { subjectId: p.id, kind: "enterprise", commitment, legalRepresentativeId: p.legalRepId },
      actor,
      subjectRef: subjectRef(p.subject.commitment),
      at,
    });
    entries.push(codeIssuedEntry(p.code!, p.kind, statusIndex.get(p.code!.codeId)!, actor, at));
    results[p.index] = { ok: true, id: p.id!, codeId: p.code!.codeId };
  }
  await appendEntries(client, entries);
  await enqueueChainWrites(
    client,
    enrolled.map((p) => codeIssueWrite(p.code!, p.kind)),
  );
  return results;
}
