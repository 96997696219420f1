// Deploys CodeRegistry and CreditLedger to any EVM JSON-RPC endpoint and writes
// deployments/<network>.json. Run `npx hardhat build` first.
//
//   CHAIN_RPC_URL=http://127.0.0.1:8545 DEPLOYER_KEY=0x... npm run deploy
//
// Environment (no secrets in the repository, ever):
//   CHAIN_RPC_URL            JSON-RPC endpoint (required)
//   DEPLOYER_KEY             deployer private key, or DEPLOYER_KEY_FILE: a file holding it (required)
//   DEPLOY_NETWORK           name of the deployment file (default: chain-<chainId>)
//   ADMIN_ADDRESS            final default admin (default: the deployer; otherwise a delayed
//                            transfer is begun and ADMIN_ADDRESS accepts it after the delay)
//   ADMIN_DELAY_SECONDS      delay of admin transfers and of officers' passkeys (registerOfficerKey)
//                            (default 172800, two days)
//   REGISTRAR_ADDRESS, CREDIT_AGENCY_ADDRESS, RELAYER_ADDRESS, ANCHORER_ADDRESS (required): one
//                            account per role, none of them the deployer or the admin (the
//                            contracts refuse one account in two roles); PAUSER_ADDRESS optional
//   ANCHOR_GENESIS_HEAD, ANCHOR_NEXT_SEQ  a redeploy continues the anchor chain: the old ledger's
//                            head() and nextSeq() (default: a new chain)
//   GAS_PRICE                wei; default 0 when the node reports a gas price of 0
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { DEFAULT_ADMIN_DELAY_SECONDS, deployOneCode, writeDeployment } from "./lib/deployment.ts";

function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

function required(name: string): string {
  const value = env(name);
  if (!value) throw new Error(`set ${name} (one account per role)`);
  return value;
}

function deployerKey(): string {
  const file = env("DEPLOYER_KEY_FILE");
  const key = file ? readFileSync(file, "utf8").trim() : env("DEPLOYER_KEY");
  if (!key) throw new Error("set DEPLOYER_KEY or DEPLOYER_KEY_FILE");
  return key.startsWith("0x") ? key : `0x${key}`;
}

async function main(): Promise<void> {
  const url = env("CHAIN_RPC_URL");
  if (!url) throw new Error("set CHAIN_RPC_URL");
  const provider = new JsonRpcProvider(url);
  const signer = new Wallet(deployerKey(), provider);
  const gasPrice = env("GAS_PRICE");
  const genesisHead = env("ANCHOR_GENESIS_HEAD");
  const nextSeq = env("ANCHOR_NEXT_SEQ");
  if ((genesisHead === undefined) !== (nextSeq === undefined)) throw new Error("set both ANCHOR_GENESIS_HEAD and ANCHOR_NEXT_SEQ, or neither");

  const deployment = await deployOneCode({
    signer,
    admin: env("ADMIN_ADDRESS"),
    roles: {
      registrar: required("REGISTRAR_ADDRESS"),
      creditAgency: required("CREDIT_AGENCY_ADDRESS"),
      relayer: required("RELAYER_ADDRESS"),
      anchorer: required("ANCHORER_ADDRESS"),
      pauser: env("PAUSER_ADDRESS"),
    },
    adminDelaySeconds: Number(env("ADMIN_DELAY_SECONDS") ?? DEFAULT_ADMIN_DELAY_SECONDS),
    anchorGenesis: genesisHead !== undefined && nextSeq !== undefined ? { head: genesisHead, nextSeq: BigInt(nextSeq) } : undefined,
    gasPrice: gasPrice === undefined ? undefined : BigInt(gasPrice),
  });

  const name = env("DEPLOY_NETWORK") ?? `chain-${deployment.chainId}`;
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`invalid DEPLOY_NETWORK ${name}`);
  const file = join(resolve(import.meta.dirname, ".."), "deployments", `${name}.json`);
  await writeDeployment(file, deployment);
  console.log(`CodeRegistry  ${deployment.codeRegistry.address}`);
  console.log(`CreditLedger  ${deployment.creditLedger.address}`);
  console.log(`chain ${deployment.chainId}, block ${deployment.deployedAt}, written to ${file}`);
  if (genesisHead) console.log(`anchor chain continued from head ${genesisHead}, next sequence ${nextSeq}`);
  if (deployment.pendingAdmin) {
    console.log(`admin transfer begun: ${deployment.pendingAdmin} calls acceptDefaultAdminTransfer() on both contracts`);
    console.log(`after ${deployment.adminDelaySeconds} s`);
  }
  provider.destroy();
}

main().catch((err: unknown) => {
  const e = err as { shortMessage?: string; message?: string };
  console.error(`deploy failed: ${e.shortMessage ?? e.message ?? String(err)}`);
  process.exit(1);
});
