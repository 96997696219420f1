// The chain client: a JSON-RPC provider, the API's signer, and the two contracts.
// (Filled in by the chain feature: nonce management, receipts, reachability.)
import type { Contract, JsonRpcProvider } from "ethers";

export interface ChainClient {
  provider: JsonRpcProvider;
  codeRegistry: Contract;
  creditLedger: Contract;
  /** True when the node answers within a short timeout. */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
}
