// The public credit page's API: no sign-in, rate-limited per client (request.ip).
//   GET /v1/public/search?q=…                 an enterprise by name or USCC, a person by the exact
//                                             resident ID number only (shown masked)
//   GET /v1/public/subjects/:id               records in publicity with their periods, the repairs
//                                             granted, the signed credit commitments (./views.ts)
//   GET /v1/public/subjects/:id/records       the same (the earlier address of the public view)
// The rate limit is one counter per client for all these routes together, as an onRequest hook
// of this plugin's own child context, so it counts nothing else. @fastify/rate-limit is
// registered here unless the API's edge already did (then its decorator is used).
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import rateLimit from "@fastify/rate-limit";
import { badRequest, ProblemError } from "../errors.ts";
import { readQuery, searchSubjects, subjectPage } from "./views.ts";

export interface PublicPluginOptions {
  /** Requests per client per minute on the public routes (default 60). */
  maxPerMinute?: number;
}

const WORDS: Record<string, string> = {
  code_invalid: "This is neither a valid Unified Social Credit Code nor a valid resident ID number",
  id_number_incomplete: "A person is found by the whole resident ID number only",
  query_too_short: "Type at least two characters of the enterprise's name",
};

async function publicPlugin(app: FastifyInstance, options: PublicPluginOptions): Promise<void> {
  const { db, clock } = app.ctx;
  const limit = { max: options.maxPerMinute ?? 60, timeWindow: 60_000 };

  await app.register(async (scope) => {
    if (!scope.hasDecorator("rateLimit")) {
      await scope.register(rateLimit, {
        global: false,
        keyGenerator: (request) => request.ip,
        errorResponseBuilder: (_request, context) =>
          new ProblemError(429, "rate_limited", "Too many requests", `too many requests from this client; try again in ${context.after}`, {
            retryAfterSeconds: Math.ceil(context.ttl / 1000),
          }),
      });
    }
    scope.addHook("onRequest", scope.rateLimit(limit));
    const idParams = { type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } } } as const;

    scope.get<{ Querystring: { q: string } }>(
      "/v1/public/search",
      {
        schema: {
          tags: ["public"],
          summary: "Find a credit subject: an enterprise by name or USCC, a person by the exact resident ID number",
          querystring: { type: "object", required: ["q"], additionalProperties: false, properties: { q: { type: "string", minLength: 1, maxLength: 100 } } },
        },
      },
      async (request) => {
        const query = readQuery(request.query.q);
        if ("invalid" in query) throw badRequest(query.invalid, WORDS[query.invalid]!);
        return searchSubjects(db.pool, query);
      },
    );

    scope.get<{ Params: { id: string } }>(
      "/v1/public/subjects/:id",
      { schema: { tags: ["public"], summary: "A subject's public credit page: records under publicity, repairs granted, commitments", params: idParams } },
      async (request) => subjectPage(db.pool, request.params.id, clock.now()),
    );

    scope.get<{ Params: { id: string } }>(
      "/v1/public/subjects/:id/records",
      { schema: { tags: ["public"], summary: "The same public page (earlier address)", params: idParams } },
      async (request) => subjectPage(db.pool, request.params.id, clock.now()),
    );
  });
}

export default fp(publicPlugin, { name: "onecode-public", dependencies: ["onecode-credit"] });
