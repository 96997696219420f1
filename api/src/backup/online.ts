// The online backup of an embedded system, taken by the running API (POST /v1/admin/backups):
// the same folder and manifest as `npm run backup` on a stopped system (./format.ts), so
// `npm run restore` takes either. What makes it consistent while the system runs:
//  1. Every writer is paused: the embedded pool has ONE connection, and the backup holds it
//     (db.pause). It was checked out between transactions, so nothing is half-committed.
//  2. The ledger head and counts are read on that connection, and CHECKPOINT flushes every page.
//  3. The PGlite folder is copied holding PGlite's own query lock too (no socket connection
//     runs a statement meanwhile), so the copy is the state of step 2.
//  4. Still paused, the chain state is taken from anvil (anvil_dumpState), not from its state
//     file (written every few seconds, maybe mid-write). The chain is therefore as new as the
//     database or newer, and only by transactions the copy knows: a chain write is stored
//     ('sent', with its signed bytes) BEFORE it is broadcast, and nothing is stored while paused.
//     A restored system finds their receipts (or re-broadcasts the same bytes) in the outbox's
//     and the anchor worker's recovery. The reverse order would let a write reach the chain
//     that the backup's database never heard of.
//  5. The other files (deployment, code keys, secrets, demo files), then the manifest, and
//     the backup folder appears by rename.
// The pause is as long as the copy (a few hundred ms for tens of MB); requests wait meanwhile.
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Database } from "../db/database.ts";
import {
  BACKUP_FORMAT,
  BackupRefused,
  backupFolder,
  blockOfChainState,
  copyFiles,
  listTree,
  outsideDataDir,
  pgliteVersion,
  sealBackup,
  STATE_SQL,
  stateOf,
  toPosix,
  writeBackupFile,
  type BackupFile,
  type BackupManifest,
  type StateRow,
} from "./format.ts";

export interface OnlineBackupOptions {
  dataDir: string;
  /** The folder the new backup goes in (already checked to be under the backup root). */
  outDir: string;
  /** The chain's RPC (anvil, when its state lives in DATA_DIR/chain). */
  chainRpcUrl: string | null;
  /** What the configuration points at, to list what lies outside DATA_DIR. */
  paths: { LEDGER_SIGNING_KEY_FILE?: string; CODE_KEYS_DIR: string; DEPLOYMENT_FILE: string };
  now?: Date;
}

/** Files of a running PostgreSQL that are not data: the copy opens without them. */
const PG_RUNTIME = new Set(["postmaster.pid", "postmaster.opts"]);

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error || body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? `HTTP ${res.status}`}`);
  return body.result;
}

/** The embedded chain (anvil with its state in DATA_DIR/chain) or null when the chain is someone else's. */
async function embeddedChain(dataDir: string, url: string | null): Promise<string | null> {
  if (!url || !existsSync(join(dataDir, "chain", "state.json"))) return null;
  const version = await rpc<string>(url, "web3_clientVersion").catch((error: unknown) => {
    throw new BackupRefused(`nothing backed up: the chain node at ${url} does not answer (${(error as Error).message})`);
  });
  return version.startsWith("anvil/") ? url : null;
}

/** Takes the backup; `pausedMs` is how long the writers waited (from holding the connection to giving it back). */
export async function onlineBackup(db: Database, options: OnlineBackupOptions): Promise<{ folder: string; manifest: BackupManifest; pausedMs: number }> {
  if (!db.pause) throw new BackupRefused('nothing backed up: the database is a PostgreSQL server\'s, backed up with its own tools (pg_dump): README "Backup and restore"');
  const { dataDir } = options;
  const now = options.now ?? new Date();
  const folder = backupFolder(dataDir, options.outDir, now);
  const partial = `${folder}.partial`;
  const data = join(partial, "data");
  const chainUrl = await embeddedChain(dataDir, options.chainRpcUrl);
  let pausedAt = 0;
  try {
    const manifest = await db.pause(async (paused) => {
      pausedAt = performance.now();
      const row = (await paused.client.query<StateRow>(STATE_SQL)).rows[0]!;
      await paused.client.query("CHECKPOINT");
      const files: BackupFile[] = [];
      const dirs: string[] = [];
      await paused.exclusive(async () => {
        const pg = listTree(paused.folder);
        files.push(...copyFiles(paused.folder, join(data, "pg"), pg.files.filter((f) => !PG_RUNTIME.has(f)), pg.dirs).map((f) => ({ ...f, path: `pg/${f.path}` })));
        dirs.push("pg", ...pg.dirs.map((d) => `pg/${toPosix(d)}`));
      });
      let chainBlock: number | null = null;
      if (chainUrl) {
        const json = gunzipSync(Buffer.from((await rpc<string>(chainUrl, "anvil_dumpState")).replace(/^0x/, ""), "hex"));
        chainBlock = blockOfChainState(json.toString("utf8"));
        files.push(writeBackupFile(data, join("chain", "state.json"), json));
      }
      // The rest of DATA_DIR: small files (keys, secrets, deployment), still paused so that a key
      // written with a database row is either in both or, at worst, a file the copy does not use.
      const rest = listTree(dataDir);
      const skipped = (rel: string) => {
        const p = toPosix(rel);
        return p === "pg" || p.startsWith("pg/") || (chainUrl !== null && (p === "chain" || p.startsWith("chain/")));
      };
      files.push(...copyFiles(dataDir, data, rest.files.filter((f) => !skipped(f)), rest.dirs.filter((d) => !skipped(d))));
      dirs.push(...rest.dirs.filter((d) => !skipped(d)).map(toPosix));
      if (chainUrl) dirs.push("chain");
      const state = stateOf(row, chainBlock);
      return {
        format: BACKUP_FORMAT,
        createdAt: now.toISOString(),
        dataDir: resolve(dataDir),
        pglite: pgliteVersion(),
        taken: "online",
        state,
        chainBehindDatabase: state.chainBlock !== null && state.databaseBlock > state.chainBlock,
        files: files.sort((a, b) => a.path.localeCompare(b.path)),
        dirs: [...new Set(dirs)].sort(),
        notIncluded: outsideDataDir(dataDir, { ...options.paths, CHAIN_RPC_URL: chainUrl ? undefined : (options.chainRpcUrl ?? undefined) }),
      } satisfies BackupManifest;
    });
    const pausedMs = Math.round(performance.now() - pausedAt);
    sealBackup(partial, folder, manifest);
    return { folder, manifest, pausedMs };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}
