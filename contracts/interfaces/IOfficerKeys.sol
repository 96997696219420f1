// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/**
 * @title IOfficerKeys
 * @notice Repair officers' own signing keys: passkeys (WebAuthn, P-256) whose private half never
 * leaves the officer's authenticator. The default admin registers a key; it becomes usable only
 * after the admin delay (`defaultAdminDelay()`, the same wait an admin transfer has), so a stolen
 * admin key cannot mint an officer before monitors see `OfficerKeyRegistered` and pause or revoke.
 * A revocation takes effect at once.
 *
 * An officer (an opaque `officerId`, never personal data) may hold several keys (phone, security
 * key); the four-eyes rule counts officers, not keys. A key is known by
 * `keyId = keccak256(abi.encode(x, y))`.
 *
 * Every signed message is an EIP-712 digest (domain `OneCode CreditLedger`, version `1`, this
 * chain and contract) used as the WebAuthn challenge; each digest is accepted once (replay
 * protection) and only until its deadline.
 */
interface IOfficerKeys {
    /// @notice A registered officer key.
    struct OfficerKey {
        bytes32 officerId;
        bytes32 x;
        bytes32 y;
        uint40 validFrom;
        uint40 revokedAt;
    }

    /**
     * @notice A WebAuthn assertion made with a registered key over an EIP-712 digest.
     * @param keyId The registered key that signed.
     * @param r P-256 signature r.
     * @param s P-256 signature s, in the lower half of the curve order (flip `s = n - s` if not).
     * @param challengeIndex Offset of `"challenge":"…"` in `clientDataJSON`.
     * @param typeIndex Offset of `"type":"webauthn.get"` in `clientDataJSON`.
     * @param authenticatorData The authenticator data, as returned by the authenticator.
     * @param clientDataJSON The client data JSON, as returned by the browser.
     */
    struct OfficerSignature {
        bytes32 keyId;
        bytes32 r;
        bytes32 s;
        uint256 challengeIndex;
        uint256 typeIndex;
        bytes authenticatorData;
        string clientDataJSON;
    }

    /// @notice A key was registered for an officer; usable from `validFrom`.
    event OfficerKeyRegistered(bytes32 indexed keyId, bytes32 indexed officerId, bytes32 x, bytes32 y, uint40 validFrom);

    /// @notice A key was revoked; signatures made with it are refused from now on.
    event OfficerKeyRevoked(bytes32 indexed keyId, bytes32 indexed officerId);

    /// @notice An officer id of zero was given.
    error OfficerKeysZeroOfficerId();
    /// @notice The public key is not a point of P-256.
    error OfficerKeysInvalidKey(bytes32 x, bytes32 y);
    /// @notice This key is registered already (possibly revoked: a revoked key never returns).
    error OfficerKeysKeyExists(bytes32 keyId);
    /// @notice No key has this id.
    error OfficerKeysUnknownKey(bytes32 keyId);
    /// @notice The key was revoked.
    error OfficerKeysKeyRevoked(bytes32 keyId, uint40 revokedAt);
    /// @notice The key's registration delay has not passed yet.
    error OfficerKeysKeyNotYetValid(bytes32 keyId, uint40 validFrom, uint256 currentTime);
    /// @notice The WebAuthn assertion does not verify for this key and digest (or lacks user verification).
    error OfficerKeysInvalidSignature(bytes32 keyId, bytes32 digest);
    /// @notice The signed message's deadline has passed.
    error OfficerKeysSignatureExpired(uint256 deadline, uint256 currentTime);
    /// @notice This signed message was used already.
    error OfficerKeysSignatureReplayed(bytes32 digest);

    /**
     * @notice Registers an officer's P-256 public key; it becomes usable after the admin delay.
     * @dev Default admin only (works while paused). `validFrom = now + defaultAdminDelay()`.
     * Emits `OfficerKeyRegistered`. Reverts with `OfficerKeysZeroOfficerId`, `OfficerKeysInvalidKey`
     * or `OfficerKeysKeyExists`.
     * @param officerId Opaque id of the officer (e.g. a keyed hash of the operator id; no personal data).
     * @param x Public key x coordinate.
     * @param y Public key y coordinate.
     * @return keyId `keccak256(abi.encode(x, y))`.
     */
    function registerOfficerKey(bytes32 officerId, bytes32 x, bytes32 y) external returns (bytes32 keyId);

    /**
     * @notice Revokes an officer key at once (a lost device, an officer who left).
     * @dev Default admin only (works while paused). A pending approval made with the key can no
     * longer be confirmed. Emits `OfficerKeyRevoked`. Reverts with `OfficerKeysUnknownKey` or
     * `OfficerKeysKeyRevoked`.
     * @param keyId The key.
     */
    function revokeOfficerKey(bytes32 keyId) external;

    /**
     * @notice A registered key.
     * @param keyId The key.
     * @return The key (zero officer id when unknown).
     */
    function officerKey(bytes32 keyId) external view returns (OfficerKey memory);

    /**
     * @notice Whether a signed message (its EIP-712 digest) was used already: the chain's own
     * answer to "was this exact write applied".
     * @param digest The EIP-712 digest.
     * @return True once a call carrying a signature over `digest` succeeded.
     */
    function digestUsed(bytes32 digest) external view returns (bool);

    /**
     * @notice The id of a public key.
     * @param x Public key x coordinate.
     * @param y Public key y coordinate.
     * @return `keccak256(abi.encode(x, y))`.
     */
    function keyIdOf(bytes32 x, bytes32 y) external pure returns (bytes32);
}
