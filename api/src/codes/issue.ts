// Issuing a subject's code (first issue or rotation), inside the caller's transaction:
// the codes row, the ledger entry 'code.issued' and the chain write commit together.
import { createHash, randomBytes } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import { conflict } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { enqueueChainWrite, type ChainWrite } from "../chain/outbox.ts";
import { hex16, hex32 } from "../chain/hex.ts";
import { toHex } from "../../../protocol/bytes.ts";

export interface IssueCodeInput {
  subjectId: string;
  /** HMAC commitment of the subject (32 bytes): the subject's only name on chain. */
  commitment: Buffer;
  kind: "person" | "enterprise";
  /** Who did it, e.g. "registrar:alice" or "kiosk:k-01". */
  actor: string;
  at: Date;
  /** The current code this one replaces (rotation): revoked in the same transaction. */
  replaces?: string;
}

export interface IssuedCode {
  codeId: string;
  statusIndex: number;
  /** Sequence number of its code.issued ledger entry. */
  ledgerSeq: number;
}

/** SHA-256 of the canonical record of the issue: what the chain stores as the code's attestation. */
export function codeAttestation(record: { kind: string; commitment: string; codeId: string; issuedAt: string; replaces: string | null }): Buffer {
  return createHash("sha256").update(canonicalJson({ v: 1, ...record }), "utf8").digest();
}

/** A new code's id, issue time and attestation: computed before any row is written. */
export interface PreparedCode {
  codeId: string;
  issuedAt: string;
  commitment: string;
  attestation: Buffer;
  replaces: string | null;
}

export function prepareCode(input: Pick<IssueCodeInput, "commitment" | "kind" | "at" | "replaces">): PreparedCode {
  const codeId = randomBytes(16).toString("hex");
  const issuedAt = new Date(Math.floor(input.at.getTime())).toISOString();
  const commitment = toHex(input.commitment);
  const replaces = input.replaces ?? null;
  const attestation = codeAttestation({ kind: input.kind, commitment, codeId, issuedAt, replaces });
  return { codeId, issuedAt, commitment, attestation, replaces };
}

/** The ledger entry of an issued code (the same for single and bulk issue). */
export function codeIssuedEntry(code: PreparedCode, kind: "person" | "enterprise", statusIndex: number, actor: string, at: Date) {
  return {
    type: "code.issued",
    payload: { codeId: code.codeId, kind, subject: code.commitment, attestation: toHex(code.attestation), statusIndex, replaces: code.replaces },
    actor,
    subjectRef: code.codeId,
    at,
  };
}

/** The chain write of a first issue. */
export function codeIssueWrite(code: PreparedCode, kind: "person" | "enterprise"): ChainWrite {
  return { kind: "code.issue", subject: hex32(code.commitment), codeId: hex16(code.codeId), codeKind: kind === "person" ? 1 : 2, attestation: hex32(code.attestation) };
}

export async function issueCode(client: Queryable, input: IssueCodeInput): Promise<IssuedCode> {
  const code = prepareCode(input);
  const { codeId, issuedAt, commitment, attestation, replaces } = code;
  if (replaces !== null) {
    const revoked = await client.query(
      "UPDATE codes SET status = 'revoked', changed_at = $3 WHERE code_id = $1 AND subject_id = $2 AND status <> 'revoked'",
      [replaces, input.subjectId, issuedAt],
    );
    if (revoked.rowCount !== 1) throw conflict("code_not_current", `Code ${replaces} is not the current code of this subject`);
  }
  let statusIndex: number;
  try {
    const inserted = await client.query<{ status_index: number }>(
      `INSERT INTO codes (code_id, subject_id, status, attestation, issued_at, changed_at, replaces)
       VALUES ($1, $2, 'active', $3, $4, $4, $5) RETURNING status_index`,
      [codeId, input.subjectId, attestation, issuedAt, replaces],
    );
    statusIndex = inserted.rows[0]!.status_index;
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw conflict("code_already_active", "The subject already has a current code; rotate it instead");
    throw error;
  }
  const entry = await appendEntry(client, codeIssuedEntry(code, input.kind, statusIndex, input.actor, input.at));
  if (replaces === null) {
    await enqueueChainWrite(client, codeIssueWrite(code, input.kind));
  } else {
    await enqueueChainWrite(client, { kind: "code.rotate", subject: hex32(commitment), oldCodeId: hex16(replaces), newCodeId: hex16(codeId), attestation: hex32(attestation) });
  }
  return { codeId, statusIndex, ledgerSeq: entry.seq };
}
