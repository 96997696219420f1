// Child processes of the benchmarks and fault tests (an API, a worker): the environment
// loadConfig() reads for a database and a chain, and processes that can be killed with -9
// and waited on by what they print.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/deployment.ts";
import { CHAIN_KEY_VARIABLES, type ChainKeys } from "../../api/src/config.ts";
import type { BenchChain } from "./_chain.ts";

export interface StackKeys {
  SUBJECT_COMMITMENT_KEY: string;
  OPERATOR_TOKEN_SECRET: string;
  FACE_REFERENCE_KEY: string;
  /** The ledger key: the bench database in this process signs with it too (createBenchDatabase ledgerSeed). */
  LEDGER_SIGNING_KEY: string;
}

export function randomKeys(): StackKeys {
  return {
    SUBJECT_COMMITMENT_KEY: randomBytes(32).toString("hex"),
    OPERATOR_TOKEN_SECRET: randomBytes(32).toString("hex"),
    FACE_REFERENCE_KEY: randomBytes(32).toString("hex"),
    LEDGER_SIGNING_KEY: randomBytes(32).toString("hex"),
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
    // The load generator is this machine: the per-client rate limits (api/src/edge.ts) would measure themselves.
    RATE_LIMIT_ALLOW: "127.0.0.1,::1,::ffff:127.0.0.1",
    ...options.keys,
    ...options.extra,
  };
  if (options.chain) {
    env.CHAIN_RPC_URL = options.chain.rpcUrl;
    env.DEPLOYMENT_FILE = options.chain.deploymentFile;
    for (const [role, variable] of Object.entries(CHAIN_KEY_VARIABLES)) {
      const key = options.chain.keys[role as keyof ChainKeys];
      if (key) env[variable] = key;
    }
  }
  return env;
}


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
  const proc = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
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

/**
 * The anchoring and/or outbox worker (`WORKERS` in `env`: anchor, outbox, both) in a process
 * of its own, so a fault run can kill it with -9; resolves once it runs.
 */
export async function startWorker(env: Record<string, string>, timeoutMs = 30_000): Promise<Child> {
  const worker = spawnNode(join(REPO_ROOT, "scripts", "bench", "_worker.ts"), env);
  try {
    await worker.waitFor(/worker ready/, timeoutMs);
  } catch (error) {
    await worker.kill9();
    throw error;
  }
  return worker;
}
