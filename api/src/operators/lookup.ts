// Finding a subject in the back office, so nobody needs to fish ids out of 409 replies:
// enterprises by USCC or by name (enterprise names are public), persons by their exact ID
// number only (no browsing people by name). Results are masked. Seeing an identifier
// unmasked needs a purpose from the list and is written to the access log before it is shown.
import type { FastifyInstance } from "fastify";
import { checkResidentId, checkUscc } from "../../../protocol/identifiers.ts";
import { badRequest, notFound } from "../errors.ts";
import { actorOf } from "../auth/operators.ts";
import { ACCESS_PURPOSES, type AccessPurpose } from "../auth/access-log.ts";
import { maskIdentifier } from "../subjects/masking.ts";
import type { Queryable } from "../db/database.ts";

interface FoundRow {
  id: string;
  kind: "person" | "enterprise";
  display_name: string;
  identifier: string;
  credit_status: string;
  legal_rep_id: string | null;
  legal_rep_display: string | null;
  code_id: string | null;
  code_status: string | null;
  open_records: number;
}

const FOUND = `SELECT s.id, s.kind, s.display_name, s.identifier, s.credit_status, s.legal_rep_id, r.display_name AS legal_rep_display,
         c.code_id, c.status AS code_status,
         (SELECT count(*)::int FROM credit_records cr WHERE cr.subject_id = s.id AND cr.status = 'published') AS open_records
    FROM subjects s
    LEFT JOIN subjects r ON r.id = s.legal_rep_id
    LEFT JOIN codes c ON c.subject_id = s.id AND c.status <> 'revoked'`;

/** What the query is: an exact identifier, or (for enterprises) a part of a name. */
export function classify(q: string): { by: "uscc" | "id_number" | "name"; value: string } {
  const value = q.trim().toUpperCase();
  if (/^[0-9A-Z]{18}$/.test(value) && checkUscc(value).ok) return { by: "uscc", value };
  if (/^\d{17}[\dX]$/.test(value) && checkResidentId(value).ok) return { by: "id_number", value };
  return { by: "name", value: q.trim() };
}

export async function findSubjects(db: Queryable, q: string): Promise<{ by: string; rows: FoundRow[] }> {
  const { by, value } = classify(q);
  if (by !== "name") {
    const r = await db.query<FoundRow>(`${FOUND} WHERE s.identifier = $1`, [value]);
    return { by, rows: r.rows };
  }
  if ([...value].length < 2) throw badRequest("query_too_short", "Type at least two characters of the enterprise's name, or a full USCC or ID number");
  const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const r = await db.query<FoundRow>(`${FOUND} WHERE s.kind = 'enterprise' AND s.name ILIKE $1 ORDER BY s.name LIMIT 50`, [pattern]);
  return { by, rows: r.rows };
}

export function lookupRoutes(app: FastifyInstance): void {
  const { db, clock } = app.ctx;
  const tags = ["back office"];
  const readers = app.requireRole("registrar", "credit_agency", "repair_officer", "auditor");

  app.get("/v1/access-purposes", { schema: { tags, summary: "Why someone may look at personal data (codes)" } }, async () => ({ items: ACCESS_PURPOSES }));

  app.get<{ Querystring: { q: string } }>(
    "/v1/backoffice/subjects",
    {
      preHandler: readers,
      schema: { tags, summary: "Find subjects: enterprises by USCC or name, persons by exact ID number (masked)", querystring: { type: "object", required: ["q"], properties: { q: { type: "string", minLength: 1, maxLength: 100 } } } },
    },
    async (request) => {
      const { by, rows } = await findSubjects(db.pool, request.query.q);
      // A search by ID number is a look-up of a person: logged (how, and how many found; not the number).
      if (by === "id_number") {
        await app.logAccess({ at: clock.now(), actor: actorOf(request.operator!), accountId: request.operator!.account?.id ?? null, action: "subject.searched", subjectId: rows[0]?.id ?? null, status: 200, detail: { by, found: rows.length }, ip: request.ip });
      }
      return {
        by,
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          displayName: r.display_name,
          identifierMasked: maskIdentifier(r.identifier),
          creditStatus: r.credit_status,
          legalRepresentative: r.legal_rep_id ? { id: r.legal_rep_id, displayName: r.legal_rep_display } : null,
          code: r.code_id ? { codeId: r.code_id, status: r.code_status } : null,
          publishedRecords: r.open_records,
        })),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { purpose: AccessPurpose } }>(
    "/v1/backoffice/subjects/:id/identifier",
    {
      preHandler: readers,
      schema: {
        tags,
        summary: "The subject's identifier and name unmasked, for a stated purpose (written to the access log first)",
        params: { type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } } },
        body: { type: "object", additionalProperties: false, required: ["purpose"], properties: { purpose: { type: "string", enum: ACCESS_PURPOSES } } },
      },
    },
    async (request) => {
      const r = await db.pool.query<{ identifier: string; name: string; kind: string }>("SELECT identifier, name, kind FROM subjects WHERE id = $1", [request.params.id]);
      const row = r.rows[0];
      if (!row) throw notFound("subject_not_found", "No such subject");
      await app.logAccess({
        at: clock.now(),
        actor: actorOf(request.operator!),
        accountId: request.operator!.account?.id ?? null,
        action: "identifier.unmasked",
        subjectId: request.params.id,
        purpose: request.body.purpose,
        status: 200,
        detail: { kind: row.kind },
        ip: request.ip,
      });
      return { id: request.params.id, kind: row.kind, identifier: row.identifier, name: row.name };
    },
  );
}
