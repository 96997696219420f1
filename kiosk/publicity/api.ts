// The public credit page's calls: same origin, no credentials; a refusal as PublicError with the
// problem's stable code (and, when rate-limited, how long to wait).
export class PublicError extends Error {
  readonly code: string;
  readonly retryAfterSeconds: number | null;
  constructor(code: string, retryAfterSeconds: number | null = null) {
    super(code);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface Words {
  zh: string;
  en: string;
}

export interface SubjectSummary {
  id: string;
  kind: "enterprise" | "person";
  name: string;
  identifier: string;
  creditStatus: "good" | "dishonest" | "serious";
}

export interface SearchResult {
  results: SubjectSummary[];
  more: boolean;
}

export interface PublicRecord {
  id: string;
  kind: string;
  severity: string;
  decidingUnit: string;
  decisionNo: string;
  decisionDate: string;
  legalBasis: string;
  period: { from: string; minimumEndsOn: string; lastPublicDay: string; policyVersion: string; basis: Words | null };
}

export interface Repair {
  applicationChainId: string;
  decidedOn: string;
  records: { decisionNo: string; decidingUnit: string; decisionDate: string; kind: string }[];
  policyVersion: string;
  ruleId: string;
  basis: Words | null;
}

export interface Commitment {
  applicationChainId: string;
  version: string;
  digest: string;
  text: string;
  signedOn: string;
  capacity: "legal_representative" | "authorised_agent" | "self";
}

export interface SubjectPage {
  subject: SubjectSummary;
  records: PublicRecord[];
  repairs: Repair[];
  commitments: Commitment[];
}

async function get<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: "application/json" }, credentials: "omit", cache: "no-store" });
  } catch {
    throw new PublicError("network");
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const wait = typeof body.retryAfterSeconds === "number" ? body.retryAfterSeconds : null;
    throw new PublicError(typeof body.code === "string" ? body.code : "unknown", wait);
  }
  return body as T;
}

export const search = (q: string) => get<SearchResult>(`/v1/public/search?q=${encodeURIComponent(q)}`);
export const subjectPage = (id: string) => get<SubjectPage>(`/v1/public/subjects/${encodeURIComponent(id)}`);
