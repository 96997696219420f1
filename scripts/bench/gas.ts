// Gas benchmark of the OneCode contracts against EAS, in one run on one EVM (Hardhat EDR):
// `npm run bench -- gas [--json]`. Prints a table; with --json, one JSON object as the last line.
// Repair decisions carry real WebAuthn assertions of P-256 passkeys (node:crypto stands in for
// the officers' authenticators); on the configured Prague EVM the P-256 check runs in Solidity.
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AbiCoder, Contract, ContractFactory, hexlify, randomBytes, solidityPackedKeccak256, ZeroAddress, ZeroHash, type InterfaceAbi, type Signer } from "ethers";
import { network } from "hardhat";
import { deployOneCode } from "../lib/deployment.ts";
import {
  challengeOf,
  decisionCall,
  decisionDigest,
  keccakUtf8,
  keyIdOf,
  officerSignatureOf,
  p256PublicKeyFromSpki,
  randomNonce,
  type LedgerDomain,
  type RepairDecision,
} from "../../protocol/repair/decision-digest.ts";

/** Per-transaction gas cap (EIP-7825), the size limit of a batch. */
const TX_GAS_CAP = 16_777_216n;
const ANCHOR_BATCH = 1_000n;
const EAS_SCHEMA = "bytes32 subject,bytes16 codeId,uint8 kind,bytes32 attestation";
const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
const EAS_ARTIFACTS = join(REPO_ROOT, "artifacts", "@ethereum-attestation-service", "eas-contracts", "contracts");

interface CodeIssue {
  subject: string;
  codeId: string;
  kind: number;
  attestation: string;
}

const b32 = () => hexlify(randomBytes(32));
const b16 = () => hexlify(randomBytes(16));
const issue = (): CodeIssue => ({ subject: b32(), codeId: b16(), kind: 2, attestation: b32() });

/** A software passkey: a real P-256 key answering a WebAuthn `get` as a browser would. */
function softPasskey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { x, y } = p256PublicKeyFromSpki(new Uint8Array(publicKey.export({ format: "der", type: "spki" })));
  const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest();
  return {
    x,
    y,
    keyId: keyIdOf(x, y),
    get(challenge: Uint8Array) {
      const authenticatorData = new Uint8Array([...sha256(Buffer.from("backoffice.onecode.example")), 0x05, 0, 0, 0, 1]);
      const json = JSON.stringify({ type: "webauthn.get", challenge: Buffer.from(challenge).toString("base64url"), origin: "https://backoffice.onecode.example", crossOrigin: false });
      const clientDataJSON = new TextEncoder().encode(json);
      const signature = sign("sha256", Buffer.concat([authenticatorData, sha256(clientDataJSON)]), { key: privateKey, dsaEncoding: "der" });
      return { authenticatorData, clientDataJSON, signature: new Uint8Array(signature) };
    },
  };
}

/** Whether the EVM has the P256VERIFY precompile (EIP-7951) at 0x100: a known-good vector. */
async function hasP256Precompile(provider: { call(tx: { to: string; data: string }): Promise<string> }): Promise<boolean> {
  const words = [
    "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023",
    "0000000000000000000000000000000000000000000000000000000000000005",
    "0000000000000000000000000000000000000000000000000000000000000001",
    "a71af64de5126a4a4e02b7922d66ce9415ce88a4c9d25514d91082c8725ac957",
    "5d47723c8fbe580bb369fec9c2665d8e30a435b9932645482e7c9f11e872296b",
  ];
  const out = await provider.call({ to: "0x0000000000000000000000000000000000000100", data: "0x" + words.join("") });
  return out !== "0x" && BigInt(out) === 1n;
}

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint; status: number | null } | null> }>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("benchmark transaction failed");
  return receipt.gasUsed;
}

async function easFactory(name: string, signer: Signer): Promise<ContractFactory> {
  const file = join(EAS_ARTIFACTS, `${name}.sol`, `${name}.json`);
  const artifact = JSON.parse(await readFile(file, "utf8")) as { abi: InterfaceAbi; bytecode: string };
  return new ContractFactory(artifact.abi, artifact.bytecode, signer);
}

/** Largest batch whose gas estimate fits the per-transaction cap (binary search on estimates). */
async function largestBatch(registry: Contract): Promise<CodeIssue[]> {
  const pool: CodeIssue[] = [];
  const fits = async (n: number) => {
    while (pool.length < n) pool.push(issue());
    try {
      return (await registry.issueCodes.estimateGas(pool.slice(0, n))) <= TX_GAS_CAP;
    } catch {
      return false; // over the cap
    }
  };
  let lo = 1;
  let hi = 2;
  while (await fits(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await fits(mid)) lo = mid;
    else hi = mid;
  }
  return pool.slice(0, lo);
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const { ethers } = await network.connect();
  const [deployer, registrar, agency, relayer, anchorer, attester] = await ethers.getSigners();
  const adminDelay = 86_400;
  const d = await deployOneCode({
    signer: deployer,
    roles: {
      registrar: registrar.address,
      creditAgency: agency.address,
      relayer: relayer.address,
      anchorer: anchorer.address,
    },
    adminDelaySeconds: adminDelay,
  });
  const registry = new Contract(d.codeRegistry.address, d.codeRegistry.abi, registrar);
  const ledger = new Contract(d.creditLedger.address, d.creditLedger.abi, deployer);

  // One code (after a warm-up issue, so nothing but the issue itself is measured).
  const warm = issue();
  await gasOf(registry.issueCode(warm.subject, warm.codeId, warm.kind, warm.attestation));
  const one = issue();
  const issueGas = await gasOf(registry.issueCode(one.subject, one.codeId, one.kind, one.attestation));
  const rotateGas = await gasOf(registry.rotateCode(one.subject, one.codeId, b16(), b32()));

  // Largest batch under the per-transaction cap.
  const batch = await largestBatch(registry);
  const batchGas = await gasOf(registry.issueCodes(batch));
  const batchSize = batch.length;
  const batchIssueGasPerCode = Number(batchGas) / batchSize;

  // Anchors: the first one, then the steady state.
  const anchors = ledger.connect(anchorer) as Contract;
  const firstAnchorGas = await gasOf(anchors.anchorBatch(1n, ANCHOR_BATCH, b32(), ZeroHash));
  const anchorGas = await gasOf(anchors.anchorBatch(ANCHOR_BATCH + 1n, 2n * ANCHOR_BATCH, b32(), await ledger.head()));
  const anchorGasPerEntry = Number(anchorGas) / Number(ANCHOR_BATCH);

  // Repair decisions signed by officers' passkeys: one officer, then the four-eyes rule
  // (proposal + confirmation, two transactions), and a decision by the rules (no signature).
  const alice = softPasskey();
  const bob = softPasskey();
  const registerGas = await gasOf(ledger.registerOfficerKey(keccakUtf8("officer:alice"), alice.x, alice.y));
  await gasOf(ledger.registerOfficerKey(keccakUtf8("officer:bob"), bob.x, bob.y));
  await ethers.provider.send("evm_increaseTime", [adminDelay]);
  await ethers.provider.send("evm_mine", []);
  const chainNow = (await ethers.provider.getBlock("latest"))!.timestamp;
  const publicUntil = BigInt(chainNow + 365 * 86_400);
  const publisher = ledger.connect(agency) as Contract;
  const relay = ledger.connect(relayer) as Contract;
  const domain: LedgerDomain = { chainId: d.chainId, verifyingContract: d.creditLedger.address };
  const decide = (passkey: ReturnType<typeof softPasskey>, decision: RepairDecision) => {
    const digest = decisionDigest(domain, decision);
    const signature = officerSignatureOf(passkey.keyId, passkey.get(challengeOf(digest)), digest);
    return gasOf(relay.decideRepair(decisionCall(decision), signature));
  };
  const approval = (recordId: string, applicationId: string, decisionDigestHex: string): RepairDecision => ({
    recordId: recordId as `0x${string}`,
    applicationId: applicationId as `0x${string}`,
    outcome: 1,
    decisionDigest: decisionDigestHex as `0x${string}`,
    policyVersion: "national-2026",
    ruleId: "national-2026.decision.serious_list_two_officers",
    nonce: randomNonce(),
    deadline: BigInt(chainNow + 86_400),
  });
  const recordAuto = b32();
  const recordOne = b32();
  const recordTwo = b32();
  const publishGas = await gasOf(publisher.publishRecord(recordOne, b32(), b32(), 1, 3, publicUntil, 1));
  await gasOf(publisher.publishRecord(recordTwo, b32(), b32(), 2, 3, publicUntil, 2));
  await gasOf(publisher.publishRecord(recordAuto, b32(), b32(), 1, 2, publicUntil, 0));
  const ruleDecisionGas = await gasOf(relay.decideRepairByRule(recordAuto, b32(), 1, b32(), keccakUtf8("national-2026"), keccakUtf8("national-2026.decision.automatic")));
  const decisionGas = await decide(alice, approval(recordOne, b32(), b32()));
  const application = b32();
  const document = b32();
  const proposeGas = await decide(alice, approval(recordTwo, application, document));
  const confirmGas = await decide(bob, approval(recordTwo, application, document));
  const fourEyesDecisionGas = proposeGas + confirmGas;
  const p256Precompile = await hasP256Precompile(ethers.provider);

  // Peer: EAS with a schema of the same fields, one attestation (after a warm-up one).
  const schemaRegistry = await (await easFactory("SchemaRegistry", deployer)).deploy();
  await schemaRegistry.waitForDeployment();
  const eas = await (await easFactory("EAS", attester)).deploy(await schemaRegistry.getAddress());
  await eas.waitForDeployment();
  await gasOf((schemaRegistry as Contract).register(EAS_SCHEMA, ZeroAddress, true));
  const schemaUid = solidityPackedKeccak256(["string", "address", "bool"], [EAS_SCHEMA, ZeroAddress, true]);
  const attest = (fields: CodeIssue) =>
    (eas as Contract).attest({
      schema: schemaUid,
      data: {
        recipient: ZeroAddress,
        expirationTime: 0n,
        revocable: true,
        refUID: ZeroHash,
        data: AbiCoder.defaultAbiCoder().encode(
          ["bytes32", "bytes16", "uint8", "bytes32"],
          [fields.subject, fields.codeId, fields.kind, fields.attestation],
        ),
        value: 0n,
      },
    });
  await gasOf(attest(issue()));
  const easAttestGas = await gasOf(attest(issue()));

  const result = {
    issueGas: Number(issueGas),
    easAttestGas: Number(easAttestGas),
    batchIssueGasPerCode: Math.round(batchIssueGasPerCode),
    batchSize,
    anchorGasPerEntry,
    decisionGas: Number(decisionGas),
    fourEyesDecisionGas: Number(fourEyesDecisionGas),
    ruleDecisionGas: Number(ruleDecisionGas),
    p256Precompile,
    issueWithinThirdOfEas: Number(issueGas) * 3 <= Number(easAttestGas),
    batchIssueWithin30k: batchIssueGasPerCode <= 30_000,
    anchorWithin50PerEntry: anchorGasPerEntry <= 50,
  };

  const rows: Array<[string, string, string]> = [
    ["issueCode (one code)", String(issueGas), `goal <= ${Math.floor(Number(easAttestGas) / 3)} (EAS / 3): ${result.issueWithinThirdOfEas ? "met" : "MISSED"}`],
    ["EAS attest (same fields)", String(easAttestGas), "peer"],
    ["rotateCode", String(rotateGas), ""],
    [`issueCodes (${batchSize} codes, whole tx)`, String(batchGas), `cap ${TX_GAS_CAP}`],
    ["issueCodes per code", batchIssueGasPerCode.toFixed(0), `goal <= 30000: ${result.batchIssueWithin30k ? "met" : "MISSED"}`],
    ["anchorBatch (first)", String(firstAnchorGas), "writes fresh head slot"],
    [`anchorBatch (${ANCHOR_BATCH} entries, steady)`, String(anchorGas), "goal <= 50000"],
    ["anchor per entry", anchorGasPerEntry.toFixed(2), `goal <= 50: ${result.anchorWithin50PerEntry ? "met" : "MISSED"}`],
    ["publishRecord", String(publishGas), ""],
    ["registerOfficerKey", String(registerGas), ""],
    ["decideRepairByRule (approve, no officer)", String(ruleDecisionGas), ""],
    ["decideRepair (one passkey signature)", String(decisionGas), `P-256 ${p256Precompile ? "precompile" : "in Solidity (no precompile)"}`],
    ["decideRepair (four eyes: propose)", String(proposeGas), ""],
    ["decideRepair (four eyes: confirm)", String(confirmGas), ""],
    ["four eyes, both signatures", String(fourEyesDecisionGas), ""],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${"operation".padEnd(width)}  ${"gas".padStart(10)}  note`);
  for (const [name, gas, note] of rows) console.log(`${name.padEnd(width)}  ${gas.padStart(10)}  ${note}`);
  if (json) console.log(JSON.stringify(result));
}
