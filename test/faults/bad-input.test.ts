// Bad-input sweep: property-based fuzzing (fast-check) of every route in the
// OpenAPI document — paths, query strings and bodies, with and without valid
// operator tokens. Whatever arrives, the API answers with a problem body and a
// status below 500, and a refusal changes nothing in the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { ROLES } from "../../api/src/auth/operators.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

interface Operation {
  method: string;
  path: string;
  bodySchema: Record<string, unknown> | null;
  /** Tokens of the roles this route lets through (found by probing), so most requests reach validation. */
  allowed: string[];
}

let t: TestApp;
const operations: Operation[] = [];
let tokens: Record<string, string>;

/** A count of every row in every table of the schema: any write shows up. */
async function databaseFingerprint(): Promise<string> {
  // access_log is left out: it records refused requests too, by design (issue 16's access log).
  const tables = await t.db.pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'access_log' ORDER BY table_name",
  );
  const counts = await t.db.pool.query(
    `SELECT ${tables.rows.map((r, i) => `(SELECT count(*) FROM "${r.table_name}") AS c${i}`).join(", ")}`,
  );
  const head = await t.db.pool.query("SELECT seq FROM ledger_head");
  return JSON.stringify([counts.rows[0], head.rows[0]]);
}

/** Values shaped like the schema, with mutations: wrong types, missing and extra fields, huge strings. */
function fromSchema(schema: Record<string, unknown> | undefined, depth = 0): fc.Arbitrary<unknown> {
  const weird = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constant("x".repeat(70_000)),
    fc.constant("../../etc/passwd"),
    fc.constant("'; DROP TABLE ledger; --"),
    fc.constant({ $ne: 1 }),
    fc.constant("\u0000"),
  );
  if (!schema || depth > 3) return weird;
  const type = schema.type;
  let shaped: fc.Arbitrary<unknown>;
  if (type === "object" && schema.properties) {
    const props = schema.properties as Record<string, Record<string, unknown>>;
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(props)) record[k] = fromSchema(v, depth + 1);
    shaped = fc.record(record, { requiredKeys: [] });
  } else if (type === "array") {
    shaped = fc.array(fromSchema(schema.items as Record<string, unknown>, depth + 1), { maxLength: 4 });
  } else if (type === "string") {
    const values = schema.enum as string[] | undefined;
    shaped = values ? fc.constantFrom(...values) : fc.string({ maxLength: 64 });
  } else if (type === "integer" || type === "number") {
    shaped = fc.oneof(fc.integer(), fc.double());
  } else if (type === "boolean") {
    shaped = fc.boolean();
  } else {
    shaped = weird;
  }
  return fc.oneof({ arbitrary: shaped, weight: 3 }, { arbitrary: weird, weight: 1 });
}

const pathValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.uuid(),
  fc.integer({ min: -5, max: 2 ** 40 }).map(String),
  fc.constant("00000000-0000-0000-0000-000000000000"),
  fc.constant("%00"),
  fc.constant("..%2F..%2F"),
  fc.stringMatching(/^[0-9a-f]{32}$/),
  fc.constant("9".repeat(400)),
);

function fillPath(path: string, values: string[]): string {
  let i = 0;
  return path.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[i++ % values.length] ?? "x"));
}

beforeAll(async () => {
  t = await buildTestApp();
  const spec = t.app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> } }>> };
  for (const [path, methods] of Object.entries(spec.paths)) {
    if (path.startsWith("/docs") || path.startsWith("/ui")) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      operations.push({ method: method.toUpperCase(), path, bodySchema: op.requestBody?.content?.["application/json"]?.schema ?? null, allowed: [] });
    }
  }
  tokens = {};
  for (const role of ROLES) tokens[role] = (await t.auth(role)).authorization;
  for (const op of operations) {
    for (const token of Object.values(tokens)) {
      const probe = await t.app.inject({ method: op.method as "GET", url: fillPath(op.path, ["probe"]), headers: { authorization: token } });
      if (probe.statusCode !== 401 && probe.statusCode !== 403) op.allowed.push(token);
    }
  }
});

afterAll(async () => t?.close());

describe("bad input never causes a 5xx or a change of state", () => {
  it("finds the routes to sweep", () => {
    // Every feature's routes are in the OpenAPI document (health, ledger, subjects, codes, credit, repair, face, audit).
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((o) => o.allowed.length > 0).length).toBeGreaterThan(40);
  });

  it("sweeps every route with random paths, queries, bodies and tokens", async () => {
    let requests = 0;
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(pathValue, { minLength: 1, maxLength: 3 }),
          fc.dictionary(fc.constantFrom("from", "to", "limit", "q", "type", "offset", "x"), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
          fromSchema(op.bodySchema ?? undefined),
          fc.oneof(
            { arbitrary: fc.constantFrom<string | null>(...(op.allowed.length ? op.allowed : [null])), weight: 4 },
            { arbitrary: fc.constantFrom<string | null>(null, "Bearer garbage", "Basic abc", ...Object.values(tokens)), weight: 1 },
          ),
          async (pathValues, query, body, authorization) => {
            const before = await databaseFingerprint();
            const headers: Record<string, string> = {};
            if (authorization) headers.authorization = authorization;
            const hasBody = op.method !== "GET" && op.method !== "DELETE";
            const response = await t.app.inject({
              method: op.method as "GET",
              url: fillPath(op.path, pathValues),
              query,
              headers,
              ...(hasBody ? { payload: body === undefined ? undefined : JSON.stringify(body), headers: { ...headers, "content-type": "application/json" } } : {}),
            });
            requests++;
            if (response.statusCode >= 500 && response.statusCode !== 503) {
              throw new Error(`${op.method} ${op.path} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
            }
            expect(response.body).not.toMatch(/at .*\.ts:\d+|node_modules/); // no stack traces
            if (response.statusCode >= 400) {
              expect(response.headers["content-type"]).toMatch(/application\/problem\+json/);
              expect(JSON.parse(response.body).code).toEqual(expect.any(String));
              expect(await databaseFingerprint()).toBe(before);
            }
          },
        ),
        { numRuns: 25 },
      );
    }
    expect(requests).toBe(operations.length * 25);
    console.log(`bad-input sweep: ${operations.length} operations, ${requests} requests`);
  }, 600_000);
});
