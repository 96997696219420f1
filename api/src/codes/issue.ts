// Issuing a subject's code (first issue or rotation), inside the caller's transaction:
// the codes row, the ledger entry 'code.issued' and the chain write commit together.
import { createHash, randomBytes } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import { conflict } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { canonicalJson } from "../ledger/entry.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";

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
}

/** SHA-256 of the canonical record of the issue: what the chain stores as the code's attestation. */
export function codeAttestation(record: { kind: string; commitment: string; codeId: string; issuedAt: string; replaces: string | null }): Buffer {
  return createHash("sha256").update(canonicalJson({ v: 1, ...record }), "utf8").digest();
}

export async function issueCode(client: Queryable, input: IssueCodeInput): Promise<IssuedCode> {
  const codeId = randomBytes(16).toString("hex");
  const issuedAt = new Date(Math.floor(input.at.getTime())).toISOString();
  const commitment = input.commitment.toString("hex");
  const replaces = input.replaces ?? null;
  if (replaces !== null) {
    const revoked = await client.query(
      "UPDATE codes SET status = 'revoked', changed_at = $3 WHERE code_id = $1 AND subject_id = $2 AND status <> 'revoked'",
      [replaces, input.subjectId, issuedAt],
    );
    if (revoked.rowCount !== 1) throw conflict("code_not_current", `Code ${replaces} is not the current code of this subject`);
  }
  const attestation = codeAttestation({ kind: input.kind, commitment, codeId, issuedAt, replaces });
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
  await appendEntry(client, {
    type: "code.issued",
    payload: { codeId, kind: input.kind, subject: commitment, attestation: attestation.toString("hex"), statusIndex, replaces },
    actor: input.actor,
    subjectRef: codeId,
    at: input.at,
  });
  const subject = `0x${commitment}`;
  if (replaces === null) {
    await enqueueChainWrite(client, { kind: "code.issue", subject, codeId: `0x${codeId}`, codeKind: input.kind === "person" ? 1 : 2, attestation: `0x${attestation.toString("hex")}` });
  } else {
    await enqueueChainWrite(client, { kind: "code.rotate", subject, oldCodeId: `0x${replaces}`, newCodeId: `0x${codeId}`, attestation: `0x${attestation.toString("hex")}` });
  }
  return { codeId, statusIndex };
}
