// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {OneCodeAccess} from "./OneCodeAccess.sol";
import {ICodeRegistry} from "./interfaces/ICodeRegistry.sol";
import {OneCodeZeroDigest, OneCodeZeroSubject} from "./Errors.sol";

/**
 * @title CodeRegistry
 * @notice One code per subject, enforced on chain. See {ICodeRegistry}.
 * @dev Each subject maps to ONE packed storage slot (code id, kind, status, two timestamps).
 * The attestation digest and the acting registrar are emitted, not stored: issuing a code writes
 * a single new slot, which keeps one issue under a third of an EAS attestation of the same fields
 * and a batch issue under 30,000 gas per code.
 */
contract CodeRegistry is ICodeRegistry, OneCodeAccess {
    /// @dev Packed into one slot: 16 + 1 + 1 + 5 + 5 = 28 bytes.
    struct CodeState {
        bytes16 codeId;
        uint8 kind;
        uint8 status;
        uint40 issuedAt;
        uint40 changedAt;
    }

    uint8 private constant _KIND_PERSON = 1;
    uint8 private constant _KIND_ENTERPRISE = 2;

    uint8 private constant _STATUS_NONE = 0;
    uint8 private constant _STATUS_ACTIVE = 1;
    uint8 private constant _STATUS_SUSPENDED = 2;
    uint8 private constant _STATUS_REVOKED = 3;

    /// @dev Bit offsets of the `CodeState` fields in the slot word.
    uint256 private constant _KIND_SHIFT = 128;
    uint256 private constant _STATUS_SHIFT = 136;
    uint256 private constant _ISSUED_AT_SHIFT = 144;
    uint256 private constant _CHANGED_AT_SHIFT = 184;

    mapping(bytes32 subject => CodeState state) private _codes;

    /**
     * @param initialDelay Seconds a default admin transfer must wait before it can be accepted.
     * @param initialAdmin The first default admin.
     */
    constructor(uint48 initialDelay, address initialAdmin) OneCodeAccess(initialDelay, initialAdmin) {}

    /// @inheritdoc ICodeRegistry
    function issueCode(
        bytes32 subject,
        bytes16 codeId,
        uint8 kind,
        bytes32 attestation
    ) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        _issue(subject, codeId, kind, attestation, _msgSender());
    }

    /// @inheritdoc ICodeRegistry
    function issueCodes(CodeIssue[] calldata issues) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        uint256 count = issues.length;
        if (count == 0) revert RegistryEmptyBatch();
        address issuer = _msgSender();
        for (uint256 i = 0; i < count; ++i) {
            CodeIssue calldata entry = issues[i];
            _issue(entry.subject, entry.codeId, entry.kind, entry.attestation, issuer);
        }
    }

    /// @inheritdoc ICodeRegistry
    function rotateCode(
        bytes32 subject,
        bytes16 oldCodeId,
        bytes16 newCodeId,
        bytes32 attestation
    ) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        CodeState memory current = _current(subject, oldCodeId);
        // A suspended code is rotated only after reinstatement: a rotation must not lift a suspension.
        if (current.status != _STATUS_ACTIVE) revert RegistryCodeNotActive(subject, oldCodeId, current.status);
        if (newCodeId == bytes16(0)) revert RegistryZeroCodeId(subject);
        if (newCodeId == oldCodeId) revert RegistryCodeReused(subject, newCodeId);
        if (attestation == bytes32(0)) revert OneCodeZeroDigest();

        uint40 now_ = uint40(block.timestamp);
        _codes[subject] = CodeState({
            codeId: newCodeId,
            kind: current.kind,
            status: _STATUS_ACTIVE,
            issuedAt: now_,
            changedAt: now_
        });
        address actor = _msgSender();
        emit CodeRevoked(subject, oldCodeId, actor);
        emit CodeIssued(subject, newCodeId, current.kind, attestation, actor);
    }

    /// @inheritdoc ICodeRegistry
    function suspendCode(bytes32 subject, bytes16 codeId) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        CodeState memory current = _current(subject, codeId);
        if (current.status != _STATUS_ACTIVE) revert RegistryCodeNotActive(subject, codeId, current.status);
        _setStatus(subject, _STATUS_SUSPENDED);
        emit CodeSuspended(subject, codeId, _msgSender());
    }

    /// @inheritdoc ICodeRegistry
    function reinstateCode(bytes32 subject, bytes16 codeId) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        CodeState memory current = _current(subject, codeId);
        if (current.status != _STATUS_SUSPENDED) revert RegistryCodeNotSuspended(subject, codeId, current.status);
        _setStatus(subject, _STATUS_ACTIVE);
        emit CodeReinstated(subject, codeId, _msgSender());
    }

    /// @inheritdoc ICodeRegistry
    function revokeCode(bytes32 subject, bytes16 codeId) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        CodeState memory current = _current(subject, codeId);
        if (current.status == _STATUS_REVOKED) revert RegistryCodeAlreadyRevoked(subject, codeId);
        _setStatus(subject, _STATUS_REVOKED);
        emit CodeRevoked(subject, codeId, _msgSender());
    }

    /// @inheritdoc ICodeRegistry
    function codeOf(
        bytes32 subject
    ) external view returns (bytes16 codeId, uint8 kind, uint8 status, uint40 issuedAt, uint40 changedAt) {
        CodeState memory state = _codes[subject];
        return (state.codeId, state.kind, state.status, state.issuedAt, state.changedAt);
    }

    /// @inheritdoc ICodeRegistry
    function isActive(bytes32 subject, bytes16 codeId) external view returns (bool) {
        CodeState memory state = _codes[subject];
        return state.status == _STATUS_ACTIVE && state.codeId == codeId;
    }

    /// @dev Checks, then writes the subject's single slot (one SLOAD, one SSTORE) and emits. The slot
    /// is read and written as one word: the memory struct copies of plain Solidity cost a batch
    /// about 10% more gas per code. Layout (low to high bits) follows `CodeState`.
    function _issue(bytes32 subject, bytes16 codeId, uint8 kind, bytes32 attestation, address issuer) private {
        if (subject == bytes32(0)) revert OneCodeZeroSubject();
        if (codeId == bytes16(0)) revert RegistryZeroCodeId(subject);
        if (kind != _KIND_PERSON && kind != _KIND_ENTERPRISE) revert RegistryInvalidKind(subject, kind);
        if (attestation == bytes32(0)) revert OneCodeZeroDigest();

        CodeState storage state = _codes[subject];
        uint256 word;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(state.slot)
        }
        if (word != 0) {
            bytes16 currentCode = bytes16(uint128(word));
            uint8 status = uint8(word >> _STATUS_SHIFT);
            if (status != _STATUS_REVOKED) revert RegistryCodeAlreadyActive(subject, currentCode);
            uint8 currentKind = uint8(word >> _KIND_SHIFT);
            if (currentKind != kind) revert RegistryKindChanged(subject, currentKind, kind);
            if (currentCode == codeId) revert RegistryCodeReused(subject, codeId);
        }

        uint256 now_ = uint40(block.timestamp);
        word =
            uint256(uint128(codeId)) |
            (uint256(kind) << _KIND_SHIFT) |
            (uint256(_STATUS_ACTIVE) << _STATUS_SHIFT) |
            (now_ << _ISSUED_AT_SHIFT) |
            (now_ << _CHANGED_AT_SHIFT);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(state.slot, word)
        }
        emit CodeIssued(subject, codeId, kind, attestation, issuer);
    }

    /// @dev The subject's state, after checking that `codeId` is its current code.
    function _current(bytes32 subject, bytes16 codeId) private view returns (CodeState memory current) {
        current = _codes[subject];
        if (current.status == _STATUS_NONE) revert RegistryUnknownSubject(subject);
        if (current.codeId != codeId) revert RegistryCodeMismatch(subject, current.codeId, codeId);
    }

    /// @dev Updates status and change time of the subject's slot.
    function _setStatus(bytes32 subject, uint8 status) private {
        CodeState storage state = _codes[subject];
        state.status = status;
        state.changedAt = uint40(block.timestamp);
    }
}
