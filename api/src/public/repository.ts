// SQL of the public credit page: finding a subject (an enterprise by name or USCC, a person
// only by the exact resident ID number) and what the national credit portal shows of it:
// records in publicity, the repairs granted, and the credit commitments signed for them.
// Read only. Persons' names and ID numbers leave here masked (api/src/subjects/masking.ts).
import type { Queryable } from "../db/database.ts";
import { RECORD_COLUMNS, type RecordRow } from "../credit/repository.ts";
import type { Capacity } from "../face/assertion.ts";

export interface PublicSubjectRow {
  id: string;
  kind: "person" | "enterprise";
  /** The registered name (enterprises) or the masked one (persons, display_name). */
  name: string;
  identifier: string;
  credit_status: "good" | "dishonest" | "serious";
}

export interface GrantedRepairRow {
  application_id: string;
  application_chain_id: Buffer;
  capacity: Capacity;
  commitment_version: string;
  commitment_digest: Buffer;
  commitment_text: string;
  filed_at: Date;
  decided_at: Date;
  policy_version: string;
  rule_id: string;
  decision_digest: Buffer;
  records: { decisionNo: string; decidingUnit: string; decisionDate: string; kind: string; severity: string }[];
}

/** A LIKE pattern that matches `text` literally anywhere. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const SUBJECT = `s.id, s.kind, CASE WHEN s.kind = 'enterprise' THEN s.name ELSE s.display_name END AS name, s.identifier, s.credit_status`;

export function createPublicRepository(db: Queryable) {
  return {
    /** Enterprises whose registered name contains `text` (case-insensitive), by name. */
    async enterprisesNamed(text: string, limit: number): Promise<PublicSubjectRow[]> {
      const r = await db.query<PublicSubjectRow>(
        `SELECT ${SUBJECT} FROM subjects s WHERE s.kind = 'enterprise' AND lower(s.name) LIKE lower($1) ESCAPE '\\' ORDER BY s.name, s.id LIMIT $2`,
        [contains(text), limit],
      );
      return r.rows;
    },

    /** The subject of exactly this identifier (USCC or resident ID number) and kind. */
    async byIdentifier(kind: "person" | "enterprise", identifier: string): Promise<PublicSubjectRow | null> {
      const r = await db.query<PublicSubjectRow>(`SELECT ${SUBJECT} FROM subjects s WHERE s.kind = $1 AND s.identifier = $2`, [kind, identifier]);
      return r.rows[0] ?? null;
    },

    async subject(id: string): Promise<PublicSubjectRow | null> {
      const r = await db.query<PublicSubjectRow>(`SELECT ${SUBJECT} FROM subjects s WHERE s.id = $1`, [id]);
      return r.rows[0] ?? null;
    },

    /** Records in publicity: published, shown publicly, not yet past their end. */
    async recordsInPublicity(subjectId: string, now: Date): Promise<RecordRow[]> {
      const r = await db.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM credit_records r
          WHERE r.subject_id = $1 AND r.status = 'published' AND r.public AND r.public_until > $2 ORDER BY r.decision_date DESC, r.id`,
        [subjectId, now],
      );
      return r.rows;
    },

    /**
     * The repairs granted to the subject, newest first, each with the credit commitment signed
     * for it (version, digest and text; never the signature, see ./views.ts).
     */
    async grantedRepairs(subjectId: string, limit: number): Promise<GrantedRepairRow[]> {
      const r = await db.query<GrantedRepairRow>(
        `SELECT a.id AS application_id, a.chain_id AS application_chain_id, a.capacity, a.commitment_version, a.commitment_digest,
                t.text AS commitment_text, a.filed_at, d.decided_at, d.policy_version, d.rule_id, d.digest AS decision_digest,
                (SELECT jsonb_agg(jsonb_build_object('decisionNo', c.decision_no, 'decidingUnit', c.deciding_unit,
                          'decisionDate', to_char(c.decision_date, 'YYYY-MM-DD'), 'kind', c.kind, 'severity', c.severity) ORDER BY c.decision_date, c.id)
                   FROM repair_application_records ar JOIN credit_records c ON c.id = ar.record_id WHERE ar.application_id = a.id) AS records
           FROM repair_applications a
           JOIN repair_decisions d ON d.application_id = a.id AND d.step = 'final' AND d.outcome = 'approved'
           JOIN credit_commitment_texts t ON t.version = a.commitment_version
          WHERE a.subject_id = $1
          ORDER BY d.decided_at DESC, a.id LIMIT $2`,
        [subjectId, limit],
      );
      return r.rows;
    },
  };
}
