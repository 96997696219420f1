// The case file of an application, for the officer deciding it: what the repair feature's
// view (GET /v1/repair-applications/:id) does not carry. Each record's evaluation at filing
// (rule, policy version, reasons in both languages), the applicant, the face check's outcome
// (scores and verdict of the passed attempt and how many attempts were refused before it,
// never a photo or a descriptor), the signed credit commitment (text, digest, signature hash)
// and the history from the ledger (entries naming the application or its records, with the
// actor's name and unit for accounts). Read-only; the record details and facts come from GET
// /v1/records/:id. A read of a subject's file: logged with the purpose repair_review.
import type { FastifyInstance } from "fastify";
import type { Queryable } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { actorOf } from "../auth/operators.ts";
import { worded } from "../credit/reason-words.ts";
import { subjectRef } from "../ledger/subject-ref.ts";

interface AppRow {
  id: string;
  chain_id: Buffer;
  subject_id: string;
  applicant_person_id: string;
  capacity: string;
  authorisation_ref: string | null;
  channel: string;
  commitment_version: string;
  commitment_digest: Buffer;
  commitment_signature: string | null;
  filed_at: Date;
  commitment: Buffer;
  subject_display: string;
  subject_kind: string;
  applicant_display: string;
  commitment_text: string | null;
}

export async function caseFile(db: Queryable, id: string) {
  const found = await db.query<AppRow>(
    `SELECT a.id, a.chain_id, a.subject_id, a.applicant_person_id, a.capacity, a.authorisation_ref, a.channel, a.commitment_version,
            a.commitment_digest, a.commitment_signature, a.filed_at, s.commitment, s.display_name AS subject_display, s.kind AS subject_kind,
            p.display_name AS applicant_display, t.text AS commitment_text
       FROM repair_applications a
       JOIN subjects s ON s.id = a.subject_id
       JOIN subjects p ON p.id = a.applicant_person_id
       LEFT JOIN credit_commitment_texts t ON t.version = a.commitment_version
      WHERE a.id = $1`,
    [id],
  );
  const app = found.rows[0];
  if (!app) throw notFound("application_not_found", "No such application");

  const records = await db.query<{ record_id: string; chain_id: Buffer; evaluation: { repairable?: string; earliestDate?: string | null; ruleId: string; policyVersion?: string; decision?: string; reasons?: never[] } }>(
    `SELECT ar.record_id, r.chain_id, ar.evaluation FROM repair_application_records ar JOIN credit_records r ON r.id = ar.record_id
      WHERE ar.application_id = $1 ORDER BY ar.record_id`,
    [id],
  );

  const face = await db.query<{ verdict: string; similarity: number | null; antispoof: number | null; liveness: number | null; distance: number | null; challenge: string | null; frames: number; created_at: Date; device: string; session_id: string; refused_before: number; used_for: string | null; used_at: Date | null }>(
    `SELECT a.used_for, a.used_at, fa.verdict, fa.similarity, fa.antispoof, fa.liveness, fa.distance, fa.challenge, fa.frames, fa.created_at, ks.device, ks.id AS session_id,
            (SELECT count(*)::int FROM face_attempts x WHERE x.session_id = ks.id AND x.verdict = 'refused' AND x.id < fa.id) AS refused_before
       FROM face_assertions a JOIN face_attempts fa ON fa.id = a.attempt_id JOIN kiosk_sessions ks ON ks.id = a.session_id
      WHERE a.used_for = $1
         -- Filings before used_for was recorded: the one this applicant used for this subject at
         -- the moment of filing (same transaction, same clock).
         OR (a.used_for IS NULL AND a.person_id = $2 AND a.enterprise_id = $3 AND a.used_at BETWEEN $4::timestamptz - interval '10 seconds' AND $4::timestamptz + interval '10 seconds')
      ORDER BY (a.used_for = $1) DESC NULLS LAST, abs(extract(epoch FROM a.used_at - $4::timestamptz))
      LIMIT 1`,
    [id, app.applicant_person_id, app.subject_id, app.filed_at],
  );

  // The ledger's entries about this subject that name the application or one of its records.
  const names = [hex(app.chain_id), ...records.rows.map((r) => hex(r.chain_id))].map((h) => h.replace(/^0x/, ""));
  const history = await db.query<{ seq: number; type: string; actor: string; created_at: Date; payload: string }>(
    `SELECT seq, type, actor, created_at, payload FROM ledger
      WHERE subject_ref = $1 AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE ledger.payload LIKE '%' || n || '%')
      ORDER BY seq`,
    [subjectRef(app.commitment), names],
  );
  const accountIds = [...new Set(history.rows.map((h) => h.actor.split(":")[1] ?? "").filter((a) => a.startsWith("op_")))];
  const accounts = accountIds.length
    ? new Map((await db.query<{ id: string; name: string; unit: string }>("SELECT id, name, unit FROM operator_accounts WHERE id = ANY($1)", [accountIds])).rows.map((a) => [a.id, a]))
    : new Map<string, { id: string; name: string; unit: string }>();

  const passed = face.rows[0] ?? null;
  return {
    applicationId: app.id,
    subject: { id: app.subject_id, kind: app.subject_kind, displayName: app.subject_display },
    applicant: { personId: app.applicant_person_id, displayName: app.applicant_display, capacity: app.capacity, authorisationRef: app.authorisation_ref },
    channel: app.channel,
    records: records.rows.map((r) => ({
      recordId: r.record_id,
      evaluation: {
        repairable: r.evaluation.repairable ?? null,
        earliestDate: r.evaluation.earliestDate ?? null,
        decision: r.evaluation.decision ?? null,
        ruleId: r.evaluation.ruleId,
        policyVersion: r.evaluation.policyVersion ?? null,
        reasons: worded(r.evaluation.reasons),
      },
    })),
    faceCheck: passed && {
      verdict: passed.verdict,
      at: passed.created_at.toISOString(),
      device: passed.device,
      challenge: passed.challenge,
      frames: passed.frames,
      scores: { similarity: passed.similarity, antispoof: passed.antispoof, liveness: passed.liveness, distance: passed.distance },
      refusedAttemptsBefore: passed.refused_before,
      // Which assertion the filing consumed: recorded on it (used_for = this application), or,
      // for filings made before that was recorded, matched by applicant, subject and time.
      assertion: { usedFor: passed.used_for, usedAt: passed.used_at?.toISOString() ?? null, matchedBy: passed.used_for === app.id ? "used_for" : "time" },
    },
    commitment: { version: app.commitment_version, digest: hex(app.commitment_digest), text: app.commitment_text, signature: app.commitment_signature, signedAt: app.filed_at.toISOString() },
    history: history.rows.map((h) => {
      const accountId = h.actor.split(":")[1] ?? "";
      const account = accounts.get(accountId);
      return { seq: h.seq, type: h.type, at: h.created_at.toISOString(), actor: h.actor, by: account ? { name: account.name, unit: account.unit } : null, payload: JSON.parse(h.payload) as Record<string, unknown> };
    }),
  };
}

export function caseFileRoutes(app: FastifyInstance): void {
  const { db, clock } = app.ctx;
  app.get<{ Params: { id: string } }>(
    "/v1/backoffice/applications/:id/file",
    {
      preHandler: app.requireRole("repair_officer", "supervisor", "auditor"),
      schema: { tags: ["back office"], summary: "The case file of an application: evaluations, face check outcome, commitment, history", params: { type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } } } },
    },
    async (request) => {
      const file = await caseFile(db.pool, request.params.id);
      await app.logAccess({
        at: clock.now(),
        actor: actorOf(request.operator!),
        accountId: request.operator!.account?.id ?? null,
        action: "case_file.viewed",
        subjectId: file.subject.id,
        purpose: "repair_review",
        status: 200,
        detail: { applicationId: file.applicationId },
        ip: request.ip,
      });
      return file;
    },
  );
}
