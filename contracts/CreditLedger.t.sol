// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {CreditLedger} from "./CreditLedger.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {OneCodeZeroDigest, OneCodeZeroSubject} from "./Errors.sol";
import {Cheats} from "./test/Cheats.sol";

/// @dev Unit and fuzz tests of CreditLedger. The test contract is the default admin, the credit
/// agency and the anchorer; OFFICER_A and OFFICER_B are repair officers.
contract CreditLedgerTest is Cheats {
    CreditLedger internal ledger;

    address internal constant OFFICER_A = address(0xA11CE);
    address internal constant OFFICER_B = address(0xB0B);
    address internal constant STRANGER = address(0xBAD);
    bytes32 internal constant RECORD = keccak256("record-1");
    bytes32 internal constant SUBJECT = keccak256("subject-1");
    bytes32 internal constant DIGEST = keccak256("digest-1");
    bytes32 internal constant APP = keccak256("application-1");
    bytes32 internal constant DECISION = keccak256("decision-1");
    uint40 internal constant START = 1_750_000_000;
    uint40 internal constant UNTIL = START + 365 days;

    uint8 internal constant APPROVED = 1;
    uint8 internal constant REFUSED = 2;

    function setUp() public {
        vm.warp(START);
        ledger = new CreditLedger(1 days, address(this));
        ledger.grantRole(ledger.CREDIT_AGENCY_ROLE(), address(this));
        ledger.grantRole(ledger.ANCHORER_ROLE(), address(this));
        ledger.grantRole(ledger.REPAIR_OFFICER_ROLE(), OFFICER_A);
        ledger.grantRole(ledger.REPAIR_OFFICER_ROLE(), OFFICER_B);
    }

    function _publish(bool twoOfficers) internal {
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 2, 3, UNTIL, twoOfficers);
    }

    function _denied(address caller, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role);
    }

    // ---- publish ----

    function test_publishRecord_storesRecord() public {
        vm.expectEmit();
        emit ICreditLedger.RecordPublished(RECORD, SUBJECT, DIGEST, 2, 3, UNTIL, true, address(this));
        _publish(true);
        ICreditLedger.Record memory r = ledger.recordOf(RECORD);
        assertEq(r.subject, SUBJECT);
        assertEq(r.digest, DIGEST);
        assertEq(r.category, 2);
        assertEq(r.severity, 3);
        assertEq(r.status, 1);
        assertTrue(r.twoOfficers);
        assertEq(r.publishedAt, START);
        assertEq(r.publicUntil, UNTIL);
        assertEq(r.changedAt, START);
    }

    function test_publishRecord_revertsOnZeroRecordId() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerZeroRecordId.selector));
        ledger.publishRecord(bytes32(0), SUBJECT, DIGEST, 1, 1, UNTIL, false);
    }

    function test_publishRecord_revertsOnZeroSubject() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroSubject.selector));
        ledger.publishRecord(RECORD, bytes32(0), DIGEST, 1, 1, UNTIL, false);
    }

    function test_publishRecord_revertsOnZeroDigest() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        ledger.publishRecord(RECORD, SUBJECT, bytes32(0), 1, 1, UNTIL, false);
    }

    function test_publishRecord_revertsOnCategoryZero() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidCategory.selector, uint8(0)));
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 0, 1, UNTIL, false);
    }

    function test_publishRecord_revertsOnCategoryFive() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidCategory.selector, uint8(5)));
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 5, 1, UNTIL, false);
    }

    function test_publishRecord_revertsOnSeverityZero() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidSeverity.selector, uint8(0)));
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 0, UNTIL, false);
    }

    function test_publishRecord_revertsOnSeverityFour() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidSeverity.selector, uint8(4)));
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 4, UNTIL, false);
    }

    function test_publishRecord_revertsOnPublicUntilNow() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidPublicUntil.selector, START, uint256(START))
        );
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 1, START, false);
    }

    function test_publishRecord_revertsOnDuplicate() public {
        _publish(false);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordExists.selector, RECORD));
        ledger.publishRecord(RECORD, keccak256("other"), DIGEST, 1, 1, UNTIL, false);
    }

    function test_publishRecord_revertsWithoutRole() public {
        vm.expectRevert(_denied(OFFICER_A, ledger.CREDIT_AGENCY_ROLE()));
        vm.prank(OFFICER_A);
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 1, UNTIL, false);
    }

    function test_publishRecord_revertsWhenPaused() public {
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 1, UNTIL, false);
    }

    // ---- decide: one officer ----

    function test_decideRepair_singleOfficerApproval() public {
        _publish(false);
        vm.warp(START + 50);
        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, APPROVED, DECISION, OFFICER_A, address(0));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        ICreditLedger.Record memory r = ledger.recordOf(RECORD);
        assertEq(r.status, 2);
        assertEq(r.changedAt, START + 50);
        assertEq(ledger.decisionOf(RECORD, APP), APPROVED);
    }

    function test_decideRepair_refusalKeepsRecordPublished() public {
        _publish(true);
        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, REFUSED, DECISION, OFFICER_A, address(0));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, REFUSED, DECISION);
        assertEq(ledger.recordOf(RECORD).status, 1);
        assertEq(ledger.decisionOf(RECORD, APP), REFUSED);
        // a later application can still be approved
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, keccak256("application-2"), APPROVED, DECISION);
        assertEq(ledger.pendingApproval(RECORD).officer, OFFICER_A);
    }

    function test_decideRepair_revertsOnZeroApplicationId() public {
        _publish(false);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerZeroApplicationId.selector));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, bytes32(0), APPROVED, DECISION);
    }

    function test_decideRepair_revertsOnZeroDecisionDigest() public {
        _publish(false);
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, bytes32(0));
    }

    function test_decideRepair_revertsOnOutcomeZero() public {
        _publish(false);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidOutcome.selector, uint8(0)));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, 0, DECISION);
    }

    function test_decideRepair_revertsOnOutcomeThree() public {
        _publish(false);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidOutcome.selector, uint8(3)));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, 3, DECISION);
    }

    function test_decideRepair_revertsOnUnknownRecord() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerUnknownRecord.selector, RECORD));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
    }

    function test_decideRepair_revertsWhenRepaired() public {
        _publish(false);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(2)));
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, keccak256("application-2"), REFUSED, DECISION);
    }

    function test_decideRepair_revertsWhenExpired() public {
        _publish(false);
        vm.warp(UNTIL);
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(3)));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
    }

    function test_decideRepair_revertsOnSecondDecisionOfApplication() public {
        _publish(false);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, REFUSED, DECISION);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditLedger.CreditLedgerApplicationAlreadyDecided.selector, RECORD, APP, REFUSED)
        );
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
    }

    function test_decideRepair_revertsWithoutRole() public {
        _publish(false);
        vm.expectRevert(_denied(STRANGER, ledger.REPAIR_OFFICER_ROLE()));
        vm.prank(STRANGER);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
    }

    function test_decideRepair_revertsWhenPaused() public {
        _publish(false);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
    }

    // ---- decide: four eyes ----

    function test_decideRepair_twoOfficersApproval() public {
        _publish(true);
        vm.expectEmit();
        emit ICreditLedger.RepairApprovalProposed(RECORD, APP, DECISION, OFFICER_A);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        assertEq(ledger.recordOf(RECORD).status, 1);
        assertEq(ledger.decisionOf(RECORD, APP), 0);
        ICreditLedger.PendingApproval memory p = ledger.pendingApproval(RECORD);
        assertEq(p.officer, OFFICER_A);
        assertEq(p.applicationId, APP);
        assertEq(p.decisionDigest, DECISION);
        assertEq(p.proposedAt, START);

        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, APPROVED, DECISION, OFFICER_B, OFFICER_A);
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        assertEq(ledger.recordOf(RECORD).status, 2);
        assertEq(ledger.decisionOf(RECORD, APP), APPROVED);
        assertEq(ledger.pendingApproval(RECORD).officer, address(0));
    }

    function test_decideRepair_revertsOnSameOfficerTwice() public {
        _publish(true);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerSameOfficer.selector, RECORD, OFFICER_A));
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
    }

    function test_decideRepair_revertsOnMismatchingDigest() public {
        _publish(true);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        bytes32 other = keccak256("other decision");
        vm.expectRevert(
            abi.encodeWithSelector(ICreditLedger.CreditLedgerApprovalMismatch.selector, RECORD, APP, DECISION, APP, other)
        );
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, APP, APPROVED, other);
    }

    function test_decideRepair_revertsOnMismatchingApplication() public {
        _publish(true);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        bytes32 other = keccak256("other application");
        vm.expectRevert(
            abi.encodeWithSelector(ICreditLedger.CreditLedgerApprovalMismatch.selector, RECORD, APP, DECISION, other, DECISION)
        );
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, other, APPROVED, DECISION);
    }

    function test_decideRepair_revertsWhenProposerLostRole() public {
        _publish(true);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        ledger.revokeRole(ledger.REPAIR_OFFICER_ROLE(), OFFICER_A);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerProposerNotOfficer.selector, RECORD, OFFICER_A));
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
    }

    function test_decideRepair_refusalWithdrawsPendingApproval() public {
        _publish(true);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        vm.expectEmit();
        emit ICreditLedger.RepairApprovalCancelled(RECORD, APP, OFFICER_B);
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, APP, REFUSED, DECISION);
        assertEq(ledger.pendingApproval(RECORD).officer, address(0));
        assertEq(ledger.decisionOf(RECORD, APP), REFUSED);
        assertEq(ledger.recordOf(RECORD).status, 1);
    }

    function test_cancelRepairApproval_clearsPending() public {
        _publish(true);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        vm.expectEmit();
        emit ICreditLedger.RepairApprovalCancelled(RECORD, APP, OFFICER_B);
        vm.prank(OFFICER_B);
        ledger.cancelRepairApproval(RECORD);
        assertEq(ledger.pendingApproval(RECORD).officer, address(0));
        // a new proposal can start, and OFFICER_A may confirm OFFICER_B's proposal
        vm.prank(OFFICER_B);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        assertEq(ledger.recordOf(RECORD).status, 2);
    }

    function test_cancelRepairApproval_revertsWithoutPending() public {
        _publish(true);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerNoPendingApproval.selector, RECORD));
        vm.prank(OFFICER_A);
        ledger.cancelRepairApproval(RECORD);
    }

    function test_cancelRepairApproval_revertsWithoutRole() public {
        vm.expectRevert(_denied(STRANGER, ledger.REPAIR_OFFICER_ROLE()));
        vm.prank(STRANGER);
        ledger.cancelRepairApproval(RECORD);
    }

    function test_cancelRepairApproval_revertsWhenPaused() public {
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(OFFICER_A);
        ledger.cancelRepairApproval(RECORD);
    }

    // ---- expiry ----

    function test_recordExpired_atPublicUntil() public {
        _publish(true);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        vm.warp(UNTIL);
        vm.expectEmit();
        emit ICreditLedger.RecordExpired(RECORD, SUBJECT, OFFICER_B);
        vm.prank(OFFICER_B);
        ledger.recordExpired(RECORD);
        ICreditLedger.Record memory r = ledger.recordOf(RECORD);
        assertEq(r.status, 3);
        assertEq(r.changedAt, UNTIL);
        assertEq(ledger.pendingApproval(RECORD).officer, address(0));
    }

    function test_recordExpired_revertsBeforePublicUntil() public {
        _publish(false);
        vm.warp(UNTIL - 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditLedger.CreditLedgerStillPublic.selector, RECORD, UNTIL, uint256(UNTIL - 1))
        );
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsOnUnknownRecord() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerUnknownRecord.selector, RECORD));
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsWhenRepaired() public {
        _publish(false);
        vm.prank(OFFICER_A);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        vm.warp(UNTIL);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(2)));
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsWhenExpired() public {
        _publish(false);
        vm.warp(UNTIL);
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(3)));
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsWithoutRole() public {
        _publish(false);
        vm.warp(UNTIL);
        vm.expectRevert(_denied(address(this), ledger.REPAIR_OFFICER_ROLE()));
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsWhenPaused() public {
        _publish(false);
        vm.warp(UNTIL);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
    }

    // ---- anchors ----

    function test_anchorBatch_extendsChain() public {
        assertEq(ledger.nextSeq(), 1);
        assertEq(ledger.head(), bytes32(0));
        bytes32 root1 = keccak256("root-1");
        bytes32 head1 = keccak256(abi.encode(bytes32(0), uint64(1), uint64(1000), root1));
        vm.expectEmit();
        emit ICreditLedger.BatchAnchored(1, 1, 1000, root1, head1);
        ledger.anchorBatch(1, 1000, root1, bytes32(0));
        assertEq(ledger.head(), head1);
        assertEq(ledger.nextSeq(), 1001);
        assertEq(ledger.anchorCount(), 1);
        assertEq(ledger.lastAnchoredAt(), START);

        vm.warp(START + 60);
        bytes32 root2 = keccak256("root-2");
        bytes32 head2 = keccak256(abi.encode(head1, uint64(1001), uint64(1001), root2));
        vm.expectEmit();
        emit ICreditLedger.BatchAnchored(2, 1001, 1001, root2, head2);
        ledger.anchorBatch(1001, 1001, root2, head1);
        assertEq(ledger.head(), head2);
        assertEq(ledger.nextSeq(), 1002);
        assertEq(ledger.anchorCount(), 2);
        assertEq(ledger.lastAnchoredAt(), START + 60);
    }

    function test_anchorBatch_revertsOnGap() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorGap.selector, uint64(1), uint64(2)));
        ledger.anchorBatch(2, 10, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsOnOverlap() public {
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
        bytes32 h = ledger.head();
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorOverlap.selector, uint64(11), uint64(10)));
        ledger.anchorBatch(10, 20, keccak256("r2"), h);
    }

    function test_anchorBatch_revertsOnFirstSeqZero() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorOverlap.selector, uint64(1), uint64(0)));
        ledger.anchorBatch(0, 10, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsOnBackwardRange() public {
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
        bytes32 h = ledger.head();
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorInvalidRange.selector, uint64(11), uint64(10)));
        ledger.anchorBatch(11, 10, keccak256("r2"), h);
    }

    function test_anchorBatch_revertsOnMaxSeq() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorInvalidRange.selector, uint64(1), type(uint64).max)
        );
        ledger.anchorBatch(1, type(uint64).max, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsOnZeroRoot() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        ledger.anchorBatch(1, 10, bytes32(0), bytes32(0));
    }

    function test_anchorBatch_revertsOnStaleHead() public {
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
        bytes32 h = ledger.head();
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorStaleHead.selector, h, bytes32(0)));
        ledger.anchorBatch(11, 20, keccak256("r2"), bytes32(0));
    }

    function test_anchorBatch_revertsWithoutRole() public {
        vm.expectRevert(_denied(OFFICER_A, ledger.ANCHORER_ROLE()));
        vm.prank(OFFICER_A);
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsWhenPaused() public {
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
    }

    // ---- fuzz ----

    function testFuzz_publishRecord_validatesCategoryAndSeverity(uint8 category, uint8 severity) public {
        bool validCategory = category >= 1 && category <= 4;
        bool validSeverity = severity >= 1 && severity <= 3;
        if (!validCategory) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidCategory.selector, category));
        } else if (!validSeverity) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidSeverity.selector, severity));
        }
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, category, severity, UNTIL, false);
        assertEq(ledger.recordOf(RECORD).status, validCategory && validSeverity ? 1 : 0);
    }

    function testFuzz_recordExpired_onlyFromPublicUntil(uint40 at) public {
        _publish(false);
        vm.warp(at);
        if (at < UNTIL) {
            vm.expectRevert(
                abi.encodeWithSelector(ICreditLedger.CreditLedgerStillPublic.selector, RECORD, UNTIL, uint256(at))
            );
        }
        vm.prank(OFFICER_A);
        ledger.recordExpired(RECORD);
        assertEq(ledger.recordOf(RECORD).status, at < UNTIL ? 1 : 3);
    }

    function testFuzz_decideRepair_fourEyesNeedsTwoDistinctOfficers(address first, address second) public {
        vm.assume(first != address(0) && second != address(0));
        ledger.grantRole(ledger.REPAIR_OFFICER_ROLE(), first);
        ledger.grantRole(ledger.REPAIR_OFFICER_ROLE(), second);
        _publish(true);
        vm.prank(first);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        if (first == second) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerSameOfficer.selector, RECORD, first));
        }
        vm.prank(second);
        ledger.decideRepair(RECORD, APP, APPROVED, DECISION);
        assertEq(ledger.recordOf(RECORD).status, first == second ? 1 : 2);
    }

    function testFuzz_anchorBatch_headFollowsFormula(uint64 len1, uint64 len2, bytes32 root1, bytes32 root2) public {
        vm.assume(root1 != bytes32(0) && root2 != bytes32(0));
        uint64 to1 = uint64(bound(len1, 1, 1e12));
        uint64 to2 = to1 + uint64(bound(len2, 1, 1e12));
        ledger.anchorBatch(1, to1, root1, bytes32(0));
        bytes32 head1 = keccak256(abi.encode(bytes32(0), uint64(1), to1, root1));
        ledger.anchorBatch(to1 + 1, to2, root2, head1);
        assertEq(ledger.head(), keccak256(abi.encode(head1, to1 + 1, to2, root2)));
        assertEq(ledger.nextSeq(), to2 + 1);
        assertEq(ledger.anchorCount(), 2);
    }

    function testFuzz_anchorBatch_rejectsAnyOtherStart(uint64 fromSeq) public {
        ledger.anchorBatch(1, 100, keccak256("r"), bytes32(0));
        vm.assume(fromSeq != 101 && fromSeq < type(uint64).max);
        bytes32 h = ledger.head();
        if (fromSeq > 101) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorGap.selector, uint64(101), fromSeq));
        } else {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorOverlap.selector, uint64(101), fromSeq));
        }
        ledger.anchorBatch(fromSeq, fromSeq, keccak256("r2"), h);
    }
}
