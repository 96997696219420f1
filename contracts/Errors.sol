// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

// Errors shared by the OneCode contracts (CodeRegistry, CreditLedger). Errors that only one
// contract raises live in that contract's interface.

/// @notice A subject commitment was zero. A subject is a keyed commitment (HMAC) computed off chain.
error OneCodeZeroSubject();

/// @notice A digest (attestation, record digest, decision digest or Merkle root) was zero.
error OneCodeZeroDigest();
