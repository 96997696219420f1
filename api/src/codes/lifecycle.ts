// A code's lifecycle after issue: suspend, reinstate, revoke, and rotation (a new code that
// replaces the subject's current one). Each change is one transaction: codes row, ledger
// entry, chain outbox row.
import type { Queryable } from "../db/database.ts";
import { conflict, notFound } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { hex16, hex32 } from "../chain/hex.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { issueCode } from "./issue.ts";
import { createCodeRepository, type CodeStatus, type LockedCode } from "./repository.ts";

export type Transition = "suspend" | "reinstate" | "revoke";

export const TRANSITIONS: Record<Transition, { from: readonly CodeStatus[]; to: CodeStatus; entry: string; chain: "code.suspend" | "code.reinstate" | "code.revoke" }> = {
  suspend: { from: ["active"], to: "suspended", entry: "code.suspended", chain: "code.suspend" },
  reinstate: { from: ["suspended"], to: "active", entry: "code.reinstated", chain: "code.reinstate" },
  revoke: { from: ["active", "suspended"], to: "revoked", entry: "code.revoked", chain: "code.revoke" },
};

function wrongState(action: Transition, code: LockedCode): never {
  if (code.status === "revoked") {
    throw conflict(code.replaced ? "code_superseded" : "code_revoked", `Code ${code.code_id} is ${code.replaced ? "superseded by a newer code" : "revoked"}; it cannot be changed`, {
      codeStatus: code.status,
    });
  }
  const codes: Record<Transition, string> = { suspend: "code_not_active", reinstate: "code_not_suspended", revoke: "code_revoked" };
  throw conflict(codes[action], `Code ${code.code_id} is ${code.status}; cannot ${action} it`, { codeStatus: code.status });
}

export interface CodeState {
  codeId: string;
  status: CodeStatus;
  ledgerSeq: number;
  replaces?: string;
}

/** Suspends, reinstates or revokes a code; `reason` is a reason code, never free text (the ledger keeps it forever). */
export async function changeCodeState(
  client: Queryable,
  input: { codeId: string; action: Transition; reason: string | null; actor: string; at: Date },
): Promise<CodeState> {
  const t = TRANSITIONS[input.action];
  const codes = createCodeRepository(client);
  const code = await codes.codeForUpdate(input.codeId);
  if (!code) throw notFound("code_not_found", `No code ${input.codeId}`);
  if (!t.from.includes(code.status)) wrongState(input.action, code);
  await codes.setStatus(code.code_id, t.to, input.at);
  const entry = await appendEntry(client, {
    type: t.entry,
    payload: { codeId: code.code_id, from: code.status, to: t.to, reason: input.reason },
    actor: input.actor,
    subjectRef: code.code_id,
    at: input.at,
  });
  await enqueueChainWrite(client, { kind: t.chain, subject: hex32(code.commitment), codeId: hex16(code.code_id) });
  return { codeId: code.code_id, status: t.to, ledgerSeq: entry.seq };
}

/** Issues a new code that replaces the subject's current one (revoked in the same transaction). */
export async function rotateCode(client: Queryable, input: { subjectId: string; actor: string; at: Date }): Promise<CodeState & { replaces: string }> {
  const subject = await createSubjectRepository(client).withCurrentCode(input.subjectId, { lock: true });
  if (!subject) throw notFound("subject_not_found", `No subject ${input.subjectId}`);
  if (!subject.code_id) throw conflict("no_current_code", "This subject has no current code to rotate");
  // Rotating a suspended code would lift the suspension by the back door.
  if (subject.status !== "active") throw conflict("code_suspended", "The subject's code is suspended; reinstate or revoke it first", { codeStatus: subject.status });
  const issued = await issueCode(client, { subjectId: input.subjectId, commitment: subject.commitment, kind: subject.kind, actor: input.actor, at: input.at, replaces: subject.code_id });
  return { codeId: issued.codeId, status: "active", ledgerSeq: issued.ledgerSeq, replaces: subject.code_id };
}
