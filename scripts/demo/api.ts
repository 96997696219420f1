// How the demo seeds talk to the API: through its routes (app.inject, no port), with an
// operator token of the role a real caller would have, so demo data passes the same
// validation, authorisation and ledger path as any other.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../api/src/context.ts";
import { mintOperatorToken, type Role } from "../../api/src/auth/operators.ts";

/** A built API: what `startServer` returns, and what the tests' `buildTestApp` gives. */
export interface DemoTarget {
  app: FastifyInstance;
  ctx: AppContext;
}

export interface DemoCaller {
  get<T>(url: string): Promise<T>;
  /** POSTs and expects 201 Created. */
  post<T>(url: string, body: unknown): Promise<T>;
  /** PUTs and expects 200. */
  put<T>(url: string, body: unknown): Promise<T>;
}

/** A caller with the given role, named `demo-seed` in the ledger's actor field. */
export async function demoCaller(target: DemoTarget, role: Role): Promise<DemoCaller> {
  const token = await mintOperatorToken(target.ctx.config.operatorTokenSecret, { role, sub: "demo-seed" }, 600);
  const headers = { authorization: `Bearer ${token}` };
  const send = async <T>(method: "GET" | "POST" | "PUT", url: string, expected: number, body?: unknown): Promise<T> => {
    const res = await target.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
    if (res.statusCode !== expected) throw new Error(`demo data: ${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return res.json() as T;
  };
  return {
    get: (url) => send("GET", url, 200),
    post: (url, body) => send("POST", url, 201, body),
    put: (url, body) => send("PUT", url, 200, body),
  };
}
