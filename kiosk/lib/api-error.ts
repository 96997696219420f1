// A refusal from the API as every front end sees it: the HTTP status, the problem's stable
// `code` (RFC 9457 bodies; "network" when no answer arrived) and its extra fields.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, unknown>;
  constructor(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}
