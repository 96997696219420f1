// The API as the wallet sees it: same origin, JSON, the holder session as a bearer secret,
// refusals as ApiError with the problem's stable code (network failures as "network").
import { ApiError } from "../lib/api-error.ts";
import { session } from "./store.ts";

export { ApiError };

export async function api<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = session.get();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch {
    throw new ApiError(0, "network", "the server cannot be reached");
  }
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    if (response.status === 401) session.set(null);
    throw new ApiError(response.status, typeof json.code === "string" ? json.code : "unknown", typeof json.detail === "string" ? json.detail : "");
  }
  return json as T;
}
