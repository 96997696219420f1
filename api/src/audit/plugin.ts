// The audit feature as a plugin (all routes for the auditor role). The API serves entries
// and proofs; it is never trusted for roots: the audit command and the console read the
// roots from the chain themselves and verify what this API hands out. SQL: ./repository.ts.
//   GET  /v1/ledger/export   the ledger as NDJSON (api/src/audit/ndjson.ts), from/to
//   GET  /v1/audit/entries   the entry browser's search
//   GET  /v1/audit/proof     an entry with its inclusion proof in an anchored range
//   GET  /v1/audit/codes     the codes table as NDJSON (api/src/audit/ndjson.ts), one snapshot
//                            with the ledger head seq it matches
//   GET  /v1/audit/config    where the chain is (the console may override it)
//   GET  /v1/audit/latest    the last audit report published with `npm run audit -- --publish`
//   GET  /v1/audit/reports   the published reports, newest first (summaries)
//   POST /v1/audit/reports   publish a report
// Reports live in the audit_reports table (api/migrations/007_audit.sql), so every API
// instance serves the same latest one.
import { existsSync } from "node:fs";
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { readChainDeployment } from "../chain/client.ts";
import { badRequest, conflict, notFound } from "../errors.ts";
import { inclusionProof, leafHash } from "../../../protocol/ledger/merkle.ts";
import { toHex } from "../../../protocol/bytes.ts";
import { canonicalEntry } from "../../../protocol/ledger/entry.ts";
import { codeExportLine, codeHeaderLine, exportLine, type ExportRow } from "../../../protocol/audit/ndjson.ts";
import { createAuditRepository, type EntrySearch } from "./repository.ts";
import { auditReportBody } from "./report-schema.ts";

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
    signature: { type: ["string", "null"] },
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
    signature: row.signature ?? null,
    canonical: canonicalEntry(row),
  };
}

async function auditPlugin(app: FastifyInstance): Promise<void> {
  const auditor = app.requireRole("auditor");
  const audit = createAuditRepository(app.ctx.db.pool);

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
      async function* body() {
        let chunk = "";
        for await (const row of audit.ledgerRows(from, to)) {
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
    "/v1/audit/codes",
    {
      preHandler: auditor,
      schema: {
        tags: ["audit"],
        summary:
          "The codes table as NDJSON: a first line {asOfSeq} (the ledger head in the same snapshot), then one {codeId, subject, kind, status, attestation, …} per code",
        security: [{ bearer: [] }],
      },
    },
    async (_request, reply) => {
      // One REPEATABLE READ snapshot for the head and every page of rows: the rows show
      // exactly the entries up to asOfSeq, however long the stream takes.
      const client = await app.ctx.db.pool.connect();
      let open = false;
      let released = false;
      const finish = async () => {
        if (released) return;
        released = true;
        if (open) await client.query("ROLLBACK").catch(() => {});
        client.release();
      };
      try {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        open = true;
        const snapshot = createAuditRepository(client);
        const asOfSeq = await snapshot.ledgerHeadSeq();
        let started = false;
        async function* body() {
          started = true;
          try {
            let chunk = codeHeaderLine(asOfSeq) + "\n";
            for await (const row of snapshot.codeRows()) {
              chunk += codeExportLine(row) + "\n";
              if (chunk.length >= 64 * 1024) {
                yield chunk;
                chunk = "";
              }
            }
            if (chunk) yield chunk;
            await client.query("COMMIT");
            open = false;
          } finally {
            await finish();
          }
        }
        const stream = Readable.from(body());
        // A stream destroyed before its first read never runs the generator's finally.
        stream.once("close", () => {
          if (!started) void finish();
        });
        reply.header("content-type", "application/x-ndjson; charset=utf-8");
        reply.header("cache-control", "no-store");
        return reply.send(stream);
      } catch (error) {
        await finish();
        throw error;
      }
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
      const rows = await audit.searchEntries(request.query as EntrySearch);
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
      const hashes = await audit.rangeHashes(fromSeq, toSeq);
      if (hashes.length !== toSeq - fromSeq + 1) throw conflict("range_incomplete", `the ledger holds ${hashes.length} of the ${toSeq - fromSeq + 1} entries of ${fromSeq}..${toSeq}`);
      const [row] = await audit.searchEntries({ seq, limit: 1 });
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
      const file = app.ctx.config.deploymentFile;
      const deployment = app.ctx.chain?.deployment ?? (existsSync(file) ? readChainDeployment(file) : undefined);
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
      const report = await audit.latestReport();
      if (report === null) throw notFound("no_audit", "no audit report was published yet");
      reply.header("content-type", "application/json; charset=utf-8");
      reply.header("cache-control", "no-store");
      return reply.send(report);
    },
  );

  app.get(
    "/v1/audit/reports",
    {
      preHandler: auditor,
      schema: {
        tags: ["audit"],
        summary: "Published audit reports, newest first (summaries; the latest in full at /v1/audit/latest)",
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          properties: { before: { type: "integer", minimum: 1 }, limit: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              reports: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "integer" },
                    publishedAt: { type: "string" },
                    publishedBy: { type: "string" },
                    ok: { type: "boolean" },
                    entries: { type: "integer" },
                    findings: { type: "integer" },
                  },
                  required: ["id", "publishedAt", "publishedBy", "ok", "entries", "findings"],
                },
              },
            },
            required: ["reports"],
          },
        },
      },
    },
    async (request) => {
      const { before, limit } = request.query as { before?: number; limit: number };
      return { reports: await audit.reports({ before, limit }) };
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
        // Closed and typed field by field (./report-schema.ts): what auditors are shown.
        body: auditReportBody,
      },
    },
    async (request, reply) => {
      const body = request.body as { ok: boolean; findings: unknown[]; entries: number; decisions?: { findings: unknown[] } | null } & Record<string, unknown>;
      // Who published is the token's subject, never a field of the body.
      const publishedBy = request.operator?.sub ?? "unknown";
      const publishedAt = app.ctx.clock.now().toISOString();
      const report = { ...body, publishedBy, publishedAt };
      const id = await audit.publishReport({ publishedAt, publishedBy, ok: body.ok, entries: body.entries, findings: body.findings.length + (body.decisions?.findings.length ?? 0), report: JSON.stringify(report) });
      return reply.code(201).send({ id, publishedAt });
    },
  );
}

export default fp(auditPlugin, { name: "onecode-audit", dependencies: ["onecode-auth", "onecode-ledger"] });
