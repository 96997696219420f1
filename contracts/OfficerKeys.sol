// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {WebAuthn} from "@openzeppelin/contracts/utils/cryptography/WebAuthn.sol";
import {OneCodeAccess} from "./OneCodeAccess.sol";
import {IOfficerKeys} from "./interfaces/IOfficerKeys.sol";

/**
 * @title OfficerKeys
 * @notice Registry of repair officers' passkeys and the check of their WebAuthn signatures over
 * EIP-712 digests. See {IOfficerKeys}.
 * @dev P-256 verification uses the P256VERIFY precompile at 0x100 where the chain has it (Osaka,
 * EIP-7951; anvil's default) and OpenZeppelin's Solidity fallback elsewhere (Prague: Hardhat EDR
 * as configured, Besu with a Prague genesis), about 225,000 gas per signature.
 */
abstract contract OfficerKeys is IOfficerKeys, OneCodeAccess, EIP712 {
    mapping(bytes32 keyId => OfficerKey key) private _keys;
    mapping(bytes32 digest => bool used) private _usedDigests;

    /// @inheritdoc IOfficerKeys
    function registerOfficerKey(
        bytes32 officerId,
        bytes32 x,
        bytes32 y
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (bytes32 keyId) {
        if (officerId == bytes32(0)) revert OfficerKeysZeroOfficerId();
        if (!P256.isValidPublicKey(x, y)) revert OfficerKeysInvalidKey(x, y);
        keyId = keccak256(abi.encode(x, y));
        if (_keys[keyId].officerId != bytes32(0)) revert OfficerKeysKeyExists(keyId);

        uint40 validFrom = uint40(block.timestamp + defaultAdminDelay());
        _keys[keyId] = OfficerKey({officerId: officerId, x: x, y: y, validFrom: validFrom, revokedAt: 0});
        emit OfficerKeyRegistered(keyId, officerId, x, y, validFrom);
    }

    /// @inheritdoc IOfficerKeys
    function revokeOfficerKey(bytes32 keyId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        OfficerKey storage key = _keys[keyId];
        bytes32 officerId = key.officerId;
        if (officerId == bytes32(0)) revert OfficerKeysUnknownKey(keyId);
        if (key.revokedAt != 0) revert OfficerKeysKeyRevoked(keyId, key.revokedAt);
        key.revokedAt = uint40(block.timestamp);
        emit OfficerKeyRevoked(keyId, officerId);
    }

    /// @inheritdoc IOfficerKeys
    function officerKey(bytes32 keyId) external view returns (OfficerKey memory) {
        return _keys[keyId];
    }

    /// @inheritdoc IOfficerKeys
    function digestUsed(bytes32 digest) external view returns (bool) {
        return _usedDigests[digest];
    }

    /// @inheritdoc IOfficerKeys
    function keyIdOf(bytes32 x, bytes32 y) external pure returns (bytes32) {
        return keccak256(abi.encode(x, y));
    }

    /**
     * @dev Checks an officer's signature over the EIP-712 digest of `structHash` and spends it:
     * not expired, not used before, a registered key past its delay and not revoked, a WebAuthn
     * assertion with user verification whose challenge is the digest. Returns the officer.
     */
    function _spendOfficerSignature(
        bytes32 structHash,
        uint256 deadline,
        OfficerSignature calldata signature
    ) internal returns (bytes32 officerId, bytes32 digest) {
        if (block.timestamp > deadline) revert OfficerKeysSignatureExpired(deadline, block.timestamp);
        digest = _hashTypedDataV4(structHash);
        if (_usedDigests[digest]) revert OfficerKeysSignatureReplayed(digest);
        bytes32 keyId = signature.keyId;
        OfficerKey memory key = _requireUsableKey(keyId);
        WebAuthn.WebAuthnAuth memory auth = WebAuthn.WebAuthnAuth({
            r: signature.r,
            s: signature.s,
            challengeIndex: signature.challengeIndex,
            typeIndex: signature.typeIndex,
            authenticatorData: signature.authenticatorData,
            clientDataJSON: signature.clientDataJSON
        });
        if (!WebAuthn.verify(abi.encodePacked(digest), auth, key.x, key.y, true)) {
            revert OfficerKeysInvalidSignature(keyId, digest);
        }
        _usedDigests[digest] = true;
        return (key.officerId, digest);
    }

    /// @dev Whether a registered key was revoked.
    function _isRevoked(bytes32 keyId) internal view returns (bool) {
        return _keys[keyId].revokedAt != 0;
    }

    /// @dev The key, after checking it is registered, past its delay and not revoked.
    function _requireUsableKey(bytes32 keyId) internal view returns (OfficerKey memory key) {
        key = _keys[keyId];
        if (key.officerId == bytes32(0)) revert OfficerKeysUnknownKey(keyId);
        if (key.revokedAt != 0) revert OfficerKeysKeyRevoked(keyId, key.revokedAt);
        if (block.timestamp < key.validFrom) revert OfficerKeysKeyNotYetValid(keyId, key.validFrom, block.timestamp);
    }
}
