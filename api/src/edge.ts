// The edge of the API, before any feature: security headers (helmet's, computed once; one strict
// Content-Security-Policy for every front end: scripts only from this origin, no inline script)
// and rate limits (@fastify/rate-limit) per client on the routes anyone can hammer: the public
// code verification, kiosk session creation, operator sign-in and 404s. The client is
// request.ip, which believes X-Forwarded-For only from the proxies in TRUST_PROXY (config).
//
// Limits are per API instance (in memory): behind a load balancer with N instances a client
// gets up to N times the figure. RATE_LIMIT_ALLOW exempts addresses (monitoring, benchmarks).
import type { FastifyInstance, RouteOptions } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import helmet, { type HelmetOptions } from "helmet";
import rateLimit from "@fastify/rate-limit";
import type { Config } from "./config.ts";
import { ProblemError } from "./errors.ts";

export interface RouteLimit {
  method: string;
  /** The route's URL, or a prefix ending in "/". */
  url: string;
  /** Requests per client per minute. */
  max: number;
}

// Per client per minute. An official's scanner verifies a code every few seconds; a kiosk starts
// a session per visitor; a person signs in a few times a day.
export const ROUTE_LIMITS: readonly RouteLimit[] = [
  { method: "POST", url: "/v1/codes/verify", max: 300 },
  { method: "POST", url: "/v1/kiosk/sessions", max: 30 },
  { method: "POST", url: "/v1/auth/", max: 20 },
];
/** Unknown routes per client per minute: scanning for paths is not free. */
export const NOT_FOUND_LIMIT = 60;

function limitOf(route: Pick<RouteOptions, "method" | "url">): RouteLimit | undefined {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return ROUTE_LIMITS.find((l) => methods.includes(l.method) && (l.url.endsWith("/") ? route.url.startsWith(l.url) : route.url === l.url));
}

const rateLimited = (_request: unknown, context: { after: string; ttl: number }) =>
  new ProblemError(429, "rate_limited", "Too many requests", `too many requests from this client; try again in ${context.after}`, {
    retryAfterSeconds: Math.ceil(context.ttl / 1000),
  });

/** The directives of the one policy every page gets (the audit console also reads a chain node). */
export function contentSecurityPolicy(publicUrl: string): Record<string, string[] | null> {
  return {
    "default-src": ["'self'"],
    // Modules from this origin only; WebAssembly (the verifier's QR decoder) may compile.
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "script-src-attr": ["'none'"],
    // Style sheets from this origin; style attributes (a progress bar's width) are no script.
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "worker-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'", "data:"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    // Only where the API is served over https: on http://127.0.0.1 it would break every page.
    "upgrade-insecure-requests": publicUrl.startsWith("https:") ? [] : null,
  };
}

type HeaderSet = Readonly<Record<string, string>>;

/**
 * The headers helmet would set, computed once. @fastify/helmet calls helmet(options) — which
 * validates and serialises the whole policy — on every request (~6 % of the server's CPU on a
 * code verification, measured by the verifier benchmark); the result never changes, so it is
 * built here once per variant and copied onto each reply.
 */
function helmetHeaders(options: HelmetOptions): HeaderSet {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

/** The security headers of every reply: one policy, widened for two pages, and cross-origin reads of public data. */
export function securityHeaders(publicUrl: string) {
  const directives = contentSecurityPolicy(publicUrl);
  const base = {
    // Same origin only for resources, except what verifiers and other sites fetch on purpose.
    crossOriginResourcePolicy: { policy: "same-origin" as const },
    crossOriginEmbedderPolicy: false,
  };
  const withPolicy = (widen: Record<string, string[]>): HeaderSet =>
    helmetHeaders({ ...base, contentSecurityPolicy: { useDefaults: false, directives: { ...directives, ...widen } } });
  const standard = withPolicy({});
  // The audit console checks roots against a chain node the auditor names (any origin);
  // Swagger UI (/docs) adds <style> elements (no script).
  const auditConsole = withPolicy({ "connect-src": ["'self'", "http:", "https:"] });
  const docs = withPolicy({ "style-src": ["'self'", "'unsafe-inline'"] });
  // The public keys and status list are for everyone, also cross-origin.
  const publicData: HeaderSet = Object.freeze({ ...standard, "cross-origin-resource-policy": "cross-origin" });
  return (url: string): HeaderSet => {
    if (url.startsWith("/ui/audit/")) return auditConsole;
    if (url.startsWith("/docs")) return docs;
    if (url.startsWith("/.well-known/") || url.startsWith("/v1/ledger/keys") || url.startsWith("/v1/status")) return publicData;
    return standard;
  };
}

/** Registers the security headers and the rate limits; call before any route is added. Returns the 404 limiter. */
export async function registerEdge(app: FastifyInstance, config: Pick<Config, "publicUrl" | "rateLimitAllow">) {
  const headersFor = securityHeaders(config.publicUrl);
  app.addHook("onRequest", (request, reply, done) => {
    reply.headers(headersFor(request.url));
    done();
  });

  // Before the rate-limit plugin's own onRoute hook: put the limit into the route's config.
  app.addHook("onRoute", (route) => {
    const limit = limitOf(route);
    if (limit && route.config?.rateLimit === undefined) {
      route.config = { ...route.config, rateLimit: { max: limit.max, timeWindow: 60_000 } };
    }
  });
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => request.ip,
    allowList: config.rateLimitAllow.length > 0 ? config.rateLimitAllow : undefined,
    errorResponseBuilder: rateLimited,
  });
  return app.rateLimit({ max: NOT_FOUND_LIMIT, timeWindow: 60_000 });
}
