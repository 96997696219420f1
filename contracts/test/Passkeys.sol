// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {IOfficerKeys} from "../interfaces/IOfficerKeys.sol";
import {Cheats} from "./Cheats.sol";

/// @dev Real WebAuthn assertions for Solidity tests: P-256 keys and signatures from the test
/// runner's `signP256`, authenticator data and client data JSON built as a browser builds them.
abstract contract Passkeys is Cheats {
    uint256 internal constant P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551;
    /// @dev User present (0x01) and user verified (0x04).
    bytes1 internal constant FLAGS_UP_UV = 0x05;
    bytes1 internal constant FLAGS_UP_ONLY = 0x01;
    string internal constant CLIENT_DATA_HEAD = '{"type":"webauthn.get","challenge":"';
    string internal constant CLIENT_DATA_TAIL = '","origin":"https://backoffice.onecode.example","crossOrigin":false}';

    /// @dev Public key of a P-256 private key, as bytes32 coordinates.
    function _publicKey(uint256 privateKey) internal pure returns (bytes32 x, bytes32 y) {
        (uint256 px, uint256 py) = vm.publicKeyP256(privateKey);
        return (bytes32(px), bytes32(py));
    }

    function _keyIdOf(uint256 privateKey) internal pure returns (bytes32) {
        (bytes32 x, bytes32 y) = _publicKey(privateKey);
        return keccak256(abi.encode(x, y));
    }

    /// @dev An assertion over `challenge` with user verification, low-s signature.
    function _assertion(uint256 privateKey, bytes32 challenge) internal pure returns (IOfficerKeys.OfficerSignature memory) {
        return _assertionWith(privateKey, challenge, FLAGS_UP_UV, true);
    }

    function _assertionWith(
        uint256 privateKey,
        bytes32 challenge,
        bytes1 flags,
        bool lowS
    ) internal pure returns (IOfficerKeys.OfficerSignature memory sig) {
        bytes memory authenticatorData = abi.encodePacked(sha256("backoffice.onecode.example"), flags, uint32(7));
        string memory clientDataJSON = string.concat(
            CLIENT_DATA_HEAD,
            Base64.encodeURL(abi.encodePacked(challenge)),
            CLIENT_DATA_TAIL
        );
        bytes32 message = sha256(abi.encodePacked(authenticatorData, sha256(bytes(clientDataJSON))));
        (bytes32 r, bytes32 s) = vm.signP256(privateKey, message);
        bool isLow = uint256(s) <= P256_N / 2;
        if (isLow != lowS) s = bytes32(P256_N - uint256(s));
        sig = IOfficerKeys.OfficerSignature({
            keyId: _keyIdOf(privateKey),
            r: r,
            s: s,
            challengeIndex: 23,
            typeIndex: 1,
            authenticatorData: authenticatorData,
            clientDataJSON: clientDataJSON
        });
    }
}
