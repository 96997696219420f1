// The transactional outbox: every chain write is a row written in the same
// PostgreSQL transaction as the domain rows and the ledger entry it follows from.
// The outbox worker (outbox-worker.ts) sends the rows in id order, waits for the
// receipts and marks them done, idempotently. With the chain down, rows wait here.
import type { Queryable } from "../db/database.ts";
import type { Hex, OfficerSignature } from "../../../protocol/repair/decision-digest.ts";
import { hex16, hex32, type Bytes16, type Bytes32 } from "./hex.ts";

/** The signed part of an officer's decision: what `decideRepair` carries besides the decision. */
export interface SignedDecision {
  /** The officer's opaque id on chain (officers.officer_id). */
  officerId: Bytes32;
  /** uint256 as decimal text (JSON has no bigint). */
  nonce: string;
  deadline: string;
  /** The EIP-712 digest the passkey signed: `digestUsed(signedDigest)` on chain is this write's effect. */
  signedDigest: Bytes32;
  signature: OfficerSignature;
}

export type ChainWrite =
  | { kind: "code.issue"; subject: Bytes32; codeId: Bytes16; codeKind: 1 | 2; attestation: Bytes32 }
  | { kind: "code.rotate"; subject: Bytes32; oldCodeId: Bytes16; newCodeId: Bytes16; attestation: Bytes32 }
  | { kind: "code.suspend" | "code.reinstate" | "code.revoke"; subject: Bytes32; codeId: Bytes16 }
  | {
      kind: "record.publish";
      recordId: Bytes32;
      subject: Bytes32;
      digest: Bytes32;
      category: number;
      severity: number;
      /** Unix seconds. */
      publicUntil: number;
      /** 0 a rule may approve the repair, 1 one officer, 2 two distinct officers (protocol/repair/approvals.ts). */
      approvalsNeeded: 0 | 1 | 2;
    }
  | {
      kind: "repair.decide";
      recordId: Bytes32;
      applicationId: Bytes32;
      outcome: 1 | 2;
      decisionDigest: Bytes32;
      policyVersion: string;
      ruleId: string;
      /** The deciding officer's operator id, or "system" for a rule's decision (decideRepairByRule, no signature). */
      officer: string;
      /** The officer's signature; absent exactly for "system". */
      signed?: SignedDecision;
      /** The four-eyes step: a confirmation is sent only onto the first officer's pending approval. */
      step?: "proposal" | "confirmation";
    }
  | { kind: "record.expire"; recordId: Bytes32 }
  | { kind: "officer.register"; keyId: Bytes32; officerId: Bytes32; x: Bytes32; y: Bytes32 }
  | { kind: "officer.revoke"; keyId: Bytes32 };

export type ChainWriteKind = ChainWrite["kind"];

export const CHAIN_WRITE_KINDS: readonly ChainWriteKind[] = [
  "code.issue",
  "code.rotate",
  "code.suspend",
  "code.reinstate",
  "code.revoke",
  "record.publish",
  "repair.decide",
  "record.expire",
  "officer.register",
  "officer.revoke",
];

/** The officer id of a rule's decision. */
export const SYSTEM_OFFICER = "system";

/** Checks the shape of a write and returns it with canonical hex (so that equal writes compare equal). */
export function normalizeChainWrite(write: ChainWrite): ChainWrite {
  switch (write.kind) {
    case "code.issue":
      if (write.codeKind !== 1 && write.codeKind !== 2) throw new TypeError("codeKind must be 1 or 2");
      return { kind: write.kind, subject: hex32(write.subject), codeId: hex16(write.codeId), codeKind: write.codeKind, attestation: hex32(write.attestation) };
    case "code.rotate":
      return {
        kind: write.kind,
        subject: hex32(write.subject),
        oldCodeId: hex16(write.oldCodeId),
        newCodeId: hex16(write.newCodeId),
        attestation: hex32(write.attestation),
      };
    case "code.suspend":
    case "code.reinstate":
    case "code.revoke":
      return { kind: write.kind, subject: hex32(write.subject), codeId: hex16(write.codeId) };
    case "record.publish": {
      const u8 = (n: number, name: string) => {
        if (!Number.isInteger(n) || n < 0 || n > 255) throw new TypeError(`${name} must be a uint8`);
        return n;
      };
      if (!Number.isSafeInteger(write.publicUntil) || write.publicUntil < 0 || write.publicUntil >= 2 ** 40) {
        throw new TypeError("publicUntil must be unix seconds (uint40)");
      }
      return {
        kind: write.kind,
        recordId: hex32(write.recordId),
        subject: hex32(write.subject),
        digest: hex32(write.digest),
        category: u8(write.category, "category"),
        severity: u8(write.severity, "severity"),
        publicUntil: write.publicUntil,
        approvalsNeeded: approvalsNeeded(write.approvalsNeeded),
      };
    }
    case "repair.decide": {
      if (write.outcome !== 1 && write.outcome !== 2) throw new TypeError("outcome must be 1 or 2");
      if (typeof write.officer !== "string" || write.officer === "") throw new TypeError("officer is required");
      if (typeof write.policyVersion !== "string" || typeof write.ruleId !== "string") throw new TypeError("policyVersion and ruleId are required");
      if ((write.officer === SYSTEM_OFFICER) !== (write.signed === undefined)) throw new TypeError("an officer's decision carries a signature, a rule's does not");
      const decision: Extract<ChainWrite, { kind: "repair.decide" }> = {
        kind: write.kind,
        recordId: hex32(write.recordId),
        applicationId: hex32(write.applicationId),
        outcome: write.outcome,
        decisionDigest: hex32(write.decisionDigest),
        policyVersion: write.policyVersion,
        ruleId: write.ruleId,
        officer: write.officer,
        ...(write.step ? { step: write.step } : {}),
      };
      if (write.step !== undefined && write.step !== "proposal" && write.step !== "confirmation") throw new TypeError("step must be proposal or confirmation");
      if (write.signed) {
        const { officerId, nonce, deadline, signedDigest, signature } = write.signed;
        if (!/^\d{1,78}$/.test(nonce) || !/^\d{1,78}$/.test(deadline)) throw new TypeError("nonce and deadline are decimal uint256 text");
        decision.signed = { officerId: hex32(officerId), nonce, deadline, signedDigest: hex32(signedDigest), signature: { ...signature, keyId: hex32(signature.keyId) as Hex } };
      }
      return decision;
    }
    case "record.expire":
      return { kind: write.kind, recordId: hex32(write.recordId) };
    case "officer.register":
      return { kind: write.kind, keyId: hex32(write.keyId), officerId: hex32(write.officerId), x: hex32(write.x), y: hex32(write.y) };
    case "officer.revoke":
      return { kind: write.kind, keyId: hex32(write.keyId) };
    default:
      throw new TypeError(`unknown chain write kind ${(write as { kind: string }).kind}`);
  }
}

function approvalsNeeded(n: number): 0 | 1 | 2 {
  if (n !== 0 && n !== 1 && n !== 2) throw new TypeError("approvalsNeeded must be 0, 1 or 2");
  return n;
}

/**
 * Queues a chain write. Call it with the client of the transaction that writes the
 * domain rows: the write exists exactly when they do. Returns the outbox row id.
 */
export async function enqueueChainWrite(client: Queryable, write: ChainWrite): Promise<number> {
  const [id] = await enqueueChainWrites(client, [write]);
  return id!;
}

/** Queues several writes with one statement (bulk enrolment); ids in the given order. */
export async function enqueueChainWrites(client: Queryable, writes: readonly ChainWrite[]): Promise<number[]> {
  if (writes.length === 0) return [];
  const kinds: string[] = [];
  const payloads: string[] = [];
  for (const write of writes) {
    const { kind, ...payload } = normalizeChainWrite(write);
    kinds.push(kind);
    payloads.push(JSON.stringify(payload));
  }
  // WITH ORDINALITY keeps the given order, so bigserial ids follow it (the worker sends in id order).
  const result = await client.query<{ id: number }>(
    `INSERT INTO chain_outbox (kind, payload)
     SELECT kind, payload::jsonb FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(kind, payload, n) ORDER BY n
     RETURNING id`,
    [kinds, payloads],
  );
  return result.rows.map((r) => r.id).sort((a, b) => a - b);
}

export interface OutboxRow {
  id: number;
  kind: ChainWriteKind;
  write: ChainWrite;
  status: "pending" | "sent" | "done" | "failed";
  attempts: number;
  txHash: string | null;
  blockNumber: number | null;
  error: string | null;
}

/** Outbox rows in id order, for tests, the audit console and operators. */
export async function listOutbox(client: Queryable, options: { status?: OutboxRow["status"]; limit?: number } = {}): Promise<OutboxRow[]> {
  const result = await client.query<{
    id: number;
    kind: ChainWriteKind;
    payload: Record<string, unknown>;
    status: OutboxRow["status"];
    attempts: number;
    tx_hash: string | null;
    block_number: number | null;
    error: string | null;
  }>(
    `SELECT id, kind, payload, status, attempts, tx_hash, block_number, error FROM chain_outbox
      WHERE ($1::text IS NULL OR status = $1) ORDER BY id LIMIT $2`,
    [options.status ?? null, options.limit ?? 10_000],
  );
  return result.rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    write: { kind: r.kind, ...r.payload } as ChainWrite,
    status: r.status,
    attempts: r.attempts,
    txHash: r.tx_hash,
    blockNumber: r.block_number,
    error: r.error,
  }));
}
