// The chain client: a JSON-RPC provider, the API's signers (one account per contract role),
// the two contracts (from the deployment file the deploy script wrote), and one transaction
// sender that owns the nonces of every signer in this process.
import { readFileSync } from "node:fs";
import { Contract, FetchRequest, JsonRpcProvider, Network, Wallet, getAddress } from "ethers";
import { parseDeployment, type OneCodeDeployment } from "../../../protocol/chain/deployment.ts";
import type { ChainKeys, Config } from "../config.ts";
import { TxSender } from "./sender.ts";

/** The deployment file the deploy script wrote (format and checks in protocol/chain/deployment.ts). */
export type ChainDeployment = OneCodeDeployment;

export interface ChainClient {
  provider: JsonRpcProvider;
  deployment: ChainDeployment;
  /** Read-only contract handles (calls, event queries, calldata encoding). */
  codeRegistry: Contract;
  creditLedger: Contract;
  /**
   * The API's accounts, one per role. None of them can decide a repair: the relayer sends the
   * officers' signed decisions, the chain checks the signatures.
   */
  signers: ChainSigners;
  /** Sends, tracks nonces and waits for receipts; shared by the outbox and anchor workers. */
  sender: TxSender;
  /** True when the node answers within a short timeout. */
  isReachable(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface ChainSigners {
  registrar: Wallet;
  creditAgency: Wallet;
  relayer: Wallet;
  anchorer: Wallet;
  /** Registers and revokes officer keys; null when the admin key is kept away from the API. */
  admin: Wallet | null;
}

export function readChainDeployment(file: string): ChainDeployment {
  return parseDeployment(readFileSync(file, "utf8"), file);
}

export interface ChainClientOptions {
  rpcUrl: string;
  deployment: ChainDeployment;
  keys: ChainKeys;
  /** Per-request timeout of JSON-RPC calls (default 10 s). */
  requestTimeoutMs?: number;
  pollMs?: number;
}

export function createChainClient(options: ChainClientOptions): ChainClient {
  const { deployment } = options;
  const request = new FetchRequest(options.rpcUrl);
  request.timeout = options.requestTimeoutMs ?? 10_000;
  // A static network: no detection round trips, and no endless "failed to detect network" retries while the node is down.
  const network = Network.from(deployment.chainId);
  // cacheTimeout -1: ethers otherwise answers identical calls within 250 ms from a cache, and a
  // stale nonce, estimate or contract state is exactly what exactly-once sending cannot afford.
  const provider = new JsonRpcProvider(request, network, { staticNetwork: network, batchMaxCount: 1, pollingInterval: options.pollMs ?? 250, cacheTimeout: -1 });
  const { keys } = options;
  const signers: ChainSigners = {
    registrar: new Wallet(keys.registrar, provider),
    creditAgency: new Wallet(keys.creditAgency, provider),
    relayer: new Wallet(keys.relayer, provider),
    anchorer: new Wallet(keys.anchorer, provider),
    admin: keys.admin ? new Wallet(keys.admin, provider) : null,
  };
  const codeRegistry = new Contract(getAddress(deployment.codeRegistry.address), deployment.codeRegistry.abi, provider);
  const creditLedger = new Contract(getAddress(deployment.creditLedger.address), deployment.creditLedger.abi, provider);
  const sender = new TxSender(provider, deployment.chainId, options.pollMs ?? 250);
  let closed = false;
  return {
    provider,
    deployment,
    codeRegistry,
    creditLedger,
    signers,
    sender,
    async isReachable(timeoutMs = 1500) {
      if (closed) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const probe = provider
        .send("eth_chainId", [])
        .then((id: string) => Number(id) === deployment.chainId)
        .catch(() => false);
      try {
        return await Promise.race([probe, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      provider.destroy();
    },
  };
}

/** The client the configuration names, or null when no chain is configured (writes wait in the outbox). */
export function chainClientFromConfig(config: Pick<Config, "chainRpcUrl" | "deploymentFile" | "chainKeys" | "outboxPollMs">): ChainClient | null {
  if (!config.chainRpcUrl) return null;
  if (!config.chainKeys) throw new Error("CHAIN_RPC_URL is set but the role keys are not (CHAIN_REGISTRAR_KEY, …)");
  const deployment = readChainDeployment(config.deploymentFile);
  return createChainClient({
    rpcUrl: config.chainRpcUrl,
    deployment,
    keys: config.chainKeys,
    pollMs: Math.min(config.outboxPollMs, 250),
  });
}
