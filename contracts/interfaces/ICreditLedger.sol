// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IOfficerKeys} from "./IOfficerKeys.sol";

/**
 * @title ICreditLedger
 * @notice Public-credit records, their repair decisions signed by the officers' own keys (with the
 * four-eyes rule for the serious-dishonesty list) and Merkle anchors of the off-chain ledger.
 *
 * Record category: 1 administrative penalty, 2 serious-dishonesty list, 3 abnormal-operation list,
 * 4 other. Severity: 1 minor, 2 general, 3 serious. Record status: 0 none, 1 published,
 * 2 repaired (publicity ended by an approved repair), 3 expired (publicity period over).
 * Decision outcome: 1 approved, 2 refused. Approvals needed: 0 the policy's rules may approve
 * (秒批), 1 one officer's signature, 2 two distinct officers' signatures (always for category 2).
 *
 * The relayer (`RELAYER_ROLE`) sends every decision and pays its gas, but an approval of a record
 * that needs an officer carries the officer's WebAuthn signature over the EIP-712 `Decision`:
 *
 *   Decision(bytes32 recordId,bytes32 applicationId,uint8 outcome,bytes32 decisionDigest,
 *            string policyVersion,string ruleId,uint256 nonce,uint256 deadline)
 *
 * On chain the two strings travel as their keccak256 hashes (`policyVersionHash`, `ruleIdHash`),
 * which is exactly how EIP-712 encodes a `string` member. A withdrawal of a pending approval is
 * the EIP-712 `Withdrawal(bytes32 recordId,bytes32 applicationId,uint256 nonce,uint256 deadline)`.
 *
 * Only commitments are on chain: a subject is a keyed commitment (HMAC) computed off chain and
 * every record or decision is known by the digest of its off-chain document.
 */
interface ICreditLedger is IOfficerKeys {
    /// @notice A published record.
    struct Record {
        bytes32 subject;
        bytes32 digest;
        uint8 category;
        uint8 severity;
        uint8 status;
        uint8 approvalsNeeded;
        uint40 publishedAt;
        uint40 publicUntil;
        uint40 changedAt;
    }

    /// @notice A repair decision as an officer signs it (EIP-712 struct `Decision`).
    struct Decision {
        bytes32 recordId;
        bytes32 applicationId;
        uint8 outcome;
        bytes32 decisionDigest;
        bytes32 policyVersionHash;
        bytes32 ruleIdHash;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A withdrawal of a pending approval as an officer signs it (EIP-712 struct `Withdrawal`).
    struct Withdrawal {
        bytes32 recordId;
        bytes32 applicationId;
        uint256 nonce;
        uint256 deadline;
    }

    /**
     * @notice A first officer's approval of a two-officer record, waiting for a second officer.
     * @param terms keccak256(abi.encode(decisionDigest, policyVersionHash, ruleIdHash)): what the
     * second officer must approve unchanged.
     */
    struct PendingApproval {
        bytes32 applicationId;
        bytes32 terms;
        bytes32 keyId;
        bytes32 officerId;
        uint40 proposedAt;
    }

    /// @notice A record was published by a credit agency.
    event RecordPublished(
        bytes32 indexed recordId,
        bytes32 indexed subject,
        bytes32 digest,
        uint8 category,
        uint8 severity,
        uint40 publicUntil,
        uint8 approvalsNeeded,
        address indexed agency
    );

    /// @notice A first officer signed the approval of a two-officer record; a second officer must confirm.
    event RepairApprovalProposed(
        bytes32 indexed recordId,
        bytes32 indexed applicationId,
        bytes32 decisionDigest,
        bytes32 indexed officerId,
        bytes32 keyId,
        bytes32 signedDigest
    );

    /**
     * @notice A pending approval was withdrawn.
     * @param officerId The officer who signed the withdrawal or the superseding refusal.
     * @param reason 1 withdrawn (signed `Withdrawal`), 2 superseded by a signed refusal of the same application.
     */
    event RepairApprovalWithdrawn(
        bytes32 indexed recordId,
        bytes32 indexed applicationId,
        bytes32 indexed officerId,
        uint8 reason
    );

    /// @notice A pending approval was dropped because the record's publicity period ended first.
    event RepairApprovalExpired(bytes32 indexed recordId, bytes32 indexed applicationId, bytes32 indexed proposerOfficerId);

    /**
     * @notice A repair application was decided for a record.
     * @param officerId The officer who signed the deciding signature (the second one under the
     * four-eyes rule); zero for a decision by the policy's rules.
     * @param firstOfficerId The officer who proposed the approval under the four-eyes rule, else zero.
     */
    event RepairDecided(
        bytes32 indexed recordId,
        bytes32 indexed applicationId,
        uint8 outcome,
        bytes32 decisionDigest,
        bytes32 policyVersionHash,
        bytes32 ruleIdHash,
        bytes32 indexed officerId,
        bytes32 firstOfficerId
    );

    /// @notice The publicity period of a record ended.
    event RecordExpired(bytes32 indexed recordId, bytes32 indexed subject, address indexed relayer);

    /// @notice The anchor chain of this contract starts at `genesisHead` (zero, or the last head of a predecessor).
    event AnchorChainStarted(bytes32 genesisHead, uint64 nextSeq);

    /**
     * @notice A batch of ledger entries was anchored.
     * @param index 1-based number of this anchor in this contract (equals `anchorCount()` right after it).
     * @param fromSeq First ledger sequence number of the batch.
     * @param toSeq Last ledger sequence number of the batch (inclusive).
     * @param root Merkle root (RFC 6962 hashing) of entries `fromSeq..toSeq`.
     * @param head New head: keccak256(abi.encode(previousHead, fromSeq, toSeq, root)).
     */
    event BatchAnchored(uint256 indexed index, uint64 fromSeq, uint64 toSeq, bytes32 root, bytes32 head);

    /// @notice A record id of zero was given.
    error CreditLedgerZeroRecordId();
    /// @notice An application id of zero was given.
    error CreditLedgerZeroApplicationId();
    /// @notice A record with this id exists already.
    error CreditLedgerRecordExists(bytes32 recordId);
    /// @notice No record has this id.
    error CreditLedgerUnknownRecord(bytes32 recordId);
    /// @notice Category outside 1..4.
    error CreditLedgerInvalidCategory(uint8 category);
    /// @notice Severity outside 1..3.
    error CreditLedgerInvalidSeverity(uint8 severity);
    /// @notice Approvals needed outside 0..2, or under 2 for the serious-dishonesty list (category 2).
    error CreditLedgerInvalidApprovalsNeeded(uint8 category, uint8 approvalsNeeded);
    /// @notice The end of publicity is not in the future.
    error CreditLedgerInvalidPublicUntil(uint40 publicUntil, uint256 currentTime);
    /// @notice Outcome neither 1 (approved) nor 2 (refused).
    error CreditLedgerInvalidOutcome(uint8 outcome);
    /// @notice The record is no longer published (repaired or expired): it cannot be decided or expired again.
    error CreditLedgerRecordNotPublished(bytes32 recordId, uint8 status);
    /// @notice This application was already decided for this record.
    error CreditLedgerApplicationAlreadyDecided(bytes32 recordId, bytes32 applicationId, uint8 outcome);
    /// @notice An approval of this record needs officers' signatures; the rules alone cannot approve it.
    error CreditLedgerOfficerSignatureRequired(bytes32 recordId, uint8 approvalsNeeded);
    /// @notice The officer who proposed an approval cannot also confirm it (with any of their keys).
    error CreditLedgerSameOfficer(bytes32 recordId, bytes32 officerId);
    /// @notice The confirmation does not approve the same application and terms as the pending approval.
    error CreditLedgerApprovalMismatch(
        bytes32 recordId,
        bytes32 pendingApplicationId,
        bytes32 pendingTerms,
        bytes32 applicationId,
        bytes32 terms
    );
    /// @notice The key of the officer who proposed the approval was revoked since.
    error CreditLedgerProposerKeyRevoked(bytes32 recordId, bytes32 keyId);
    /// @notice The record has no pending approval for this application.
    error CreditLedgerNoPendingApproval(bytes32 recordId, bytes32 applicationId);
    /// @notice A rule refusal cannot overrule an officer's pending approval of the same application.
    error CreditLedgerApprovalPending(bytes32 recordId, bytes32 applicationId);
    /// @notice The publicity period of the record has not ended yet.
    error CreditLedgerStillPublic(bytes32 recordId, uint40 publicUntil, uint256 currentTime);
    /// @notice Genesis head and next sequence disagree (a zero head goes with sequence 1 only), or the sequence is invalid.
    error CreditLedgerInvalidGenesis(bytes32 genesisHead, uint64 nextSeq);
    /// @notice The batch starts after the next expected sequence number (entries would be skipped).
    error CreditLedgerAnchorGap(uint64 expectedFromSeq, uint64 fromSeq);
    /// @notice The batch starts before the next expected sequence number (entries anchored twice).
    error CreditLedgerAnchorOverlap(uint64 expectedFromSeq, uint64 fromSeq);
    /// @notice The batch ends before it starts, or at the largest sequence number.
    error CreditLedgerAnchorInvalidRange(uint64 fromSeq, uint64 toSeq);
    /// @notice The caller built the batch on another head than the current one.
    error CreditLedgerAnchorStaleHead(bytes32 currentHead, bytes32 prevHead);

    /**
     * @notice Publishes a dishonesty record.
     * @dev `CREDIT_AGENCY_ROLE`, not paused. Emits `RecordPublished`. Reverts with
     * `CreditLedgerZeroRecordId`, `OneCodeZeroSubject`, `OneCodeZeroDigest`,
     * `CreditLedgerInvalidCategory`, `CreditLedgerInvalidSeverity`, `CreditLedgerInvalidApprovalsNeeded`,
     * `CreditLedgerInvalidPublicUntil` or `CreditLedgerRecordExists`.
     * @param recordId Opaque id of the record.
     * @param subject Keyed commitment of the enterprise or person.
     * @param digest Digest of the off-chain record document.
     * @param category 1 administrative penalty, 2 serious-dishonesty list, 3 abnormal-operation list, 4 other.
     * @param severity 1 minor, 2 general, 3 serious.
     * @param publicUntil End of the publicity period (unix seconds, in the future).
     * @param approvalsNeeded 0 rules may approve, 1 one officer, 2 two distinct officers (2 for category 2).
     */
    function publishRecord(
        bytes32 recordId,
        bytes32 subject,
        bytes32 digest,
        uint8 category,
        uint8 severity,
        uint40 publicUntil,
        uint8 approvalsNeeded
    ) external;

    /**
     * @notice Records an officer's signed decision of a repair application for a published record.
     * @dev `RELAYER_ROLE`, not paused. The signature must be a WebAuthn assertion (user verified)
     * of a usable registered key whose challenge is `decisionDigestOf(decision)`, before
     * `decision.deadline`, never used before. A refusal leaves the record published (and withdraws
     * a pending approval of the same application). An approval ends publicity (status repaired);
     * on a record needing two officers the first approval only becomes pending
     * (`RepairApprovalProposed`) and a second, different officer's approval of the same
     * application and terms completes it (`RepairDecided`).
     * Reverts with `CreditLedgerZeroApplicationId`, `OneCodeZeroDigest`, `CreditLedgerInvalidOutcome`,
     * `CreditLedgerUnknownRecord`, `CreditLedgerRecordNotPublished`, `CreditLedgerApplicationAlreadyDecided`,
     * `OfficerKeysSignatureExpired`, `OfficerKeysSignatureReplayed`, `OfficerKeysUnknownKey`,
     * `OfficerKeysKeyRevoked`, `OfficerKeysKeyNotYetValid`, `OfficerKeysInvalidSignature`,
     * `CreditLedgerSameOfficer`, `CreditLedgerApprovalMismatch` or `CreditLedgerProposerKeyRevoked`.
     * @param decision The signed decision.
     * @param signature The officer's WebAuthn assertion over its EIP-712 digest.
     */
    function decideRepair(Decision calldata decision, OfficerSignature calldata signature) external;

    /**
     * @notice Records a decision that the policy's rules took without an officer (秒批, or a refusal at filing).
     * @dev `RELAYER_ROLE`, not paused. A refusal is allowed for any record (it ends nothing); an
     * approval only for a record published with `approvalsNeeded == 0`. Emits `RepairDecided` with
     * a zero officer. Reverts with `CreditLedgerZeroApplicationId`, `OneCodeZeroDigest`,
     * `CreditLedgerInvalidOutcome`, `CreditLedgerUnknownRecord`, `CreditLedgerRecordNotPublished`,
     * `CreditLedgerApplicationAlreadyDecided`, `CreditLedgerOfficerSignatureRequired` or
     * `CreditLedgerApprovalPending`.
     * @param recordId The record.
     * @param applicationId Opaque id of the repair application.
     * @param outcome 1 approved, 2 refused.
     * @param decisionDigest Digest of the off-chain decision document.
     * @param policyVersionHash keccak256 of the policy version (UTF-8).
     * @param ruleIdHash keccak256 of the deciding rule's id (UTF-8).
     */
    function decideRepairByRule(
        bytes32 recordId,
        bytes32 applicationId,
        uint8 outcome,
        bytes32 decisionDigest,
        bytes32 policyVersionHash,
        bytes32 ruleIdHash
    ) external;

    /**
     * @notice Withdraws the pending approval of a two-officer record, signed by a registered officer.
     * @dev `RELAYER_ROLE`, not paused. Any officer with a usable key may withdraw (a withdrawal
     * grants nothing). Emits `RepairApprovalWithdrawn` (reason 1). Reverts with the signature
     * errors of `decideRepair` or `CreditLedgerNoPendingApproval`.
     * @param withdrawal The signed withdrawal (record and the pending application).
     * @param signature The officer's WebAuthn assertion over `withdrawalDigestOf(withdrawal)`.
     */
    function withdrawRepairApproval(Withdrawal calldata withdrawal, OfficerSignature calldata signature) external;

    /**
     * @notice Records that the publicity period of a record ended.
     * @dev `RELAYER_ROLE`, not paused, only when `block.timestamp >= publicUntil`. A pending
     * approval is dropped with `RepairApprovalExpired`. Emits `RecordExpired`. Reverts with
     * `CreditLedgerUnknownRecord`, `CreditLedgerRecordNotPublished` or `CreditLedgerStillPublic`.
     * @param recordId The record.
     */
    function recordExpired(bytes32 recordId) external;

    /**
     * @notice Anchors the Merkle root of ledger entries `fromSeq..toSeq` and extends the head chain.
     * @dev `ANCHORER_ROLE`, not paused. Needs `fromSeq == nextSeq()`, `toSeq >= fromSeq` and
     * `prevHead == head()`. Writes no new storage slot: only the head and one packed slot (next
     * sequence, count, time) change. Roots live in the `BatchAnchored` events, which is what keeps
     * an anchor under 50,000 gas; the stored head commits to every root in order, so an auditor who
     * re-derives the head from the events (starting at `genesis()`) detects any missing, altered or
     * reordered root. Reverts with `CreditLedgerAnchorGap`, `CreditLedgerAnchorOverlap`,
     * `CreditLedgerAnchorInvalidRange`, `OneCodeZeroDigest` (zero root) or `CreditLedgerAnchorStaleHead`.
     * @param fromSeq First sequence number of the batch.
     * @param toSeq Last sequence number of the batch (inclusive).
     * @param root Merkle root of the batch.
     * @param prevHead The head the batch was built on.
     */
    function anchorBatch(uint64 fromSeq, uint64 toSeq, bytes32 root, bytes32 prevHead) external;

    /**
     * @notice The EIP-712 digest an officer signs for a decision (the WebAuthn challenge).
     * @param decision The decision.
     * @return The digest.
     */
    function decisionDigestOf(Decision calldata decision) external view returns (bytes32);

    /**
     * @notice The EIP-712 digest an officer signs for a withdrawal (the WebAuthn challenge).
     * @param withdrawal The withdrawal.
     * @return The digest.
     */
    function withdrawalDigestOf(Withdrawal calldata withdrawal) external view returns (bytes32);

    /**
     * @notice A record.
     * @param recordId The record.
     * @return The record (all zero when unknown).
     */
    function recordOf(bytes32 recordId) external view returns (Record memory);

    /**
     * @notice The pending approval of a two-officer record.
     * @param recordId The record.
     * @return The pending approval (zero application id when none).
     */
    function pendingApproval(bytes32 recordId) external view returns (PendingApproval memory);

    /**
     * @notice The outcome of an application for a record.
     * @param recordId The record.
     * @param applicationId The application.
     * @return 0 undecided (or only proposed), 1 approved, 2 refused.
     */
    function decisionOf(bytes32 recordId, bytes32 applicationId) external view returns (uint8);

    /**
     * @notice Where this contract's anchor chain starts (constructor parameters).
     * @return genesisHead The head before this contract's first anchor (zero for a new chain).
     * @return firstSeq The sequence number this contract's first anchor starts at.
     */
    function genesis() external view returns (bytes32 genesisHead, uint64 firstSeq);

    /**
     * @notice The head of the anchor chain (the genesis head before the first anchor).
     * @return The current head.
     */
    function head() external view returns (bytes32);

    /**
     * @notice The first sequence number the next anchor must start at.
     * @return The next sequence number.
     */
    function nextSeq() external view returns (uint64);

    /**
     * @notice Number of anchors in this contract so far.
     * @return The anchor count.
     */
    function anchorCount() external view returns (uint64);

    /**
     * @notice Time of the last anchor (zero before the first).
     * @return Unix seconds.
     */
    function lastAnchoredAt() external view returns (uint40);
}
