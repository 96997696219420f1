// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {OfficerKeys} from "./OfficerKeys.sol";
import {OneCodeAccess} from "./OneCodeAccess.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {OneCodeZeroDigest, OneCodeZeroSubject} from "./Errors.sol";

/**
 * @title CreditLedger
 * @notice Dishonesty records, repair decisions signed by the officers' own passkeys (four eyes for
 * the serious-dishonesty list), and the anchor chain of the off-chain ledger. See {ICreditLedger}.
 */
contract CreditLedger is ICreditLedger, OfficerKeys {
    /// @dev Packed into one slot: 8 + 8 + 5 bytes.
    struct AnchorState {
        uint64 nextSeq;
        uint64 count;
        uint40 lastAnchoredAt;
    }

    /// @dev EIP-712 type of a decision. The two strings are signed (and sent) as their keccak256.
    bytes32 public constant DECISION_TYPEHASH =
        keccak256(
            "Decision(bytes32 recordId,bytes32 applicationId,uint8 outcome,bytes32 decisionDigest,string policyVersion,string ruleId,uint256 nonce,uint256 deadline)"
        );
    /// @dev EIP-712 type of a withdrawal of a pending approval.
    bytes32 public constant WITHDRAWAL_TYPEHASH =
        keccak256("Withdrawal(bytes32 recordId,bytes32 applicationId,uint256 nonce,uint256 deadline)");

    uint8 private constant _CATEGORY_SERIOUS_LIST = 2;
    uint8 private constant _CATEGORY_MAX = 4;
    uint8 private constant _SEVERITY_MAX = 3;
    uint8 private constant _APPROVALS_MAX = 2;

    uint8 private constant _STATUS_NONE = 0;
    uint8 private constant _STATUS_PUBLISHED = 1;
    uint8 private constant _STATUS_REPAIRED = 2;
    uint8 private constant _STATUS_EXPIRED = 3;

    uint8 private constant _OUTCOME_APPROVED = 1;
    uint8 private constant _OUTCOME_REFUSED = 2;

    uint8 private constant _WITHDRAWN_BY_OFFICER = 1;
    uint8 private constant _WITHDRAWN_BY_REFUSAL = 2;

    bytes32 private immutable _GENESIS_HEAD;
    uint64 private immutable _GENESIS_SEQ;

    mapping(bytes32 recordId => Record record) private _records;
    mapping(bytes32 recordId => PendingApproval approval) private _pending;
    mapping(bytes32 recordId => mapping(bytes32 applicationId => uint8 outcome)) private _decisions;

    bytes32 private _head;
    AnchorState private _anchors;

    /**
     * @param initialDelay Seconds a default admin transfer (and an officer key registration) must wait.
     * @param initialAdmin The first default admin.
     * @param genesisHead Head the anchor chain continues from: zero for a new chain, else the last
     * `head()` of the contract this one replaces.
     * @param firstSeq Sequence number of the first entry this contract anchors: 1 for a new chain,
     * else the predecessor's `nextSeq()`.
     */
    constructor(
        uint48 initialDelay,
        address initialAdmin,
        bytes32 genesisHead,
        uint64 firstSeq
    ) OneCodeAccess(initialDelay, initialAdmin) EIP712("OneCode CreditLedger", "1") {
        // A zero head means nothing was anchored before, so the chain must start at entry 1.
        if (firstSeq == 0 || firstSeq == type(uint64).max || (genesisHead == bytes32(0)) != (firstSeq == 1)) {
            revert CreditLedgerInvalidGenesis(genesisHead, firstSeq);
        }
        _GENESIS_HEAD = genesisHead;
        _GENESIS_SEQ = firstSeq;
        _head = genesisHead;
        // Non-zero from the start, so that no anchor ever writes a fresh slot.
        _anchors.nextSeq = firstSeq;
        emit AnchorChainStarted(genesisHead, firstSeq);
    }

    /// @inheritdoc ICreditLedger
    function publishRecord(
        bytes32 recordId,
        bytes32 subject,
        bytes32 digest,
        uint8 category,
        uint8 severity,
        uint40 publicUntil,
        uint8 approvalsNeeded
    ) external onlyRole(CREDIT_AGENCY_ROLE) whenNotPaused {
        if (recordId == bytes32(0)) revert CreditLedgerZeroRecordId();
        if (subject == bytes32(0)) revert OneCodeZeroSubject();
        if (digest == bytes32(0)) revert OneCodeZeroDigest();
        if (category == 0 || category > _CATEGORY_MAX) revert CreditLedgerInvalidCategory(category);
        if (severity == 0 || severity > _SEVERITY_MAX) revert CreditLedgerInvalidSeverity(severity);
        // Leaving the serious-dishonesty list always takes four eyes, whatever the feed says.
        if (approvalsNeeded > _APPROVALS_MAX || (category == _CATEGORY_SERIOUS_LIST && approvalsNeeded != _APPROVALS_MAX)) {
            revert CreditLedgerInvalidApprovalsNeeded(category, approvalsNeeded);
        }
        if (publicUntil <= block.timestamp) revert CreditLedgerInvalidPublicUntil(publicUntil, block.timestamp);
        if (_records[recordId].status != _STATUS_NONE) revert CreditLedgerRecordExists(recordId);

        uint40 now_ = uint40(block.timestamp);
        _records[recordId] = Record({
            subject: subject,
            digest: digest,
            category: category,
            severity: severity,
            status: _STATUS_PUBLISHED,
            approvalsNeeded: approvalsNeeded,
            publishedAt: now_,
            publicUntil: publicUntil,
            changedAt: now_
        });
        emit RecordPublished(recordId, subject, digest, category, severity, publicUntil, approvalsNeeded, _msgSender());
    }

    /// @inheritdoc ICreditLedger
    function decideRepair(
        Decision calldata decision,
        OfficerSignature calldata signature
    ) external onlyRole(RELAYER_ROLE) whenNotPaused {
        bytes32 recordId = decision.recordId;
        Record storage record = _records[recordId];
        _checkDecidable(record, recordId, decision.applicationId, decision.outcome, decision.decisionDigest);
        (bytes32 officerId, bytes32 signedDigest) = _spendOfficerSignature(_hashDecision(decision), decision.deadline, signature);

        if (decision.outcome == _OUTCOME_REFUSED) {
            _refuse(recordId, decision, officerId);
        } else if (record.approvalsNeeded < _APPROVALS_MAX) {
            _approve(record, decision, officerId, bytes32(0));
        } else {
            _proposeOrConfirm(record, decision, officerId, signature.keyId, signedDigest);
        }
    }

    /// @inheritdoc ICreditLedger
    function decideRepairByRule(
        bytes32 recordId,
        bytes32 applicationId,
        uint8 outcome,
        bytes32 decisionDigest,
        bytes32 policyVersionHash,
        bytes32 ruleIdHash
    ) external onlyRole(RELAYER_ROLE) whenNotPaused {
        Record storage record = _records[recordId];
        _checkDecidable(record, recordId, applicationId, outcome, decisionDigest);
        if (outcome == _OUTCOME_APPROVED && record.approvalsNeeded != 0) {
            revert CreditLedgerOfficerSignatureRequired(recordId, record.approvalsNeeded);
        }
        if (_pending[recordId].applicationId == applicationId) revert CreditLedgerApprovalPending(recordId, applicationId);

        _decisions[recordId][applicationId] = outcome;
        if (outcome == _OUTCOME_APPROVED) {
            record.status = _STATUS_REPAIRED;
            record.changedAt = uint40(block.timestamp);
        }
        emit RepairDecided(recordId, applicationId, outcome, decisionDigest, policyVersionHash, ruleIdHash, bytes32(0), bytes32(0));
    }

    /// @inheritdoc ICreditLedger
    function withdrawRepairApproval(
        Withdrawal calldata withdrawal,
        OfficerSignature calldata signature
    ) external onlyRole(RELAYER_ROLE) whenNotPaused {
        bytes32 recordId = withdrawal.recordId;
        bytes32 applicationId = withdrawal.applicationId;
        // A zero application id never matches: a record without a pending approval stores zero.
        if (applicationId == bytes32(0) || _pending[recordId].applicationId != applicationId) {
            revert CreditLedgerNoPendingApproval(recordId, applicationId);
        }
        (bytes32 officerId, ) = _spendOfficerSignature(_hashWithdrawal(withdrawal), withdrawal.deadline, signature);
        delete _pending[recordId];
        emit RepairApprovalWithdrawn(recordId, applicationId, officerId, _WITHDRAWN_BY_OFFICER);
    }

    /// @inheritdoc ICreditLedger
    function recordExpired(bytes32 recordId) external onlyRole(RELAYER_ROLE) whenNotPaused {
        Record storage record = _records[recordId];
        _requirePublished(recordId, record.status);
        uint40 publicUntil = record.publicUntil;
        if (block.timestamp < publicUntil) revert CreditLedgerStillPublic(recordId, publicUntil, block.timestamp);

        record.status = _STATUS_EXPIRED;
        record.changedAt = uint40(block.timestamp);
        PendingApproval storage pending = _pending[recordId];
        bytes32 pendingApplication = pending.applicationId;
        if (pendingApplication != bytes32(0)) {
            bytes32 proposer = pending.officerId;
            delete _pending[recordId];
            emit RepairApprovalExpired(recordId, pendingApplication, proposer);
        }
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
    function decisionDigestOf(Decision calldata decision) external view returns (bytes32) {
        return _hashTypedDataV4(_hashDecision(decision));
    }

    /// @inheritdoc ICreditLedger
    function withdrawalDigestOf(Withdrawal calldata withdrawal) external view returns (bytes32) {
        return _hashTypedDataV4(_hashWithdrawal(withdrawal));
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
    function genesis() external view returns (bytes32 genesisHead, uint64 firstSeq) {
        return (_GENESIS_HEAD, _GENESIS_SEQ);
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

    /// @dev Four-eyes rule: the first approval waits; a second, different officer confirms the same terms.
    function _proposeOrConfirm(
        Record storage record,
        Decision calldata decision,
        bytes32 officerId,
        bytes32 keyId,
        bytes32 signedDigest
    ) private {
        bytes32 recordId = decision.recordId;
        bytes32 terms = _termsOf(decision);
        PendingApproval memory pending = _pending[recordId];
        if (pending.applicationId == bytes32(0)) {
            _pending[recordId] = PendingApproval({
                applicationId: decision.applicationId,
                terms: terms,
                keyId: keyId,
                officerId: officerId,
                proposedAt: uint40(block.timestamp)
            });
            emit RepairApprovalProposed(recordId, decision.applicationId, decision.decisionDigest, officerId, keyId, signedDigest);
            return;
        }

        if (pending.officerId == officerId) revert CreditLedgerSameOfficer(recordId, officerId);
        if (pending.applicationId != decision.applicationId || pending.terms != terms) {
            revert CreditLedgerApprovalMismatch(recordId, pending.applicationId, pending.terms, decision.applicationId, terms);
        }
        if (_isRevoked(pending.keyId)) revert CreditLedgerProposerKeyRevoked(recordId, pending.keyId);
        delete _pending[recordId];
        _approve(record, decision, officerId, pending.officerId);
    }

    /// @dev A signed refusal; it withdraws a pending approval of the same application.
    function _refuse(bytes32 recordId, Decision calldata decision, bytes32 officerId) private {
        bytes32 applicationId = decision.applicationId;
        _decisions[recordId][applicationId] = _OUTCOME_REFUSED;
        if (_pending[recordId].applicationId == applicationId) {
            delete _pending[recordId];
            emit RepairApprovalWithdrawn(recordId, applicationId, officerId, _WITHDRAWN_BY_REFUSAL);
        }
        _emitDecided(decision, officerId, bytes32(0));
    }

    /// @dev Marks the record repaired and emits the decision.
    function _approve(Record storage record, Decision calldata decision, bytes32 officerId, bytes32 firstOfficerId) private {
        _decisions[decision.recordId][decision.applicationId] = _OUTCOME_APPROVED;
        record.status = _STATUS_REPAIRED;
        record.changedAt = uint40(block.timestamp);
        _emitDecided(decision, officerId, firstOfficerId);
    }

    function _emitDecided(Decision calldata decision, bytes32 officerId, bytes32 firstOfficerId) private {
        emit RepairDecided(
            decision.recordId,
            decision.applicationId,
            decision.outcome,
            decision.decisionDigest,
            decision.policyVersionHash,
            decision.ruleIdHash,
            officerId,
            firstOfficerId
        );
    }

    /// @dev Checks shared by signed and rule decisions.
    function _checkDecidable(
        Record storage record,
        bytes32 recordId,
        bytes32 applicationId,
        uint8 outcome,
        bytes32 decisionDigest
    ) private view {
        if (applicationId == bytes32(0)) revert CreditLedgerZeroApplicationId();
        if (decisionDigest == bytes32(0)) revert OneCodeZeroDigest();
        if (outcome != _OUTCOME_APPROVED && outcome != _OUTCOME_REFUSED) revert CreditLedgerInvalidOutcome(outcome);
        _requirePublished(recordId, record.status);
        uint8 previous = _decisions[recordId][applicationId];
        if (previous != 0) revert CreditLedgerApplicationAlreadyDecided(recordId, applicationId, previous);
    }

    /// @dev Reverts unless the record exists and is still published.
    function _requirePublished(bytes32 recordId, uint8 status) private pure {
        if (status == _STATUS_NONE) revert CreditLedgerUnknownRecord(recordId);
        if (status != _STATUS_PUBLISHED) revert CreditLedgerRecordNotPublished(recordId, status);
    }

    /// @dev EIP-712 struct hash of a decision (all members are static, so abi.encode lays them out in order).
    function _hashDecision(Decision calldata decision) private pure returns (bytes32) {
        return keccak256(abi.encode(DECISION_TYPEHASH, decision));
    }

    function _hashWithdrawal(Withdrawal calldata withdrawal) private pure returns (bytes32) {
        return keccak256(abi.encode(WITHDRAWAL_TYPEHASH, withdrawal));
    }

    /// @dev What both officers of a four-eyes approval must sign alike.
    function _termsOf(Decision calldata decision) private pure returns (bytes32) {
        return keccak256(abi.encode(decision.decisionDigest, decision.policyVersionHash, decision.ruleIdHash));
    }
}
