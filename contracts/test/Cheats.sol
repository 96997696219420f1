// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @dev The few cheatcodes our Solidity tests use (forge-std is not available here).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit() external;
    function warp(uint256 newTimestamp) external;
    function assume(bool condition) external pure;
    function signP256(uint256 privateKey, bytes32 digest) external pure returns (bytes32 r, bytes32 s);
    function publicKeyP256(uint256 privateKey) external pure returns (uint256 publicKeyX, uint256 publicKeyY);
}

/// @dev Cheatcodes, assertions and helpers shared by the test contracts.
abstract contract Cheats {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertEqUint(uint256 actual, uint256 expected);
    error AssertEqBytes32(bytes32 actual, bytes32 expected);
    error AssertEqAddress(address actual, address expected);
    error AssertTrue();

    function assertEq(uint256 actual, uint256 expected) internal pure {
        if (actual != expected) revert AssertEqUint(actual, expected);
    }

    function assertEq(bytes32 actual, bytes32 expected) internal pure {
        if (actual != expected) revert AssertEqBytes32(actual, expected);
    }

    function assertEq16(bytes16 actual, bytes16 expected) internal pure {
        if (actual != expected) revert AssertEqBytes32(actual, expected);
    }

    function assertEq(address actual, address expected) internal pure {
        if (actual != expected) revert AssertEqAddress(actual, expected);
    }

    function assertTrue(bool condition) internal pure {
        if (!condition) revert AssertTrue();
    }

    function assertFalse(bool condition) internal pure {
        if (condition) revert AssertTrue();
    }

    /// @dev Maps `x` into [min, max] (both inclusive) without rejecting inputs.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        uint256 size = max - min + 1;
        return min + (x % size);
    }
}
