// The audit of repair decisions: the database's decisions and record states (GET
// /v1/audit/decisions) against the CreditLedger's (RepairDecided and RepairApprovalProposed
// events, recordOf). Every decision the database reports must be on chain with the same
// outcome, document digest, policy, rule and officers, or be visibly failed; the chain must
// hold no decision the database does not; record states must agree. Findings name the
// application, the record and the ledger entry of the decision. Pure and browser-safe: the
// command line, the console and the tests run the same code.
import { Interface } from "ethers";
import { keccakUtf8 } from "../repair/decision-digest.ts";
import { blockNumber, getLogs, type Rpc } from "./chain-reader.ts";

export type DecisionFindingKind =
  /** The database decided, the chain holds no decision for that record and application. */
  | "decision_not_on_chain"
  /** Both hold a decision, and they differ (outcome, digest, policy, rule, officers). */
  | "decision_mismatch"
  /** The chain holds a decision the database does not have. */
  | "decision_not_in_database"
  /** The record's state (published, repaired, expired) differs. */
  | "record_state_mismatch";

export interface DecisionFinding {
  kind: DecisionFindingKind;
  /** Application id (uuid) in the database, when it has one. */
  application: string | null;
  /** The application's chain id (0x). */
  applicationId: string;
  /** The record's chain id (0x). */
  recordId: string;
  /** Sequence number of the decision's ledger entry (repair.decided / repair.approval_proposed), when there is one. */
  ledgerSeq: number | null;
  detail: string;
  txHash?: string;
}

export type RecordStatus = "published" | "repaired" | "expired";

/** One application as the database holds it (GET /v1/audit/decisions). */
export interface DbApplicationDecision {
  application: string;
  applicationId: string;
  status: string;
  final: DbDecisionStep | null;
  proposal: DbDecisionStep | null;
  records: {
    record: string;
    recordId: string;
    status: RecordStatus;
    /** The chain write of the decision that counts for this record (null: none was due, e.g. the record had expired). */
    write: { step: "proposal" | "final"; status: "pending" | "sent" | "done" | "failed"; error: string | null; officerId: string | null } | null;
  }[];
}

export interface DbDecisionStep {
  outcome: "approved" | "refused";
  /** SHA-256 of the decision document, 0x. */
  digest: string;
  policyVersion: string;
  ruleId: string;
  ledgerSeq: number | null;
}

export interface ChainDecision {
  recordId: string;
  applicationId: string;
  outcome: number;
  decisionDigest: string;
  policyVersionHash: string;
  ruleIdHash: string;
  officerId: string;
  firstOfficerId: string;
  txHash: string;
}

export interface ChainProposal {
  recordId: string;
  applicationId: string;
  decisionDigest: string;
  officerId: string;
  txHash: string;
}

export interface ChainDecisionView {
  decisions: ChainDecision[];
  proposals: ChainProposal[];
  /** recordOf(recordId).status: 0 unknown, 1 published, 2 repaired, 3 expired. */
  recordStatus: Map<string, number>;
}

export interface DecisionAuditOptions {
  /** Writes still queued count as missing (after the outbox drained); default false. */
  pendingIsMissing?: boolean;
}

const STATUS_CODE: Record<RecordStatus, number> = { published: 1, repaired: 2, expired: 3 };
const STATUS_NAME = ["unknown", "published", "repaired", "expired"];
const ZERO = `0x${"00".repeat(32)}`;
const low = (s: string) => s.toLowerCase();

export function checkDecisions(db: DbApplicationDecision[], chain: ChainDecisionView, options: DecisionAuditOptions = {}): DecisionFinding[] {
  const findings: DecisionFinding[] = [];
  const decided = new Map(chain.decisions.map((d) => [`${low(d.recordId)}/${low(d.applicationId)}`, d]));
  const proposed = new Map(chain.proposals.map((p) => [`${low(p.recordId)}/${low(p.applicationId)}`, p]));
  const known = new Set<string>();
  for (const app of db) {
    for (const rec of app.records) {
      const key = `${low(rec.recordId)}/${low(app.applicationId)}`;
      known.add(key);
      const base = { application: app.application, applicationId: low(app.applicationId), recordId: low(rec.recordId) };
      const onChain = decided.get(key);
      if (app.final) {
        const seq = app.final.ledgerSeq;
        if (!onChain) {
          if (rec.write === null) continue; // nothing was due on chain (the record had left publicity)
          if (rec.write.status === "failed") {
            findings.push({ ...base, kind: "decision_not_on_chain", ledgerSeq: seq, detail: `the database decided ${app.final.outcome}; the chain refused the write: ${rec.write.error ?? "no reason"}` });
          } else if (rec.write.status === "done" || options.pendingIsMissing) {
            findings.push({ ...base, kind: "decision_not_on_chain", ledgerSeq: seq, detail: `the database decided ${app.final.outcome} (outbox ${rec.write.status}); the chain holds no decision` });
          }
        } else {
          const differences = compare(app.final, rec.write?.officerId ?? null, onChain);
          if (differences.length > 0) findings.push({ ...base, kind: "decision_mismatch", ledgerSeq: seq, txHash: onChain.txHash, detail: differences.join("; ") });
        }
      } else if (onChain) {
        findings.push({ ...base, kind: "decision_mismatch", ledgerSeq: app.proposal?.ledgerSeq ?? null, txHash: onChain.txHash, detail: `the chain decided (outcome ${onChain.outcome}), the database says ${app.status}` });
      } else if (app.proposal && rec.write?.step === "proposal" && (rec.write.status === "done" || options.pendingIsMissing)) {
        const p = proposed.get(key);
        if (!p) findings.push({ ...base, kind: "decision_not_on_chain", ledgerSeq: app.proposal.ledgerSeq, detail: "the database holds the first officer's approval; the chain holds no proposal" });
        else if (low(p.decisionDigest) !== low(app.proposal.digest)) {
          findings.push({ ...base, kind: "decision_mismatch", ledgerSeq: app.proposal.ledgerSeq, txHash: p.txHash, detail: `proposal digest ${p.decisionDigest} on chain, ${app.proposal.digest} in the database` });
        }
      }
      const chainStatus = chain.recordStatus.get(low(rec.recordId));
      if (chainStatus !== undefined && chainStatus !== 0 && chainStatus !== STATUS_CODE[rec.status] && !(rec.write && rec.write.status !== "done" && !options.pendingIsMissing)) {
        findings.push({ ...base, kind: "record_state_mismatch", ledgerSeq: app.final?.ledgerSeq ?? null, detail: `the record is ${rec.status} in the database, ${STATUS_NAME[chainStatus] ?? chainStatus} on chain` });
      }
    }
  }
  for (const [key, d] of decided) {
    if (known.has(key)) continue;
    findings.push({
      kind: "decision_not_in_database",
      application: null,
      applicationId: low(d.applicationId),
      recordId: low(d.recordId),
      ledgerSeq: null,
      txHash: d.txHash,
      detail: `the chain decided outcome ${d.outcome} (digest ${d.decisionDigest}); the database has no decision of this application on this record`,
    });
  }
  return findings;
}

function compare(db: DbDecisionStep, officerId: string | null, chain: ChainDecision): string[] {
  const out: string[] = [];
  const outcome = db.outcome === "approved" ? 1 : 2;
  if (chain.outcome !== outcome) out.push(`outcome ${db.outcome} in the database, ${chain.outcome === 1 ? "approved" : chain.outcome === 2 ? "refused" : chain.outcome} on chain`);
  if (low(chain.decisionDigest) !== low(db.digest)) out.push(`document digest ${db.digest} in the database, ${chain.decisionDigest} on chain`);
  if (low(chain.policyVersionHash) !== keccakUtf8(db.policyVersion)) out.push(`policy version ${db.policyVersion} is not the one on chain`);
  if (low(chain.ruleIdHash) !== keccakUtf8(db.ruleId)) out.push(`rule ${db.ruleId} is not the one on chain`);
  const expected = officerId === null ? ZERO : low(officerId);
  if (low(chain.officerId) !== expected) out.push(`deciding officer ${expected} in the database, ${chain.officerId} on chain`);
  return out;
}

export const DECISION_EVENTS_ABI = [
  "event RepairDecided(bytes32 indexed recordId, bytes32 indexed applicationId, uint8 outcome, bytes32 decisionDigest, bytes32 policyVersionHash, bytes32 ruleIdHash, bytes32 indexed officerId, bytes32 firstOfficerId)",
  "event RepairApprovalProposed(bytes32 indexed recordId, bytes32 indexed applicationId, bytes32 decisionDigest, bytes32 indexed officerId, bytes32 keyId, bytes32 signedDigest)",
  "function recordOf(bytes32 recordId) view returns ((bytes32 subject, bytes32 digest, uint8 category, uint8 severity, uint8 status, uint8 approvalsNeeded, uint40 publishedAt, uint40 publicUntil, uint40 changedAt))",
];
const iface = new Interface(DECISION_EVENTS_ABI);

/** Reads the ledger's decisions, proposals and the states of `recordIds`, at one block. */
export async function readDecisionView(rpc: Rpc, ledger: string, recordIds: Iterable<string>, options: { fromBlock?: number; toBlock?: number } = {}): Promise<ChainDecisionView> {
  const toBlock = options.toBlock ?? (await blockNumber(rpc));
  const fromBlock = options.fromBlock ?? 0;
  const decidedTopic = iface.getEvent("RepairDecided")!.topicHash;
  const proposedTopic = iface.getEvent("RepairApprovalProposed")!.topicHash;
  const logs = await getLogs(rpc, ledger, [[decidedTopic, proposedTopic]], fromBlock, toBlock);
  const decisions: ChainDecision[] = [];
  const proposals: ChainProposal[] = [];
  for (const log of logs) {
    const parsed = iface.parseLog({ topics: log.topics, data: log.data })!;
    const a = parsed.args;
    if (parsed.name === "RepairDecided") {
      decisions.push({
        recordId: low(a.recordId),
        applicationId: low(a.applicationId),
        outcome: Number(a.outcome),
        decisionDigest: low(a.decisionDigest),
        policyVersionHash: low(a.policyVersionHash),
        ruleIdHash: low(a.ruleIdHash),
        officerId: low(a.officerId),
        firstOfficerId: low(a.firstOfficerId),
        txHash: log.transactionHash,
      });
    } else {
      proposals.push({ recordId: low(a.recordId), applicationId: low(a.applicationId), decisionDigest: low(a.decisionDigest), officerId: low(a.officerId), txHash: log.transactionHash });
    }
  }
  const recordStatus = new Map<string, number>();
  for (const recordId of new Set([...recordIds].map(low))) {
    const data = iface.encodeFunctionData("recordOf", [recordId]);
    const result = (await rpc("eth_call", [{ to: ledger, data }, `0x${toBlock.toString(16)}`])) as string;
    const [record] = iface.decodeFunctionResult("recordOf", result);
    recordStatus.set(recordId, Number((record as { status: bigint }).status));
  }
  return { decisions, proposals, recordStatus };
}
