// The backup feature: an online backup of the embedded system, for an administrator (or
// `npm run backup` while the system runs: the embedded database admits one process, so the CLI
// asks the API). The backup holds the secrets and keys, so it never travels over HTTP: the
// server writes it into a folder on its own machine, under the backup root (BACKUP_DIR, default
// ~/onecode-backups), and answers only where it is and what it holds.
//   POST /v1/admin/backups   {folder?}   take one now (./online.ts); 201 with its folder and state
import { homedir } from "node:os";
import { join, resolve, sep } from "node:path";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { conflict, forbidden, ProblemError, unavailable } from "../errors.ts";
import { BackupRefused } from "./format.ts";
import { onlineBackup } from "./online.ts";

export interface BackupPluginOptions {
  /** Where backups may be written; default BACKUP_DIR, else ~/onecode-backups. */
  root?: string;
}

const problem = { $ref: "Problem#" } as const;

const stateSchema = {
  type: "object",
  properties: {
    schemaVersion: { type: ["integer", "null"] },
    entries: { type: "integer" },
    lastSeq: { type: "integer" },
    lastHash: { type: ["string", "null"] },
    subjects: { type: "integer" },
    anchors: { type: "integer" },
    anchoredThrough: { type: "integer" },
    databaseBlock: { type: "integer" },
    chainBlock: { type: ["integer", "null"] },
  },
  required: ["schemaVersion", "entries", "lastSeq", "lastHash", "subjects", "anchors", "anchoredThrough", "databaseBlock", "chainBlock"],
} as const;

export function backupRoot(options: BackupPluginOptions = {}): string {
  return resolve(options.root ?? process.env.BACKUP_DIR ?? join(homedir(), "onecode-backups"));
}

async function backupPlugin(app: FastifyInstance, options: BackupPluginOptions): Promise<void> {
  const root = backupRoot(options);
  const { config, db } = app.ctx;
  let running = false;

  app.post<{ Body: { folder?: string } }>(
    "/v1/admin/backups",
    {
      preHandler: app.requireRole("admin"),
      config: { rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        tags: ["admin"],
        summary: "Take an online backup of the embedded system into a folder under the server's backup root (never sent over HTTP: it holds the secrets)",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          properties: {
            folder: { type: "string", minLength: 1, maxLength: 1000, description: "Absolute folder on the server, at or under the backup root (BACKUP_DIR); default the root" },
          },
          additionalProperties: false,
        },
        response: {
          201: {
            type: "object",
            properties: {
              folder: { type: "string" },
              createdAt: { type: "string", format: "date-time" },
              taken: { type: "string", enum: ["online"] },
              state: stateSchema,
              files: { type: "integer" },
              bytes: { type: "integer" },
              chainBehindDatabase: { type: "boolean" },
              notIncluded: { type: "array", items: { type: "string" } },
              pausedMs: { type: "integer", description: "How long every writer waited for the copy" },
            },
            required: ["folder", "createdAt", "taken", "state", "files", "bytes", "chainBehindDatabase", "notIncluded", "pausedMs"],
          },
          403: problem,
          409: problem,
          503: problem,
        },
      },
    },
    async (request, reply) => {
      if (!db.pause) throw conflict("backup_server_database", 'The database is a PostgreSQL server: back it up with pg_dump or a base backup (README "Backup and restore")');
      const outDir = resolve(request.body?.folder ?? root);
      if (outDir !== root && !outDir.startsWith(root + sep)) {
        throw forbidden("backup_folder_outside_root", `Backups are written only at or under the server's backup root ${root} (BACKUP_DIR)`);
      }
      if (running) throw conflict("backup_in_progress", "A backup is being taken; try again when it is done");
      running = true;
      try {
        const { folder, manifest, pausedMs } = await onlineBackup(db, {
          dataDir: config.dataDir,
          outDir,
          chainRpcUrl: config.chainRpcUrl,
          paths: { LEDGER_SIGNING_KEY_FILE: process.env.LEDGER_SIGNING_KEY_FILE, CODE_KEYS_DIR: config.codeKeysDir, DEPLOYMENT_FILE: config.deploymentFile },
        });
        request.log.info({ folder, lastSeq: manifest.state.lastSeq, pausedMs, by: request.operator?.sub }, "online backup taken");
        return reply.code(201).send({
          folder,
          createdAt: manifest.createdAt,
          taken: "online",
          state: manifest.state,
          files: manifest.files.length,
          bytes: manifest.files.reduce((n, f) => n + f.size, 0),
          chainBehindDatabase: manifest.chainBehindDatabase,
          notIncluded: manifest.notIncluded,
          pausedMs,
        });
      } catch (error) {
        if (error instanceof BackupRefused) throw new ProblemError(409, "backup_refused", "Conflict", error.message);
        if (error instanceof ProblemError) throw error;
        request.log.error({ err: error }, "online backup failed");
        throw unavailable("backup_failed", "The backup could not be taken; nothing was written. The server's log says why.");
      } finally {
        running = false;
      }
    },
  );
}

export default fp(backupPlugin, { name: "onecode-backup", dependencies: ["onecode-auth"] });
