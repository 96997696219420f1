// What an officer signs for a repair decision, and the checks of what they posted. The API
// builds the decision from the stored application (the document, the EIP-712 message of each
// record, the officer's usable keys); the officer's passkey signs; the API recomputes every
// digest from the stored application, verifies each assertion and simulates the chain's own
// check before anything is stored. It cannot produce a decision itself: it holds no officer key.
// HTTP contract: /work/notes/officer-api.md, section 2.
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";
import type { ChainClient } from "../chain/client.ts";
import { hex32 as hex } from "../chain/hex.ts";
import { isOutage } from "../chain/outbox-worker.ts";
import { encodeWrite } from "../chain/writes.ts";
import { describeRevert, isRevert } from "../chain/sender.ts";
import { conflict, forbidden, unavailable, unprocessable } from "../errors.ts";
import { canonicalJson } from "../../../protocol/ledger/entry.ts";
import { sha256 } from "../credit/policies.ts";
import { CATEGORY } from "../credit/records.ts";
import type { RecordRow } from "../credit/repository.ts";
import { approvalsNeededOf, type ApprovalsNeeded } from "../../../protocol/repair/approvals.ts";
import {
  base64url,
  challengeOf,
  decisionDigest,
  DOMAIN_NAME,
  DOMAIN_VERSION,
  EIP712_TYPES,
  randomNonce,
  type Hex,
  type LedgerDomain,
  type RepairDecision,
} from "../../../protocol/repair/decision-digest.ts";
import { verifyOfficerAssertion, type AssertionPolicy, type PostedAssertion } from "../officers/assertion.ts";
import { chainKeyState, chainTime } from "../officers/keys.ts";
import { createOfficerRepository, type OfficerKeyRow } from "../officers/repository.ts";
import { decisionDocument } from "./decision-document.ts";
import { createDecisionWriteRepository, type DecisionWrite } from "./decision-writes.ts";
import { REFUSAL_REASON_CODES, refusalReason } from "./refusal-reasons.ts";
import type { ApplicationRow, DecisionRow } from "./repository.ts";

export type Outcome = "approved" | "refused";
/** final: decides; proposal: the first of two officers approves; confirmation: the second completes it. */
export type Step = "final" | "proposal" | "confirmation";

export interface PostedSignature extends PostedAssertion {
  recordId: string;
  nonce: string;
  deadline: string;
  keyId: string;
}

export interface SignedDecisionInput {
  outcome: Outcome;
  /** A refusal's reason: a code of ./refusal-reasons.ts (required for a refusal, refused on an approval). */
  reasonCode?: string;
  /** The officer's optional note: in the decision document and the database, not the ledger. */
  reason?: string;
  document: string;
  signatures: PostedSignature[];
}

/** A decision about to be taken: the step, and the records the chain decides. */
export interface DecisionPlan {
  app: ApplicationRow;
  records: RecordRow[];
  /** Records still in publicity: each gets one chain write, so one signature. */
  chainRecords: RecordRow[];
  step: Step;
  outcome: Outcome;
  proposal: DecisionRow | undefined;
  /** What the chain requires of these records (the strictest). */
  approvalsNeeded: ApprovalsNeeded;
  /** The document to sign when it is not new: the proposal's (a confirmation), the stored one (a re-sign). */
  fixedDocument?: string;
  /** A refusal's reason code (./refusal-reasons.ts). */
  reasonCode?: string | null;
}

/** The most a deadline may lie ahead (an outbox backlog must not outlive it; a stolen signature should). */
const MAX_DEADLINE_SECONDS = 30 * 24 * 3600;
const MIN_DEADLINE_SECONDS = 10 * 60;
const PROPOSED_DEADLINE_SECONDS = 7 * 24 * 3600;
/** How old a prepared document may be when it comes back signed. */
const DOCUMENT_MAX_AGE_MS = 24 * 3600 * 1000;

export function ledgerDomain(chain: ChainClient): LedgerDomain {
  return { chainId: chain.deployment.chainId, verifyingContract: chain.deployment.creditLedger.address };
}

/** Approvals the chain needs for the records of an application: it was told at publication. */
export function approvalsNeededFor(records: RecordRow[]): ApprovalsNeeded {
  return records.reduce<ApprovalsNeeded>((most, r) => Math.max(most, approvalsNeededOf(CATEGORY[r.kind], r.decision_mode)) as ApprovalsNeeded, 0);
}

/** Checks the decision may be taken now and says which step it is. */
export function planDecision(app: ApplicationRow, records: RecordRow[], decisions: DecisionRow[], outcome: Outcome, reasonCode: string | undefined, actor: string): DecisionPlan {
  if (app.status === "approved" || app.status === "refused") throw conflict("already_decided", `The application is already ${app.status}`);
  // The route's schema says the same; callers inside the API get the same refusal.
  if (outcome === "refused" && !reasonCode) throw unprocessable("reason_required", "A refusal needs a reason code from GET /v1/repair-applications/refusal-reasons", { field: "reasonCode" });
  if (reasonCode && !refusalReason(reasonCode)) throw unprocessable("unknown_reason", `No refusal reason ${reasonCode}`, { field: "reasonCode", reasons: REFUSAL_REASON_CODES });
  if (outcome === "approved" && reasonCode) throw unprocessable("reason_code_for_refusal", "A reason code is given for a refusal only", { field: "reasonCode" });
  if (outcome === "approved" && app.status === "submitted") throw conflict("not_accepted", "Accept the application before approving it");
  if (outcome === "approved") {
    for (const r of records) {
      if (r.status !== "published") throw conflict("record_not_published", `Record ${r.id} is no longer in publicity (${r.status})`, { recordId: r.id });
    }
  }
  const proposal = decisions.find((d) => d.step === "proposal");
  const approvalsNeeded = Math.max(approvalsNeededFor(records), app.decision_mode === "two_officers" ? 2 : 0) as ApprovalsNeeded;
  let step: Step = "final";
  if (outcome === "approved" && approvalsNeeded === 2) step = app.status === "awaiting_second" ? "confirmation" : "proposal";
  if (step === "confirmation" && proposal && proposal.officer === actor) {
    throw conflict("same_officer", "A second, different officer must confirm this approval (four eyes)", { firstOfficer: proposal.officer });
  }
  return {
    app,
    records,
    chainRecords: records.filter((r) => r.status === "published"),
    step,
    outcome,
    proposal,
    approvalsNeeded,
    fixedDocument: step === "confirmation" ? proposal?.document : undefined,
    reasonCode: reasonCode ?? null,
  };
}

function decisionOf(plan: DecisionPlan, record: RecordRow, documentDigest: Buffer, nonce: bigint, deadline: bigint): RepairDecision {
  return {
    recordId: hex(record.chain_id) as Hex,
    applicationId: hex(plan.app.chain_id) as Hex,
    outcome: plan.outcome === "approved" ? 1 : 2,
    decisionDigest: hex(documentDigest) as Hex,
    policyVersion: plan.app.policy_version,
    ruleId: plan.app.rule_id,
    nonce,
    deadline,
  };
}

/** The officer's keys the chain lets sign now. */
async function usableKeys(client: Queryable, chain: ChainClient, operator: string, now: number): Promise<OfficerKeyRow[]> {
  const rows = await createOfficerRepository(client).keys(operator);
  const usable: OfficerKeyRow[] = [];
  for (const row of rows) {
    if (row.state === "revoking") continue;
    const onChain = await chainKeyState(chain, row.key_id);
    if (onChain.validFrom > 0 && onChain.revokedAt === 0 && onChain.validFrom <= now && onChain.officerId === hex(row.officer_id)) usable.push(row);
  }
  return usable;
}

/** GET …/decision-digest: the document and, per record, the typed data and challenge to sign. */
export async function decisionToSign(client: Queryable, chain: ChainClient | null, plan: DecisionPlan, reason: string | undefined, operator: Operator, now: Date) {
  if (!chain) throw unavailable("chain_not_configured", "Officers' decisions are signed for the ledger: no chain is configured");
  const document = plan.fixedDocument ?? canonicalJson(decisionDocument(plan.app, plan.records, plan.outcome, plan.app.policy_version, plan.app.rule_id, reason ?? "", operator.sub, now, [], plan.reasonCode ?? null));
  const documentDigest = sha256(document);
  const chainNow = await chainTime(chain, now);
  const keys = plan.chainRecords.length > 0 ? await usableKeys(client, chain, operator.sub, chainNow) : [];
  if (plan.chainRecords.length > 0 && keys.length === 0) {
    throw forbidden("no_active_officer_key", "You have no passkey the ledger accepts yet (submit one, then wait for the admin's registration and its delay)");
  }
  const domain = ledgerDomain(chain);
  const deadline = BigInt(chainNow + PROPOSED_DEADLINE_SECONDS);
  return {
    applicationId: plan.app.id,
    step: plan.step,
    outcome: plan.outcome,
    document,
    documentDigest: hex(documentDigest),
    domain: { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: Number(domain.chainId), verifyingContract: domain.verifyingContract },
    types: { Decision: EIP712_TYPES.Decision },
    primaryType: "Decision",
    records: plan.chainRecords.map((r) => {
      const message = decisionOf(plan, r, documentDigest, randomNonce(), deadline);
      const digest = decisionDigest(domain, message);
      return { recordId: r.id, message: { ...message, nonce: message.nonce.toString(), deadline: message.deadline.toString() }, digest, challenge: base64url(challengeOf(digest)) };
    }),
    allowCredentials: keys.map((k) => ({ type: "public-key", id: k.credential_id, keyId: hex(k.key_id) })),
    firstOfficer: plan.step === "confirmation" ? plan.proposal!.officer : null,
  };
}

/** The document must be the one the API would decide on: the stored proposal's, or this decision's. */
export function checkDocument(plan: DecisionPlan, document: string, reason: string | undefined, operator: Operator, now: Date): Date {
  const mismatch = (field: string, detail: string) => unprocessable("document_mismatch", detail, { field });
  if (plan.step === "confirmation") {
    if (document !== plan.proposal!.document) throw mismatch("document", "A confirmation signs the first officer's document unchanged");
    return plan.proposal!.decided_at;
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(document) as Record<string, unknown>;
  } catch {
    throw mismatch("document", "The document is not JSON");
  }
  const decidedAt = new Date(String(parsed.decidedAt));
  if (typeof parsed.decidedAt !== "string" || Number.isNaN(decidedAt.getTime()) || decidedAt.toISOString() !== parsed.decidedAt) throw mismatch("decidedAt", "decidedAt is not an ISO time");
  if (decidedAt.getTime() > now.getTime() + 60_000 || decidedAt.getTime() < now.getTime() - DOCUMENT_MAX_AGE_MS) {
    throw mismatch("decidedAt", "The document was prepared too long ago (or in the future): ask for it again");
  }
  const expected = decisionDocument(plan.app, plan.records, plan.outcome, plan.app.policy_version, plan.app.rule_id, reason ?? "", operator.sub, decidedAt, [], plan.reasonCode ?? null);
  for (const [field, value] of Object.entries(expected)) {
    if (canonicalJson(value) !== canonicalJson(parsed[field])) throw mismatch(field, `The document's ${field} is not this decision's`);
  }
  if (canonicalJson(expected) !== document) throw mismatch("document", "The document is not in canonical form or has other fields");
  return decidedAt;
}

function uint256(text: string, field: string): bigint {
  if (!/^\d{1,78}$/.test(text) || BigInt(text) >= 2n ** 256n) throw unprocessable("signature_invalid", `${field} must be a decimal uint256`);
  return BigInt(text);
}

/**
 * Verifies the posted signatures of a planned decision (one per chain record) and returns the
 * chain writes to queue. Nothing is stored here; every refusal is a problem with a stable code.
 */
export async function verifySignatures(
  client: Queryable,
  chain: ChainClient | null,
  plan: DecisionPlan,
  input: SignedDecisionInput,
  operator: Operator,
  now: Date,
  policy: AssertionPolicy,
): Promise<DecisionWrite[]> {
  if (!chain) throw unavailable("chain_not_configured", "Officers' decisions are signed for the ledger: no chain is configured");
  const bySignature = new Map(input.signatures.map((s) => [s.recordId, s]));
  if (bySignature.size !== input.signatures.length) throw unprocessable("signatures_required", "One signature per record");
  for (const s of input.signatures) {
    if (!plan.chainRecords.some((r) => r.id === s.recordId)) throw unprocessable("signatures_required", `Record ${s.recordId} is not decided on chain by this decision`);
  }
  const documentDigest = sha256(input.document);
  const domain = ledgerDomain(chain);
  const officers = createOfficerRepository(client);
  const writes = createDecisionWriteRepository(client);
  let chainNow: number | null = null;
  try {
    chainNow = (await chain.provider.getBlock("latest"))?.timestamp ?? null;
  } catch (error) {
    if (!isOutage(error)) throw error;
  }
  if (plan.step === "confirmation") {
    const refused = (await writes.current([plan.app.id])).find((w) => w.step === "proposal" && w.status === "failed");
    if (refused) throw conflict("proposal_not_on_chain", `The ledger refused the first officer's approval (${refused.error ?? "no reason"}): they sign it again first`, { chainError: refused.error });
  }
  const out: DecisionWrite[] = [];
  for (const record of plan.chainRecords) {
    const posted = bySignature.get(record.id);
    if (!posted) throw unprocessable("signatures_required", `Record ${record.id} needs the officer's signature`, { recordId: record.id });
    const nonce = uint256(posted.nonce, "nonce");
    const deadline = uint256(posted.deadline, "deadline");
    const clock = chainNow ?? Math.floor(now.getTime() / 1000);
    if (deadline < BigInt(clock + MIN_DEADLINE_SECONDS) || deadline > BigInt(clock + MAX_DEADLINE_SECONDS)) {
      throw unprocessable("deadline_invalid", "The deadline must lie between 10 minutes and 30 days ahead (chain time)");
    }
    if (!/^0x[0-9a-fA-F]{64}$/.test(posted.keyId)) throw forbidden("officer_key_not_yours", "keyId is not a key id");
    const key = await officers.key(Buffer.from(posted.keyId.slice(2), "hex"));
    if (!key || key.operator !== operator.sub) throw forbidden("officer_key_not_yours", "This key is not registered for you");
    await checkKeyActive(chain, key, chainNow);
    const decision = decisionOf(plan, record, documentDigest, nonce, deadline);
    const digest = decisionDigest(domain, decision);
    const signature = verifyOfficerAssertion({ keyId: hex(key.key_id) as Hex, x: key.x, y: key.y }, posted, digest, policy);
    const signedDigest = Buffer.from(digest.slice(2), "hex");
    if (await writes.digestUsed(signedDigest)) throw conflict("signature_replayed", "This signature was used before: sign the decision again");
    out.push({
      recordId: record.id,
      write: {
        kind: "repair.decide",
        recordId: decision.recordId,
        applicationId: decision.applicationId,
        outcome: decision.outcome,
        decisionDigest: decision.decisionDigest,
        policyVersion: decision.policyVersion,
        ruleId: decision.ruleId,
        officer: operator.sub,
        signed: { officerId: hex(key.officer_id), nonce: nonce.toString(), deadline: deadline.toString(), signedDigest: digest, signature },
        ...(plan.step === "final" ? {} : { step: plan.step }),
      },
      signed: {
        officerId: key.officer_id,
        keyId: key.key_id,
        deadline: new Date(Number(deadline) * 1000),
        assertion: { keyId: posted.keyId, authenticatorData: posted.authenticatorData, clientDataJSON: posted.clientDataJSON, signature: posted.signature },
      },
    });
  }
  if (chainNow !== null && !(await writes.openOn(plan.chainRecords.map((r) => hex(r.chain_id))))) {
    for (const w of out) {
      if (plan.step === "confirmation" && plan.approvalsNeeded === 2) await checkPending(chain, w);
      await simulate(chain, w);
    }
  }
  return out;
}

/** The chain's word on the key when it answers; the API's record of it otherwise. */
async function checkKeyActive(chain: ChainClient, key: OfficerKeyRow, chainNow: number | null): Promise<void> {
  if (key.state === "revoking") throw conflict("officer_key_not_active", "This key is revoked", { keyStatus: "revoked" });
  if (chainNow === null) {
    if (key.state !== "registering") throw conflict("officer_key_not_active", "This key is not registered on the ledger", { keyStatus: key.state });
    return;
  }
  const onChain = await chainKeyState(chain, key.key_id);
  if (onChain.revokedAt > 0) throw conflict("officer_key_not_active", "This key is revoked on the ledger", { keyStatus: "revoked" });
  if (onChain.validFrom === 0 || onChain.officerId !== hex(key.officer_id)) throw conflict("officer_key_not_active", "This key is not registered on the ledger", { keyStatus: key.state });
  if (chainNow < onChain.validFrom) {
    throw conflict("officer_key_not_active", `This key can sign from ${new Date(onChain.validFrom * 1000).toISOString()} (the admin delay)`, { keyStatus: "waiting_delay" });
  }
}

/** A confirmation completes the first officer's pending approval, or it would stand alone on chain. */
async function checkPending(chain: ChainClient, w: DecisionWrite): Promise<void> {
  try {
    const pending = (await chain.creditLedger.getFunction("pendingApproval")(w.write.recordId)) as { applicationId: string };
    if (pending.applicationId.toLowerCase() !== w.write.applicationId) {
      throw conflict("proposal_not_on_chain", "The first officer's approval is not pending on the ledger: it was refused, withdrawn or expired", { recordId: w.recordId });
    }
  } catch (error) {
    if (!isOutage(error)) throw error;
  }
}

/**
 * Signing again the chain writes of a decision the ledger refused (e.g. the signature expired
 * in an outbox backlog): only the officer who took that step, only the records whose write
 * failed, over the stored document. The database decision does not change.
 */
export async function resignPlan(client: Queryable, app: ApplicationRow, records: RecordRow[], decisions: DecisionRow[], operator: Operator): Promise<DecisionPlan & { dbStep: "proposal" | "final"; stored: DecisionRow }> {
  const failed = (await createDecisionWriteRepository(client).current([app.id])).filter((w) => w.status === "failed");
  if (failed.length === 0) throw conflict("nothing_to_resign", "No chain write of this application was refused");
  const dbStep = failed.some((w) => w.step === "proposal") ? "proposal" : "final";
  const mine = failed.filter((w) => w.step === dbStep);
  if (mine.some((w) => w.officer !== operator.sub)) throw forbidden("not_your_decision", "Only the officer who took this step signs it again");
  const stored = decisions.find((d) => d.step === dbStep)!;
  const proposal = decisions.find((d) => d.step === "proposal");
  const step: Step = dbStep === "proposal" ? "proposal" : proposal ? "confirmation" : "final";
  const chainRecords = records.filter((r) => mine.some((w) => w.record_id === r.id));
  const approvalsNeeded = Math.max(approvalsNeededFor(records), app.decision_mode === "two_officers" ? 2 : 0) as ApprovalsNeeded;
  return { app, records, chainRecords, step, outcome: stored.outcome, proposal, approvalsNeeded, dbStep, stored, fixedDocument: stored.document };
}

/** The chain's own check, run before anything is stored: a refusal here is a refusal of the request. */
async function simulate(chain: ChainClient, w: DecisionWrite): Promise<void> {
  const { to, data } = encodeWrite(chain, w.write);
  try {
    await chain.provider.call({ from: chain.signers.relayer.address, to, data });
  } catch (error) {
    if (isOutage(error)) return; // the outbox will send it when the chain is back, and say so if it is refused
    if (!isRevert(error)) throw error;
    const reason = describeRevert(error, [chain.creditLedger.interface]);
    if (reason.startsWith("OfficerKeysSignatureReplayed")) throw conflict("signature_replayed", "The ledger has seen this signature: sign the decision again");
    throw conflict("chain_refused", `The ledger refuses this decision: ${reason}`, { chainError: reason, recordId: w.recordId });
  }
}
