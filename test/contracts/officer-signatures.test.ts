// Repair decisions the server cannot forge, on a real EVM: officers' passkeys (real P-256 keys,
// real WebAuthn assertions) sign the EIP-712 digest that protocol/repair/decision-digest.ts builds,
// the relayer only sends. On Hardhat EDR with the Prague hardfork (no P256VERIFY precompile: the
// Solidity fallback verifies) and on anvil's default hardfork (Osaka: the precompile verifies).
import { Contract, JsonRpcProvider, TypedDataEncoder, Wallet, hexlify, randomBytes, type Signer, type TransactionReceipt } from "ethers";
import { network } from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployOneCode, ROLES, type OneCodeDeployment } from "../../scripts/lib/deployment.ts";
import { fundOnAnvil, startAnvil, type Anvil } from "../../scripts/lib/anvil.ts";
import {
  challengeOf,
  decisionCall,
  decisionDigest,
  DOMAIN_NAME,
  DOMAIN_VERSION,
  EIP712_TYPES,
  keccakUtf8,
  officerSignatureOf,
  randomNonce,
  withdrawalDigest,
  type LedgerDomain,
  type RepairDecision,
  type RepairWithdrawal,
} from "../../protocol/repair/decision-digest.ts";
import { createPasskey, FLAG_UP, type SoftPasskey } from "./passkey.ts";
import { events, hasP256Precompile, increaseTime, now, revertOf } from "./evm.ts";

const b32 = () => hexlify(randomBytes(32)) as `0x${string}`;
const APPROVED = 1;
const REFUSED = 2;
const POLICY = "national-2026";
const RULE = "national-2026.decision.serious_list_two_officers";
const ALICE = keccakUtf8("officer:alice");
const BOB = keccakUtf8("officer:bob");
const DELAY = 3_600;

/** One deployed ledger with officers Alice (two passkeys) and Bob registered and past the delay. */
interface Bench {
  deployment: OneCodeDeployment;
  domain: LedgerDomain;
  /** The ledger as the relayer sees it (the account that sends and pays). */
  ledger: Contract;
  asAgency: Contract;
  asAdmin: Contract;
  alice: SoftPasskey;
  alicePhone: SoftPasskey;
  bob: SoftPasskey;
  provider: Parameters<typeof now>[0] & { send(method: string, params: unknown[]): Promise<unknown> };
}

async function setUpBench(signers: { admin: Signer; registrar: Signer; agency: Signer; relayer: Signer; anchorer: Signer }, provider: Bench["provider"]): Promise<Bench> {
  const address = (s: Signer) => s.getAddress();
  const deployment = await deployOneCode({
    signer: signers.admin,
    roles: {
      registrar: await address(signers.registrar),
      creditAgency: await address(signers.agency),
      relayer: await address(signers.relayer),
      anchorer: await address(signers.anchorer),
    },
    adminDelaySeconds: DELAY,
  });
  const abi = deployment.creditLedger.abi;
  const ledger = new Contract(deployment.creditLedger.address, abi, signers.relayer);
  const asAdmin = new Contract(deployment.creditLedger.address, abi, signers.admin);
  const asAgency = new Contract(deployment.creditLedger.address, abi, signers.agency);
  const [alice, alicePhone, bob] = [createPasskey(), createPasskey(), createPasskey()];
  for (const [officer, key] of [[ALICE, alice], [ALICE, alicePhone], [BOB, bob]] as const) {
    await (await asAdmin.registerOfficerKey(officer, key.x, key.y)).wait();
  }
  await increaseTime(provider, DELAY);
  return { deployment, domain: { chainId: deployment.chainId, verifyingContract: deployment.creditLedger.address }, ledger, asAgency, asAdmin, alice, alicePhone, bob, provider };
}

async function publish(bench: Bench, approvalsNeeded: 0 | 1 | 2): Promise<`0x${string}`> {
  const recordId = b32();
  const publicUntil = (await now(bench.provider)) + 365 * 86_400;
  const category = approvalsNeeded === 2 ? 2 : 1;
  await (await bench.asAgency.publishRecord(recordId, b32(), b32(), category, 3, publicUntil, approvalsNeeded)).wait();
  return recordId;
}

async function decisionFor(bench: Bench, recordId: `0x${string}`, applicationId: `0x${string}`, outcome: 1 | 2, decisionDigestHex: `0x${string}`): Promise<RepairDecision> {
  return { recordId, applicationId, outcome, decisionDigest: decisionDigestHex, policyVersion: POLICY, ruleId: RULE, nonce: randomNonce(), deadline: BigInt((await now(bench.provider)) + 600) };
}

/** What the back office does: show the decision, ask the passkey to sign its digest, hand the result to the API. */
function sign(bench: Bench, passkey: SoftPasskey, decision: RepairDecision) {
  const digest = decisionDigest(bench.domain, decision);
  return { call: decisionCall(decision), signature: officerSignatureOf(passkey.keyId, passkey.get(challengeOf(digest)), digest), digest };
}

async function send(bench: Bench, signed: ReturnType<typeof sign>): Promise<TransactionReceipt> {
  const receipt = (await (await bench.ledger.decideRepair(signed.call, signed.signature)).wait()) as TransactionReceipt | null;
  if (!receipt || receipt.status !== 1) throw new Error("decision failed");
  return receipt;
}

describe("officer passkeys decide on chain (Hardhat EDR, Prague: P-256 verified in Solidity)", () => {
  let bench: Bench;
  let signers: Signer[];

  beforeAll(async () => {
    const { ethers } = await network.connect();
    signers = await ethers.getSigners();
    const [admin, registrar, agency, relayer, anchorer] = signers;
    bench = await setUpBench({ admin: admin!, registrar: registrar!, agency: agency!, relayer: relayer!, anchorer: anchorer! }, ethers.provider);
  });

  it("builds the digest that the contract and EIP-712 libraries build", async () => {
    const decision = await decisionFor(bench, b32(), b32(), APPROVED, b32());
    const digest = decisionDigest(bench.domain, decision);
    const domain = { name: DOMAIN_NAME, version: DOMAIN_VERSION, ...bench.domain };
    expect(digest).toBe(TypedDataEncoder.hash(domain, { Decision: [...EIP712_TYPES.Decision] }, decision));
    expect(digest).toBe(await bench.ledger.decisionDigestOf(decisionCall(decision)));

    const withdrawal: RepairWithdrawal = { recordId: b32(), applicationId: b32(), nonce: randomNonce(), deadline: 1n };
    expect(withdrawalDigest(bench.domain, withdrawal)).toBe(TypedDataEncoder.hash(domain, { Withdrawal: [...EIP712_TYPES.Withdrawal] }, withdrawal));
    expect(withdrawalDigest(bench.domain, withdrawal)).toBe(await bench.ledger.withdrawalDigestOf(withdrawal));
  });

  it("registers passkeys by the admin only, usable after the admin delay", async () => {
    expect(await bench.ledger.keyIdOf(bench.bob.x, bench.bob.y)).toBe(bench.bob.keyId);
    expect((await bench.ledger.officerKey(bench.bob.keyId)).officerId).toBe(BOB);
    const late = createPasskey();
    const receipt = await (await bench.asAdmin.registerOfficerKey(keccakUtf8("officer:carol"), late.x, late.y)).wait();
    const [registered] = events(bench.ledger, receipt.logs, "OfficerKeyRegistered");
    expect(Number(registered!.validFrom)).toBe((await now(bench.provider)) + DELAY);

    const recordId = await publish(bench, 1);
    const signed = sign(bench, late, await decisionFor(bench, recordId, b32(), APPROVED, b32()));
    expect((await revertOf(bench.ledger.decideRepair(signed.call, signed.signature), bench.ledger)).name).toBe("OfficerKeysKeyNotYetValid");
  });

  it("refuses every key the API holds: none of them can take a record off the serious list", async () => {
    const recordId = await publish(bench, 2);
    const decision = await decisionFor(bench, recordId, b32(), APPROVED, b32());
    // The relayer (the API's sending key) alone: by rule, with a passkey it made itself, or by registering one.
    expect(await revertOf(bench.ledger.decideRepairByRule(recordId, decision.applicationId, APPROVED, decision.decisionDigest, keccakUtf8(POLICY), keccakUtf8(RULE)), bench.ledger)).toEqual({
      name: "CreditLedgerOfficerSignatureRequired",
      args: [recordId, 2n],
    });
    const forged = createPasskey();
    const byApi = sign(bench, forged, decision);
    expect(await revertOf(bench.ledger.decideRepair(byApi.call, byApi.signature), bench.ledger)).toEqual({ name: "OfficerKeysUnknownKey", args: [forged.keyId] });
    const relayerAddress = await signers[3]!.getAddress();
    expect(await revertOf(bench.ledger.registerOfficerKey(keccakUtf8("officer:api"), forged.x, forged.y), bench.ledger)).toEqual({
      name: "AccessControlUnauthorizedAccount",
      args: [relayerAddress, ROLES.DEFAULT_ADMIN],
    });
    // The API's other keys cannot even send an officer's genuine signature.
    const genuine = sign(bench, bench.alice, decision);
    for (const holder of [signers[1]!, signers[2]!, signers[4]!]) {
      const asHolder = bench.ledger.connect(holder) as Contract;
      expect(await revertOf(asHolder.decideRepair(genuine.call, genuine.signature), bench.ledger)).toEqual({
        name: "AccessControlUnauthorizedAccount",
        args: [await holder.getAddress(), ROLES.RELAYER],
      });
    }
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(1);
  });

  it("refuses one officer signing twice, with the same passkey or her second one", async () => {
    const recordId = await publish(bench, 2);
    const applicationId = b32();
    const document = b32();
    await send(bench, sign(bench, bench.alice, await decisionFor(bench, recordId, applicationId, APPROVED, document)));
    for (const key of [bench.alice, bench.alicePhone]) {
      const again = sign(bench, key, await decisionFor(bench, recordId, applicationId, APPROVED, document));
      expect(await revertOf(bench.ledger.decideRepair(again.call, again.signature), bench.ledger)).toEqual({ name: "CreditLedgerSameOfficer", args: [recordId, ALICE] });
    }
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(1);
  });

  it("lets two distinct officers take the record off the list", async () => {
    const recordId = await publish(bench, 2);
    const applicationId = b32();
    const document = b32();
    const first = sign(bench, bench.alice, await decisionFor(bench, recordId, applicationId, APPROVED, document));
    const proposed = await send(bench, first);
    const [proposal] = events(bench.ledger, proposed.logs, "RepairApprovalProposed");
    expect([proposal!.officerId, proposal!.keyId, proposal!.signedDigest]).toEqual([ALICE, bench.alice.keyId, first.digest]);
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(1);
    expect(await bench.ledger.digestUsed(first.digest)).toBe(true);

    const decided = await send(bench, sign(bench, bench.bob, await decisionFor(bench, recordId, applicationId, APPROVED, document)));
    const [event] = events(bench.ledger, decided.logs, "RepairDecided");
    expect([event!.officerId, event!.firstOfficerId, event!.decisionDigest, event!.policyVersionHash, event!.ruleIdHash]).toEqual([BOB, ALICE, document, keccakUtf8(POLICY), keccakUtf8(RULE)]);
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(2);
    expect(Number(await bench.ledger.decisionOf(recordId, applicationId))).toBe(APPROVED);
  });

  it("refuses a replayed signature (a withdrawn approval cannot be revived)", async () => {
    const recordId = await publish(bench, 2);
    const applicationId = b32();
    const first = sign(bench, bench.alice, await decisionFor(bench, recordId, applicationId, APPROVED, b32()));
    await send(bench, first);
    const withdrawal: RepairWithdrawal = { recordId, applicationId, nonce: randomNonce(), deadline: BigInt((await now(bench.provider)) + 600) };
    const wDigest = withdrawalDigest(bench.domain, withdrawal);
    const withdrawn = await (await bench.ledger.withdrawRepairApproval(withdrawal, officerSignatureOf(bench.bob.keyId, bench.bob.get(challengeOf(wDigest)), wDigest))).wait();
    expect(events(bench.ledger, withdrawn.logs, "RepairApprovalWithdrawn")[0]!.officerId).toBe(BOB);
    expect(await revertOf(bench.ledger.decideRepair(first.call, first.signature), bench.ledger)).toEqual({ name: "OfficerKeysSignatureReplayed", args: [first.digest] });
    expect((await bench.ledger.pendingApproval(recordId)).applicationId).toBe("0x" + "00".repeat(32));
  });

  it("refuses a signature for another record or another outcome", async () => {
    const recordId = await publish(bench, 1);
    const otherRecord = await publish(bench, 1);
    const refusal = sign(bench, bench.bob, await decisionFor(bench, recordId, b32(), REFUSED, b32()));
    for (const tampered of [{ ...refusal.call, recordId: otherRecord }, { ...refusal.call, outcome: APPROVED }]) {
      expect((await revertOf(bench.ledger.decideRepair(tampered, refusal.signature), bench.ledger)).name).toBe("OfficerKeysInvalidSignature");
    }
    expect(Number((await bench.ledger.recordOf(otherRecord)).status)).toBe(1);
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(1);
  });

  it("refuses an expired signature and an assertion without user verification", async () => {
    const recordId = await publish(bench, 1);
    const decision = await decisionFor(bench, recordId, b32(), APPROVED, b32());
    const signed = sign(bench, bench.alice, decision);
    await increaseTime(bench.provider, 601);
    expect((await revertOf(bench.ledger.decideRepair(signed.call, signed.signature), bench.ledger)).name).toBe("OfficerKeysSignatureExpired");

    const fresh = await decisionFor(bench, recordId, b32(), APPROVED, b32());
    const digest = decisionDigest(bench.domain, fresh);
    const presenceOnly = officerSignatureOf(bench.alice.keyId, bench.alice.get(challengeOf(digest), { flags: FLAG_UP }));
    expect((await revertOf(bench.ledger.decideRepair(decisionCall(fresh), presenceOnly), bench.ledger)).name).toBe("OfficerKeysInvalidSignature");
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(1);
  });

  it("refuses an unregistered or revoked passkey, and a revoked proposer cannot be confirmed", async () => {
    const recordId = await publish(bench, 2);
    const applicationId = b32();
    const document = b32();
    const stranger = createPasskey();
    const byStranger = sign(bench, stranger, await decisionFor(bench, recordId, applicationId, APPROVED, document));
    expect((await revertOf(bench.ledger.decideRepair(byStranger.call, byStranger.signature), bench.ledger)).name).toBe("OfficerKeysUnknownKey");

    await send(bench, sign(bench, bench.alicePhone, await decisionFor(bench, recordId, applicationId, APPROVED, document)));
    const revoked = await (await bench.asAdmin.revokeOfficerKey(bench.alicePhone.keyId)).wait();
    expect(events(bench.ledger, revoked.logs, "OfficerKeyRevoked")[0]!.officerId).toBe(ALICE);
    const confirm = sign(bench, bench.bob, await decisionFor(bench, recordId, applicationId, APPROVED, document));
    expect(await revertOf(bench.ledger.decideRepair(confirm.call, confirm.signature), bench.ledger)).toEqual({
      name: "CreditLedgerProposerKeyRevoked",
      args: [recordId, bench.alicePhone.keyId],
    });
    const byRevoked = sign(bench, bench.alicePhone, await decisionFor(bench, await publish(bench, 1), b32(), APPROVED, document));
    expect((await revertOf(bench.ledger.decideRepair(byRevoked.call, byRevoked.signature), bench.ledger)).name).toBe("OfficerKeysKeyRevoked");
  });

  it("drops a pending approval with an event when the publicity period ends", async () => {
    const recordId = b32();
    const publicUntil = (await now(bench.provider)) + 1_000;
    await (await bench.asAgency.publishRecord(recordId, b32(), b32(), 2, 3, publicUntil, 2)).wait();
    const applicationId = b32();
    await send(bench, sign(bench, bench.bob, await decisionFor(bench, recordId, applicationId, APPROVED, b32())));
    await increaseTime(bench.provider, 1_000);
    const receipt = await (await bench.ledger.recordExpired(recordId)).wait();
    const [dropped] = events(bench.ledger, receipt.logs, "RepairApprovalExpired");
    expect([dropped!.applicationId, dropped!.proposerOfficerId]).toEqual([applicationId, BOB]);
    expect(events(bench.ledger, receipt.logs, "RecordExpired")).toHaveLength(1);
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(3);
  });

  it("verifies P-256 in Solidity here: no precompile on Prague", async () => {
    expect(await hasP256Precompile(bench.provider)).toBe(false);
    const receipt = await send(bench, sign(bench, bench.alice, await decisionFor(bench, await publish(bench, 1), b32(), APPROVED, b32())));
    expect(receipt.gasUsed).toBeGreaterThan(200_000n);
    expect(receipt.gasUsed).toBeLessThan(400_000n);
  });
});

describe("officer passkeys on anvil (default hardfork Osaka: P256VERIFY precompile)", () => {
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let bench: Bench;

  beforeAll(async () => {
    anvil = await startAnvil();
    provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const wallets = Array.from({ length: 5 }, () => Wallet.createRandom().connect(provider));
    for (const w of wallets) await fundOnAnvil(anvil.url, w.address);
    const [admin, registrar, agency, relayer, anchorer] = wallets;
    bench = await setUpBench({ admin: admin!, registrar: registrar!, agency: agency!, relayer: relayer!, anchorer: anchorer! }, provider);
  });

  afterAll(async () => {
    provider?.destroy();
    await anvil?.kill();
  });

  it("takes a record off the list with two officers, verified by the precompile", async () => {
    expect(await hasP256Precompile(provider)).toBe(true);
    const recordId = await publish(bench, 2);
    const applicationId = b32();
    const document = b32();
    const proposed = await send(bench, sign(bench, bench.alice, await decisionFor(bench, recordId, applicationId, APPROVED, document)));
    const same = sign(bench, bench.alicePhone, await decisionFor(bench, recordId, applicationId, APPROVED, document));
    expect((await revertOf(bench.ledger.decideRepair(same.call, same.signature), bench.ledger)).name).toBe("CreditLedgerSameOfficer");
    const decided = await send(bench, sign(bench, bench.bob, await decisionFor(bench, recordId, applicationId, APPROVED, document)));
    expect(Number((await bench.ledger.recordOf(recordId)).status)).toBe(2);
    // The Solidity fallback alone costs about 225,000 gas per signature, the precompile 6,900; the
    // proposal also writes the pending approval (five slots).
    expect(proposed.gasUsed).toBeLessThan(225_000n);
    expect(decided.gasUsed).toBeLessThan(150_000n);
  });
});
