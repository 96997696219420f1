// A real EVM for tests: anvil on a free port (state file in a temp folder, so a stop
// and restart keeps the chain), the OneCode contracts deployed with one account per role
// and a one-minute admin delay, and a ChainClient holding the API's role keys (admin included:
// the embedded mode's admin registers officers' passkeys).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createChainClient, type ChainClient } from "../../api/src/chain/client.ts";
import type { ChainKeys } from "../../api/src/config.ts";
import type { OneCodeDeployment } from "../../scripts/lib/deployment.ts";
import { deployOnAnvil, startAnvil, type Anvil } from "../../scripts/lib/anvil.ts";

const ROOT = join(import.meta.dirname, "..", "..");

export interface TestChain {
  rpcUrl: string;
  chain: ChainClient;
  deployment: OneCodeDeployment;
  /** The API's role keys (registrar, credit agency, relayer, anchorer, admin). */
  keys: ChainKeys & { admin: string };
  anvil: Pick<Anvil, "stop" | "kill" | "restart">;
  /** Moves the chain's clock forward and mines a block (the admin delay of officer keys). */
  increaseTime(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the contracts once when the artifacts are missing. */
export function ensureArtifacts(): void {
  const files = ["CodeRegistry", "CreditLedger"].map((n) => join(ROOT, "artifacts", "contracts", `${n}.sol`, `${n}.json`));
  if (files.every((f) => existsSync(f))) return;
  execFileSync("npx", ["hardhat", "build"], { cwd: ROOT, stdio: "inherit" });
}

export async function startTestChain(options: { baseFee?: number; adminDelaySeconds?: number } = {}): Promise<TestChain> {
  ensureArtifacts();
  const dir = mkdtempSync(join(tmpdir(), "onecode-anvil-"));
  const anvil = await startAnvil({ statePath: join(dir, "state.json"), stateIntervalSeconds: 1, baseFee: options.baseFee });
  const { deployment, keys } = await deployOnAnvil(anvil.url, { adminDelaySeconds: options.adminDelaySeconds });
  const chain = createChainClient({ rpcUrl: anvil.url, deployment, keys, pollMs: 50, requestTimeoutMs: 5000 });
  return {
    rpcUrl: anvil.url,
    chain,
    deployment,
    keys,
    anvil: { stop: () => anvil.stop(), kill: () => anvil.kill(), restart: () => anvil.restart() },
    async increaseTime(seconds) {
      await chain.provider.send("evm_increaseTime", [seconds]);
      await chain.provider.send("evm_mine", []);
    },
    async stop() {
      await chain.close();
      await anvil.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
