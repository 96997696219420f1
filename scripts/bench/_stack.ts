// Shared pieces of the benchmarks and fault tests: a real chain (anvil with the OneCode
// contracts deployed), a fresh database on a PostgreSQL server, the environment a
// child process (API or worker) needs, child processes that can be killed with -9,
// and the checks that every ledger entry is anchored exactly once and every chain
// write applied exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect, type Server, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import pg from "pg";
import { createChainClient, type ChainClient } from "../../api/src/chain/client.ts";
import { openDatabase, type Database } from "../../api/src/db/database.ts";
import { migrate } from "../../api/src/db/migrate.ts";
import { batchRoot, entryHashes } from "../../api/src/ledger/anchor.ts";
import { writeDeployment, type OneCodeDeployment } from "../lib/deployment.ts";
import { deployOnAnvil, startAnvil, type Anvil } from "../lib/anvil.ts";

export const ROOT = join(import.meta.dirname, "..", "..");
export const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// ---------------------------------------------------------------- chain

/**
 * A TCP relay in front of the node: cut() closes the listener and every open connection
 * (clients get "connection refused", exactly as when the node is down), restore() listens
 * again on the same port. Used so that the node is stopped only once nobody talks to it:
 * anvil can still mine a transaction after it wrote its state file on SIGINT, and a block
 * the API saw confirmed must not vanish (a real network's finalized blocks never do).
 */
export interface Relay {
  url: string;
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const { freePort } = await import("../lib/anvil.ts");
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, "127.0.0.1");
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve();
      });
    });
  const cut = async () => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, port, cut, restore: listen, close: cut };
}

export interface BenchChain {
  anvil: Anvil;
  /** What the API and workers use: the relay when there is one, else the node itself. */
  rpcUrl: string;
  /** The node itself (auditors, tests). */
  directUrl: string;
  relay: Relay | null;
  /** Node down as the API sees it: cut the relay, then stop the node (state written with no one talking). */
  stopNode(): Promise<void>;
  /** Node back: start it on the same state, then open the relay. */
  startNode(): Promise<void>;
  deployment: OneCodeDeployment;
  deploymentFile: string;
  signerKey: string;
  officerKeys: Record<string, string>;
  /** A fresh client (each process or worker gets its own, as an API instance would). */
  client(options?: { pollMs?: number; requestTimeoutMs?: number }): ChainClient;
  stop(): Promise<void>;
}

export function ensureArtifacts(): void {
  const files = ["CodeRegistry", "CreditLedger"].map((n) => join(ROOT, "artifacts", "contracts", `${n}.sol`, `${n}.json`));
  if (files.every((f) => existsSync(f))) return;
  execFileSync("npx", ["hardhat", "build"], { cwd: ROOT, stdio: "inherit" });
}

/** anvil on a free loopback port (state file, so stop/restart keeps the chain), contracts deployed, a funded random signer. */
export async function startBenchChain(
  options: {
    blockTime?: number;
    gasLimit?: number;
    relay?: boolean;
    /**
     * Keep the state in a file so a stop and start keep the chain (default true). anvil
     * writes its WHOLE state as JSON every second, which slows it down as the state grows
     * (a real node persists incrementally): throughput benchmarks that never restart the
     * node turn it off.
     */
    persist?: boolean;
    /** Historical states anvil keeps in memory (see AnvilOptions.historyStates). */
    historyStates?: number;
    /** Blocks mined on a timer (see AnvilOptions.mineEverySeconds). */
    mineEverySeconds?: number;
  } = {},
): Promise<BenchChain> {
  ensureArtifacts();
  const dir = mkdtempSync(join(tmpdir(), "onecode-bench-chain-"));
  const persist = options.persist ?? true;
  const anvil = await startAnvil({
    statePath: persist ? join(dir, "state.json") : undefined,
    stateIntervalSeconds: 1,
    blockTime: options.blockTime,
    gasLimit: options.gasLimit,
    historyStates: options.historyStates,
    mineEverySeconds: options.mineEverySeconds,
  });
  const { deployment, signerKey, officerKeys } = await deployOnAnvil(anvil.url);
  const deploymentFile = join(dir, "deployment.json");
  await writeDeployment(deploymentFile, deployment);
  const clients: ChainClient[] = [];
  const relay = options.relay ? await startRelay(anvil.port) : null;
  return {
    anvil,
    rpcUrl: relay?.url ?? anvil.url,
    directUrl: anvil.url,
    relay,
    async stopNode() {
      await relay?.cut();
      await sleep(1500); // anything already inside the node finishes and lands in a state dump
      await anvil.stop();
    },
    async startNode() {
      await anvil.restart();
      await relay?.restore();
    },
    deployment,
    deploymentFile,
    signerKey,
    officerKeys,
    client(o = {}) {
      const c = createChainClient({
        rpcUrl: anvil.url,
        deployment,
        signerKey,
        officerKeys,
        pollMs: o.pollMs ?? 50,
        requestTimeoutMs: o.requestTimeoutMs ?? 5000,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) await c.close();
      await relay?.close();
      await anvil.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- database

export interface BenchDatabase extends Database {
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the server at `serverUrl` (the shared server by default). */
export async function createBenchDatabase(options: { serverUrl?: string; prefix?: string; poolSize?: number } = {}): Promise<BenchDatabase> {
  const serverUrl = options.serverUrl ?? SERVER_URL;
  const name = `${options.prefix ?? "onecode_bench"}_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabaseName(serverUrl, name);
  const db = await openDatabase({ databaseUrl: url, dataDir: tmpdir() }, options.poolSize ?? 10);
  await migrate(db.pool);
  return {
    ...db,
    name,
    async drop() {
      await db.close().catch(() => {});
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

// ---------------------------------------------------------------- environment of a child

export interface StackKeys {
  SUBJECT_COMMITMENT_KEY: string;
  OPERATOR_TOKEN_SECRET: string;
  FACE_REFERENCE_KEY: string;
}

export function randomKeys(): StackKeys {
  return {
    SUBJECT_COMMITMENT_KEY: randomBytes(32).toString("hex"),
    OPERATOR_TOKEN_SECRET: randomBytes(32).toString("hex"),
    FACE_REFERENCE_KEY: randomBytes(32).toString("hex"),
  };
}

/** The environment loadConfig() reads, for a child process on this database and chain. */
export function stackEnv(options: {
  databaseUrl: string;
  chain?: BenchChain | null;
  keys: StackKeys;
  dataDir: string;
  port?: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/root",
    NODE_ENV: "production",
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    HOST: "127.0.0.1",
    PORT: String(options.port ?? 0),
    LOG_LEVEL: "warn",
    ...options.keys,
    ...options.extra,
  };
  if (options.chain) {
    env.CHAIN_RPC_URL = options.chain.rpcUrl;
    env.DEPLOYMENT_FILE = options.chain.deploymentFile;
    env.CHAIN_SIGNER_KEY = options.chain.signerKey;
    env.CHAIN_OFFICER_KEYS = Object.entries(options.chain.officerKeys)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
  }
  return env;
}

// ---------------------------------------------------------------- child processes

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** stdout+stderr so far (bounded). */
  output(): string;
  /** Resolves with the first stdout line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Runs `node SCRIPT` with its own environment; output is kept for waitFor() and failure messages. */
export function spawnNode(script: string, env: Record<string, string>, args: string[] = []): Child {
  const proc = spawn(process.execPath, [script, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners: Array<() => void> = [];
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
    for (const l of [...listeners]) l();
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const l of [...listeners]) l();
  });
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          } else if (done) {
            cleanup();
            reject(new Error(`child exited before printing ${pattern}:\n${out.slice(-4000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}:\n${out.slice(-4000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          const i = listeners.indexOf(check);
          if (i >= 0) listeners.splice(i, 1);
        };
        listeners.push(check);
        check();
      });
    },
    async kill9() {
      if (done) return;
      proc.kill("SIGKILL");
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (done) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    exited,
  };
}

// ---------------------------------------------------------------- exactly-once checks

export interface AnchorAudit {
  /** Entries in the ledger (ledger_head.seq). */
  entries: number;
  /** Anchors in the database, all confirmed. */
  anchors: number;
  /** BatchAnchored events on chain. */
  events: number;
  /** Problems found; empty when every entry is anchored exactly once. */
  problems: string[];
}

/**
 * Every ledger entry anchored exactly once: database anchors contiguous 1..N covering
 * 1..head with no overlap, each root re-derived from the entries, and the chain's
 * BatchAnchored events exactly the same list (index 1..N once each, same ranges, roots,
 * heads), with the contract's nextSeq right after the last entry.
 */
export async function auditAnchors(pool: pg.Pool, chain: ChainClient): Promise<AnchorAudit> {
  const problems: string[] = [];
  const head = Number((await pool.query<{ seq: number }>("SELECT seq FROM ledger_head")).rows[0]!.seq);
  const rows = (
    await pool.query<{ idx: number; from_seq: number; to_seq: number; root: Buffer; head: Buffer; status: string }>(
      "SELECT idx, from_seq, to_seq, root, head, status FROM anchors ORDER BY idx",
    )
  ).rows;
  let expectFrom = 1;
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i]!;
    if (a.idx !== i + 1) problems.push(`anchor index ${a.idx} at position ${i + 1}`);
    if (a.from_seq !== expectFrom) problems.push(`anchor ${a.idx} starts at ${a.from_seq}, expected ${expectFrom}`);
    if (a.status !== "confirmed") problems.push(`anchor ${a.idx} is ${a.status}`);
    const root = batchRoot(await entryHashes(pool, a.from_seq, a.to_seq));
    if (!root.equals(a.root)) problems.push(`anchor ${a.idx} root differs from the entries`);
    expectFrom = a.to_seq + 1;
  }
  if (expectFrom - 1 !== head) problems.push(`anchors cover 1..${expectFrom - 1} but the ledger has ${head} entries`);

  const events = await chain.creditLedger.queryFilter(chain.creditLedger.filters.BatchAnchored!(), chain.deployment.deployedAt);
  const seen = new Map<number, number>();
  for (const ev of events as unknown as Array<{ args: { index: bigint; fromSeq: bigint; toSeq: bigint; root: string; head: string } }>) {
    const idx = Number(ev.args.index);
    seen.set(idx, (seen.get(idx) ?? 0) + 1);
    const a = rows[idx - 1];
    if (!a) {
      problems.push(`chain has anchor ${idx} that the database lacks`);
      continue;
    }
    if (Number(ev.args.fromSeq) !== a.from_seq || Number(ev.args.toSeq) !== a.to_seq) {
      problems.push(`anchor ${idx}: chain ${ev.args.fromSeq}..${ev.args.toSeq}, database ${a.from_seq}..${a.to_seq}`);
    }
    if (ev.args.root.toLowerCase() !== `0x${a.root.toString("hex")}`) problems.push(`anchor ${idx}: root differs on chain`);
    if (ev.args.head.toLowerCase() !== `0x${a.head.toString("hex")}`) problems.push(`anchor ${idx}: head differs on chain`);
  }
  for (const [idx, n] of seen) if (n !== 1) problems.push(`anchor ${idx} appears ${n} times on chain`);
  for (let i = 1; i <= rows.length; i++) {
    if (seen.has(i)) continue;
    // Say what the node still knows of the transaction the database recorded.
    const a = (await pool.query<{ tx_hash: string | null; block_number: number | null }>("SELECT tx_hash, block_number FROM anchors WHERE idx = $1", [i])).rows[0];
    const receipt = a?.tx_hash ? await chain.provider.getTransactionReceipt(a.tx_hash).catch(() => null) : null;
    const block = a?.block_number != null ? await chain.provider.getBlock(a.block_number).catch(() => null) : null;
    problems.push(
      `anchor ${i} missing on chain (tx ${a?.tx_hash ?? "none"} in block ${a?.block_number ?? "?"}: ` +
        `receipt ${receipt ? `found, ${receipt.logs.length} logs` : "not found"}, block ${block ? `has ${block.transactions.length} txs` : "not found"})`,
    );
  }
  const nextSeq = Number(await chain.creditLedger.getFunction("nextSeq")());
  if (nextSeq !== head + 1) problems.push(`chain nextSeq ${nextSeq}, expected ${head + 1}`);
  return { entries: head, anchors: rows.length, events: events.length, problems };
}

export interface CodeAudit {
  /** Codes in the database. */
  codes: number;
  /** CodeIssued events on chain. */
  issuedEvents: number;
  /** Outbox rows not done. */
  open: number;
  failed: number;
  problems: string[];
}

/**
 * Every code issue applied on chain exactly once: one CodeIssued event per code row
 * (matched by code id), no event for a code the database lacks, no outbox row left
 * open or failed, and every code row carries the transaction that issued it.
 */
export async function auditCodes(pool: pg.Pool, chain: ChainClient): Promise<CodeAudit> {
  const problems: string[] = [];
  const codes = (await pool.query<{ code_id: string }>("SELECT code_id FROM codes")).rows.map((r) => `0x${r.code_id}`);
  const outbox = (
    await pool.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM chain_outbox GROUP BY status")
  ).rows;
  const count = (s: string) => outbox.find((r) => r.status === s)?.n ?? 0;
  const open = count("pending") + count("sent");
  const failed = count("failed");
  if (open) problems.push(`${open} outbox rows still open`);
  if (failed) problems.push(`${failed} outbox rows failed`);
  const issueRows = Number((await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM chain_outbox WHERE kind = 'code.issue'")).rows[0]!.n);
  const registry = chain.codeRegistry;
  const filter = registry.filters.CodeIssued!();
  const latest = await chain.provider.getBlockNumber();
  const seen = new Map<string, number>();
  let issuedEvents = 0;
  // Scan in slices of about 10,000 events, sized from the last slice: ethers reads an HTTP
  // answer by copying it whole for every chunk (quadratic), so the one eth_getLogs answer
  // for a million events (1-s blocks of 3,200 codes) did not finish in 20 minutes.
  let step = 4;
  for (let from = chain.deployment.deployedAt; from <= latest; ) {
    const to = Math.min(latest, from + step - 1);
    const events = await registry.queryFilter(filter, from, to);
    for (const ev of events as unknown as Array<{ args: { codeId: string } }>) {
      issuedEvents++;
      const id = ev.args.codeId.toLowerCase();
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    from = to + 1;
    // At most double: empty blocks (the deployment's) say nothing about the ones after them.
    step = Math.max(1, Math.min(2000, step * 2, Math.floor((step * 10_000) / Math.max(events.length, 1))));
  }
  const codeSet = new Set(codes);
  for (const [id, n] of seen) {
    if (n !== 1) problems.push(`code ${id} issued ${n} times on chain`);
    if (!codeSet.has(id)) problems.push(`code ${id} on chain but not in the database`);
  }
  let missing = 0;
  for (const id of codes) if (!seen.has(id)) missing++;
  if (missing) problems.push(`${missing} codes never issued on chain`);
  if (issueRows !== codes.length) problems.push(`${issueRows} code.issue outbox rows for ${codes.length} codes`);
  return { codes: codes.length, issuedEvents, open, failed, problems };
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

// ---------------------------------------------------------------- ledger and domain consistency

/**
 * The hash chain re-derived from the first entry to the head: gap-free sequence numbers,
 * each prev_hash the hash before it, each hash recomputed, and ledger_head at the last entry.
 */
export async function verifyLedgerChain(pool: pg.Pool): Promise<{ entries: number; problems: string[] }> {
  const { entryHash } = await import("../../protocol/ledger/entry.ts");
  const problems: string[] = [];
  let prev: Buffer = Buffer.alloc(32);
  let expect = 1;
  for (;;) {
    const rows = (
      await pool.query<{ seq: number; type: string; payload: string; subject_ref: string | null; actor: string; created_at: Date; prev_hash: Buffer; hash: Buffer }>(
        "SELECT seq, type, payload, subject_ref, actor, created_at, prev_hash, hash FROM ledger WHERE seq >= $1 ORDER BY seq LIMIT 5000",
        [expect],
      )
    ).rows;
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.seq !== expect) problems.push(`gap: expected seq ${expect}, found ${r.seq}`);
      if (!r.prev_hash.equals(prev)) problems.push(`seq ${r.seq}: prev_hash does not link to the entry before`);
      const h = Buffer.from(entryHash(prev, { seq: r.seq, type: r.type, payload: r.payload, subjectRef: r.subject_ref, actor: r.actor, createdAt: r.created_at.toISOString() }));
      if (!h.equals(r.hash)) problems.push(`seq ${r.seq}: hash does not match the entry`);
      prev = r.hash;
      expect = r.seq + 1;
      if (problems.length > 20) return { entries: expect - 1, problems };
    }
  }
  const head = (await pool.query<{ seq: number; hash: Buffer }>("SELECT seq, hash FROM ledger_head")).rows[0]!;
  if (head.seq !== expect - 1) problems.push(`ledger_head at ${head.seq}, last entry ${expect - 1}`);
  else if (expect > 1 && !head.hash.equals(prev)) problems.push("ledger_head hash differs from the last entry");
  return { entries: expect - 1, problems };
}

/**
 * Enrolment is all or nothing: every subject has exactly one code, one 'subject.enrolled'
 * and one 'code.issued' entry and one code.issue outbox row; no code, entry or outbox row
 * exists without its subject.
 */
export async function verifyEnrolments(pool: pg.Pool): Promise<{ subjects: number; problems: string[] }> {
  const problems: string[] = [];
  const q = async (sql: string) => Number((await pool.query<{ n: number }>(sql)).rows[0]!.n);
  const subjects = await q("SELECT count(*)::int AS n FROM subjects");
  const checks: Array<[string, string]> = [
    ["subjects without exactly one code", "SELECT count(*)::int AS n FROM subjects s WHERE (SELECT count(*) FROM codes c WHERE c.subject_id = s.id) <> 1"],
    ["codes without a code.issued entry", "SELECT count(*)::int AS n FROM codes c WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.type = 'code.issued' AND l.subject_ref = c.code_id)"],
    ["subjects without a subject.enrolled entry", "SELECT count(*)::int AS n FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.type = 'subject.enrolled' AND l.subject_ref = encode(s.commitment, 'hex'))"],
    ["subject.enrolled entries without a subject", "SELECT count(*)::int AS n FROM ledger l WHERE l.type = 'subject.enrolled' AND NOT EXISTS (SELECT 1 FROM subjects s WHERE encode(s.commitment, 'hex') = l.subject_ref)"],
    ["code.issued entries without a code", "SELECT count(*)::int AS n FROM ledger l WHERE l.type = 'code.issued' AND NOT EXISTS (SELECT 1 FROM codes c WHERE c.code_id = l.subject_ref)"],
    ["codes without a code.issue outbox row", "SELECT count(*)::int AS n FROM codes c WHERE NOT EXISTS (SELECT 1 FROM chain_outbox o WHERE o.kind = 'code.issue' AND o.payload->>'codeId' = '0x' || c.code_id)"],
    ["code.issue outbox rows without a code", "SELECT count(*)::int AS n FROM chain_outbox o WHERE o.kind = 'code.issue' AND NOT EXISTS (SELECT 1 FROM codes c WHERE '0x' || c.code_id = o.payload->>'codeId')"],
  ];
  for (const [what, sql] of checks) {
    const n = await q(sql);
    if (n) problems.push(`${n} ${what}`);
  }
  return { subjects, problems };
}
