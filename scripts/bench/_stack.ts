// Shared pieces of the benchmarks and fault tests, in one import: a real chain (anvil with
// the OneCode contracts deployed, ./_chain.ts), a fresh database on a PostgreSQL server
// (./_database.ts), the environment and processes of an API or worker child (./_child.ts),
// the checks that every ledger entry is anchored exactly once and every chain write applied
// exactly once (./_checks.ts); here the stack of a fault run built from them, and the
// small things every benchmark prints with.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import type { ChainClient } from "../../api/src/chain/client.ts";
import { REPO_ROOT } from "../lib/deployment.ts";
import { startBenchChain, type BenchChain } from "./_chain.ts";
import { createBenchDatabase, type BenchDatabase } from "./_database.ts";
import { randomKeys, stackEnv, type StackKeys } from "./_child.ts";
import { auditAnchors, auditCodes, verifyEnrolments, verifyLedgerChain, type AnchorAudit, type CodeAudit } from "./_checks.ts";

export * from "./_chain.ts";
export * from "./_database.ts";
export * from "./_child.ts";
export * from "./_checks.ts";

export const ROOT = REPO_ROOT;

// ---------------------------------------------------------------- the stack of a fault run

export interface FaultStack {
  chain: BenchChain;
  db: BenchDatabase;
  keys: StackKeys;
  dataDir: string;
  /** The environment of an API or worker process on this chain and database. */
  env: Record<string, string>;
  /** Drops the database, stops the chain, removes the data folder. */
  close(): Promise<void>;
}

/**
 * A chain, a fresh database (`onecode_fault_<name>_…`, on `serverUrl` or the shared server),
 * random keys, a data folder and the environment of a child process on them.
 */
export async function startFaultStack(options: {
  name: string;
  chain?: Parameters<typeof startBenchChain>[0];
  serverUrl?: string;
  poolSize?: number;
  /** More environment for the child (intervals, WORKERS, LOG_LEVEL). */
  extra?: Record<string, string>;
}): Promise<FaultStack> {
  const keys = randomKeys();
  const chain = await startBenchChain(options.chain);
  let db: BenchDatabase;
  try {
    db = await createBenchDatabase({ serverUrl: options.serverUrl, prefix: `onecode_fault_${options.name}`, poolSize: options.poolSize, ledgerSeed: keys.LEDGER_SIGNING_KEY });
  } catch (error) {
    await chain.stop();
    throw error;
  }
  const dataDir = mkdtempSync(join(tmpdir(), `onecode-fault-${options.name}-`));
  return {
    chain,
    db,
    keys,
    dataDir,
    env: stackEnv({ databaseUrl: db.url, chain, keys, dataDir, extra: options.extra }),
    async close() {
      await db.drop().catch(() => {});
      await chain.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ExactlyOnce {
  codes: CodeAudit;
  anchors: AnchorAudit;
  ledgerProblems: string[];
  enrolmentProblems: string[];
}

/** After a fault run has drained: codes and anchors exactly once, the hash chain whole, enrolments all or nothing. */
export async function checkExactlyOnce(pool: pg.Pool, chain: ChainClient): Promise<ExactlyOnce> {
  return {
    codes: await auditCodes(pool, chain),
    anchors: await auditAnchors(pool, chain),
    ledgerProblems: (await verifyLedgerChain(pool)).problems,
    enrolmentProblems: (await verifyEnrolments(pool)).problems,
  };
}

// ---------------------------------------------------------------- small things


export function parseArgs(args: string[]): { flags: Set<string>; opt(name: string, fallback: string): string } {
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  return {
    flags,
    opt(name, fallback) {
      const i = args.indexOf(`--${name}`);
      return i >= 0 && args[i + 1] !== undefined && !args[i + 1]!.startsWith("--") ? args[i + 1]! : fallback;
    },
  };
}

export function printTable(title: string, rows: Array<[string, string | number]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${typeof v === "number" ? formatNumber(v) : v}`);
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return n.toFixed(n < 10 ? 3 : 1);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

