// The access log (MLPS level 3, the personal-information law): who read personal data (a
// subject's file or records, unmasked identifiers, face references) and who changed anything,
// when, from where, and for which purpose. Reads of the routes below are logged after the
// answer; a route that hands out an unmasked identifier logs before it answers (so no
// identifier leaves without its line). Purposes are codes from a list, never free text.
import type { FastifyRequest } from "fastify";
import { actorOf } from "./operators.ts";
import type { AccessEntry } from "./repository.ts";

/** Why someone looks at personal data. */
export const ACCESS_PURPOSES = ["repair_review", "enrolment", "code_service", "record_correction", "complaint", "audit_check", "subject_request"] as const;
export type AccessPurpose = (typeof ACCESS_PURPOSES)[number];
export const PURPOSE_HEADER = "x-access-purpose";

/** Reads of personal data that other features serve, by route; what the log calls them. */
const PERSONAL_DATA_READS: Record<string, string> = {
  "/v1/subjects/:id": "subject.viewed",
  "/v1/subjects/:id/records": "records.viewed",
  "/v1/enterprises/:id/authorisations": "authorisations.viewed",
  "/v1/repair-applications/:id": "application.viewed",
  "/v1/ledger/export": "ledger.exported",
};

/** Routes that write their own, fuller line (with the purpose) before they answer. */
const LOGGED_BY_ROUTE = new Set(["/v1/backoffice/subjects/:id/identifier"]);

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export function isUnsafe(method: string): boolean {
  return !SAFE.has(method);
}

export function purposeOf(request: FastifyRequest): AccessPurpose | null {
  const raw = request.headers[PURPOSE_HEADER];
  return typeof raw === "string" && (ACCESS_PURPOSES as readonly string[]).includes(raw) ? (raw as AccessPurpose) : null;
}

/** The entry for an answered request by an operator, or null when it is neither a change nor a personal-data read. */
export function entryOf(request: FastifyRequest, status: number, at: Date): AccessEntry | null {
  const operator = request.operator;
  if (!operator) return null;
  const route = request.routeOptions.url ?? request.url.split("?")[0]!;
  if (LOGGED_BY_ROUTE.has(route)) return null;
  const read = PERSONAL_DATA_READS[route];
  if (!read && !isUnsafe(request.method)) return null;
  // Sign-in routes log themselves (with the method used); sign-out is a change like others.
  const params = (request.params ?? {}) as Record<string, unknown>;
  const id = typeof params.id === "string" && /^[0-9a-f-]{36}$/.test(params.id) ? params.id : null;
  return {
    at,
    actor: actorOf(operator),
    accountId: operator.account?.id ?? null,
    action: read ?? `${request.method} ${route}`,
    // Only the subject routes name a subject by :id; other ids (records, applications) go in detail.
    subjectId: route.startsWith("/v1/subjects/") || route.startsWith("/v1/enterprises/") || route.startsWith("/v1/persons/") ? id : null,
    purpose: purposeOf(request),
    status,
    detail: id && !route.startsWith("/v1/subjects/") ? { id } : {},
    ip: request.ip,
  };
}
