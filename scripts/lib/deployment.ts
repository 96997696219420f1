// Deployment as code for the OneCode contracts (CodeRegistry, CreditLedger): the same function
// deploys on the embedded node (anvil, Hardhat EDR) and on a permissioned network (Besu QBFT,
// gas price zero). Contracts come from the Hardhat artifacts, so `npx hardhat build` runs first.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Contract, ContractFactory, getAddress, isHexString, ZeroHash, type InterfaceAbi, type Signer, type TransactionResponse } from "ethers";
import { formatDeployment, parseDeployment, type OneCodeDeployment } from "../../protocol/chain/deployment.ts";
import { ROLES } from "../../protocol/chain/roles.ts";

export { ROLES };
export type { DeployedContract, OneCodeDeployment } from "../../protocol/chain/deployment.ts";

/**
 * One account per role: the contracts refuse to give an account two of the separated roles
 * (registrar, credit agency, relayer, anchorer, default admin), so these four and the admin
 * (and the deployer, the first admin) must all differ. Repair officers hold no account: their
 * passkeys are registered on the ledger by the admin (`registerOfficerKey`).
 */
export interface OneCodeRoles {
  /** Gets REGISTRAR_ROLE on CodeRegistry. */
  registrar: string;
  /** Gets CREDIT_AGENCY_ROLE on CreditLedger. */
  creditAgency: string;
  /** Gets RELAYER_ROLE on CreditLedger: sends officer-signed decisions, rule decisions and expiries. */
  relayer: string;
  /** Gets ANCHORER_ROLE on CreditLedger. */
  anchorer: string;
  /** Optional: gets PAUSER_ROLE on both contracts (the default admin can always pause); may be any account. */
  pauser?: string;
}

/** Where a redeployed ledger continues the anchor chain: the old ledger's `head()` and `nextSeq()`. */
export interface AnchorGenesis {
  head: string;
  nextSeq: bigint;
}

export interface DeployOneCodeOptions {
  /** Sends the transactions and is the first default admin of both contracts. */
  signer: Signer;
  /**
   * The intended default admin. When it differs from the signer, a delayed two-step transfer
   * is begun: `admin` calls `acceptDefaultAdminTransfer()` on both contracts once
   * `adminDelaySeconds` have passed. Defaults to the signer.
   */
  admin?: string;
  roles: OneCodeRoles;
  /** Delay of default admin transfers and of officer key registrations, in seconds (default 2 days). */
  adminDelaySeconds?: number;
  /** Continue an existing anchor chain (default: a new chain, zero head, first sequence 1). */
  anchorGenesis?: AnchorGenesis;
  /**
   * Gas price override (wei). Without it: 0 (legacy transactions) when the node's eth_gasPrice
   * is 0, as on a Besu network with min-gas-price=0, otherwise the node's fee suggestion.
   */
  gasPrice?: bigint;
  /** Folder of the Hardhat artifacts (default: `artifacts/` of this repository). */
  artifactsDir?: string;
}

export const DEFAULT_ADMIN_DELAY_SECONDS = 2 * 24 * 60 * 60;

/** The repository's root folder. */
export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

const CONTRACTS = ["CodeRegistry", "CreditLedger"];

/** Compiles the contracts (`npx hardhat build`) unless their artifacts exist; `say` hears when it does. */
export function ensureArtifacts(say: (message: string) => void = () => {}): void {
  const files = CONTRACTS.map((n) => join(REPO_ROOT, "artifacts", "contracts", `${n}.sol`, `${n}.json`));
  if (files.every((f) => existsSync(f))) return;
  say("compiling the contracts (first start)…");
  execFileSync(process.platform === "win32" ? "npx.cmd" : "npx", ["hardhat", "build", "--quiet"], { cwd: REPO_ROOT, stdio: "inherit" });
}

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

async function loadArtifact(artifactsDir: string, name: string): Promise<Artifact> {
  const file = join(artifactsDir, "contracts", `${name}.sol`, `${name}.json`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`artifact ${file} not found: run \`npx hardhat build\` first`);
  }
  const json = JSON.parse(text) as Partial<Artifact>;
  if (!json.abi || typeof json.bytecode !== "string" || json.bytecode.length <= 2) {
    throw new Error(`artifact ${file} has no ABI or bytecode`);
  }
  return { abi: json.abi, bytecode: json.bytecode };
}

/**
 * The contracts refuse one account in two separated roles (OneCodeRoleConflict); say which
 * before any transaction is sent. The deployer is the first admin, the admin the final one.
 */
function assertSeparated(accounts: Record<"deployer" | "admin" | "registrar" | "creditAgency" | "relayer" | "anchorer", string>): void {
  const roleHolders = ["registrar", "creditAgency", "relayer", "anchorer"] as const;
  const seen = new Map<string, string>();
  for (const role of roleHolders) {
    const other = seen.get(accounts[role]);
    if (other) throw new Error(`${role} and ${other} must be different accounts (${accounts[role]})`);
    seen.set(accounts[role], role);
  }
  for (const adminRole of ["deployer", "admin"] as const) {
    const other = seen.get(accounts[adminRole]);
    if (other) throw new Error(`${other} must not be the ${adminRole} (${accounts[adminRole]}): the admin holds no other role`);
  }
}

/** Gas price override for every transaction (empty: let ethers choose EIP-1559 fees). */
async function feeOverrides(signer: Signer, gasPrice: bigint | undefined): Promise<{ gasPrice?: bigint; type?: number }> {
  if (gasPrice !== undefined) return { gasPrice, type: 0 };
  const provider = signer.provider;
  if (!provider) throw new Error("the signer has no provider");
  const fees = await provider.getFeeData();
  if (fees.gasPrice === 0n) return { gasPrice: 0n, type: 0 };
  return {};
}

async function confirm(tx: TransactionResponse, what: string): Promise<number> {
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new Error(`${what} failed (tx ${tx.hash})`);
  return receipt.blockNumber;
}

/**
 * Deploys CodeRegistry and CreditLedger (continuing an anchor chain when `anchorGenesis` is
 * given), grants one role per account and, when `admin` is not the signer,
 * begins the delayed transfer of the default admin role. Transactions are sent with explicit
 * nonces and awaited together, so a network with slow blocks costs only a few block times.
 */
export async function deployOneCode(options: DeployOneCodeOptions): Promise<OneCodeDeployment> {
  const { signer, roles } = options;
  const provider = signer.provider;
  if (!provider) throw new Error("the signer has no provider");
  const artifactsDir = options.artifactsDir ?? join(REPO_ROOT, "artifacts");
  const delay = options.adminDelaySeconds ?? DEFAULT_ADMIN_DELAY_SECONDS;
  if (!Number.isSafeInteger(delay) || delay < 0 || delay >= 2 ** 48) throw new Error(`invalid adminDelaySeconds ${delay}`);
  const genesis = options.anchorGenesis ?? { head: ZeroHash, nextSeq: 1n };
  if (!isHexString(genesis.head, 32) || genesis.nextSeq < 1n || genesis.nextSeq >= 2n ** 64n - 1n || (genesis.head === ZeroHash) !== (genesis.nextSeq === 1n)) {
    throw new Error(`invalid anchor genesis (head ${genesis.head}, next sequence ${genesis.nextSeq}): a zero head goes with sequence 1 only`);
  }

  const deployer = getAddress(await signer.getAddress());
  const admin = getAddress(options.admin ?? deployer);
  const registrar = getAddress(roles.registrar);
  const creditAgency = getAddress(roles.creditAgency);
  const relayer = getAddress(roles.relayer);
  const anchorer = getAddress(roles.anchorer);
  const pauser = roles.pauser ? getAddress(roles.pauser) : undefined;
  assertSeparated({ deployer, admin, registrar, creditAgency, relayer, anchorer });

  const [registryArtifact, ledgerArtifact] = await Promise.all([
    loadArtifact(artifactsDir, "CodeRegistry"),
    loadArtifact(artifactsDir, "CreditLedger"),
  ]);
  const fees = await feeOverrides(signer, options.gasPrice);
  const { chainId } = await provider.getNetwork();
  let nonce = await provider.getTransactionCount(deployer, "pending");

  const registryFactory = new ContractFactory(registryArtifact.abi, registryArtifact.bytecode, signer);
  const ledgerFactory = new ContractFactory(ledgerArtifact.abi, ledgerArtifact.bytecode, signer);
  const registryDeploy = await registryFactory.deploy(delay, deployer, { ...fees, nonce: nonce++ });
  const ledgerDeploy = await ledgerFactory.deploy(delay, deployer, genesis.head, genesis.nextSeq, { ...fees, nonce: nonce++ });
  const registryTx = registryDeploy.deploymentTransaction();
  const ledgerTx = ledgerDeploy.deploymentTransaction();
  if (!registryTx || !ledgerTx) throw new Error("deployment transactions missing");
  const registryAddress = await registryDeploy.getAddress();
  const ledgerAddress = await ledgerDeploy.getAddress();
  const registry = new Contract(registryAddress, registryArtifact.abi, signer);
  const ledger = new Contract(ledgerAddress, ledgerArtifact.abi, signer);

  // Sent one after the other (an automining node refuses a nonce gap), confirmed together.
  const sent: Array<[string, TransactionResponse]> = [];
  const send = async (what: string, target: Contract, method: string, args: unknown[]) => {
    sent.push([what, await target.getFunction(method).send(...args, { ...fees, nonce: nonce++ })]);
  };
  // Gas limits are estimated against the pending state, so wait for the contracts first.
  const deployedAt = Math.min(await confirm(registryTx, "CodeRegistry deployment"), await confirm(ledgerTx, "CreditLedger deployment"));

  await send("grant REGISTRAR_ROLE", registry, "grantRole", [ROLES.REGISTRAR, registrar]);
  await send("grant CREDIT_AGENCY_ROLE", ledger, "grantRole", [ROLES.CREDIT_AGENCY, creditAgency]);
  await send("grant RELAYER_ROLE", ledger, "grantRole", [ROLES.RELAYER, relayer]);
  await send("grant ANCHORER_ROLE", ledger, "grantRole", [ROLES.ANCHORER, anchorer]);
  if (pauser) {
    await send("grant PAUSER_ROLE (registry)", registry, "grantRole", [ROLES.PAUSER, pauser]);
    await send("grant PAUSER_ROLE (ledger)", ledger, "grantRole", [ROLES.PAUSER, pauser]);
  }
  const pendingAdmin = admin === deployer ? null : admin;
  if (pendingAdmin) {
    await send("begin admin transfer (registry)", registry, "beginDefaultAdminTransfer", [pendingAdmin]);
    await send("begin admin transfer (ledger)", ledger, "beginDefaultAdminTransfer", [pendingAdmin]);
  }
  await Promise.all(sent.map(([what, tx]) => confirm(tx, what)));

  return {
    chainId: Number(chainId),
    codeRegistry: { address: registryAddress, abi: registryArtifact.abi },
    creditLedger: { address: ledgerAddress, abi: ledgerArtifact.abi },
    deployedAt,
    admin: deployer,
    pendingAdmin,
    adminDelaySeconds: delay,
  };
}

/** Writes a deployment as JSON (conventionally `deployments/<network>.json`, git-ignored). */
export async function writeDeployment(file: string, deployment: OneCodeDeployment): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, formatDeployment(deployment), "utf8");
}

/** Reads a deployment written by `writeDeployment`; throws if the file is missing or malformed. */
export async function readDeployment(file: string): Promise<OneCodeDeployment> {
  return parseDeployment(await readFile(file, "utf8"), file);
}
