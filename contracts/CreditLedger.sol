// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {OneCodeAccess} from "./OneCodeAccess.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {OneCodeZeroDigest, OneCodeZeroSubject} from "./Errors.sol";

/**
 * @title CreditLedger
 * @notice Dishonesty records, repair decisions with an optional four-eyes rule, and the anchor
 * chain of the off-chain ledger. See {ICreditLedger}.
 */
contract CreditLedger is ICreditLedger, OneCodeAccess {
    /// @dev Packed into one slot: 8 + 8 + 5 bytes.
    struct AnchorState {
        uint64 nextSeq;
        uint64 count;
        uint40 lastAnchoredAt;
    }

    uint8 private constant _CATEGORY_MAX = 4;
    uint8 private constant _SEVERITY_MAX = 3;

    uint8 private constant _STATUS_NONE = 0;
    uint8 private constant _STATUS_PUBLISHED = 1;
    uint8 private constant _STATUS_REPAIRED = 2;
    uint8 private constant _STATUS_EXPIRED = 3;

    uint8 private constant _OUTCOME_APPROVED = 1;
    uint8 private constant _OUTCOME_REFUSED = 2;

    mapping(bytes32 recordId => Record record) private _records;
    mapping(bytes32 recordId => PendingApproval approval) private _pending;
    mapping(bytes32 recordId => mapping(bytes32 applicationId => uint8 outcome)) private _decisions;

    bytes32 private _head;
    AnchorState private _anchors;

    /**
     * @param initialDelay Seconds a default admin transfer must wait before it can be accepted.
     * @param initialAdmin The first default admin.
     */
    constructor(uint48 initialDelay, address initialAdmin) OneCodeAccess(initialDelay, initialAdmin) {
        // Non-zero from the start, so that no anchor ever writes a fresh slot.
        _anchors.nextSeq = 1;
    }

    /// @inheritdoc ICreditLedger
    function publishRecord(
        bytes32 recordId,
        bytes32 subject,
        bytes32 digest,
        uint8 category,
        uint8 severity,
        uint40 publicUntil,
        bool twoOfficers
    ) external onlyRole(CREDIT_AGENCY_ROLE) whenNotPaused {
        if (recordId == bytes32(0)) revert CreditLedgerZeroRecordId();
        if (subject == bytes32(0)) revert OneCodeZeroSubject();
        if (digest == bytes32(0)) revert OneCodeZeroDigest();
        if (category == 0 || category > _CATEGORY_MAX) revert CreditLedgerInvalidCategory(category);
        if (severity == 0 || severity > _SEVERITY_MAX) revert CreditLedgerInvalidSeverity(severity);
        if (publicUntil <= block.timestamp) revert CreditLedgerInvalidPublicUntil(publicUntil, block.timestamp);
        if (_records[recordId].status != _STATUS_NONE) revert CreditLedgerRecordExists(recordId);

        uint40 now_ = uint40(block.timestamp);
        _records[recordId] = Record({
            subject: subject,
            digest: digest,
            category: category,
            severity: severity,
            status: _STATUS_PUBLISHED,
            twoOfficers: twoOfficers,
            publishedAt: now_,
            publicUntil: publicUntil,
            changedAt: now_
        });
        emit RecordPublished(recordId, subject, digest, category, severity, publicUntil, twoOfficers, _msgSender());
    }

    /// @inheritdoc ICreditLedger
    function decideRepair(
        bytes32 recordId,
        bytes32 applicationId,
        uint8 outcome,
        bytes32 decisionDigest
    ) external onlyRole(REPAIR_OFFICER_ROLE) whenNotPaused {
        if (applicationId == bytes32(0)) revert CreditLedgerZeroApplicationId();
        if (decisionDigest == bytes32(0)) revert OneCodeZeroDigest();
        if (outcome != _OUTCOME_APPROVED && outcome != _OUTCOME_REFUSED) revert CreditLedgerInvalidOutcome(outcome);
        Record storage record = _records[recordId];
        _requirePublished(recordId, record.status);
        uint8 previous = _decisions[recordId][applicationId];
        if (previous != 0) revert CreditLedgerApplicationAlreadyDecided(recordId, applicationId, previous);

        address officer = _msgSender();
        PendingApproval memory pending = _pending[recordId];

        if (outcome == _OUTCOME_REFUSED) {
            _decisions[recordId][applicationId] = _OUTCOME_REFUSED;
            if (pending.officer != address(0) && pending.applicationId == applicationId) {
                delete _pending[recordId];
                emit RepairApprovalCancelled(recordId, applicationId, officer);
            }
            emit RepairDecided(recordId, applicationId, _OUTCOME_REFUSED, decisionDigest, officer, address(0));
            return;
        }

        if (!record.twoOfficers) {
            _approve(record, recordId, applicationId, decisionDigest, officer, address(0));
            return;
        }

        _proposeOrConfirm(record, recordId, applicationId, decisionDigest, officer, pending);
    }

    /// @inheritdoc ICreditLedger
    function cancelRepairApproval(bytes32 recordId) external onlyRole(REPAIR_OFFICER_ROLE) whenNotPaused {
        PendingApproval memory pending = _pending[recordId];
        if (pending.officer == address(0)) revert CreditLedgerNoPendingApproval(recordId);
        delete _pending[recordId];
        emit RepairApprovalCancelled(recordId, pending.applicationId, _msgSender());
    }

    /// @inheritdoc ICreditLedger
    function recordExpired(bytes32 recordId) external onlyRole(REPAIR_OFFICER_ROLE) whenNotPaused {
        Record storage record = _records[recordId];
        _requirePublished(recordId, record.status);
        uint40 publicUntil = record.publicUntil;
        if (block.timestamp < publicUntil) revert CreditLedgerStillPublic(recordId, publicUntil, block.timestamp);

        record.status = _STATUS_EXPIRED;
        record.changedAt = uint40(block.timestamp);
        if (_pending[recordId].officer != address(0)) delete _pending[recordId];
        emit RecordExpired(recordId, record.subject, _msgSender());
    }

    /// @inheritdoc ICreditLedger
    function anchorBatch(
        uint64 fromSeq,
        uint64 toSeq,
        bytes32 root,
        bytes32 prevHead
    ) external onlyRole(ANCHORER_ROLE) whenNotPaused {
        AnchorState memory state = _anchors;
        if (fromSeq > state.nextSeq) revert CreditLedgerAnchorGap(state.nextSeq, fromSeq);
        if (fromSeq < state.nextSeq) revert CreditLedgerAnchorOverlap(state.nextSeq, fromSeq);
        if (toSeq < fromSeq || toSeq == type(uint64).max) revert CreditLedgerAnchorInvalidRange(fromSeq, toSeq);
        if (root == bytes32(0)) revert OneCodeZeroDigest();
        bytes32 currentHead = _head;
        if (prevHead != currentHead) revert CreditLedgerAnchorStaleHead(currentHead, prevHead);

        bytes32 newHead = keccak256(abi.encode(prevHead, fromSeq, toSeq, root));
        uint64 index = state.count + 1;
        _head = newHead;
        _anchors = AnchorState({nextSeq: toSeq + 1, count: index, lastAnchoredAt: uint40(block.timestamp)});
        emit BatchAnchored(index, fromSeq, toSeq, root, newHead);
    }

    /// @inheritdoc ICreditLedger
    function recordOf(bytes32 recordId) external view returns (Record memory) {
        return _records[recordId];
    }

    /// @inheritdoc ICreditLedger
    function pendingApproval(bytes32 recordId) external view returns (PendingApproval memory) {
        return _pending[recordId];
    }

    /// @inheritdoc ICreditLedger
    function decisionOf(bytes32 recordId, bytes32 applicationId) external view returns (uint8) {
        return _decisions[recordId][applicationId];
    }

    /// @inheritdoc ICreditLedger
    function head() external view returns (bytes32) {
        return _head;
    }

    /// @inheritdoc ICreditLedger
    function nextSeq() external view returns (uint64) {
        return _anchors.nextSeq;
    }

    /// @inheritdoc ICreditLedger
    function anchorCount() external view returns (uint64) {
        return _anchors.count;
    }

    /// @inheritdoc ICreditLedger
    function lastAnchoredAt() external view returns (uint40) {
        return _anchors.lastAnchoredAt;
    }

    /// @dev Four-eyes rule: the first approval waits; a second, different officer confirms it.
    function _proposeOrConfirm(
        Record storage record,
        bytes32 recordId,
        bytes32 applicationId,
        bytes32 decisionDigest,
        address officer,
        PendingApproval memory pending
    ) private {
        if (pending.officer == address(0)) {
            _pending[recordId] = PendingApproval({
                officer: officer,
                proposedAt: uint40(block.timestamp),
                applicationId: applicationId,
                decisionDigest: decisionDigest
            });
            emit RepairApprovalProposed(recordId, applicationId, decisionDigest, officer);
            return;
        }

        if (pending.officer == officer) revert CreditLedgerSameOfficer(recordId, officer);
        if (pending.applicationId != applicationId || pending.decisionDigest != decisionDigest) {
            revert CreditLedgerApprovalMismatch(
                recordId,
                pending.applicationId,
                pending.decisionDigest,
                applicationId,
                decisionDigest
            );
        }
        if (!hasRole(REPAIR_OFFICER_ROLE, pending.officer)) revert CreditLedgerProposerNotOfficer(recordId, pending.officer);
        delete _pending[recordId];
        _approve(record, recordId, applicationId, decisionDigest, officer, pending.officer);
    }

    /// @dev Marks the record repaired and emits the decision.
    function _approve(
        Record storage record,
        bytes32 recordId,
        bytes32 applicationId,
        bytes32 decisionDigest,
        address officer,
        address firstOfficer
    ) private {
        _decisions[recordId][applicationId] = _OUTCOME_APPROVED;
        record.status = _STATUS_REPAIRED;
        record.changedAt = uint40(block.timestamp);
        emit RepairDecided(recordId, applicationId, _OUTCOME_APPROVED, decisionDigest, officer, firstOfficer);
    }

    /// @dev Reverts unless the record exists and is still published.
    function _requirePublished(bytes32 recordId, uint8 status) private pure {
        if (status == _STATUS_NONE) revert CreditLedgerUnknownRecord(recordId);
        if (status != _STATUS_PUBLISHED) revert CreditLedgerRecordNotPublished(recordId, status);
    }
}
