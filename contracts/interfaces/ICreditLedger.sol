// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/**
 * @title ICreditLedger
 * @notice Public-credit records, their repair decisions (with an optional four-eyes rule) and
 * Merkle anchors of the off-chain, append-only ledger.
 *
 * Record category: 1 administrative penalty, 2 serious-dishonesty list, 3 abnormal-operation list,
 * 4 other. Severity: 1 minor, 2 general, 3 serious. Record status: 0 none, 1 published,
 * 2 repaired (publicity ended by an approved repair), 3 expired (publicity period over).
 * Decision outcome: 1 approved, 2 refused.
 *
 * Only commitments are on chain: a subject is a keyed commitment (HMAC) computed off chain and
 * every record or decision is known by the digest of its off-chain document.
 */
interface ICreditLedger {
    /// @notice A published record.
    struct Record {
        bytes32 subject;
        bytes32 digest;
        uint8 category;
        uint8 severity;
        uint8 status;
        bool twoOfficers;
        uint40 publishedAt;
        uint40 publicUntil;
        uint40 changedAt;
    }

    /// @notice A repair approval that waits for a second, different officer.
    struct PendingApproval {
        address officer;
        uint40 proposedAt;
        bytes32 applicationId;
        bytes32 decisionDigest;
    }

    /// @notice A record was published by a credit agency.
    event RecordPublished(
        bytes32 indexed recordId,
        bytes32 indexed subject,
        bytes32 digest,
        uint8 category,
        uint8 severity,
        uint40 publicUntil,
        bool twoOfficers,
        address indexed agency
    );

    /// @notice A first officer approved a repair of a two-officer record; a second officer must confirm.
    event RepairApprovalProposed(
        bytes32 indexed recordId,
        bytes32 indexed applicationId,
        bytes32 decisionDigest,
        address indexed officer
    );

    /// @notice A pending approval was withdrawn (cancelled, or superseded by a refusal of the same application).
    event RepairApprovalCancelled(bytes32 indexed recordId, bytes32 indexed applicationId, address indexed officer);

    /**
     * @notice A repair application was decided for a record.
     * @param officer The officer whose call decided (the second officer under the four-eyes rule).
     * @param firstOfficer The officer who proposed the approval under the four-eyes rule, else zero.
     */
    event RepairDecided(
        bytes32 indexed recordId,
        bytes32 indexed applicationId,
        uint8 outcome,
        bytes32 decisionDigest,
        address indexed officer,
        address firstOfficer
    );

    /// @notice The publicity period of a record ended.
    event RecordExpired(bytes32 indexed recordId, bytes32 indexed subject, address indexed officer);

    /**
     * @notice A batch of ledger entries was anchored.
     * @param index 1-based number of this anchor (equals `anchorCount()` right after it).
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
    /// @notice The end of publicity is not in the future.
    error CreditLedgerInvalidPublicUntil(uint40 publicUntil, uint256 currentTime);
    /// @notice Outcome neither 1 (approved) nor 2 (refused).
    error CreditLedgerInvalidOutcome(uint8 outcome);
    /// @notice The record is no longer published (repaired or expired): it cannot be decided or expired again.
    error CreditLedgerRecordNotPublished(bytes32 recordId, uint8 status);
    /// @notice This application was already decided for this record.
    error CreditLedgerApplicationAlreadyDecided(bytes32 recordId, bytes32 applicationId, uint8 outcome);
    /// @notice The officer who proposed an approval cannot also confirm it.
    error CreditLedgerSameOfficer(bytes32 recordId, address officer);
    /// @notice The confirmation does not match the pending approval.
    error CreditLedgerApprovalMismatch(
        bytes32 recordId,
        bytes32 pendingApplicationId,
        bytes32 pendingDecisionDigest,
        bytes32 applicationId,
        bytes32 decisionDigest
    );
    /// @notice The officer who proposed the approval no longer holds the repair officer role.
    error CreditLedgerProposerNotOfficer(bytes32 recordId, address proposer);
    /// @notice The record has no pending approval.
    error CreditLedgerNoPendingApproval(bytes32 recordId);
    /// @notice The publicity period of the record has not ended yet.
    error CreditLedgerStillPublic(bytes32 recordId, uint40 publicUntil, uint256 currentTime);
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
     * `CreditLedgerInvalidCategory`, `CreditLedgerInvalidSeverity`,
     * `CreditLedgerInvalidPublicUntil` or `CreditLedgerRecordExists`.
     * @param recordId Opaque id of the record.
     * @param subject Keyed commitment of the enterprise or person.
     * @param digest Digest of the off-chain record document.
     * @param category 1 administrative penalty, 2 serious-dishonesty list, 3 abnormal-operation list, 4 other.
     * @param severity 1 minor, 2 general, 3 serious.
     * @param publicUntil End of the publicity period (unix seconds, in the future).
     * @param twoOfficers Whether an approved repair needs two distinct repair officers.
     */
    function publishRecord(
        bytes32 recordId,
        bytes32 subject,
        bytes32 digest,
        uint8 category,
        uint8 severity,
        uint40 publicUntil,
        bool twoOfficers
    ) external;

    /**
     * @notice Decides a repair application for a published record.
     * @dev `REPAIR_OFFICER_ROLE`, not paused. A refusal needs one officer and leaves the record
     * published. An approval ends publicity (status repaired); on a two-officer record the first
     * approval only records a pending approval (`RepairApprovalProposed`) and a second, different
     * officer completes it with the same application id and decision digest (`RepairDecided`).
     * A refusal of the application that is pending withdraws the pending approval.
     * Reverts with `CreditLedgerZeroApplicationId`, `OneCodeZeroDigest`, `CreditLedgerInvalidOutcome`,
     * `CreditLedgerUnknownRecord`, `CreditLedgerRecordNotPublished`,
     * `CreditLedgerApplicationAlreadyDecided`, `CreditLedgerSameOfficer`,
     * `CreditLedgerApprovalMismatch` or `CreditLedgerProposerNotOfficer`.
     * @param recordId The record.
     * @param applicationId Opaque id of the repair application.
     * @param outcome 1 approved, 2 refused.
     * @param decisionDigest Digest of the off-chain decision document.
     */
    function decideRepair(bytes32 recordId, bytes32 applicationId, uint8 outcome, bytes32 decisionDigest) external;

    /**
     * @notice Withdraws the pending approval of a two-officer record.
     * @dev `REPAIR_OFFICER_ROLE` (any officer: a withdrawal grants nothing), not paused.
     * Emits `RepairApprovalCancelled`. Reverts with `CreditLedgerNoPendingApproval`.
     * @param recordId The record.
     */
    function cancelRepairApproval(bytes32 recordId) external;

    /**
     * @notice Records that the publicity period of a record ended.
     * @dev `REPAIR_OFFICER_ROLE`, not paused, only when `block.timestamp >= publicUntil`.
     * Emits `RecordExpired`. Reverts with `CreditLedgerUnknownRecord`,
     * `CreditLedgerRecordNotPublished` or `CreditLedgerStillPublic`.
     * @param recordId The record.
     */
    function recordExpired(bytes32 recordId) external;

    /**
     * @notice Anchors the Merkle root of ledger entries `fromSeq..toSeq` and extends the head chain.
     * @dev `ANCHORER_ROLE`, not paused. Needs `fromSeq == nextSeq()` (the first entry is 1),
     * `toSeq >= fromSeq` and `prevHead == head()`. Writes no new storage slot: only the head and
     * one packed slot (next sequence, count, time) change. Roots live in the `BatchAnchored`
     * events, which is what keeps an anchor under 50,000 gas; the stored head commits to every
     * root in order, so an auditor who re-derives the head from the events detects any missing,
     * altered or reordered root. Reverts with `CreditLedgerAnchorGap`, `CreditLedgerAnchorOverlap`,
     * `CreditLedgerAnchorInvalidRange`, `OneCodeZeroDigest` (zero root) or `CreditLedgerAnchorStaleHead`.
     * @param fromSeq First sequence number of the batch.
     * @param toSeq Last sequence number of the batch (inclusive).
     * @param root Merkle root of the batch.
     * @param prevHead The head the batch was built on.
     */
    function anchorBatch(uint64 fromSeq, uint64 toSeq, bytes32 root, bytes32 prevHead) external;

    /**
     * @notice A record.
     * @param recordId The record.
     * @return The record (all zero when unknown).
     */
    function recordOf(bytes32 recordId) external view returns (Record memory);

    /**
     * @notice The pending approval of a two-officer record.
     * @param recordId The record.
     * @return The pending approval (zero officer when none).
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
     * @notice The head of the anchor chain (zero before the first anchor).
     * @return The current head.
     */
    function head() external view returns (bytes32);

    /**
     * @notice The first sequence number the next anchor must start at (1 before the first anchor).
     * @return The next sequence number.
     */
    function nextSeq() external view returns (uint64);

    /**
     * @notice Number of anchors so far.
     * @return The anchor count.
     */
    function anchorCount() external view returns (uint64);

    /**
     * @notice Time of the last anchor (zero before the first).
     * @return Unix seconds.
     */
    function lastAnchoredAt() external view returns (uint40);
}
