// SQL of the subjects table: persons and enterprises as enrolment writes them and as
// the other features (codes, credit, repair, face) read them. Call with the pool, or
// with the client of the transaction the caller is in.
import type { Queryable } from "../db/database.ts";
import { notFound } from "../errors.ts";
import type { SubjectKind } from "./commitment.ts";

export interface SubjectRow {
  id: string;
  kind: SubjectKind;
  display_name: string;
  commitment: Buffer;
  legal_rep_id: string | null;
  credit_status: "good" | "dishonest" | "serious";
}

/** A subject with its current (not revoked) code, as GET /v1/subjects/:id shows it. */
export interface SubjectWithCode extends SubjectRow {
  identifier: string;
  created_at: Date;
  code_id: string | null;
  status: "active" | "suspended" | null;
  status_index: number | null;
  issued_at: Date | null;
  chain_tx: string | null;
}

export interface NewSubjectRow {
  kind: SubjectKind;
  identifier: string;
  name: string;
  displayName: string;
  commitment: Buffer;
  legalRepId: string | null;
  actor: string;
  at: Date;
}

const COLUMNS = "s.id, s.kind, s.display_name, s.commitment, s.legal_rep_id, s.credit_status";

export function createSubjectRepository(db: Queryable) {
  async function find(id: string, options: { lock?: boolean } = {}): Promise<SubjectRow | null> {
    const r = await db.query<SubjectRow>(`SELECT ${COLUMNS} FROM subjects s WHERE s.id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
    return r.rows[0] ?? null;
  }

  return {
    find,

    /** The subject or 404 subject_not_found; `lock` takes its row lock (writers lock the subject first). */
    async get(id: string, options: { lock?: boolean } = {}): Promise<SubjectRow> {
      const row = await find(id, options);
      if (!row) throw notFound("subject_not_found", `No subject ${id}`);
      return row;
    },

    async byIdentifier(kind: SubjectKind, identifier: string): Promise<SubjectRow | null> {
      const r = await db.query<SubjectRow>(`SELECT ${COLUMNS} FROM subjects s WHERE s.kind = $1 AND s.identifier = $2`, [kind, identifier]);
      return r.rows[0] ?? null;
    },

    /** The enterprise whose current, active code this is. */
    async enterpriseByActiveCode(codeId: string): Promise<SubjectRow | null> {
      const r = await db.query<SubjectRow>(
        `SELECT ${COLUMNS} FROM codes c JOIN subjects s ON s.id = c.subject_id
          WHERE c.code_id = $1 AND c.status = 'active' AND s.kind = 'enterprise'`,
        [codeId],
      );
      return r.rows[0] ?? null;
    },

    /** The identifier (resident ID number or USCC): personal data, for comparisons only, never for answers. */
    async identifierOf(id: string): Promise<string | null> {
      const r = await db.query<{ identifier: string }>("SELECT identifier FROM subjects WHERE id = $1", [id]);
      return r.rows[0]?.identifier ?? null;
    },

    /** Who enrolled the subject (its created_by). */
    async enrolledBy(id: string): Promise<string | null> {
      const r = await db.query<{ created_by: string }>("SELECT created_by FROM subjects WHERE id = $1", [id]);
      return r.rows[0]?.created_by ?? null;
    },

    /** The id of a subject that already has this identifier or commitment. */
    async existing(identifier: string, commitment: Buffer): Promise<string | null> {
      const r = await db.query<{ id: string }>("SELECT id FROM subjects WHERE identifier = $1 OR commitment = $2", [identifier, commitment]);
      return r.rows[0]?.id ?? null;
    },

    /** Inserts a subject; a concurrent enrolment of the same identifier fails on the unique index (23505). */
    async insert(row: NewSubjectRow): Promise<string> {
      const r = await db.query<{ id: string }>(
        `INSERT INTO subjects (kind, identifier, name, display_name, commitment, legal_rep_id, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [row.kind, row.identifier, row.name, row.displayName, row.commitment, row.legalRepId, row.at, row.actor],
      );
      return r.rows[0]!.id;
    },

    /** The subject and its current code; `lock` locks the subject row (rotation). */
    async withCurrentCode(id: string, options: { lock?: boolean } = {}): Promise<SubjectWithCode | null> {
      const r = await db.query<SubjectWithCode>(
        `SELECT ${COLUMNS}, s.identifier, s.created_at, c.code_id, c.status, c.status_index, c.issued_at, c.chain_tx
           FROM subjects s LEFT JOIN codes c ON c.subject_id = s.id AND c.status <> 'revoked'
          WHERE s.id = $1${options.lock ? " FOR UPDATE OF s" : ""}`,
        [id],
      );
      return r.rows[0] ?? null;
    },
  };
}

export type SubjectRepository = ReturnType<typeof createSubjectRepository>;
