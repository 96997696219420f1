// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/**
 * @title ICodeRegistry
 * @notice One identity code per subject (一人一码, 一企一码). A subject is a keyed commitment (HMAC
 * of the identifier under a server key, computed off chain): no personal data is ever on chain.
 * A code id is an opaque random 128-bit value.
 *
 * Code status: 0 none, 1 active, 2 suspended, 3 revoked. Kind: 1 person, 2 enterprise.
 * A subject has at most one current code; while it is active or suspended no other code can be
 * issued to the subject, and a subject never changes kind.
 *
 * Storage: exactly one slot per subject. The attestation digest (the hash of the off-chain
 * record that justified the change) and the acting account are written to the events only, so
 * that issuing a code writes a single new storage slot (the gas budget of the registry). An
 * auditor reads them from the logs; the off-chain ledger anchors commit to the same records.
 */
interface ICodeRegistry {
    /// @notice One entry of a batch issue.
    struct CodeIssue {
        bytes32 subject;
        bytes16 codeId;
        uint8 kind;
        bytes32 attestation;
    }

    /**
     * @notice A code was issued to a subject (also emitted, after `CodeRevoked`, by a rotation).
     * @param subject Keyed commitment of the person or enterprise.
     * @param codeId The new opaque code id.
     * @param kind 1 person, 2 enterprise.
     * @param attestation Digest of the off-chain record of the issue.
     * @param issuer The registrar account that issued the code.
     */
    event CodeIssued(
        bytes32 indexed subject,
        bytes16 indexed codeId,
        uint8 kind,
        bytes32 attestation,
        address indexed issuer
    );

    /// @notice A code was revoked (by `revokeCode` or as the old code of a rotation).
    event CodeRevoked(bytes32 indexed subject, bytes16 indexed codeId, address indexed actor);

    /// @notice An active code was suspended.
    event CodeSuspended(bytes32 indexed subject, bytes16 indexed codeId, address indexed actor);

    /// @notice A suspended code was made active again.
    event CodeReinstated(bytes32 indexed subject, bytes16 indexed codeId, address indexed actor);

    /// @notice The subject already holds an active or suspended code.
    error RegistryCodeAlreadyActive(bytes32 subject, bytes16 currentCode);
    /// @notice A code id of zero was given.
    error RegistryZeroCodeId(bytes32 subject);
    /// @notice The kind is neither 1 (person) nor 2 (enterprise).
    error RegistryInvalidKind(bytes32 subject, uint8 kind);
    /// @notice A subject cannot change kind.
    error RegistryKindChanged(bytes32 subject, uint8 currentKind, uint8 requestedKind);
    /// @notice The new code id equals the subject's previous (revoked or rotated) code id.
    error RegistryCodeReused(bytes32 subject, bytes16 codeId);
    /// @notice The subject has never been issued a code.
    error RegistryUnknownSubject(bytes32 subject);
    /// @notice The given code id is not the subject's current code.
    error RegistryCodeMismatch(bytes32 subject, bytes16 currentCode, bytes16 givenCode);
    /// @notice Suspension and rotation need an active code.
    error RegistryCodeNotActive(bytes32 subject, bytes16 codeId, uint8 status);
    /// @notice Reinstatement needs a suspended code.
    error RegistryCodeNotSuspended(bytes32 subject, bytes16 codeId, uint8 status);
    /// @notice The code is already revoked.
    error RegistryCodeAlreadyRevoked(bytes32 subject, bytes16 codeId);
    /// @notice A batch issue with no entries.
    error RegistryEmptyBatch();

    /**
     * @notice Issues a code to a subject that has none, or whose code was revoked.
     * @dev `REGISTRAR_ROLE`, not paused. Writes one storage slot; emits `CodeIssued`.
     * Reverts with `OneCodeZeroSubject`, `RegistryZeroCodeId`, `OneCodeZeroDigest`,
     * `RegistryInvalidKind`, `RegistryCodeAlreadyActive` (active or suspended code),
     * `RegistryKindChanged` or `RegistryCodeReused` (same id as the revoked code).
     * Code ids are not checked for uniqueness across subjects (that would cost a second slot per
     * code): they are 128-bit random values and the database enforces uniqueness.
     * @param subject Keyed commitment of the person or enterprise.
     * @param codeId Opaque random code id, not zero.
     * @param kind 1 person, 2 enterprise.
     * @param attestation Digest of the off-chain record of the issue, not zero.
     */
    function issueCode(bytes32 subject, bytes16 codeId, uint8 kind, bytes32 attestation) external;

    /**
     * @notice Issues many codes in one transaction, all or nothing, with the checks of `issueCode`.
     * @dev `REGISTRAR_ROLE`, not paused. Reverts with `RegistryEmptyBatch` when empty; a subject
     * listed twice reverts with `RegistryCodeAlreadyActive`.
     * @param issues The codes to issue.
     */
    function issueCodes(CodeIssue[] calldata issues) external;

    /**
     * @notice Atomically revokes the subject's current code and issues a new one of the same kind.
     * @dev `REGISTRAR_ROLE`, not paused. The old code must be current and active (a suspended code
     * is reinstated first, so a rotation never lifts a suspension). Emits `CodeRevoked` for the old
     * code, then `CodeIssued` for the new one. Reverts with `RegistryUnknownSubject`,
     * `RegistryCodeMismatch`, `RegistryCodeNotActive` (suspended or revoked),
     * `RegistryZeroCodeId`, `RegistryCodeReused` (new id equals the old one) or `OneCodeZeroDigest`.
     * @param subject Keyed commitment of the person or enterprise.
     * @param oldCodeId The subject's current code id.
     * @param newCodeId The new opaque code id.
     * @param attestation Digest of the off-chain record of the rotation, not zero.
     */
    function rotateCode(bytes32 subject, bytes16 oldCodeId, bytes16 newCodeId, bytes32 attestation) external;

    /**
     * @notice Suspends the subject's active code (a scanned code then reads as not active).
     * @dev `REGISTRAR_ROLE`, not paused. Emits `CodeSuspended`. Reverts with
     * `RegistryUnknownSubject`, `RegistryCodeMismatch` or `RegistryCodeNotActive`.
     * @param subject Keyed commitment of the person or enterprise.
     * @param codeId The subject's current code id.
     */
    function suspendCode(bytes32 subject, bytes16 codeId) external;

    /**
     * @notice Makes the subject's suspended code active again.
     * @dev `REGISTRAR_ROLE`, not paused. Emits `CodeReinstated`. Reverts with
     * `RegistryUnknownSubject`, `RegistryCodeMismatch` or `RegistryCodeNotSuspended`.
     * @param subject Keyed commitment of the person or enterprise.
     * @param codeId The subject's current code id.
     */
    function reinstateCode(bytes32 subject, bytes16 codeId) external;

    /**
     * @notice Revokes the subject's active or suspended code for good; a new code may be issued later.
     * @dev `REGISTRAR_ROLE`, not paused. Emits `CodeRevoked`. Reverts with
     * `RegistryUnknownSubject`, `RegistryCodeMismatch` or `RegistryCodeAlreadyRevoked`.
     * @param subject Keyed commitment of the person or enterprise.
     * @param codeId The subject's current code id.
     */
    function revokeCode(bytes32 subject, bytes16 codeId) external;

    /**
     * @notice The subject's current (or last, when revoked) code.
     * @param subject Keyed commitment of the person or enterprise.
     * @return codeId The code id (zero if none was ever issued).
     * @return kind 1 person, 2 enterprise (0 if none).
     * @return status 0 none, 1 active, 2 suspended, 3 revoked.
     * @return issuedAt Timestamp of the issue of this code.
     * @return changedAt Timestamp of the last status change of this code.
     */
    function codeOf(
        bytes32 subject
    ) external view returns (bytes16 codeId, uint8 kind, uint8 status, uint40 issuedAt, uint40 changedAt);

    /**
     * @notice Whether `codeId` is the subject's current code and is active (what a verifier asks).
     * @param subject Keyed commitment of the person or enterprise.
     * @param codeId The scanned code id.
     * @return True only for the current, active code.
     */
    function isActive(bytes32 subject, bytes16 codeId) external view returns (bool);
}
