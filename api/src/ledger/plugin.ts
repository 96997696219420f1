// The ledger feature as a plugin: entries, their inclusion proofs, the anchors, and the
// published ledger keys (GET /v1/ledger/keys: the public keys the entries' signatures verify
// under, public like a JWKS). Every feature that writes appends through ./append.ts inside its
// own transaction, and declares this plugin as a dependency.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import client from "prom-client";
import type { Metrics } from "../health/plugin.ts";
import { ledgerIntegrity } from "./coverage.ts";
import type { AdoptionOutcome } from "./adopt.ts";
import { notFound, unavailable } from "../errors.ts";
import { listAnchors } from "./anchor.ts";
import { proveEntry } from "./proof.ts";
import { readEntry } from "./rows.ts";
import { toHex } from "../../../protocol/bytes.ts";

const hex32 = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;
const problem = { $ref: "Problem#" } as const;
const seqParams = { type: "object", properties: { seq: { type: "integer", minimum: 1 } }, required: ["seq"] } as const;

const entrySchema = {
  type: "object",
  properties: {
    seq: { type: "integer" },
    type: { type: "string" },
    payload: { type: "string", description: "Canonical JSON exactly as hashed" },
    subjectRef: { type: ["string", "null"] },
    actor: { type: "string" },
    createdAt: { type: "string", description: "ISO 8601 UTC with milliseconds, exactly as hashed" },
    prevHash: hex32,
    hash: hex32,
    signature: { type: ["string", "null"], description: "The API's ledger signature over hash (detached JWS), on the last entry of each append" },
  },
  required: ["seq", "type", "payload", "subjectRef", "actor", "createdAt", "prevHash", "hash", "signature"],
} as const;

const ledgerKeysSchema = {
  type: "object",
  properties: {
    signing: { type: "string", description: "kid of the key that signs new entries" },
    keys: {
      type: "array",
      items: {
        type: "object",
        properties: {
          kty: { type: "string", enum: ["OKP"] },
          crv: { type: "string", enum: ["Ed25519"] },
          x: { type: "string" },
          kid: { type: "string", description: "RFC 7638 thumbprint" },
          alg: { type: "string", enum: ["EdDSA"] },
          use: { type: "string", enum: ["sig"] },
        },
        required: ["kty", "crv", "x", "kid", "alg", "use"],
      },
    },
  },
  required: ["signing", "keys"],
} as const;

const anchorRef = {
  type: "object",
  properties: {
    index: { type: "integer" },
    fromSeq: { type: "integer" },
    toSeq: { type: "integer" },
    prevHead: hex32,
    head: hex32,
    txHash: { type: "string" },
    blockNumber: { type: "integer" },
  },
  required: ["index", "fromSeq", "toSeq", "prevHead", "head", "txHash", "blockNumber"],
} as const;

const proofSchema = {
  type: "object",
  properties: {
    seq: { type: "integer" },
    entryHash: hex32,
    leafHash: hex32,
    indexInBatch: { type: "integer" },
    batchSize: { type: "integer" },
    proof: { type: "array", items: hex32 },
    root: hex32,
    anchor: anchorRef,
  },
  required: ["seq", "entryHash", "leafHash", "indexInBatch", "batchSize", "proof", "root", "anchor"],
} as const;

const anchorSchema = {
  type: "object",
  properties: {
    index: { type: "integer" },
    fromSeq: { type: "integer" },
    toSeq: { type: "integer" },
    root: hex32,
    prevHead: hex32,
    head: hex32,
    status: { type: "string", enum: ["pending", "sent", "confirmed"] },
    txHash: { type: ["string", "null"] },
    blockNumber: { type: ["integer", "null"] },
    createdAt: { type: "string", format: "date-time" },
    confirmedAt: { type: ["string", "null"], format: "date-time" },
  },
  required: ["index", "fromSeq", "toSeq", "root", "prevHead", "head", "status", "txHash", "blockNumber", "createdAt", "confirmedAt"],
} as const;

/** Gauges of what the anchoring worker refused (./coverage.ts), read from the database at scrape time. */
function registerLedgerGauges(app: FastifyInstance, metrics: Metrics): void {
  const pool = app.ctx.db.pool;
  new client.Gauge({
    name: "onecode_ledger_unsigned_entries",
    help: "Ledger entries after the last signed entry (entries the API did not append); anything above 0 needs an operator",
    registers: [metrics.registry],
    async collect() {
      this.set((await ledgerIntegrity(pool)).unsignedTail);
    },
  });
  new client.Gauge({
    name: "onecode_ledger_alerts_open",
    help: "Open ledger alerts: entries the anchoring worker refused to anchor (unsigned, bad signature, broken chain, edited)",
    registers: [metrics.registry],
    async collect() {
      this.set((await ledgerIntegrity(pool)).alerts.length);
    },
  });
}

function reportAdoption(app: FastifyInstance, adoption: AdoptionOutcome): void {
  if (adoption.adopted) {
    app.log.warn({ head: adoption.head, basis: adoption.basis }, "ledger signing started on a ledger written before signatures (entry ledger.signing_started)");
  } else if (adoption.reason === "needs_operator") {
    app.log.error(
      { head: adoption.head, anchoredOnChain: adoption.anchored },
      `the ledger was written before ledger signatures and its last entries are not anchored on chain: nothing is appended until an operator, having checked entries after ${adoption.anchored ?? 0}, restarts once with LEDGER_ADOPT_THROUGH=${adoption.head}`,
    );
  }
}

async function ledgerPlugin(app: FastifyInstance, options: { metrics?: Metrics; adoption?: AdoptionOutcome }): Promise<void> {
  const auditor = app.requireRole("auditor");
  if (options.metrics) registerLedgerGauges(app, options.metrics);
  if (options.adoption) reportAdoption(app, options.adoption);

  app.get(
    "/v1/ledger/keys",
    {
      schema: {
        tags: ["ledger"],
        description: "The ledger's public keys (JWK set): the signing key and the retired ones whose signatures still count",
        response: { 200: ledgerKeysSchema, 503: problem },
      },
    },
    async (_request, reply) => {
      const keys = app.ctx.db.ledgerKeys;
      if (!keys) throw unavailable("ledger_keys_missing", "this instance has no ledger keys");
      reply.header("cache-control", "public, max-age=300");
      return { signing: keys.kid, keys: keys.published.map((k) => ({ kty: "OKP", crv: "Ed25519", x: k.x, kid: k.kid, alg: "EdDSA", use: "sig" })) };
    },
  );

  app.get<{ Params: { seq: number } }>(
    "/v1/ledger/entries/:seq",
    {
      preHandler: auditor,
      schema: { tags: ["ledger"], security: [{ bearer: [] }], params: seqParams, response: { 200: entrySchema, 401: problem, 403: problem, 404: problem } },
    },
    async (request) => {
      const entry = await readEntry(app.ctx.db.pool, request.params.seq);
      if (!entry) throw notFound("entry_not_found", `No ledger entry ${request.params.seq}`);
      return { ...entry, prevHash: toHex(entry.prevHash), hash: toHex(entry.hash) };
    },
  );

  app.get<{ Params: { seq: number } }>(
    "/v1/ledger/entries/:seq/proof",
    {
      preHandler: auditor,
      schema: {
        tags: ["ledger"],
        description: "RFC 6962 inclusion proof of the entry against the root of its confirmed anchor (409 not_yet_anchored before that).",
        security: [{ bearer: [] }],
        params: seqParams,
        response: { 200: proofSchema, 401: problem, 403: problem, 404: problem, 409: problem },
      },
    },
    async (request) => proveEntry(app.ctx.db.pool, request.params.seq),
  );

  app.get<{ Querystring: { after?: number; limit?: number; status?: "pending" | "sent" | "confirmed" } }>(
    "/v1/anchors",
    {
      preHandler: auditor,
      schema: {
        tags: ["ledger"],
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          properties: {
            after: { type: "integer", minimum: 0, default: 0, description: "Anchors with an index above this" },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            status: { type: "string", enum: ["pending", "sent", "confirmed"] },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: "object", properties: { anchors: { type: "array", items: anchorSchema } }, required: ["anchors"] },
          401: problem,
          403: problem,
        },
      },
    },
    async (request) => {
      const anchors = await listAnchors(app.ctx.db.pool, request.query);
      return {
        anchors: anchors.map((a) => ({
          index: a.index,
          fromSeq: a.fromSeq,
          toSeq: a.toSeq,
          root: toHex(a.root),
          prevHead: toHex(a.prevHead),
          head: toHex(a.head),
          status: a.status,
          txHash: a.txHash,
          blockNumber: a.blockNumber,
          createdAt: a.createdAt.toISOString(),
          confirmedAt: a.confirmedAt?.toISOString() ?? null,
        })),
      };
    },
  );
}

export default fp(ledgerPlugin, { name: "onecode-ledger", dependencies: ["onecode-auth"] });
