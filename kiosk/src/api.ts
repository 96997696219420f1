// The API as the kiosk sees it: bearer device token, JSON in and out, refusals as ApiError
// carrying the problem's stable `code` (RFC 9457 bodies from the API).
import { ApiError } from "../lib/api-error.ts";

export { ApiError };

export interface Applicant {
  /** The credit subject applied for: the enterprise, or the person themself (capacity self). */
  subjectId: string;
  subjectKind: "person" | "enterprise";
  /** The same as subjectId (the earlier name; the face check reads it). */
  enterpriseId: string;
  enterpriseName: string;
  personId: string;
  personName: string;
  capacity: "legal_representative" | "authorised_agent" | "self";
  authorisation: { reference: string; validUntil: string } | null;
  faceEnrolled: boolean;
}

/** What a citizen reads (rendered by the API from the shared templates), per language. */
export interface ReasonWords {
  text: string;
  basis: string;
}

/** A reason: the words in both languages; the rule id and policy version for officers (behind "details"). */
export interface Reason {
  ruleId: string;
  policyVersion?: string;
  message: string;
  words: { zh: ReasonWords; en: ReasonWords };
  until?: string;
}

export interface RecordItem {
  id: string;
  kind: string;
  severity: string;
  decidingUnit: string;
  decisionNo: string;
  decisionDate: string;
  legalBasis: string;
  notRepairableBasis?: string | null;
  minimumEndsOn?: string | null;
  lastPublicDay?: string | null;
  evaluation?: { repairable: string; earliestDate: string | null; ruleId: string; policyVersion: string; reasons: Reason[] };
  applicationId?: string;
  applicationStatus?: string;
}

export interface RecordsView {
  subject: { id: string; displayName: string; creditStatus: string };
  asOf: string;
  repairableNow: RecordItem[];
  later: RecordItem[];
  inReview: RecordItem[];
  notRepairable: RecordItem[];
  ended: RecordItem[];
}

export interface Application {
  id: string;
  chainId?: string;
  status: string;
  decisionMode?: string;
  filedAt: string;
  acceptDue?: string | null;
  acceptDueProvisional?: boolean;
  decideDue?: string | null;
  decideDueProvisional?: boolean;
  decisions?: { outcome: string; reason: string | null; reasons?: Reason[]; ruleId?: string; policyVersion?: string; decidedAt: string }[];
  records?: { id: string }[];
}

export interface Code {
  token: string;
  qrText: string;
  expiresAt: string;
  qr: { png: string; svg: string };
}

/** A phone bound to the subject, as the kiosk lists it for a lost phone (./screens/unbind.ts). */
export interface BoundPhone {
  id: string;
  name: string;
  boundAt: string;
  lastSeenAt: string | null;
}

export function createApi(base: string, token: () => string | null) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    } catch {
      throw new ApiError(0, "network", "network error");
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      /* not JSON */
    }
    if (!response.ok) {
      const code = typeof json.code === "string" ? json.code : response.status === 401 ? "device" : "unknown";
      throw new ApiError(response.status, code, typeof json.detail === "string" ? json.detail : response.statusText);
    }
    return json as T;
  }
  return {
    startSession: () => call<{ sessionId: string; nonce: string; expiresAt: string }>("POST", "/v1/kiosk/sessions", {}),
    endSession: (id: string) => call<void>("DELETE", `/v1/kiosk/sessions/${id}`),
    identify: (id: string, body: { enterprise?: string; capacity: string; idNumber?: string }) =>
      call<Applicant>("POST", `/v1/kiosk/sessions/${id}/applicant`, body),
    records: (subjectId: string) => call<RecordsView>("GET", `/v1/subjects/${subjectId}/records`),
    commitment: () => call<{ version: string; text: string; digest: string }>("GET", "/v1/credit/commitment"),
    apply: (body: unknown) => call<Application>("POST", "/v1/repair-applications", body),
    code: (subjectId: string) => call<Code>("GET", `/v1/subjects/${subjectId}/code`),
    /** The phones the face-checked person holds for the session's subject (whom: subject) or for themself (holder). */
    phones: (sessionId: string, whom: "subject" | "holder") => call<{ devices: BoundPhone[] }>("POST", "/v1/wallet/kiosk/devices", { sessionId, whom }),
    unbindPhone: (sessionId: string, whom: "subject" | "holder", deviceId: string) =>
      call<{ removed: string[]; codeRotated: boolean }>("POST", "/v1/wallet/kiosk/unbind", { sessionId, whom, deviceId }),
  };
}

export type Api = ReturnType<typeof createApi>;
