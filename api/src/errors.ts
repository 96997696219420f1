// Errors are values with stable codes at the edge: every refusal leaves the API
// as application/problem+json (RFC 9457) with a `code` clients can branch on.
// Inside, code throws ProblemError (expected refusals) or any Error (bugs, outages).
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";

export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extra: Record<string, unknown>;

  constructor(status: number, code: string, title: string, detail?: string, extra: Record<string, unknown> = {}) {
    super(detail ?? title);
    this.name = "ProblemError";
    this.status = status;
    this.code = code;
    this.title = title;
    this.extra = extra;
  }
}

export const badRequest = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new ProblemError(400, code, "Bad request", detail, extra);
export const unauthorized = (code: string, detail: string) => new ProblemError(401, code, "Unauthorized", detail);
export const forbidden = (code: string, detail: string) => new ProblemError(403, code, "Forbidden", detail);
export const notFound = (code: string, detail: string) => new ProblemError(404, code, "Not found", detail);
export const conflict = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new ProblemError(409, code, "Conflict", detail, extra);
export const unprocessable = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new ProblemError(422, code, "Unprocessable", detail, extra);
export const tooManyRequests = (code: string, detail: string) => new ProblemError(429, code, "Too many requests", detail);
export const unavailable = (code: string, detail: string) => new ProblemError(503, code, "Service unavailable", detail);

/** PostgreSQL error codes that mean "the database is not there right now", not "the request was wrong". */
const DATABASE_DOWN = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]);
const NETWORK_DOWN = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND"]);

function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  const message = (error as Error)?.message ?? "";
  return (
    (code !== undefined && (DATABASE_DOWN.has(code) || NETWORK_DOWN.has(code))) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|is not queryable/i.test(message)
  );
}

export const problemSchema = {
  $id: "Problem",
  type: "object",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    code: { type: "string" },
    detail: { type: "string" },
    instance: { type: "string" },
  },
  required: ["title", "status", "code"],
  additionalProperties: true,
} as const;

/**
 * Errors Fastify raises before routing (a malformed URL, a path parameter over
 * maxParamLength): answered as problems like everything else.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  const code = (error.code ?? "bad_request").toLowerCase().replace(/^fst_err_/, "");
  void reply
    .status(status)
    .type("application/problem+json")
    .send({ type: "about:blank", title: titleOf(status), status, code, detail: error.message, instance: request.url.split("?")[0] });
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? "Bad request";
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers over the size limit:
 * 431; a request that times out: 408; a malformed request: 400), written to the socket as
 * problems too. Fastify's server option `clientErrorHandler`.
 */
export function clientErrors(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, detail] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "headers_too_large", "The request's headers are larger than this server accepts"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request_timeout", "The request took too long to arrive"]
        : [400, "malformed_request", "The request is not valid HTTP"];
  const body = JSON.stringify({ type: "about:blank", title: titleOf(status), status, code, detail });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${titleOf(status)}\r\nConnection: close\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  } else {
    socket.destroy(error);
  }
}

/** The error and not-found handlers; `notFoundLimit` (api/src/edge.ts) rate-limits 404s per client. */
export function registerErrorHandling(app: FastifyInstance, notFoundLimit?: preHandlerAsyncHookHandler): void {
  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    let status: number;
    let body: Record<string, unknown>;
    if (error instanceof ProblemError) {
      status = error.status;
      body = { type: "about:blank", title: error.title, status, code: error.code, detail: error.message, ...error.extra };
    } else if ((error as FastifyError).validation) {
      status = 400;
      body = {
        type: "about:blank",
        title: "Bad request",
        status,
        code: "invalid_request",
        detail: error.message,
      };
    } else if (isDatabaseDown(error)) {
      status = 503;
      body = { type: "about:blank", title: "Service unavailable", status, code: "database_unavailable", detail: "The database is not reachable; try again shortly." };
      request.log.warn({ err: error }, "database unavailable");
    } else if (typeof (error as FastifyError).statusCode === "number" && (error as FastifyError).statusCode! < 500) {
      // Fastify's own client errors (body too large, bad content type, malformed JSON).
      status = (error as FastifyError).statusCode!;
      const code = ((error as FastifyError).code ?? "bad_request").toLowerCase().replace(/^fst_err_/, "");
      body = { type: "about:blank", title: titleOf(status), status, code, detail: error.message };
    } else {
      status = 500;
      body = { type: "about:blank", title: "Internal error", status, code: "internal_error", detail: "An unexpected error occurred." };
      request.log.error({ err: error }, "unhandled error");
    }
    body.instance = request.url.split("?")[0];
    void reply.status(status).type("application/problem+json").send(body);
  });

  app.setNotFoundHandler(notFoundLimit ? { preHandler: notFoundLimit } : {}, (request, reply) => {
    void reply.status(404).type("application/problem+json").send({
      type: "about:blank",
      title: "Not found",
      status: 404,
      code: "route_not_found",
      detail: `No route ${request.method} ${request.url.split("?")[0]}`,
    });
  });
}
