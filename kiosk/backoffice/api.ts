// The API as the back office sees it: the session is an HttpOnly cookie the page never reads;
// every change carries the session's CSRF token (X-CSRF-Token), which the page keeps in
// memory only (from the sign-in answer or GET /v1/auth/session). Refusals come back as
// ApiError with the problem's stable `code` (and its extra fields); a session that ended
// (idle, signed out elsewhere, account disabled) sends the page back to sign-in.

import { ApiError } from "../lib/api-error.ts";

export { ApiError };

/** Codes that mean "you are not signed in any more". */
export const SESSION_GONE = new Set(["session_missing", "session_invalid", "session_ended", "session_expired", "account_disabled", "token_missing"]);

let csrfToken: string | null = null;
let onSessionGone: (code: string) => void = () => {};
let onActivity: () => void = () => {};

export function setCsrf(token: string | null): void {
  csrfToken = token;
}

export function whenSessionGone(handler: (code: string) => void): void {
  onSessionGone = handler;
}

/** Called after every answered request (the idle timer restarts with the server's). */
export function whenActive(handler: () => void): void {
  onActivity = handler;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body with its content type (NDJSON). */
  raw?: { type: string; text: string };
  /** Why personal data is looked at (access log). */
  purpose?: string;
}

export async function call<T>(method: string, url: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  if (options.purpose) headers["x-access-purpose"] = options.purpose;
  let body: string | undefined;
  if (options.raw) {
    headers["content-type"] = options.raw.type;
    body = options.raw.text;
  } else if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network_error", "The API cannot be reached");
  }
  onActivity();
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const problem = (json ?? {}) as { code?: string; detail?: string } & Record<string, unknown>;
    const error = new ApiError(res.status, problem.code ?? `http_${res.status}`, problem.detail ?? res.statusText, problem);
    if (res.status === 401 && SESSION_GONE.has(error.code) && !url.startsWith("/v1/auth/")) onSessionGone(error.code);
    throw error;
  }
  return json as T;
}

export const get = <T>(url: string, options?: RequestOptions) => call<T>("GET", url, options);
export const post = <T>(url: string, body?: unknown, options?: RequestOptions) => call<T>("POST", url, { ...options, body: body ?? {} });
export const patch = <T>(url: string, body: unknown) => call<T>("PATCH", url, { body });
export const put = <T>(url: string, body: unknown) => call<T>("PUT", url, { body });

/** Query string from defined values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
