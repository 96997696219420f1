// Routes of the audit feature (all for the auditor role). The API serves entries and
// proofs; it is never trusted for roots: the audit command and the console read the
// roots from the chain themselves and verify what this API hands out.
//   GET  /v1/ledger/export   the ledger as NDJSON (api/src/audit/ndjson.ts), from/to
//   GET  /v1/audit/entries   the entry browser's search
//   GET  /v1/audit/proof     an entry with its inclusion proof in an anchored range
//   GET  /v1/audit/config    where the chain is (the console may override it)
//   GET  /v1/audit/latest    the last audit report published with `npm run audit -- --publish`
//   POST /v1/audit/reports   publish a report
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { badRequest, conflict, notFound } from "../errors.ts";
import { inclusionProof, leafHash, toHex } from "../ledger/merkle.ts";
import { canonicalEntry } from "../ledger/entry.ts";
import { exportLine, type ExportRow } from "./ndjson.ts";
import { ledgerRows, rangeHashes, searchEntries } from "./ledger-source.ts";

const entrySchema = {
  type: "object",
  properties: {
    seq: { type: "integer" },
    type: { type: "string" },
    payload: {},
    subjectRef: { type: ["string", "null"] },
    actor: { type: "string" },
    createdAt: { type: "string" },
    prevHash: { type: "string" },
    hash: { type: "string" },
    canonical: { type: "string" },
  },
  required: ["seq", "type", "payload", "actor", "createdAt", "prevHash", "hash", "canonical"],
} as const;

function entryJson(row: ExportRow) {
  return {
    seq: row.seq,
    type: row.type,
    payload: JSON.parse(row.payload) as unknown,
    subjectRef: row.subjectRef,
    actor: row.actor,
    createdAt: row.createdAt,
    prevHash: toHex(row.prevHash),
    hash: toHex(row.hash),
    canonical: canonicalEntry(row),
  };
}

export default async function auditRoutes(app: FastifyInstance): Promise<void> {
  const auditor = app.requireRole("auditor");
  const reportFile = join(app.ctx.config.dataDir, "audit", "latest.json");

  app.get(
    "/v1/ledger/export",
    {
      preHandler: auditor,
      schema: {
        tags: ["audit"],
        summary: "The ledger as NDJSON: one {hash, prevHash, entry} per line, entry being the exact hashed text",
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          properties: { from: { type: "integer", minimum: 1, default: 1 }, to: { type: "integer", minimum: 1 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { from, to } = request.query as { from: number; to?: number };
      if (to !== undefined && to < from) throw badRequest("range_invalid", "to must not be below from");
      const pool = app.ctx.db.pool;
      async function* body() {
        let chunk = "";
        for await (const row of ledgerRows(pool, from, to)) {
          chunk += exportLine(row) + "\n";
          if (chunk.length >= 64 * 1024) {
            yield chunk;
            chunk = "";
          }
        }
        if (chunk) yield chunk;
      }
      reply.header("content-type", "application/x-ndjson; charset=utf-8");
      reply.header("cache-control", "no-store");
      return reply.send(Readable.from(body()));
    },
  );

  app.get(
    "/v1/audit/entries",
    {
      preHandler: auditor,
      schema: {
        tags: ["audit"],
        summary: "Search ledger entries (newest first) by sequence number, type, subject ref and time",
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          properties: {
            seq: { type: "integer", minimum: 1 },
            type: { type: "string", maxLength: 100 },
            subjectRef: { type: "string", maxLength: 200 },
            since: { type: "string", format: "date-time" },
            until: { type: "string", format: "date-time" },
            before: { type: "integer", minimum: 1 },
            limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: "object", properties: { entries: { type: "array", items: entrySchema } }, required: ["entries"] } },
      },
    },
    async (request) => {
      const q = request.query as Parameters<typeof searchEntries>[1];
      const rows = await searchEntries(app.ctx.db.pool, q);
      return { entries: rows.map(entryJson) };
    },
  );

  app.get(
    "/v1/audit/proof",
    {
      preHandler: auditor,
      schema: {
        tags: ["audit"],
        summary: "An entry and its RFC 6962 inclusion proof in the anchored range fromSeq..toSeq (the caller takes the range and the root from the chain)",
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          properties: {
            seq: { type: "integer", minimum: 1 },
            fromSeq: { type: "integer", minimum: 1 },
            toSeq: { type: "integer", minimum: 1 },
          },
          required: ["seq", "fromSeq", "toSeq"],
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              entry: entrySchema,
              fromSeq: { type: "integer" },
              toSeq: { type: "integer" },
              leafIndex: { type: "integer" },
              treeSize: { type: "integer" },
              leafHash: { type: "string" },
              proof: { type: "array", items: { type: "string" } },
            },
            required: ["entry", "fromSeq", "toSeq", "leafIndex", "treeSize", "leafHash", "proof"],
          },
        },
      },
    },
    async (request) => {
      const { seq, fromSeq, toSeq } = request.query as { seq: number; fromSeq: number; toSeq: number };
      if (seq < fromSeq || seq > toSeq || toSeq - fromSeq >= 100_000) throw badRequest("range_invalid", "seq must lie in fromSeq..toSeq (at most 100,000 entries)");
      const hashes = await rangeHashes(app.ctx.db.pool, fromSeq, toSeq);
      if (hashes.length !== toSeq - fromSeq + 1) throw conflict("range_incomplete", `the ledger holds ${hashes.length} of the ${toSeq - fromSeq + 1} entries of ${fromSeq}..${toSeq}`);
      const [row] = await searchEntries(app.ctx.db.pool, { seq, limit: 1 });
      if (!row) throw notFound("entry_not_found", `no entry ${seq}`);
      const leaves = hashes.map((h) => leafHash(h.hash));
      const leafIndex = seq - fromSeq;
      return {
        entry: entryJson(row),
        fromSeq,
        toSeq,
        leafIndex,
        treeSize: leaves.length,
        leafHash: toHex(leaves[leafIndex]!),
        proof: inclusionProof(leafIndex, leaves).map(toHex),
      };
    },
  );

  app.get(
    "/v1/audit/config",
    {
      preHandler: auditor,
      schema: {
        tags: ["audit"],
        summary: "The chain the console reads (RPC URL and contract addresses); the auditor may override them",
        security: [{ bearer: [] }],
      },
    },
    async () => {
      const chain = app.ctx.chain as { deployment?: { chainId: number; codeRegistry: { address: string }; creditLedger: { address: string }; deployedAt?: number } } | null;
      let deployment = chain?.deployment;
      if (!deployment && existsSync(app.ctx.config.deploymentFile)) {
        deployment = JSON.parse(await readFile(app.ctx.config.deploymentFile, "utf8")) as typeof deployment;
      }
      return {
        rpcUrl: app.ctx.config.chainRpcUrl,
        chainId: deployment?.chainId ?? null,
        codeRegistry: deployment?.codeRegistry.address ?? null,
        creditLedger: deployment?.creditLedger.address ?? null,
        fromBlock: deployment?.deployedAt ?? 0,
      };
    },
  );

  app.get(
    "/v1/audit/latest",
    { preHandler: auditor, schema: { tags: ["audit"], summary: "The last published audit report", security: [{ bearer: [] }] } },
    async (_request, reply) => {
      if (!existsSync(reportFile)) throw notFound("no_audit", "no audit report was published yet");
      reply.header("content-type", "application/json; charset=utf-8");
      return reply.send(await readFile(reportFile, "utf8"));
    },
  );

  app.post(
    "/v1/audit/reports",
    {
      preHandler: auditor,
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ["audit"],
        summary: "Publish an audit report (from `npm run audit -- --publish`)",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          properties: { ok: { type: "boolean" }, findings: { type: "array" }, entries: { type: "integer" } },
          required: ["ok", "findings", "entries"],
        },
      },
    },
    async (request, reply) => {
      const report = { ...(request.body as Record<string, unknown>), publishedBy: request.operator?.sub, publishedAt: app.ctx.clock.now().toISOString() };
      await mkdir(join(app.ctx.config.dataDir, "audit"), { recursive: true });
      await writeFile(`${reportFile}.tmp`, JSON.stringify(report));
      await rename(`${reportFile}.tmp`, reportFile);
      return reply.code(201).send({ publishedAt: report.publishedAt });
    },
  );
}
