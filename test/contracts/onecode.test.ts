// Integration tests of the OneCode contracts on Hardhat's EDR, deployed through the same
// deployment code the API uses (scripts/lib/deployment.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbiCoder, Contract, hexlify, keccak256, randomBytes, ZeroHash, type EventLog } from "ethers";
import { network } from "hardhat";
import { beforeAll, describe, expect, it } from "vitest";
import { deployOneCode, readDeployment, ROLES, writeDeployment, type OneCodeDeployment } from "../../scripts/lib/deployment.ts";
import { events, increaseTime as increaseTimeOn, now as nowOn, revertOf } from "./evm.ts";

const { ethers } = await network.connect();
const provider = ethers.provider;
const [deployer, registrar, agency, relayer, anchorer, stranger, newAdmin] = await ethers.getSigners();
const increaseTime = (seconds: number) => increaseTimeOn(provider, seconds);
const now = () => nowOn(provider);

const b32 = () => hexlify(randomBytes(32));
const b16 = () => hexlify(randomBytes(16));
const PERSON = 1;
const ENTERPRISE = 2;

describe("OneCode contracts on EDR", () => {
  let d: OneCodeDeployment;
  let registry: Contract;
  let ledger: Contract;

  beforeAll(async () => {
    d = await deployOneCode({
      signer: deployer,
      roles: {
        registrar: registrar.address,
        creditAgency: agency.address,
        relayer: relayer.address,
        anchorer: anchorer.address,
      },
      adminDelaySeconds: 3_600,
    });
    registry = new Contract(d.codeRegistry.address, d.codeRegistry.abi, registrar);
    ledger = new Contract(d.creditLedger.address, d.creditLedger.abi, deployer);
  });

  it("deploys both contracts and grants exactly the requested roles", async () => {
    expect(d.chainId).toBe(Number((await provider.getNetwork()).chainId));
    expect(d.deployedAt).toBeGreaterThan(0);
    expect(d.admin).toBe(deployer.address);
    expect(d.pendingAdmin).toBeNull();
    expect(await provider.getCode(d.codeRegistry.address)).not.toBe("0x");
    expect(await registry.hasRole(ROLES.REGISTRAR, registrar.address)).toBe(true);
    expect(await registry.hasRole(ROLES.REGISTRAR, deployer.address)).toBe(false);
    expect(await ledger.hasRole(ROLES.CREDIT_AGENCY, agency.address)).toBe(true);
    expect(await ledger.hasRole(ROLES.RELAYER, relayer.address)).toBe(true);
    expect(await ledger.hasRole(ROLES.RELAYER, deployer.address)).toBe(false);
    expect(await ledger.hasRole(ROLES.ANCHORER, anchorer.address)).toBe(true);
    expect(await ledger.hasRole(ROLES.ANCHORER, registrar.address)).toBe(false);
    expect(await registry.REGISTRAR_ROLE()).toBe(ROLES.REGISTRAR);
    expect(await ledger.defaultAdmin()).toBe(deployer.address);
    expect(await ledger.defaultAdminDelay()).toBe(3_600n);
  });

  it("writes and reads a deployment file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "onecode-deploy-"));
    try {
      const file = join(dir, "deployments", "test.json");
      await writeDeployment(file, d);
      const back = await readDeployment(file);
      expect(back.codeRegistry.address).toBe(d.codeRegistry.address);
      expect(back.creditLedger.abi).toEqual(d.creditLedger.abi);
      expect(back.deployedAt).toBe(d.deployedAt);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("issues, suspends, reinstates, rotates and revokes a code", async () => {
    const subject = b32();
    const code1 = b16();
    const code2 = b16();
    const attestation = b32();
    const receipt = await (await registry.issueCode(subject, code1, ENTERPRISE, attestation)).wait();
    const [issued] = events(registry, receipt.logs, "CodeIssued");
    expect(issued.subject).toBe(subject);
    expect(issued.codeId).toBe(code1);
    expect(issued.attestation).toBe(attestation);
    expect(issued.issuer).toBe(registrar.address);
    expect(await registry.isActive(subject, code1)).toBe(true);

    expect(await revertOf(registry.issueCode(subject, code2, ENTERPRISE, attestation), registry)).toEqual({
      name: "RegistryCodeAlreadyActive",
      args: [subject, code1],
    });

    await (await registry.suspendCode(subject, code1)).wait();
    expect(await registry.isActive(subject, code1)).toBe(false);
    expect(await revertOf(registry.rotateCode(subject, code1, code2, b32()), registry)).toEqual({
      name: "RegistryCodeNotActive",
      args: [subject, code1, 2n],
    });
    await (await registry.reinstateCode(subject, code1)).wait();
    expect(await registry.isActive(subject, code1)).toBe(true);

    const rotation = await (await registry.rotateCode(subject, code1, code2, b32())).wait();
    expect(events(registry, rotation.logs, "CodeRevoked")[0].codeId).toBe(code1);
    expect(events(registry, rotation.logs, "CodeIssued")[0].codeId).toBe(code2);
    expect(await registry.isActive(subject, code1)).toBe(false);
    expect(await registry.isActive(subject, code2)).toBe(true);

    await (await registry.revokeCode(subject, code2)).wait();
    const [codeId, kind, status] = await registry.codeOf(subject);
    expect([codeId, kind, status]).toEqual([code2, BigInt(ENTERPRISE), 3n]);
    expect(await revertOf(registry.issueCode(subject, b16(), PERSON, attestation), registry)).toEqual({
      name: "RegistryKindChanged",
      args: [subject, BigInt(ENTERPRISE), BigInt(PERSON)],
    });
  });

  it("issues a batch all or nothing", async () => {
    const batch = Array.from({ length: 50 }, () => ({ subject: b32(), codeId: b16(), kind: PERSON, attestation: b32() }));
    const receipt = await (await registry.issueCodes(batch)).wait();
    expect(events(registry, receipt.logs, "CodeIssued")).toHaveLength(50);
    for (const entry of batch.slice(0, 5)) expect(await registry.isActive(entry.subject, entry.codeId)).toBe(true);

    const broken = Array.from({ length: 3 }, () => ({ subject: b32(), codeId: b16(), kind: PERSON, attestation: b32() }));
    broken[2].subject = batch[0].subject;
    expect((await revertOf(registry.issueCodes(broken), registry)).name).toBe("RegistryCodeAlreadyActive");
    expect(await registry.isActive(broken[0].subject, broken[0].codeId)).toBe(false);
  });

  it("anchors batches into a head chain an auditor re-derives from the events", async () => {
    const asAnchorer = ledger.connect(anchorer) as Contract;
    let seq = await ledger.nextSeq();
    expect(seq).toBe(1n);
    const roots = [b32(), b32(), b32()];
    for (const root of roots) {
      await (await asAnchorer.anchorBatch(seq, seq + 999n, root, await ledger.head())).wait();
      seq += 1000n;
    }
    expect(await ledger.nextSeq()).toBe(3001n);
    expect(await ledger.anchorCount()).toBe(3n);

    // Auditor: only the chain.
    const logs = await ledger.queryFilter(ledger.filters.BatchAnchored(), d.deployedAt);
    let head = ZeroHash;
    let next = 1n;
    for (const log of logs as EventLog[]) {
      const { fromSeq, toSeq, root } = log.args;
      expect(fromSeq).toBe(next);
      head = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64", "uint64", "bytes32"], [head, fromSeq, toSeq, root]));
      expect(log.args.head).toBe(head);
      next = toSeq + 1n;
    }
    expect(head).toBe(await ledger.head());
    expect(logs.map((l) => (l as EventLog).args.root)).toEqual(roots);

    expect(await revertOf(asAnchorer.anchorBatch(next + 1n, next + 5n, b32(), head), ledger)).toEqual({
      name: "CreditLedgerAnchorGap",
      args: [next, next + 1n],
    });
    expect((await revertOf(asAnchorer.anchorBatch(next - 1n, next + 5n, b32(), head), ledger)).name).toBe("CreditLedgerAnchorOverlap");
    expect((await revertOf(asAnchorer.anchorBatch(next, next + 5n, b32(), ZeroHash), ledger)).name).toBe("CreditLedgerAnchorStaleHead");
  });

  it("expires a record only at the end of publicity, by the relayer", async () => {
    const record = b32();
    const publicUntil = (await now()) + 1_000;
    await (await (ledger.connect(agency) as Contract).publishRecord(record, b32(), b32(), 1, 1, publicUntil, 0)).wait();
    const byRelayer = ledger.connect(relayer) as Contract;
    expect((await revertOf(byRelayer.recordExpired(record), ledger)).name).toBe("CreditLedgerStillPublic");
    await increaseTime(1_000);
    expect(await revertOf((ledger.connect(anchorer) as Contract).recordExpired(record), ledger)).toEqual({
      name: "AccessControlUnauthorizedAccount",
      args: [anchorer.address, ROLES.RELAYER],
    });
    await (await byRelayer.recordExpired(record)).wait();
    expect((await ledger.recordOf(record)).status).toBe(3n);
  });

  it("refuses one account in two roles, at deployment and on chain", async () => {
    const shared = { registrar: registrar.address, creditAgency: agency.address, relayer: relayer.address, anchorer: anchorer.address };
    await expect(deployOneCode({ signer: deployer, roles: { ...shared, relayer: agency.address } })).rejects.toThrow(/relayer and creditAgency must be different/);
    await expect(deployOneCode({ signer: deployer, roles: { ...shared, anchorer: deployer.address } })).rejects.toThrow(/must not be the deployer/);
    await expect(deployOneCode({ signer: deployer, admin: relayer.address, roles: shared })).rejects.toThrow(/must not be the admin/);
    expect(await revertOf(ledger.grantRole(ROLES.ANCHORER, relayer.address), ledger)).toEqual({
      name: "OneCodeRoleConflict",
      args: [relayer.address, ROLES.ANCHORER, ROLES.RELAYER],
    });
  });

  it("continues the anchor chain in a redeployed ledger", async () => {
    const asAnchorer = ledger.connect(anchorer) as Contract;
    await (await asAnchorer.anchorBatch(await ledger.nextSeq(), (await ledger.nextSeq()) + 9n, b32(), await ledger.head())).wait();
    const genesis = { head: (await ledger.head()) as string, nextSeq: (await ledger.nextSeq()) as bigint };
    await expect(deployOneCode({ signer: deployer, roles: { registrar: registrar.address, creditAgency: agency.address, relayer: relayer.address, anchorer: anchorer.address }, anchorGenesis: { head: ZeroHash, nextSeq: 5n } })).rejects.toThrow(/invalid anchor genesis/);
    const next = await deployOneCode({
      signer: deployer,
      roles: { registrar: registrar.address, creditAgency: agency.address, relayer: relayer.address, anchorer: anchorer.address },
      anchorGenesis: genesis,
      adminDelaySeconds: 0,
    });
    const successor = new Contract(next.creditLedger.address, next.creditLedger.abi, anchorer);
    expect(await successor.genesis()).toEqual([genesis.head, genesis.nextSeq]);
    const started = await successor.queryFilter(successor.filters.AnchorChainStarted(), next.deployedAt);
    expect((started[0] as EventLog).args.genesisHead).toBe(genesis.head);
    const root = b32();
    await (await successor.anchorBatch(genesis.nextSeq, genesis.nextSeq + 4n, root, genesis.head)).wait();
    expect(await successor.head()).toBe(
      keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64", "uint64", "bytes32"], [genesis.head, genesis.nextSeq, genesis.nextSeq + 4n, root])),
    );
  });

  it("rejects callers without the role", async () => {
    expect(await revertOf((registry.connect(stranger) as Contract).issueCode(b32(), b16(), PERSON, b32()), registry)).toEqual({
      name: "AccessControlUnauthorizedAccount",
      args: [stranger.address, ROLES.REGISTRAR],
    });
    expect(await revertOf((ledger.connect(registrar) as Contract).anchorBatch(1, 2, b32(), ZeroHash), ledger)).toEqual({
      name: "AccessControlUnauthorizedAccount",
      args: [registrar.address, ROLES.ANCHORER],
    });
    expect((await revertOf((ledger.connect(stranger) as Contract).grantRole(ROLES.ANCHORER, stranger.address), ledger)).name).toBe(
      "AccessControlUnauthorizedAccount",
    );
  });

  it("stops every write while paused", async () => {
    const asAdmin = registry.connect(deployer) as Contract;
    await (await asAdmin.pause()).wait();
    try {
      expect((await revertOf(registry.issueCode(b32(), b16(), PERSON, b32()), registry)).name).toBe("EnforcedPause");
      expect(await registry.paused()).toBe(true);
    } finally {
      await (await asAdmin.unpause()).wait();
    }
    await (await registry.issueCode(b32(), b16(), PERSON, b32())).wait();
  });

  it("hands the admin role over only after the delay, to the named account", async () => {
    const handed = await deployOneCode({
      signer: deployer,
      admin: newAdmin.address,
      roles: {
        registrar: registrar.address,
        creditAgency: agency.address,
        relayer: relayer.address,
        anchorer: anchorer.address,
        pauser: stranger.address,
      },
      adminDelaySeconds: 86_400,
    });
    expect(handed.pendingAdmin).toBe(newAdmin.address);
    const reg = new Contract(handed.codeRegistry.address, handed.codeRegistry.abi, newAdmin);
    expect((await reg.pendingDefaultAdmin())[0]).toBe(newAdmin.address);
    expect(await reg.hasRole(ROLES.PAUSER, stranger.address)).toBe(true);

    expect((await revertOf(reg.acceptDefaultAdminTransfer(), reg)).name).toBe("AccessControlEnforcedDefaultAdminDelay");
    expect((await revertOf((reg.connect(stranger) as Contract).acceptDefaultAdminTransfer(), reg)).name).toBe(
      "AccessControlInvalidDefaultAdmin",
    );
    await increaseTime(86_401);
    await (await reg.acceptDefaultAdminTransfer()).wait();
    expect(await reg.defaultAdmin()).toBe(newAdmin.address);
    expect(await reg.hasRole(ROLES.DEFAULT_ADMIN, deployer.address)).toBe(false);
    expect(await reg.owner()).toBe(newAdmin.address);
  });
});

describe("deployment on a zero-fee network (Besu style)", () => {
  it("deploys and grants roles with gas price 0", async () => {
    const zero = await network.connect({ override: { initialBaseFeePerGas: 0n } });
    const [signer, r, c, l, a] = await zero.ethers.getSigners();
    const before = await zero.ethers.provider.getBalance(signer.address);
    const deployment = await deployOneCode({
      signer,
      roles: { registrar: r.address, creditAgency: c.address, relayer: l.address, anchorer: a.address },
      adminDelaySeconds: 0,
      gasPrice: 0n,
    });
    expect(await zero.ethers.provider.getBalance(signer.address)).toBe(before);
    const reg = new Contract(deployment.codeRegistry.address, deployment.codeRegistry.abi, r);
    const receipt = await (await reg.issueCode(b32(), b16(), PERSON, b32(), { gasPrice: 0n, type: 0 })).wait();
    expect(receipt.gasPrice).toBe(0n);
  });
});
