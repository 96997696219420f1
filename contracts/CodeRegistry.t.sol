// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {CodeRegistry} from "./CodeRegistry.sol";
import {ICodeRegistry} from "./interfaces/ICodeRegistry.sol";
import {OneCodeZeroDigest, OneCodeZeroSubject} from "./Errors.sol";
import {Cheats} from "./test/Cheats.sol";

/// @dev Unit and fuzz tests of CodeRegistry. The test contract is the registrar; ADMIN is the
/// default admin (separated roles: one account cannot hold both).
contract CodeRegistryTest is Cheats {
    CodeRegistry internal registry;

    bytes32 internal constant SUBJECT = keccak256("subject-1");
    bytes16 internal constant CODE = bytes16(keccak256("code-1"));
    bytes16 internal constant CODE2 = bytes16(keccak256("code-2"));
    bytes32 internal constant ATT = keccak256("attestation-1");
    address internal constant STRANGER = address(0xBAD);
    address internal constant PAUSER = address(0x9A05E);
    address internal constant ADMIN = address(0xAD);

    uint8 internal constant PERSON = 1;
    uint8 internal constant ENTERPRISE = 2;

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new CodeRegistry(1 days, ADMIN);
        bytes32 registrarRole = registry.REGISTRAR_ROLE();
        bytes32 pauserRole = registry.PAUSER_ROLE();
        vm.startPrank(ADMIN);
        registry.grantRole(registrarRole, address(this));
        registry.grantRole(pauserRole, PAUSER);
        vm.stopPrank();
    }

    function _pauseAsAdmin() internal {
        vm.prank(ADMIN);
        registry.pause();
    }

    // ---- issue ----

    function test_issueCode_storesOneActiveCode() public {
        vm.expectEmit();
        emit ICodeRegistry.CodeIssued(SUBJECT, CODE, PERSON, ATT, address(this));
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        (bytes16 codeId, uint8 kind, uint8 status, uint40 issuedAt, uint40 changedAt) = registry.codeOf(SUBJECT);
        assertEq16(codeId, CODE);
        assertEq(kind, PERSON);
        assertEq(status, 1);
        assertEq(issuedAt, block.timestamp);
        assertEq(changedAt, block.timestamp);
        assertTrue(registry.isActive(SUBJECT, CODE));
        assertFalse(registry.isActive(SUBJECT, CODE2));
    }

    function test_issueCode_revertsOnZeroSubject() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroSubject.selector));
        registry.issueCode(bytes32(0), CODE, PERSON, ATT);
    }

    function test_issueCode_revertsOnZeroCodeId() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryZeroCodeId.selector, SUBJECT));
        registry.issueCode(SUBJECT, bytes16(0), PERSON, ATT);
    }

    function test_issueCode_revertsOnKindZero() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryInvalidKind.selector, SUBJECT, uint8(0)));
        registry.issueCode(SUBJECT, CODE, 0, ATT);
    }

    function test_issueCode_revertsOnKindThree() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryInvalidKind.selector, SUBJECT, uint8(3)));
        registry.issueCode(SUBJECT, CODE, 3, ATT);
    }

    function test_issueCode_revertsOnZeroAttestation() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        registry.issueCode(SUBJECT, CODE, PERSON, bytes32(0));
    }

    function test_issueCode_revertsWhenActive() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeAlreadyActive.selector, SUBJECT, CODE));
        registry.issueCode(SUBJECT, CODE2, PERSON, ATT);
    }

    function test_issueCode_revertsWhenSuspended() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.suspendCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeAlreadyActive.selector, SUBJECT, CODE));
        registry.issueCode(SUBJECT, CODE2, PERSON, ATT);
    }

    function test_issueCode_afterRevokeIssuesNewCode() public {
        registry.issueCode(SUBJECT, CODE, ENTERPRISE, ATT);
        registry.revokeCode(SUBJECT, CODE);
        vm.warp(block.timestamp + 100);
        registry.issueCode(SUBJECT, CODE2, ENTERPRISE, ATT);
        (bytes16 codeId, uint8 kind, uint8 status, uint40 issuedAt, ) = registry.codeOf(SUBJECT);
        assertEq16(codeId, CODE2);
        assertEq(kind, ENTERPRISE);
        assertEq(status, 1);
        assertEq(issuedAt, block.timestamp);
        assertFalse(registry.isActive(SUBJECT, CODE));
    }

    function test_issueCode_revertsOnKindChange() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.revokeCode(SUBJECT, CODE);
        vm.expectRevert(
            abi.encodeWithSelector(ICodeRegistry.RegistryKindChanged.selector, SUBJECT, PERSON, ENTERPRISE)
        );
        registry.issueCode(SUBJECT, CODE2, ENTERPRISE, ATT);
    }

    function test_issueCode_revertsOnReuseOfRevokedCode() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.revokeCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeReused.selector, SUBJECT, CODE));
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
    }

    function test_issueCode_revertsWithoutRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
    }

    function test_issueCode_revertsWhenPaused() public {
        _pauseAsAdmin();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
    }

    // ---- batch ----

    function _batch(uint256 n) internal pure returns (ICodeRegistry.CodeIssue[] memory issues) {
        issues = new ICodeRegistry.CodeIssue[](n);
        for (uint256 i = 0; i < n; ++i) {
            issues[i] = ICodeRegistry.CodeIssue({
                subject: keccak256(abi.encode("subject", i)),
                codeId: bytes16(keccak256(abi.encode("code", i))),
                kind: uint8(1 + (i % 2)),
                attestation: keccak256(abi.encode("att", i))
            });
        }
    }

    function test_issueCodes_issuesAll() public {
        ICodeRegistry.CodeIssue[] memory issues = _batch(5);
        vm.expectEmit();
        emit ICodeRegistry.CodeIssued(issues[4].subject, issues[4].codeId, 1, issues[4].attestation, address(this));
        registry.issueCodes(issues);
        for (uint256 i = 0; i < 5; ++i) {
            assertTrue(registry.isActive(issues[i].subject, issues[i].codeId));
            (, uint8 kind, , , ) = registry.codeOf(issues[i].subject);
            assertEq(kind, issues[i].kind);
        }
    }

    function test_issueCodes_revertsOnEmptyBatch() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryEmptyBatch.selector));
        registry.issueCodes(new ICodeRegistry.CodeIssue[](0));
    }

    function test_issueCodes_duplicateSubjectRevertsAll() public {
        ICodeRegistry.CodeIssue[] memory issues = _batch(3);
        issues[2].subject = issues[0].subject;
        vm.expectRevert(
            abi.encodeWithSelector(ICodeRegistry.RegistryCodeAlreadyActive.selector, issues[0].subject, issues[0].codeId)
        );
        registry.issueCodes(issues);
        (, , uint8 status, , ) = registry.codeOf(issues[0].subject);
        assertEq(status, 0);
    }

    function test_issueCodes_invalidEntryRevertsAll() public {
        ICodeRegistry.CodeIssue[] memory issues = _batch(3);
        issues[1].kind = 7;
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryInvalidKind.selector, issues[1].subject, uint8(7)));
        registry.issueCodes(issues);
        assertFalse(registry.isActive(issues[0].subject, issues[0].codeId));
    }

    function test_issueCodes_revertsWithoutRole() public {
        ICodeRegistry.CodeIssue[] memory issues = _batch(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.issueCodes(issues);
    }

    function test_issueCodes_revertsWhenPaused() public {
        ICodeRegistry.CodeIssue[] memory issues = _batch(1);
        _pauseAsAdmin();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        registry.issueCodes(issues);
    }

    // ---- rotate ----

    function test_rotateCode_revokesOldAndIssuesNew() public {
        registry.issueCode(SUBJECT, CODE, ENTERPRISE, ATT);
        vm.expectEmit();
        emit ICodeRegistry.CodeRevoked(SUBJECT, CODE, address(this));
        vm.expectEmit();
        emit ICodeRegistry.CodeIssued(SUBJECT, CODE2, ENTERPRISE, keccak256("rot"), address(this));
        registry.rotateCode(SUBJECT, CODE, CODE2, keccak256("rot"));
        assertFalse(registry.isActive(SUBJECT, CODE));
        assertTrue(registry.isActive(SUBJECT, CODE2));
        (, uint8 kind, uint8 status, , ) = registry.codeOf(SUBJECT);
        assertEq(kind, ENTERPRISE);
        assertEq(status, 1);
    }

    function test_rotateCode_revertsWhenSuspended() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.suspendCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeNotActive.selector, SUBJECT, CODE, uint8(2)));
        registry.rotateCode(SUBJECT, CODE, CODE2, ATT);
        (bytes16 current, , uint8 status, , ) = registry.codeOf(SUBJECT);
        assertEq16(current, CODE);
        assertEq(status, 2);
    }

    function test_rotateCode_afterReinstatement() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.suspendCode(SUBJECT, CODE);
        registry.reinstateCode(SUBJECT, CODE);
        registry.rotateCode(SUBJECT, CODE, CODE2, ATT);
        assertTrue(registry.isActive(SUBJECT, CODE2));
    }

    function test_rotateCode_revertsOnUnknownSubject() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryUnknownSubject.selector, SUBJECT));
        registry.rotateCode(SUBJECT, CODE, CODE2, ATT);
    }

    function test_rotateCode_revertsOnMismatch() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeMismatch.selector, SUBJECT, CODE, CODE2));
        registry.rotateCode(SUBJECT, CODE2, bytes16(keccak256("x")), ATT);
    }

    function test_rotateCode_revertsWhenRevoked() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.revokeCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeNotActive.selector, SUBJECT, CODE, uint8(3)));
        registry.rotateCode(SUBJECT, CODE, CODE2, ATT);
    }

    function test_rotateCode_revertsOnZeroNewCode() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryZeroCodeId.selector, SUBJECT));
        registry.rotateCode(SUBJECT, CODE, bytes16(0), ATT);
    }

    function test_rotateCode_revertsOnSameCode() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeReused.selector, SUBJECT, CODE));
        registry.rotateCode(SUBJECT, CODE, CODE, ATT);
    }

    function test_rotateCode_revertsOnZeroAttestation() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        registry.rotateCode(SUBJECT, CODE, CODE2, bytes32(0));
    }

    function test_rotateCode_revertsWithoutRole() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.rotateCode(SUBJECT, CODE, CODE2, ATT);
    }

    function test_rotateCode_revertsWhenPaused() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        _pauseAsAdmin();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        registry.rotateCode(SUBJECT, CODE, CODE2, ATT);
    }

    // ---- suspend / reinstate / revoke ----

    function test_suspendAndReinstate() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.warp(block.timestamp + 10);
        vm.expectEmit();
        emit ICodeRegistry.CodeSuspended(SUBJECT, CODE, address(this));
        registry.suspendCode(SUBJECT, CODE);
        (, , uint8 status, uint40 issuedAt, uint40 changedAt) = registry.codeOf(SUBJECT);
        assertEq(status, 2);
        assertEq(changedAt, issuedAt + 10);
        assertFalse(registry.isActive(SUBJECT, CODE));
        vm.expectEmit();
        emit ICodeRegistry.CodeReinstated(SUBJECT, CODE, address(this));
        registry.reinstateCode(SUBJECT, CODE);
        assertTrue(registry.isActive(SUBJECT, CODE));
    }

    function test_suspendCode_revertsOnUnknownSubject() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryUnknownSubject.selector, SUBJECT));
        registry.suspendCode(SUBJECT, CODE);
    }

    function test_suspendCode_revertsOnMismatch() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeMismatch.selector, SUBJECT, CODE, CODE2));
        registry.suspendCode(SUBJECT, CODE2);
    }

    function test_suspendCode_revertsWhenSuspended() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.suspendCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeNotActive.selector, SUBJECT, CODE, uint8(2)));
        registry.suspendCode(SUBJECT, CODE);
    }

    function test_suspendCode_revertsWhenRevoked() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.revokeCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeNotActive.selector, SUBJECT, CODE, uint8(3)));
        registry.suspendCode(SUBJECT, CODE);
    }

    function test_suspendCode_revertsWithoutRole() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.suspendCode(SUBJECT, CODE);
    }

    function test_suspendCode_revertsWhenPaused() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        _pauseAsAdmin();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        registry.suspendCode(SUBJECT, CODE);
    }

    function test_reinstateCode_revertsOnUnknownSubject() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryUnknownSubject.selector, SUBJECT));
        registry.reinstateCode(SUBJECT, CODE);
    }

    function test_reinstateCode_revertsOnMismatch() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.suspendCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeMismatch.selector, SUBJECT, CODE, CODE2));
        registry.reinstateCode(SUBJECT, CODE2);
    }

    function test_reinstateCode_revertsWhenActive() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(
            abi.encodeWithSelector(ICodeRegistry.RegistryCodeNotSuspended.selector, SUBJECT, CODE, uint8(1))
        );
        registry.reinstateCode(SUBJECT, CODE);
    }

    function test_reinstateCode_revertsWhenRevoked() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.revokeCode(SUBJECT, CODE);
        vm.expectRevert(
            abi.encodeWithSelector(ICodeRegistry.RegistryCodeNotSuspended.selector, SUBJECT, CODE, uint8(3))
        );
        registry.reinstateCode(SUBJECT, CODE);
    }

    function test_reinstateCode_revertsWithoutRole() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.suspendCode(SUBJECT, CODE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.reinstateCode(SUBJECT, CODE);
    }

    function test_reinstateCode_revertsWhenPaused() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.suspendCode(SUBJECT, CODE);
        _pauseAsAdmin();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        registry.reinstateCode(SUBJECT, CODE);
    }

    function test_revokeCode_fromActiveAndSuspended() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectEmit();
        emit ICodeRegistry.CodeRevoked(SUBJECT, CODE, address(this));
        registry.revokeCode(SUBJECT, CODE);
        (, , uint8 status, , ) = registry.codeOf(SUBJECT);
        assertEq(status, 3);

        bytes32 other = keccak256("subject-2");
        registry.issueCode(other, CODE2, PERSON, ATT);
        registry.suspendCode(other, CODE2);
        registry.revokeCode(other, CODE2);
        (, , status, , ) = registry.codeOf(other);
        assertEq(status, 3);
    }

    function test_revokeCode_revertsOnUnknownSubject() public {
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryUnknownSubject.selector, SUBJECT));
        registry.revokeCode(SUBJECT, CODE);
    }

    function test_revokeCode_revertsOnMismatch() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeMismatch.selector, SUBJECT, CODE, CODE2));
        registry.revokeCode(SUBJECT, CODE2);
    }

    function test_revokeCode_revertsWhenRevoked() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        registry.revokeCode(SUBJECT, CODE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryCodeAlreadyRevoked.selector, SUBJECT, CODE));
        registry.revokeCode(SUBJECT, CODE);
    }

    function test_revokeCode_revertsWithoutRole() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.revokeCode(SUBJECT, CODE);
    }

    function test_revokeCode_revertsWhenPaused() public {
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        _pauseAsAdmin();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        registry.revokeCode(SUBJECT, CODE);
    }

    // ---- pause ----

    function test_pause_byPauserRoleAndUnpause() public {
        vm.prank(PAUSER);
        registry.pause();
        assertTrue(registry.paused());
        vm.prank(PAUSER);
        registry.unpause();
        assertFalse(registry.paused());
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
    }

    function test_pause_revertsForStranger() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.PAUSER_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.pause();
    }

    function test_unpause_revertsForStranger() public {
        _pauseAsAdmin();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.PAUSER_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.unpause();
    }

    function test_pause_revertsWhenPaused() public {
        _pauseAsAdmin();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(ADMIN);
        registry.pause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(ADMIN);
        registry.unpause();
    }

    // ---- fuzz ----

    function testFuzz_issueCode_recordsFields(bytes32 subject, bytes16 codeId, bool enterprise, bytes32 att, uint40 at) public {
        vm.assume(subject != bytes32(0) && codeId != bytes16(0) && att != bytes32(0));
        vm.warp(at);
        uint8 kind = enterprise ? ENTERPRISE : PERSON;
        registry.issueCode(subject, codeId, kind, att);
        (bytes16 storedCode, uint8 storedKind, uint8 status, uint40 issuedAt, uint40 changedAt) = registry.codeOf(subject);
        assertEq16(storedCode, codeId);
        assertEq(storedKind, kind);
        assertEq(status, 1);
        assertEq(issuedAt, at);
        assertEq(changedAt, at);
        assertTrue(registry.isActive(subject, codeId));
    }

    function testFuzz_issueCode_rejectsInvalidKind(uint8 kind) public {
        vm.assume(kind != PERSON && kind != ENTERPRISE);
        vm.expectRevert(abi.encodeWithSelector(ICodeRegistry.RegistryInvalidKind.selector, SUBJECT, kind));
        registry.issueCode(SUBJECT, CODE, kind, ATT);
    }

    function testFuzz_isActive_onlyForCurrentCode(bytes16 other, bytes16 next) public {
        vm.assume(other != CODE && next != CODE && next != bytes16(0));
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        assertFalse(registry.isActive(SUBJECT, other));
        registry.rotateCode(SUBJECT, CODE, next, ATT);
        assertFalse(registry.isActive(SUBJECT, CODE));
        assertTrue(registry.isActive(SUBJECT, next));
    }

    function testFuzz_writes_revertForAnyStranger(address caller) public {
        vm.assume(caller != address(this));
        registry.issueCode(SUBJECT, CODE, PERSON, ATT);
        bytes memory denied = abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector,
            caller,
            registry.REGISTRAR_ROLE()
        );
        vm.expectRevert(denied);
        vm.prank(caller);
        registry.revokeCode(SUBJECT, CODE);
        vm.expectRevert(denied);
        vm.prank(caller);
        registry.issueCode(keccak256(abi.encode(caller)), CODE2, PERSON, ATT);
        assertTrue(registry.isActive(SUBJECT, CODE));
    }

    function testFuzz_issueCodes_batchOfAnySize(uint8 size) public {
        uint256 n = bound(size, 1, 40);
        ICodeRegistry.CodeIssue[] memory issues = _batch(n);
        registry.issueCodes(issues);
        for (uint256 i = 0; i < n; ++i) assertTrue(registry.isActive(issues[i].subject, issues[i].codeId));
    }
}
