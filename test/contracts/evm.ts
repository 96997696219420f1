// Small helpers for the contract tests on a real EVM (Hardhat EDR or anvil).
import type { Contract, EventLog, Log, Provider } from "ethers";

/** Name and arguments of the custom error a failed call or transaction reverted with. */
export async function revertOf(action: Promise<unknown>, contract: Contract): Promise<{ name: string; args: unknown[] }> {
  try {
    await action;
  } catch (err) {
    const e = err as { revert?: { name: string; args: unknown[] }; data?: string; error?: { data?: string } };
    if (e.revert) return { name: e.revert.name, args: [...e.revert.args] };
    const data = e.data ?? e.error?.data;
    const parsed = data ? contract.interface.parseError(data) : null;
    if (parsed) return { name: parsed.name, args: [...parsed.args] };
    throw err;
  }
  throw new Error("expected a revert");
}

export async function increaseTime(provider: Provider & { send(method: string, params: unknown[]): Promise<unknown> }, seconds: number): Promise<void> {
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
}

export async function now(provider: Provider): Promise<number> {
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("no block");
  return block.timestamp;
}

/** Arguments of every `name` event among `logs`. */
export function events(contract: Contract, logs: readonly (Log | EventLog)[], name: string) {
  return logs
    .map((log) => contract.interface.parseLog(log))
    .filter((parsed) => parsed?.name === name)
    .map((parsed) => parsed!.args);
}

/** Whether the chain has the P256VERIFY precompile at 0x100 (EIP-7951 / RIP-7212), asked with a known-good vector. */
export async function hasP256Precompile(provider: Provider): Promise<boolean> {
  const vector =
    "0xbb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023" +
    "0000000000000000000000000000000000000000000000000000000000000005" +
    "0000000000000000000000000000000000000000000000000000000000000001" +
    "a71af64de5126a4a4e02b7922d66ce9415ce88a4c9d25514d91082c8725ac957" +
    "5d47723c8fbe580bb369fec9c2665d8e30a435b9932645482e7c9f11e872296b";
  const out = await provider.call({ to: "0x0000000000000000000000000000000000000100", data: vector });
  return BigInt(out === "0x" ? 0 : out) === 1n;
}
