// What each chain write is on chain: the contract call it encodes to, the role account that
// sends it, the state it touches (writes on one key never share a round), and how the chain
// shows it applied. Used by the outbox worker and, for a decision's simulation, by the request.
import type { Wallet } from "ethers";
import { decisionCall } from "../../../protocol/repair/decision-digest.ts";
import type { ChainClient } from "./client.ts";
import { SYSTEM_OFFICER, type ChainWrite } from "./outbox.ts";

/** Key of the on-chain state a write touches: writes on one key never share a round. */
export function keyOf(write: ChainWrite): string {
  switch (write.kind) {
    case "code.issue":
    case "code.rotate":
    case "code.suspend":
    case "code.reinstate":
    case "code.revoke":
      return `s:${write.subject}`;
    case "officer.register":
    case "officer.revoke":
      return `k:${write.keyId}`;
    default:
      return `r:${write.recordId}`;
  }
}

/** The API holds no admin key (production): officer key writes cannot be sent from here. */
export class NoSignerError extends Error {}

export function signerOf(chain: ChainClient, write: ChainWrite): Wallet {
  switch (write.kind) {
    case "record.publish":
      return chain.signers.creditAgency;
    case "repair.decide":
    case "record.expire":
      return chain.signers.relayer;
    case "officer.register":
    case "officer.revoke":
      if (!chain.signers.admin) throw new NoSignerError("no admin key (CHAIN_ADMIN_KEY): the admin sends officer key transactions from their own wallet");
      return chain.signers.admin;
    default:
      return chain.signers.registrar;
  }
}

export function encode(chain: ChainClient, writes: ChainWrite[]): { to: string; data: string } {
  const registry = chain.codeRegistry;
  const ledger = chain.creditLedger;
  const first = writes[0]!;
  if (writes.length > 1) {
    if (!writes.every((w) => w.kind === "code.issue")) throw new Error("only code.issue writes are batched");
    const issues = writes.map((w) => {
      const i = w as Extract<ChainWrite, { kind: "code.issue" }>;
      return { subject: i.subject, codeId: i.codeId, kind: i.codeKind, attestation: i.attestation };
    });
    return { to: registry.target as string, data: registry.interface.encodeFunctionData("issueCodes", [issues]) };
  }
  const r = (fn: string, args: unknown[]) => ({ to: registry.target as string, data: registry.interface.encodeFunctionData(fn, args) });
  const l = (fn: string, args: unknown[]) => ({ to: ledger.target as string, data: ledger.interface.encodeFunctionData(fn, args) });
  switch (first.kind) {
    case "code.issue":
      return r("issueCode", [first.subject, first.codeId, first.codeKind, first.attestation]);
    case "code.rotate":
      return r("rotateCode", [first.subject, first.oldCodeId, first.newCodeId, first.attestation]);
    case "code.suspend":
      return r("suspendCode", [first.subject, first.codeId]);
    case "code.reinstate":
      return r("reinstateCode", [first.subject, first.codeId]);
    case "code.revoke":
      return r("revokeCode", [first.subject, first.codeId]);
    case "record.publish":
      return l("publishRecord", [first.recordId, first.subject, first.digest, first.category, first.severity, first.publicUntil, first.approvalsNeeded]);
    case "repair.decide": {
      const call = decisionCall({
        recordId: first.recordId as `0x${string}`,
        applicationId: first.applicationId as `0x${string}`,
        outcome: first.outcome,
        decisionDigest: first.decisionDigest as `0x${string}`,
        policyVersion: first.policyVersion,
        ruleId: first.ruleId,
        nonce: BigInt(first.signed?.nonce ?? 0),
        deadline: BigInt(first.signed?.deadline ?? 0),
      });
      if (!first.signed) {
        return l("decideRepairByRule", [call.recordId, call.applicationId, call.outcome, call.decisionDigest, call.policyVersionHash, call.ruleIdHash]);
      }
      return l("decideRepair", [call, first.signed.signature]);
    }
    case "record.expire":
      return l("recordExpired", [first.recordId]);
    case "officer.register":
      return l("registerOfficerKey", [first.officerId, first.x, first.y]);
    case "officer.revoke":
      return l("revokeOfficerKey", [first.keyId]);
  }
}

/** The transaction of one write (the request path simulates a decision with it before storing it). */
export function encodeWrite(chain: ChainClient, write: ChainWrite): { to: string; data: string } {
  return encode(chain, [write]);
}

/**
 * A second officer's confirmation must complete the first officer's approval of the same
 * application: sent without it, the chain would take it as a new first approval while the
 * database says approved. Returns why it is not sent, or null.
 */
export async function confirmationAlone(chain: ChainClient, write: ChainWrite): Promise<string | null> {
  if (write.kind !== "repair.decide" || write.step !== "confirmation") return null;
  const pending = (await chain.creditLedger.getFunction("pendingApproval")(write.recordId)) as { applicationId: string };
  if (pending.applicationId.toLowerCase() === write.applicationId) return null;
  return `not sent: the first officer's approval of application ${write.applicationId} is not pending on chain, so this confirmation would stand alone`;
}

/** Whether the chain already shows the effect of `write` (so sending it again would be a double). */
export async function appliedOnChain(chain: ChainClient, write: ChainWrite): Promise<boolean> {
  switch (write.kind) {
    case "code.issue":
    case "code.rotate":
    case "code.suspend":
    case "code.reinstate":
    case "code.revoke": {
      const [codeId, , status] = (await chain.codeRegistry.getFunction("codeOf")(write.subject)) as [string, bigint, bigint];
      const current = codeId.toLowerCase();
      const st = Number(status);
      if (write.kind === "code.issue") return current === write.codeId;
      if (write.kind === "code.rotate") return current === write.newCodeId;
      if (current !== write.codeId) return false;
      if (write.kind === "code.suspend") return st === 2;
      if (write.kind === "code.reinstate") return st === 1;
      return st === 3;
    }
    case "record.publish": {
      const record = (await chain.creditLedger.getFunction("recordOf")(write.recordId)) as { status: bigint; digest: string };
      return Number(record.status) !== 0 && record.digest.toLowerCase() === write.digest;
    }
    case "record.expire": {
      const record = (await chain.creditLedger.getFunction("recordOf")(write.recordId)) as { status: bigint };
      return Number(record.status) === 3;
    }
    case "repair.decide": {
      // An officer's write is applied exactly when the chain accepted its signature (a proposal,
      // a confirmation or a refusal alike): the signed digest is spent. Never inferred from a
      // pending approval or a decision that someone else's signature may have produced.
      if (write.signed) return Boolean(await chain.creditLedger.getFunction("digestUsed")(write.signed.signedDigest));
      if (write.officer !== SYSTEM_OFFICER) return false;
      const outcome = Number(await chain.creditLedger.getFunction("decisionOf")(write.recordId, write.applicationId));
      return outcome === write.outcome;
    }
    case "officer.register": {
      const key = (await chain.creditLedger.getFunction("officerKey")(write.keyId)) as { officerId: string };
      return key.officerId.toLowerCase() === write.officerId;
    }
    case "officer.revoke": {
      const key = (await chain.creditLedger.getFunction("officerKey")(write.keyId)) as { revokedAt: bigint };
      return key.revokedAt !== 0n;
    }
  }
}
