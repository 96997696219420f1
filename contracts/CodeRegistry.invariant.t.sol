// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {CodeRegistry} from "./CodeRegistry.sol";
import {Cheats} from "./test/Cheats.sol";

/// @dev Drives the registry with random issue/rotate/suspend/reinstate/revoke calls on a few
/// subjects and mirrors every call in a ghost model. A call the model forbids must revert; a call
/// it allows must succeed.
contract RegistryHandler is Cheats {
    uint256 internal constant SUBJECTS = 5;
    uint8 internal constant NONE = 0;
    uint8 internal constant ACTIVE = 1;
    uint8 internal constant SUSPENDED = 2;
    uint8 internal constant REVOKED = 3;

    CodeRegistry public immutable registry;

    mapping(uint256 index => bytes16 code) public ghostCode;
    mapping(uint256 index => uint8 status) public ghostStatus;
    mapping(uint256 index => uint8 kind) public ghostKind;
    mapping(uint256 index => bytes16[] codes) internal _history;
    uint256 public modelViolations;
    uint256 public successes;
    uint256 internal _nonce;

    constructor(CodeRegistry registry_) {
        registry = registry_;
    }

    function subjectAt(uint256 index) public pure returns (bytes32) {
        return keccak256(abi.encode("invariant-subject", index));
    }

    function subjectCount() external pure returns (uint256) {
        return SUBJECTS;
    }

    function history(uint256 index) external view returns (bytes16[] memory) {
        return _history[index];
    }

    function issue(uint256 subjectSeed, uint256 codeSeed, bool enterprise) external {
        uint256 i = subjectSeed % SUBJECTS;
        bytes16 code = _pickNew(i, codeSeed);
        uint8 kind = enterprise ? 2 : 1;
        uint8 status = ghostStatus[i];
        bool allowed = status == NONE || (status == REVOKED && kind == ghostKind[i] && code != ghostCode[i]);
        try registry.issueCode(subjectAt(i), code, kind, keccak256(abi.encode(code))) {
            _expect(allowed);
            _setCurrent(i, code, ACTIVE);
            ghostKind[i] = kind;
        } catch {
            _expect(!allowed);
        }
    }

    function rotate(uint256 subjectSeed, uint256 oldSeed, uint256 codeSeed) external {
        uint256 i = subjectSeed % SUBJECTS;
        bytes16 oldCode = _pickCurrent(i, oldSeed);
        bytes16 code = _pickNew(i, codeSeed);
        uint8 status = ghostStatus[i];
        bool allowed = status == ACTIVE && oldCode == ghostCode[i] && code != oldCode;
        try registry.rotateCode(subjectAt(i), oldCode, code, keccak256(abi.encode(code))) {
            _expect(allowed);
            _setCurrent(i, code, ACTIVE);
        } catch {
            _expect(!allowed);
        }
    }

    function suspend(uint256 subjectSeed, uint256 codeSeed) external {
        uint256 i = subjectSeed % SUBJECTS;
        bytes16 code = _pickCurrent(i, codeSeed);
        bool allowed = ghostStatus[i] == ACTIVE && code == ghostCode[i];
        try registry.suspendCode(subjectAt(i), code) {
            _expect(allowed);
            ghostStatus[i] = SUSPENDED;
        } catch {
            _expect(!allowed);
        }
    }

    function reinstate(uint256 subjectSeed, uint256 codeSeed) external {
        uint256 i = subjectSeed % SUBJECTS;
        bytes16 code = _pickCurrent(i, codeSeed);
        bool allowed = ghostStatus[i] == SUSPENDED && code == ghostCode[i];
        try registry.reinstateCode(subjectAt(i), code) {
            _expect(allowed);
            ghostStatus[i] = ACTIVE;
        } catch {
            _expect(!allowed);
        }
    }

    function revoke(uint256 subjectSeed, uint256 codeSeed) external {
        uint256 i = subjectSeed % SUBJECTS;
        bytes16 code = _pickCurrent(i, codeSeed);
        uint8 status = ghostStatus[i];
        bool allowed = (status == ACTIVE || status == SUSPENDED) && code == ghostCode[i];
        try registry.revokeCode(subjectAt(i), code) {
            _expect(allowed);
            ghostStatus[i] = REVOKED;
        } catch {
            _expect(!allowed);
        }
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 1 days));
    }

    /// @dev Mostly a fresh code; sometimes the current one (to hit the reuse checks).
    function _pickNew(uint256 i, uint256 seed) private returns (bytes16) {
        if (seed % 5 == 0 && ghostCode[i] != bytes16(0)) return ghostCode[i];
        return bytes16(keccak256(abi.encode("code", ++_nonce)));
    }

    /// @dev Mostly the current code; sometimes an earlier or an unknown one.
    function _pickCurrent(uint256 i, uint256 seed) private view returns (bytes16) {
        bytes16[] storage codes = _history[i];
        if (seed % 4 == 0 && codes.length > 0) return codes[(seed >> 8) % codes.length];
        if (seed % 7 == 0) return bytes16(keccak256(abi.encode("unknown", seed)));
        return ghostCode[i];
    }

    function _setCurrent(uint256 i, bytes16 code, uint8 status) private {
        ghostCode[i] = code;
        ghostStatus[i] = status;
        _history[i].push(code);
    }

    function _expect(bool ok) private {
        if (ok) ++successes;
        else ++modelViolations;
    }
}

/// @dev Invariant: one active code per subject, and the chain agrees with the ghost model.
contract CodeRegistryInvariantTest is Cheats {
    CodeRegistry internal registry;
    RegistryHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new CodeRegistry(1 days, address(this));
        handler = new RegistryHandler(registry);
        registry.grantRole(registry.REGISTRAR_ROLE(), address(handler));
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @dev Each run must have changed state, or the invariant proves little.
    function afterInvariant() public view {
        assertTrue(handler.successes() > 0);
    }

    /// forge-config: default.invariant.runs = 256
    /// forge-config: default.invariant.depth = 64
    function invariant_oneActiveCodePerSubject() public view {
        assertEq(handler.modelViolations(), 0);
        for (uint256 i = 0; i < handler.subjectCount(); ++i) {
            bytes32 subject = handler.subjectAt(i);
            bytes16[] memory codes = handler.history(i);
            uint256 active = 0;
            for (uint256 j = 0; j < codes.length; ++j) {
                if (registry.isActive(subject, codes[j])) ++active;
            }
            uint8 ghostStatus = handler.ghostStatus(i);
            assertEq(active, ghostStatus == 1 ? 1 : 0);
            (bytes16 code, uint8 kind, uint8 status, , ) = registry.codeOf(subject);
            assertEq16(code, handler.ghostCode(i));
            assertEq(kind, handler.ghostKind(i));
            assertEq(status, ghostStatus);
        }
    }
}
