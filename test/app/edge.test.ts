// The edge (api/src/edge.ts, api/src/errors.ts): security headers with one strict CSP on every
// front end, rate limits per client on the public routes, X-Forwarded-For believed only from the
// configured proxies, and every framework error (413, 431, 429, 404) as problem+json.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOT_FOUND_LIMIT, ROUTE_LIMITS } from "../../api/src/edge.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const VERIFY_LIMIT = ROUTE_LIMITS.find((l) => l.url === "/v1/codes/verify")!.max;

/** Raw HTTP, so that what Node's parser answers before Fastify is seen as sent. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let out = "";
    socket.on("data", (d) => (out += d.toString()));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
  });
}

describe("the edge", () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await buildTestApp();
    url = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => t?.close());

  it("serves every front end with a strict Content-Security-Policy and the other security headers", async () => {
    for (const page of ["/ui/", "/ui/verifier/", "/ui/audit/"]) {
      const res = await fetch(`${url}${page}`, { method: "HEAD" });
      expect(res.status, page).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
      expect(csp).toContain("script-src-attr 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      // Served over http here: no upgrade-insecure-requests (it would break every page).
      expect(csp).not.toContain("upgrade-insecure-requests");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
    // The audit console reads a chain node the auditor names; the other pages talk to the API only.
    expect((await fetch(`${url}/ui/audit/`, { method: "HEAD" })).headers.get("content-security-policy")).toContain("connect-src 'self' http: https:");
    expect((await fetch(`${url}/ui/`, { method: "HEAD" })).headers.get("content-security-policy")).toContain("connect-src 'self';");
    // The API docs too (Swagger UI has no inline script).
    const docs = await fetch(`${url}/docs/static/index.html`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-security-policy")).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  });

  it("answers a burst on POST /v1/codes/verify from one client with 429 problem+json", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < VERIFY_LIMIT + 5; i++) {
      const res = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: "not-a-code" }, remoteAddress: "203.0.113.7" });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.headers["content-type"]).toContain("application/problem+json");
        expect(res.json()).toMatchObject({ status: 429, code: "rate_limited", title: "Too many requests" });
        expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, VERIFY_LIMIT).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(VERIFY_LIMIT)).toEqual([429, 429, 429, 429, 429]);
    // Another client is not limited by it; a forged X-Forwarded-For does not make one (no proxy is trusted).
    expect((await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: "x" }, remoteAddress: "203.0.113.8" })).statusCode).not.toBe(429);
    const spoofed = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: "x" }, remoteAddress: "203.0.113.7", headers: { "x-forwarded-for": "198.51.100.1" } });
    expect(spoofed.statusCode).toBe(429);
  });

  it("limits 404s per client", async () => {
    let last = 0;
    for (let i = 0; i <= NOT_FOUND_LIMIT; i++) {
      last = (await t.app.inject({ method: "GET", url: `/v1/nothing-${i}`, remoteAddress: "203.0.113.9" })).statusCode;
      if (i < NOT_FOUND_LIMIT) expect(last).toBe(404);
    }
    expect(last).toBe(429);
  });

  it("answers headers over the size limit with 431 problem+json, and a body over a route's limit with 413", async () => {
    const port = Number(new URL(url).port);
    const answer = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain("Content-Type: application/problem+json");
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: 431, code: "headers_too_large" });

    const big = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: "x".repeat(100_000) }, remoteAddress: "203.0.113.10" });
    expect(big.statusCode).toBe(413);
    expect(big.headers["content-type"]).toContain("application/problem+json");
    expect(big.json()).toMatchObject({ status: 413, title: "Payload Too Large" });
  });
});

describe("behind a trusted proxy", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { trustProxy: ["127.0.0.1"] } });
  });
  afterAll(async () => t?.close());

  it("keys the limits on the client the proxy names", async () => {
    const verify = (client: string) =>
      t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: "x" }, remoteAddress: "127.0.0.1", headers: { "x-forwarded-for": client } });
    for (let i = 0; i < VERIFY_LIMIT; i++) expect((await verify("198.51.100.20")).statusCode).not.toBe(429);
    expect((await verify("198.51.100.20")).statusCode).toBe(429);
    expect((await verify("198.51.100.21")).statusCode).not.toBe(429);
  });
});
