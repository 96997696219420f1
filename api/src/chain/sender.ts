// Sending chain transactions from this process: one nonce counter per signer,
// transactions signed locally (so the hash is known and stored before anything
// is broadcast), fees that work on zero-gas-price networks (Besu), receipts by
// polling, and errors sorted into "the contract refused" and "try again later".
import { keccak256, type Interface, type JsonRpcProvider, type TransactionReceipt, type Wallet } from "ethers";

/** EIP-7825 cap on the gas of one transaction (Hardhat's default hardfork, Osaka). */
export const MAX_TX_GAS = 16_777_216n;

export type Fees = { type: 0; gasPrice: bigint } | { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

export interface SignedTx {
  hash: string;
  raw: string;
  nonce: number;
  from: string;
}

/** The contract refused the call (a revert), as opposed to an outage. */
export class RevertError extends Error {
  readonly data: string | null;
  constructor(message: string, data: string | null) {
    super(message);
    this.name = "RevertError";
    this.data = data;
  }
}

export function isRevert(error: unknown): boolean {
  if (error instanceof RevertError) return true;
  const e = error as { code?: string; data?: unknown; info?: { error?: { message?: string } } };
  return e?.code === "CALL_EXCEPTION";
}

/** Names a revert with the contracts' custom errors, e.g. `RegistryCodeAlreadyActive(0x…, 0x…)`. */
export function describeRevert(error: unknown, interfaces: Interface[]): string {
  const data = (error as { data?: unknown })?.data;
  if (typeof data === "string" && data.length >= 10) {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return `${parsed.name}(${parsed.args.map((a: unknown) => String(a)).join(", ")})`;
      } catch {
        // not this contract's error
      }
    }
    return `revert ${data.slice(0, 10)}`;
  }
  const reason = (error as { reason?: string; shortMessage?: string })?.reason ?? (error as { shortMessage?: string })?.shortMessage;
  return reason ?? (error as Error)?.message ?? String(error);
}

export function errorMessage(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; code?: string };
  return (e?.shortMessage ?? e?.message ?? String(error)).slice(0, 500);
}

export class TxSender {
  readonly provider: JsonRpcProvider;
  readonly chainId: number;
  private readonly pollMs: number;
  private readonly nonces = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(provider: JsonRpcProvider, chainId: number, pollMs = 250) {
    this.provider = provider;
    this.chainId = chainId;
    this.pollMs = pollMs;
  }

  /**
   * Runs `fn` alone: nonce allocation, the write of the signed transactions to the
   * database and their broadcast happen in one uninterrupted step per worker.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  async fees(): Promise<Fees> {
    const data = await this.provider.getFeeData();
    // Permissioned networks (Besu with min-gas-price=0) take legacy transactions at price zero.
    if (data.gasPrice === 0n || (data.maxFeePerGas === null && data.gasPrice !== null && data.gasPrice === 0n)) return { type: 0, gasPrice: 0n };
    if (data.maxFeePerGas !== null && data.maxPriorityFeePerGas !== null) {
      return { type: 2, maxFeePerGas: data.maxFeePerGas * 2n, maxPriorityFeePerGas: data.maxPriorityFeePerGas };
    }
    return { type: 0, gasPrice: data.gasPrice ?? 0n };
  }

  /** Gas for a call; a revert throws (code CALL_EXCEPTION, with the revert data). */
  async estimate(from: string, to: string, data: string): Promise<bigint> {
    const gas = await this.provider.estimateGas({ from, to, data });
    const padded = (gas * 125n) / 100n + 10_000n;
    return padded > MAX_TX_GAS ? MAX_TX_GAS : padded;
  }

  /** Signs with the signer's next nonce. Call inside exclusive(). */
  async sign(wallet: Wallet, tx: { to: string; data: string; gasLimit: bigint }, fees: Fees): Promise<SignedTx> {
    const from = wallet.address;
    let nonce = this.nonces.get(from);
    if (nonce === undefined) nonce = await this.provider.getTransactionCount(from, "pending");
    const raw = await wallet.signTransaction({ ...tx, ...fees, nonce, chainId: this.chainId });
    this.nonces.set(from, nonce + 1);
    // The hash of a signed transaction is the keccak of its bytes (legacy and typed alike);
    // parsing the bytes back (Transaction.from) to ask cost a third of the signing time on a
    // 26 kB issueCodes batch (measured).
    return { hash: keccak256(raw), raw, nonce, from };
  }

  /** Forgets the nonce counter: the next sign re-reads the pending nonce from the node. */
  resetNonce(address?: string): void {
    if (address) this.nonces.delete(address);
    else this.nonces.clear();
  }

  /**
   * Broadcasts a signed transaction. "Already known" counts as sent; a used nonce
   * answers "consumed" (the caller then checks what happened on chain).
   */
  async broadcast(signed: SignedTx): Promise<"sent" | "consumed"> {
    try {
      await this.provider.send("eth_sendRawTransaction", [signed.raw]);
      return "sent";
    } catch (error) {
      // Nodes put the reason in different places: ethers' message, info.error, or error.error (anvil).
      const e = error as { info?: { error?: { message?: string } }; error?: { message?: string } };
      const message = `${errorMessage(error)} ${e?.info?.error?.message ?? ""} ${e?.error?.message ?? ""}`;
      if (/already known|already imported|known transaction|AlreadyKnown/i.test(message)) return "sent";
      if (/nonce/i.test(message) && /too low|already been used/i.test(message)) {
        this.resetNonce(signed.from);
        return "consumed";
      }
      this.resetNonce(signed.from);
      throw error;
    }
  }

  async receipt(hash: string): Promise<TransactionReceipt | null> {
    return this.provider.getTransactionReceipt(hash);
  }

  /** Polls for the receipt; null when the timeout passes first. Outages throw. */
  async waitReceipt(hash: string, timeoutMs: number): Promise<TransactionReceipt | null> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await this.provider.getTransactionReceipt(hash);
      if (receipt) return receipt;
      if (Date.now() >= until) return null;
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /**
   * Receipts of several broadcast transactions, awaited together: per signer only the one with
   * the highest nonce is polled (a signer's transactions are mined in nonce order, so once it
   * is mined the others are too), then the others are read once. While a signer's last one is
   * not mined, its unmined ones are sent again every `rebroadcastMs` (the same signed bytes:
   * at most once on chain) — a node that lost one (seen with anvil under load: one transaction
   * of a round gone from the pool, every later nonce queued behind the gap) then goes on at
   * once instead of after the receipt timeout. Null where the timeout passed first. Outages throw.
   */
  async waitReceipts(txs: readonly SignedTx[], timeoutMs: number, rebroadcastMs = 5000): Promise<Array<TransactionReceipt | null>> {
    const bySigner = new Map<string, SignedTx[]>();
    for (const tx of txs) bySigner.set(tx.from, [...(bySigner.get(tx.from) ?? []), tx]);
    const found = new Map<string, TransactionReceipt | null>();
    await Promise.all(
      [...bySigner.values()].map(async (own) => {
        own.sort((a, b) => a.nonce - b.nonce);
        const last = own[own.length - 1]!;
        const until = Date.now() + timeoutMs;
        let resendAt = Date.now() + rebroadcastMs;
        for (;;) {
          const receipt = await this.provider.getTransactionReceipt(last.hash);
          if (receipt || Date.now() >= until) {
            found.set(last.hash, receipt);
            return;
          }
          if (Date.now() >= resendAt) {
            for (const tx of own) {
              if (await this.provider.getTransactionReceipt(tx.hash)) continue;
              // "already known" / "nonce too low" say nothing new: the receipts decide.
              await this.provider.send("eth_sendRawTransaction", [tx.raw]).catch(() => {});
            }
            resendAt = Date.now() + rebroadcastMs;
          }
          await new Promise((r) => setTimeout(r, this.pollMs));
        }
      }),
    );
    return Promise.all(
      txs.map(async (tx) => {
        if (found.has(tx.hash)) return found.get(tx.hash)!;
        const last = bySigner.get(tx.from)!.at(-1)!;
        // Read once; one still missing (its signer's last was not mined, or it was dropped) is polled.
        return (await this.receipt(tx.hash)) ?? (await this.waitReceipt(tx.hash, found.get(last.hash) ? timeoutMs : 0));
      }),
    );
  }

  async latestNonce(address: string): Promise<number> {
    return this.provider.getTransactionCount(address, "latest");
  }
}
