// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {CreditLedger} from "./CreditLedger.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {OneCodeZeroDigest, OneCodeZeroSubject} from "./Errors.sol";
import {LedgerFixture} from "./test/LedgerFixture.sol";

/// @dev Unit and fuzz tests of CreditLedger: records, rule decisions, expiry, anchors and the
/// anchor chain's genesis. Officer-signed decisions: CreditLedger.decisions.t.sol.
contract CreditLedgerTest is LedgerFixture {
    // ---- publish ----

    function test_publishRecord_storesRecord() public {
        vm.expectEmit();
        emit ICreditLedger.RecordPublished(RECORD, SUBJECT, DIGEST, 2, 3, UNTIL, 2, AGENCY);
        _publish(2);
        ICreditLedger.Record memory r = ledger.recordOf(RECORD);
        assertEq(r.subject, SUBJECT);
        assertEq(r.digest, DIGEST);
        assertEq(r.category, 2);
        assertEq(r.severity, 3);
        assertEq(r.status, 1);
        assertEq(r.approvalsNeeded, 2);
        assertEq(r.publishedAt, NOW);
        assertEq(r.publicUntil, UNTIL);
        assertEq(r.changedAt, NOW);
    }

    function test_publishRecord_revertsOnZeroRecordId() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerZeroRecordId.selector));
        vm.prank(AGENCY);
        ledger.publishRecord(bytes32(0), SUBJECT, DIGEST, 1, 1, UNTIL, 0);
    }

    function test_publishRecord_revertsOnZeroSubject() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroSubject.selector));
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, bytes32(0), DIGEST, 1, 1, UNTIL, 0);
    }

    function test_publishRecord_revertsOnZeroDigest() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, SUBJECT, bytes32(0), 1, 1, UNTIL, 0);
    }

    function test_publishRecord_seriousListNeedsTwoOfficers() public {
        for (uint8 n = 0; n < 2; ++n) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidApprovalsNeeded.selector, uint8(2), n));
            vm.prank(AGENCY);
            ledger.publishRecord(RECORD, SUBJECT, DIGEST, 2, 3, UNTIL, n);
        }
    }

    function test_publishRecord_revertsOnThreeApprovals() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidApprovalsNeeded.selector, uint8(1), uint8(3)));
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 2, UNTIL, 3);
    }

    function test_publishRecord_revertsOnPublicUntilNow() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidPublicUntil.selector, NOW, uint256(NOW)));
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 1, NOW, 0);
    }

    function test_publishRecord_revertsOnDuplicate() public {
        _publish(0);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordExists.selector, RECORD));
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, keccak256("other"), DIGEST, 1, 1, UNTIL, 0);
    }

    function test_publishRecord_revertsWithoutRole() public {
        vm.expectRevert(_denied(address(this), ledger.CREDIT_AGENCY_ROLE()));
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 1, UNTIL, 0);
    }

    function test_publishRecord_revertsWhenPaused() public {
        vm.prank(ADMIN);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, 1, 1, UNTIL, 0);
    }

    // ---- decisions by the policy's rules (no officer) ----

    function test_decideRepairByRule_approvesAutomaticRecord() public {
        _publish(0);
        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, APPROVED, DECISION, POLICY, RULE, bytes32(0), bytes32(0));
        ledger.decideRepairByRule(RECORD, APP, APPROVED, DECISION, POLICY, RULE);
        assertEq(ledger.recordOf(RECORD).status, 2);
        assertEq(ledger.recordOf(RECORD).changedAt, NOW);
        assertEq(ledger.decisionOf(RECORD, APP), APPROVED);
    }

    function test_decideRepairByRule_cannotApproveOfficerRecords() public {
        _publish(1);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerOfficerSignatureRequired.selector, RECORD, uint8(1)));
        ledger.decideRepairByRule(RECORD, APP, APPROVED, DECISION, POLICY, RULE);
        bytes32 serious = keccak256("serious");
        vm.prank(AGENCY);
        ledger.publishRecord(serious, SUBJECT, DIGEST, 2, 3, UNTIL, 2);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerOfficerSignatureRequired.selector, serious, uint8(2)));
        ledger.decideRepairByRule(serious, APP, APPROVED, DECISION, POLICY, RULE);
        assertEq(ledger.recordOf(RECORD).status, 1);
        assertEq(ledger.recordOf(serious).status, 1);
    }

    function test_decideRepairByRule_refusesAnyRecord() public {
        _publish(2);
        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, REFUSED, DECISION, POLICY, RULE, bytes32(0), bytes32(0));
        ledger.decideRepairByRule(RECORD, APP, REFUSED, DECISION, POLICY, RULE);
        assertEq(ledger.recordOf(RECORD).status, 1);
        assertEq(ledger.decisionOf(RECORD, APP), REFUSED);
    }

    function test_decideRepairByRule_revertsOnInvalidInput() public {
        _publish(0);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerZeroApplicationId.selector));
        ledger.decideRepairByRule(RECORD, bytes32(0), APPROVED, DECISION, POLICY, RULE);
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        ledger.decideRepairByRule(RECORD, APP, APPROVED, bytes32(0), POLICY, RULE);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidOutcome.selector, uint8(3)));
        ledger.decideRepairByRule(RECORD, APP, 3, DECISION, POLICY, RULE);
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerUnknownRecord.selector, unknown));
        ledger.decideRepairByRule(unknown, APP, APPROVED, DECISION, POLICY, RULE);
    }

    function test_decideRepairByRule_revertsOnSecondDecision() public {
        _publish(0);
        ledger.decideRepairByRule(RECORD, APP, REFUSED, DECISION, POLICY, RULE);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerApplicationAlreadyDecided.selector, RECORD, APP, REFUSED));
        ledger.decideRepairByRule(RECORD, APP, APPROVED, DECISION, POLICY, RULE);
    }

    function test_decideRepairByRule_revertsWithoutRole() public {
        _publish(0);
        vm.expectRevert(_denied(AGENCY, ledger.RELAYER_ROLE()));
        vm.prank(AGENCY);
        ledger.decideRepairByRule(RECORD, APP, APPROVED, DECISION, POLICY, RULE);
    }

    function test_decideRepairByRule_revertsWhenPaused() public {
        _publish(0);
        vm.prank(ADMIN);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.decideRepairByRule(RECORD, APP, APPROVED, DECISION, POLICY, RULE);
    }

    // ---- expiry ----

    function test_recordExpired_atPublicUntil() public {
        _publish(1);
        vm.warp(UNTIL);
        vm.expectEmit();
        emit ICreditLedger.RecordExpired(RECORD, SUBJECT, address(this));
        ledger.recordExpired(RECORD);
        ICreditLedger.Record memory r = ledger.recordOf(RECORD);
        assertEq(r.status, 3);
        assertEq(r.changedAt, UNTIL);
    }

    function test_recordExpired_revertsBeforePublicUntil() public {
        _publish(0);
        vm.warp(UNTIL - 1);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerStillPublic.selector, RECORD, UNTIL, uint256(UNTIL - 1)));
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsOnUnknownRecord() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerUnknownRecord.selector, RECORD));
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsWhenRepaired() public {
        _publish(0);
        ledger.decideRepairByRule(RECORD, APP, APPROVED, DECISION, POLICY, RULE);
        vm.warp(UNTIL);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(2)));
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsWhenExpired() public {
        _publish(0);
        vm.warp(UNTIL);
        ledger.recordExpired(RECORD);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(3)));
        ledger.recordExpired(RECORD);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(3)));
        ledger.decideRepairByRule(RECORD, APP, REFUSED, DECISION, POLICY, RULE);
    }

    function test_recordExpired_revertsWithoutRole() public {
        _publish(0);
        vm.warp(UNTIL);
        vm.expectRevert(_denied(ANCHORER, ledger.RELAYER_ROLE()));
        vm.prank(ANCHORER);
        ledger.recordExpired(RECORD);
    }

    function test_recordExpired_revertsWhenPaused() public {
        _publish(0);
        vm.warp(UNTIL);
        vm.prank(ADMIN);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
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
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 1000, root1, bytes32(0));
        assertEq(ledger.head(), head1);
        assertEq(ledger.nextSeq(), 1001);
        assertEq(ledger.anchorCount(), 1);
        assertEq(ledger.lastAnchoredAt(), NOW);

        vm.warp(NOW + 60);
        bytes32 root2 = keccak256("root-2");
        bytes32 head2 = keccak256(abi.encode(head1, uint64(1001), uint64(1001), root2));
        vm.expectEmit();
        emit ICreditLedger.BatchAnchored(2, 1001, 1001, root2, head2);
        vm.prank(ANCHORER);
        ledger.anchorBatch(1001, 1001, root2, head1);
        assertEq(ledger.head(), head2);
        assertEq(ledger.nextSeq(), 1002);
        assertEq(ledger.anchorCount(), 2);
        assertEq(ledger.lastAnchoredAt(), NOW + 60);
    }

    function test_anchorBatch_revertsOnGap() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorGap.selector, uint64(1), uint64(2)));
        vm.prank(ANCHORER);
        ledger.anchorBatch(2, 10, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsOnOverlap() public {
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
        bytes32 h = ledger.head();
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorOverlap.selector, uint64(11), uint64(10)));
        vm.prank(ANCHORER);
        ledger.anchorBatch(10, 20, keccak256("r2"), h);
    }

    function test_anchorBatch_revertsOnFirstSeqZero() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorOverlap.selector, uint64(1), uint64(0)));
        vm.prank(ANCHORER);
        ledger.anchorBatch(0, 10, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsOnBackwardRange() public {
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
        bytes32 h = ledger.head();
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorInvalidRange.selector, uint64(11), uint64(10)));
        vm.prank(ANCHORER);
        ledger.anchorBatch(11, 10, keccak256("r2"), h);
    }

    function test_anchorBatch_revertsOnMaxSeq() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorInvalidRange.selector, uint64(1), type(uint64).max));
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, type(uint64).max, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsOnZeroRoot() public {
        vm.expectRevert(abi.encodeWithSelector(OneCodeZeroDigest.selector));
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 10, bytes32(0), bytes32(0));
    }

    function test_anchorBatch_revertsOnStaleHead() public {
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
        bytes32 h = ledger.head();
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorStaleHead.selector, h, bytes32(0)));
        vm.prank(ANCHORER);
        ledger.anchorBatch(11, 20, keccak256("r2"), bytes32(0));
    }

    function test_anchorBatch_revertsWithoutRole() public {
        vm.expectRevert(_denied(address(this), ledger.ANCHORER_ROLE()));
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
    }

    function test_anchorBatch_revertsWhenPaused() public {
        vm.prank(ADMIN);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 10, keccak256("r"), bytes32(0));
    }

    // ---- genesis: a redeployed ledger continues the anchor chain ----

    function test_genesis_newChain() public view {
        (bytes32 genesisHead, uint64 firstSeq) = ledger.genesis();
        assertEq(genesisHead, bytes32(0));
        assertEq(firstSeq, 1);
    }

    function test_genesis_successorContinuesChain() public {
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 500, keccak256("r1"), bytes32(0));
        bytes32 lastHead = ledger.head();
        uint64 next = ledger.nextSeq();

        vm.expectEmit();
        emit ICreditLedger.AnchorChainStarted(lastHead, next);
        CreditLedger successor = new CreditLedger(DELAY, ADMIN, lastHead, next);
        (bytes32 genesisHead, uint64 firstSeq) = successor.genesis();
        assertEq(genesisHead, lastHead);
        assertEq(firstSeq, next);
        assertEq(successor.head(), lastHead);
        assertEq(successor.nextSeq(), next);
        assertEq(successor.anchorCount(), 0);

        bytes32 anchorerRole = successor.ANCHORER_ROLE();
        vm.prank(ADMIN);
        successor.grantRole(anchorerRole, ANCHORER);
        bytes32 root = keccak256("r2");
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorOverlap.selector, next, uint64(1)));
        vm.prank(ANCHORER);
        successor.anchorBatch(1, 10, root, bytes32(0));
        vm.prank(ANCHORER);
        successor.anchorBatch(next, next + 9, root, lastHead);
        assertEq(successor.head(), keccak256(abi.encode(lastHead, next, next + 9, root)));
    }

    function test_genesis_revertsOnInconsistentStart() public {
        bytes32 someHead = keccak256("head");
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidGenesis.selector, bytes32(0), uint64(5)));
        new CreditLedger(DELAY, ADMIN, bytes32(0), 5);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidGenesis.selector, someHead, uint64(1)));
        new CreditLedger(DELAY, ADMIN, someHead, 1);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidGenesis.selector, someHead, uint64(0)));
        new CreditLedger(DELAY, ADMIN, someHead, 0);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidGenesis.selector, someHead, type(uint64).max));
        new CreditLedger(DELAY, ADMIN, someHead, type(uint64).max);
    }

    // ---- fuzz ----

    function testFuzz_publishRecord_validatesFields(uint8 category, uint8 severity, uint8 approvals) public {
        bool validCategory = category >= 1 && category <= 4;
        bool validSeverity = severity >= 1 && severity <= 3;
        bool validApprovals = approvals <= 2 && (category != 2 || approvals == 2);
        if (!validCategory) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidCategory.selector, category));
        } else if (!validSeverity) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidSeverity.selector, severity));
        } else if (!validApprovals) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidApprovalsNeeded.selector, category, approvals));
        }
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, category, severity, UNTIL, approvals);
        assertEq(ledger.recordOf(RECORD).status, validCategory && validSeverity && validApprovals ? 1 : 0);
    }

    function testFuzz_recordExpired_onlyFromPublicUntil(uint40 at) public {
        _publish(0);
        vm.warp(at);
        if (at < UNTIL) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerStillPublic.selector, RECORD, UNTIL, uint256(at)));
        }
        ledger.recordExpired(RECORD);
        assertEq(ledger.recordOf(RECORD).status, at < UNTIL ? 1 : 3);
    }

    function testFuzz_decideRepairByRule_approvesOnlyWithoutOfficers(uint8 approvals, bool approve) public {
        uint8 needed = uint8(bound(approvals, 0, 2));
        _publish(needed);
        uint8 outcome = approve ? APPROVED : REFUSED;
        bool allowed = !approve || needed == 0;
        if (!allowed) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerOfficerSignatureRequired.selector, RECORD, needed));
        }
        ledger.decideRepairByRule(RECORD, APP, outcome, DECISION, POLICY, RULE);
        assertEq(ledger.recordOf(RECORD).status, allowed && approve ? 2 : 1);
    }

    function testFuzz_anchorBatch_headFollowsFormula(uint64 len1, uint64 len2, bytes32 root1, bytes32 root2) public {
        vm.assume(root1 != bytes32(0) && root2 != bytes32(0));
        uint64 to1 = uint64(bound(len1, 1, 1e12));
        uint64 to2 = to1 + uint64(bound(len2, 1, 1e12));
        vm.startPrank(ANCHORER);
        ledger.anchorBatch(1, to1, root1, bytes32(0));
        bytes32 head1 = keccak256(abi.encode(bytes32(0), uint64(1), to1, root1));
        ledger.anchorBatch(to1 + 1, to2, root2, head1);
        vm.stopPrank();
        assertEq(ledger.head(), keccak256(abi.encode(head1, to1 + 1, to2, root2)));
        assertEq(ledger.nextSeq(), to2 + 1);
        assertEq(ledger.anchorCount(), 2);
    }

    function testFuzz_anchorBatch_rejectsAnyOtherStart(uint64 fromSeq) public {
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 100, keccak256("r"), bytes32(0));
        vm.assume(fromSeq != 101 && fromSeq < type(uint64).max);
        bytes32 h = ledger.head();
        if (fromSeq > 101) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorGap.selector, uint64(101), fromSeq));
        } else {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerAnchorOverlap.selector, uint64(101), fromSeq));
        }
        vm.prank(ANCHORER);
        ledger.anchorBatch(fromSeq, fromSeq, keccak256("r2"), h);
    }

    function testFuzz_genesis_anyConsistentStart(bytes32 genesisHead, uint64 firstSeq) public {
        bool valid = firstSeq != 0 && firstSeq != type(uint64).max && (genesisHead == bytes32(0)) == (firstSeq == 1);
        if (!valid) {
            vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidGenesis.selector, genesisHead, firstSeq));
            new CreditLedger(DELAY, ADMIN, genesisHead, firstSeq);
            return;
        }
        CreditLedger successor = new CreditLedger(DELAY, ADMIN, genesisHead, firstSeq);
        assertEq(successor.head(), genesisHead);
        assertEq(successor.nextSeq(), firstSeq);
    }
}
