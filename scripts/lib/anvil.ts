// A local EVM node: Foundry's anvil from the npm package @foundry-rs/anvil. Chosen over
// Hardhat's EDR node because anvil loads and dumps its whole state with --state FILE,
// so the embedded chain survives a restart of `npm start` (EDR keeps state in memory only).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { JsonRpcProvider, Wallet } from "ethers";
import type { ChainKeys } from "../../api/src/config.ts";
import { deployOneCode, type OneCodeDeployment, type OneCodeRoles } from "./deployment.ts";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The platform binary itself (not the Node wrapper), so signals reach anvil directly. */
export function anvilBinary(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  try {
    const bin = join(dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
    if (existsSync(bin)) return bin;
  } catch {
    // fall through to the wrapper
  }
  return join(import.meta.dirname, "..", "..", "node_modules", ".bin", "anvil");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface AnvilOptions {
  port?: number;
  /** Loaded at start, dumped on a clean stop (and every stateIntervalSeconds). */
  statePath?: string;
  stateIntervalSeconds?: number;
  chainId?: number;
  /** Seconds between blocks; omitted: a block per transaction. */
  blockTime?: number;
  /**
   * Seconds between blocks mined by calling evm_mine on a timer (anvil --no-mining), the
   * next call only after the previous block is done. Use this rather than blockTime for
   * long runs: anvil's own interval miner (--block-time) grew to 5.7 GB at 293,000 issued
   * codes and kept growing faster (measured), while evm_mine on a timer stayed near 300 MB.
   */
  mineEverySeconds?: number;
  gasLimit?: number;
  /** 0 for a zero-fee chain like a Besu network with min-gas-price=0. */
  baseFee?: number;
  silent?: boolean;
  /**
   * Historical states kept in memory (--prune-history N; default 256). anvil keeps each as a
   * full copy of the state, so N copies of a large state (a million codes) cost N times
   * its memory: bulk runs that never read old blocks keep a few.
   */
  historyStates?: number;
}

export interface Anvil {
  url: string;
  port: number;
  /** Clean stop (SIGINT): anvil dumps its state first. */
  stop(): Promise<void>;
  /** Hard kill (SIGKILL): an outage or a crash; state since the last dump is lost. */
  kill(): Promise<void>;
  /** Starts again on the same port (and state file). */
  restart(): Promise<void>;
  readonly running: boolean;
}

async function waitForRpc(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < until) {
    if (exited) throw new Error("anvil exited during start");
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`anvil did not answer on ${url} within ${timeoutMs} ms`);
}

// A benchmark stopped with Ctrl-C (scripts/bench/index.ts exits on it) must not leave its
// nodes running and holding memory: one exit handler kills whatever is still up.
const runningNodes = new Set<ChildProcess>();
process.once("exit", () => {
  for (const proc of runningNodes) if (proc.exitCode === null) proc.kill("SIGKILL");
});

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // --prune-history: keep the last 256 states in memory and none on disk. Without it anvil
  // spills every historical state to ~/.foundry/anvil/tmp (tens of GB for a million codes)
  // and leaves the folder behind when it is killed. Reads at a recent pinned block still work.
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(options.chainId ?? 31337), "--prune-history", String(options.historyStates ?? 256)];
  if (options.statePath) {
    mkdirSync(dirname(options.statePath), { recursive: true });
    args.push("--state", options.statePath, "--state-interval", String(options.stateIntervalSeconds ?? 5));
  }
  if (options.mineEverySeconds) args.push("--no-mining");
  else if (options.blockTime) args.push("--block-time", String(options.blockTime));
  if (options.gasLimit) args.push("--gas-limit", String(options.gasLimit));
  if (options.baseFee !== undefined) args.push("--base-fee", String(options.baseFee));
  let child: ChildProcess | null = null;

  const launch = async () => {
    const proc = spawn(anvilBinary(), args, { stdio: ["ignore", options.silent === false ? "inherit" : "ignore", "inherit"] });
    child = proc;
    runningNodes.add(proc);
    proc.once("exit", () => {
      runningNodes.delete(proc);
      if (child === proc) child = null;
    });
    await waitForRpc(url, proc, 30_000);
  };

  const halt = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
    child = null;
  };

  await launch();
  // The timer lives as long as the process (unref'd); ticks while the node is down do nothing.
  let miner: NodeJS.Timeout | null = null;
  if (options.mineEverySeconds) {
    const everyMs = options.mineEverySeconds * 1000;
    const mine = async () => {
      if (child) {
        await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_mine", params: [] }) }).catch(() => {
          // stopped or restarting: the next tick tries again
        });
      }
      miner = setTimeout(() => void mine(), everyMs);
      miner.unref();
    };
    miner = setTimeout(() => void mine(), everyMs);
    miner.unref();
  }
  return {
    url,
    port,
    stop: () => halt("SIGINT"),
    kill: () => halt("SIGKILL"),
    async restart() {
      await halt("SIGINT");
      await launch();
    },
    get running() {
      return child !== null;
    },
  };
}

/** Gives `address` a balance on anvil (anvil_setBalance): the embedded chain's accounts are random keys. */
export async function fundOnAnvil(url: string, address: string, wei: bigint = 10n ** 24n): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_setBalance", params: [address, `0x${wei.toString(16)}`] }),
  });
  const json = (await res.json()) as { error?: { message: string } };
  if (json.error) throw new Error(`anvil_setBalance: ${json.error.message}`);
}

/** Admin delay of the embedded and test chains: officer keys (and admin transfers) wait this long, not two days. */
export const LOCAL_ADMIN_DELAY_SECONDS = 60;

/** The role keys of a local deployment: one new account per role, as the contracts require. */
export function newRoleKeys(): ChainKeys & { admin: string } {
  return {
    registrar: Wallet.createRandom().privateKey,
    creditAgency: Wallet.createRandom().privateKey,
    relayer: Wallet.createRandom().privateKey,
    anchorer: Wallet.createRandom().privateKey,
    admin: Wallet.createRandom().privateKey,
  };
}

/**
 * Deploys the contracts on a fresh anvil with a new funded account per role (registrar, credit
 * agency, relayer, anchorer) and an admin that deploys, holds the default admin role and
 * registers officers' passkeys (after `adminDelaySeconds`, default one minute). For tests and
 * benchmarks; no account can decide a repair: officers sign with their passkeys.
 */
export async function deployOnAnvil(url: string, options: { adminDelaySeconds?: number } = {}): Promise<{ deployment: OneCodeDeployment; keys: ChainKeys & { admin: string } }> {
  const keys = newRoleKeys();
  for (const key of Object.values(keys)) await fundOnAnvil(url, new Wallet(key).address);
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    const deployment = await deployOneCode({
      signer: new Wallet(keys.admin, provider),
      roles: rolesOf(keys),
      adminDelaySeconds: options.adminDelaySeconds ?? LOCAL_ADMIN_DELAY_SECONDS,
    });
    return { deployment, keys };
  } finally {
    provider.destroy();
  }
}

/** The role accounts (addresses) of role keys. */
export function rolesOf(keys: ChainKeys): OneCodeRoles {
  return {
    registrar: new Wallet(keys.registrar).address,
    creditAgency: new Wallet(keys.creditAgency).address,
    relayer: new Wallet(keys.relayer).address,
    anchorer: new Wallet(keys.anchorer).address,
  };
}
