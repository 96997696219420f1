// Agents' authorisations (授权委托书): a registrar records that a person may apply for credit
// repair for an enterprise between two dates; revoking ends it at once. Each change is a
// ledger entry about the enterprise, in the caller's transaction.
import type { Queryable } from "../db/database.ts";
import { conflict, notFound } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { toHex } from "../../../protocol/bytes.ts";
import { createFaceRepository, type AuthorisationRow } from "./repository.ts";

export interface AuthorisationView {
  id: string;
  enterpriseId: string;
  agentId: string;
  reference: string;
  scope: string;
  validFrom: string;
  validUntil: string;
  revokedAt: string | null;
  createdAt: string;
}

export const authorisationView = (r: AuthorisationRow): AuthorisationView => ({
  id: r.id,
  enterpriseId: r.enterprise_id,
  agentId: r.agent_id,
  reference: r.reference,
  scope: r.scope,
  validFrom: r.valid_from.toISOString(),
  validUntil: r.valid_until.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  createdAt: r.created_at.toISOString(),
});

export async function grantAuthorisation(
  client: Queryable,
  input: { enterpriseId: string; agentId: string; reference: string; validFrom: Date; validUntil: Date; actor: string; now: Date },
): Promise<AuthorisationRow> {
  const subjects = createSubjectRepository(client);
  const face = createFaceRepository(client);
  const enterprise = await subjects.find(input.enterpriseId);
  const agent = await subjects.find(input.agentId);
  if (!enterprise || enterprise.kind !== "enterprise") throw notFound("enterprise_not_found", "No such enterprise");
  if (!agent || agent.kind !== "person") throw notFound("person_not_found", "No such person");
  if (enterprise.legal_rep_id === agent.id) throw conflict("is_legal_representative", "This person is the legal representative and needs no authorisation");
  if (await face.authorisationExists(enterprise.id, input.reference)) {
    throw conflict("authorisation_exists", "An authorisation with this reference is already registered for the enterprise");
  }
  const row = await face.insertAuthorisation({ ...input, at: input.now });
  await appendEntry(client, {
    type: "authorisation.granted",
    payload: {
      authorisation: row.id,
      agent: toHex(agent.commitment),
      scope: row.scope,
      validFrom: row.valid_from.toISOString(),
      validUntil: row.valid_until.toISOString(),
    },
    actor: input.actor,
    subjectRef: subjectRef(enterprise.commitment),
    at: input.now,
  });
  return row;
}

export async function revokeAuthorisation(client: Queryable, input: { id: string; actor: string; now: Date }): Promise<AuthorisationRow> {
  const face = createFaceRepository(client);
  const row = await face.authorisation(input.id, { lock: true });
  if (!row) throw notFound("authorisation_not_found", "No such authorisation");
  if (row.revoked_at) throw conflict("authorisation_revoked", "This authorisation is already revoked");
  const enterprise = await createSubjectRepository(client).get(row.enterprise_id);
  const revoked = await face.revokeAuthorisation(row.id, input.now, input.actor);
  await appendEntry(client, {
    type: "authorisation.revoked",
    payload: { authorisation: row.id },
    actor: input.actor,
    subjectRef: subjectRef(enterprise.commitment),
    at: input.now,
  });
  return revoked;
}
