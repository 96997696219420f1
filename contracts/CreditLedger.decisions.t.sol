// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {CreditLedger} from "./CreditLedger.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {IOfficerKeys} from "./interfaces/IOfficerKeys.sol";
import {OneCodeZeroDigest} from "./Errors.sol";
import {LedgerFixture} from "./test/LedgerFixture.sol";

/// @dev Officer passkeys and officer-signed repair decisions (one officer, four eyes), with real
/// P-256 WebAuthn assertions. The test contract is the relayer: it sends, officers' keys decide.
contract CreditLedgerDecisionsTest is LedgerFixture {
    // ---- officer keys ----

    function test_registerOfficerKey_usableOnlyAfterAdminDelay() public {
        uint256 carolKey = 0xCA201;
        bytes32 carol = keccak256("officer-carol");
        (bytes32 x, bytes32 y) = _publicKey(carolKey);
        bytes32 keyId = keccak256(abi.encode(x, y));
        vm.expectEmit();
        emit IOfficerKeys.OfficerKeyRegistered(keyId, carol, x, y, NOW + DELAY);
        assertEq(_register(carol, carolKey), keyId);
        assertEq(ledger.keyIdOf(x, y), keyId);
        IOfficerKeys.OfficerKey memory key = ledger.officerKey(keyId);
        assertEq(key.officerId, carol);
        assertEq(key.validFrom, NOW + DELAY);
        assertEq(key.revokedAt, 0);

        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        _decideReverts(
            abi.encodeWithSelector(IOfficerKeys.OfficerKeysKeyNotYetValid.selector, keyId, NOW + DELAY, uint256(NOW))
        , carolKey, d);
        vm.warp(NOW + DELAY);
        d = _decision(RECORD, APP, APPROVED);
        _decide(carolKey, d);
        assertEq(ledger.recordOf(RECORD).status, 2);
    }

    function test_registerOfficerKey_revertsForNonAdmin() public {
        (bytes32 x, bytes32 y) = _publicKey(MALLORY_KEY);
        bytes32 adminRole = ledger.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(_denied(address(this), adminRole));
        ledger.registerOfficerKey(keccak256("mallory"), x, y);
        vm.expectRevert(_denied(AGENCY, adminRole));
        vm.prank(AGENCY);
        ledger.registerOfficerKey(keccak256("mallory"), x, y);
    }

    function test_registerOfficerKey_revertsOnBadInput() public {
        (bytes32 x, bytes32 y) = _publicKey(MALLORY_KEY);
        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysZeroOfficerId.selector));
        ledger.registerOfficerKey(bytes32(0), x, y);
        bytes32 offCurve = bytes32(uint256(y) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidKey.selector, x, offCurve));
        ledger.registerOfficerKey(keccak256("mallory"), x, offCurve);
        (bytes32 ax, bytes32 ay) = _publicKey(ALICE_KEY);
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysKeyExists.selector, _keyIdOf(ALICE_KEY)));
        ledger.registerOfficerKey(BOB, ax, ay);
        vm.stopPrank();
    }

    function test_revokeOfficerKey_refusesItsSignaturesAtOnce() public {
        bytes32 keyId = _keyIdOf(BOB_KEY);
        vm.expectEmit();
        emit IOfficerKeys.OfficerKeyRevoked(keyId, BOB);
        vm.prank(ADMIN);
        ledger.revokeOfficerKey(keyId);
        assertEq(ledger.officerKey(keyId).revokedAt, NOW);

        _publish(1);
        _decideReverts(abi.encodeWithSelector(IOfficerKeys.OfficerKeysKeyRevoked.selector, keyId, NOW), BOB_KEY, _decision(RECORD, APP, APPROVED));

        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysKeyRevoked.selector, keyId, NOW));
        ledger.revokeOfficerKey(keyId);
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysKeyExists.selector, keyId));
        (bytes32 x, bytes32 y) = _publicKey(BOB_KEY);
        ledger.registerOfficerKey(BOB, x, y);
        vm.stopPrank();
    }

    function test_revokeOfficerKey_revertsOnUnknownKeyAndForNonAdmin() public {
        bytes32 unknown = _keyIdOf(MALLORY_KEY);
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysUnknownKey.selector, unknown));
        vm.prank(ADMIN);
        ledger.revokeOfficerKey(unknown);
        bytes32 adminRole = ledger.DEFAULT_ADMIN_ROLE();
        bytes32 aliceKey = _keyIdOf(ALICE_KEY);
        vm.expectRevert(_denied(address(this), adminRole));
        ledger.revokeOfficerKey(aliceKey);
    }

    function test_revokeOfficerKey_worksWhilePaused() public {
        vm.startPrank(ADMIN);
        ledger.pause();
        ledger.revokeOfficerKey(_keyIdOf(BOB_KEY));
        vm.stopPrank();
        assertTrue(ledger.officerKey(_keyIdOf(BOB_KEY)).revokedAt != 0);
    }

    // ---- one officer ----

    function test_decideRepair_oneOfficerApproves() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        bytes32 digest = ledger.decisionDigestOf(d);
        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, APPROVED, DECISION, POLICY, RULE, ALICE, bytes32(0));
        _decide(ALICE_KEY, d);
        assertEq(ledger.recordOf(RECORD).status, 2);
        assertEq(ledger.decisionOf(RECORD, APP), APPROVED);
        assertTrue(ledger.digestUsed(digest));
    }

    function test_decideRepair_officerRefusalKeepsRecordPublished() public {
        _publish(1);
        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, REFUSED, DECISION, POLICY, RULE, BOB, bytes32(0));
        _decide(BOB_KEY, _decision(RECORD, APP, REFUSED));
        assertEq(ledger.recordOf(RECORD).status, 1);
        assertEq(ledger.decisionOf(RECORD, APP), REFUSED);
        // a later application can still be approved
        _decide(ALICE_KEY, _decision(RECORD, keccak256("application-2"), APPROVED));
        assertEq(ledger.recordOf(RECORD).status, 2);
    }

    function test_decideRepair_unregisteredKeyIsRefused() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        _decideReverts(abi.encodeWithSelector(IOfficerKeys.OfficerKeysUnknownKey.selector, _keyIdOf(MALLORY_KEY)), MALLORY_KEY, d);
    }

    function test_decideRepair_signatureOfAnotherKeyIsRefused() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        IOfficerKeys.OfficerSignature memory sig = _signed(MALLORY_KEY, d);
        sig.keyId = _keyIdOf(ALICE_KEY); // Mallory's signature presented as Alice's
        vm.expectRevert(
            abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidSignature.selector, sig.keyId, ledger.decisionDigestOf(d))
        );
        ledger.decideRepair(d, sig);
        assertEq(ledger.recordOf(RECORD).status, 1);
    }

    function test_decideRepair_signatureForAnotherRecordOrOutcomeIsRefused() public {
        _publish(1);
        bytes32 other = keccak256("record-2");
        vm.prank(AGENCY);
        ledger.publishRecord(other, SUBJECT, DIGEST, 1, 3, UNTIL, 1);
        ICreditLedger.Decision memory refusal = _decision(other, APP, REFUSED);
        IOfficerKeys.OfficerSignature memory sig = _signed(ALICE_KEY, refusal);

        ICreditLedger.Decision memory moved = refusal;
        moved.recordId = RECORD;
        vm.expectRevert(
            abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidSignature.selector, sig.keyId, ledger.decisionDigestOf(moved))
        );
        ledger.decideRepair(moved, sig);

        ICreditLedger.Decision memory flipped = _copy(refusal);
        flipped.outcome = APPROVED;
        vm.expectRevert(
            abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidSignature.selector, sig.keyId, ledger.decisionDigestOf(flipped))
        );
        ledger.decideRepair(flipped, sig);
        assertEq(ledger.recordOf(other).status, 1);
        assertEq(ledger.recordOf(RECORD).status, 1);
    }

    function test_decideRepair_signatureForAnotherLedgerIsRefused() public {
        CreditLedger twin = new CreditLedger(DELAY, ADMIN, bytes32(0), 1);
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        IOfficerKeys.OfficerSignature memory sig = _assertion(ALICE_KEY, twin.decisionDigestOf(d));
        vm.expectRevert(
            abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidSignature.selector, sig.keyId, ledger.decisionDigestOf(d))
        );
        ledger.decideRepair(d, sig);
    }

    function test_decideRepair_needsUserVerificationAndLowS() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        bytes32 digest = ledger.decisionDigestOf(d);
        bytes32 keyId = _keyIdOf(ALICE_KEY);
        bytes memory invalid = abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidSignature.selector, keyId, digest);
        IOfficerKeys.OfficerSignature memory presentOnly = _assertionWith(ALICE_KEY, digest, FLAGS_UP_ONLY, true);
        IOfficerKeys.OfficerSignature memory highS = _assertionWith(ALICE_KEY, digest, FLAGS_UP_UV, false);
        IOfficerKeys.OfficerSignature memory wrongType = _assertion(ALICE_KEY, digest);
        wrongType.typeIndex = 2;
        vm.expectRevert(invalid);
        ledger.decideRepair(d, presentOnly);
        vm.expectRevert(invalid);
        ledger.decideRepair(d, highS);
        vm.expectRevert(invalid);
        ledger.decideRepair(d, wrongType);
        ledger.decideRepair(d, _assertion(ALICE_KEY, digest));
        assertEq(ledger.recordOf(RECORD).status, 2);
    }

    function test_decideRepair_expiredDeadlineIsRefused() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        IOfficerKeys.OfficerSignature memory sig = _signed(ALICE_KEY, d);
        vm.warp(d.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysSignatureExpired.selector, d.deadline, d.deadline + 1));
        ledger.decideRepair(d, sig);
        vm.warp(d.deadline);
        ledger.decideRepair(d, sig);
        assertEq(ledger.recordOf(RECORD).status, 2);
    }

    function test_decideRepair_revertsOnInvalidInput() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, bytes32(0), APPROVED);
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerZeroApplicationId.selector), ALICE_KEY, d);
        d = _decision(RECORD, APP, APPROVED);
        d.decisionDigest = bytes32(0);
        _decideReverts(abi.encodeWithSelector(OneCodeZeroDigest.selector), ALICE_KEY, d);
        d = _decision(RECORD, APP, 3);
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerInvalidOutcome.selector, uint8(3)), ALICE_KEY, d);
        d = _decision(keccak256("unknown"), APP, APPROVED);
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerUnknownRecord.selector, keccak256("unknown")), ALICE_KEY, d);
    }

    function test_decideRepair_revertsOnDecidedApplicationOrRepairedRecord() public {
        _publish(1);
        _decide(ALICE_KEY, _decision(RECORD, APP, REFUSED));
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerApplicationAlreadyDecided.selector, RECORD, APP, REFUSED), BOB_KEY, _decision(RECORD, APP, APPROVED));
        _decide(BOB_KEY, _decision(RECORD, keccak256("application-2"), APPROVED));
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerRecordNotPublished.selector, RECORD, uint8(2)), ALICE_KEY, _decision(RECORD, keccak256("application-3"), REFUSED));
    }

    function test_decideRepair_onlyTheRelayerSends() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        IOfficerKeys.OfficerSignature memory sig = _signed(ALICE_KEY, d);
        vm.expectRevert(_denied(STRANGER, ledger.RELAYER_ROLE()));
        vm.prank(STRANGER);
        ledger.decideRepair(d, sig);
        vm.expectRevert(_denied(ADMIN, ledger.RELAYER_ROLE()));
        vm.prank(ADMIN);
        ledger.decideRepair(d, sig);
    }

    function test_decideRepair_revertsWhenPaused() public {
        _publish(1);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        IOfficerKeys.OfficerSignature memory sig = _signed(ALICE_KEY, d);
        vm.prank(ADMIN);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.decideRepair(d, sig);
    }

    // ---- four eyes ----

    function test_fourEyes_twoDistinctOfficersRepair() public {
        _publish(2);
        ICreditLedger.Decision memory first = _decision(RECORD, APP, APPROVED);
        bytes32 firstDigest = ledger.decisionDigestOf(first);
        vm.expectEmit();
        emit ICreditLedger.RepairApprovalProposed(RECORD, APP, DECISION, ALICE, _keyIdOf(ALICE_KEY), firstDigest);
        _decide(ALICE_KEY, first);
        assertEq(ledger.recordOf(RECORD).status, 1);
        assertEq(ledger.decisionOf(RECORD, APP), 0);
        ICreditLedger.PendingApproval memory p = ledger.pendingApproval(RECORD);
        assertEq(p.applicationId, APP);
        assertEq(p.officerId, ALICE);
        assertEq(p.keyId, _keyIdOf(ALICE_KEY));
        assertEq(p.terms, keccak256(abi.encode(DECISION, POLICY, RULE)));
        assertEq(p.proposedAt, NOW);

        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, APPROVED, DECISION, POLICY, RULE, BOB, ALICE);
        _decide(BOB_KEY, _decision(RECORD, APP, APPROVED));
        assertEq(ledger.recordOf(RECORD).status, 2);
        assertEq(ledger.decisionOf(RECORD, APP), APPROVED);
        assertEq(ledger.pendingApproval(RECORD).applicationId, bytes32(0));
    }

    function test_fourEyes_relayerAloneCannotRepair() public {
        _publish(2);
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerOfficerSignatureRequired.selector, RECORD, uint8(2)));
        ledger.decideRepairByRule(RECORD, APP, APPROVED, DECISION, POLICY, RULE);
        assertEq(ledger.recordOf(RECORD).status, 1);
    }

    function test_fourEyes_sameOfficerTwiceIsRefused() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerSameOfficer.selector, RECORD, ALICE), ALICE_KEY, _decision(RECORD, APP, APPROVED));
        // nor with her second key
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerSameOfficer.selector, RECORD, ALICE), ALICE_PHONE_KEY, _decision(RECORD, APP, APPROVED));
        assertEq(ledger.recordOf(RECORD).status, 1);
    }

    function test_fourEyes_replayedSignatureIsRefused() public {
        _publish(2);
        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        IOfficerKeys.OfficerSignature memory sig = _signed(ALICE_KEY, d);
        ledger.decideRepair(d, sig);
        ICreditLedger.Withdrawal memory w = _withdrawal(RECORD, APP);
        IOfficerKeys.OfficerSignature memory wSig = _assertion(ALICE_KEY, ledger.withdrawalDigestOf(w));
        ledger.withdrawRepairApproval(w, wSig);
        // the relayer cannot revive the withdrawn approval by sending the old signature again
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysSignatureReplayed.selector, ledger.decisionDigestOf(d)));
        ledger.decideRepair(d, sig);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        vm.expectRevert(abi.encodeWithSelector(IOfficerKeys.OfficerKeysSignatureReplayed.selector, ledger.withdrawalDigestOf(w)));
        ledger.withdrawRepairApproval(w, wSig);
    }

    function test_fourEyes_confirmationMustMatchTerms() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        bytes32 terms = keccak256(abi.encode(DECISION, POLICY, RULE));
        bytes32 otherApp = keccak256("application-2");
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerApprovalMismatch.selector, RECORD, APP, terms, otherApp, terms), BOB_KEY, _decision(RECORD, otherApp, APPROVED));

        ICreditLedger.Decision memory d = _decision(RECORD, APP, APPROVED);
        d.ruleIdHash = keccak256("another rule");
        bytes32 otherTerms = keccak256(abi.encode(DECISION, POLICY, d.ruleIdHash));
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerApprovalMismatch.selector, RECORD, APP, terms, APP, otherTerms), BOB_KEY, d);

        d = _decision(RECORD, APP, APPROVED);
        d.decisionDigest = keccak256("another document");
        otherTerms = keccak256(abi.encode(d.decisionDigest, POLICY, RULE));
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerApprovalMismatch.selector, RECORD, APP, terms, APP, otherTerms), BOB_KEY, d);
        assertEq(ledger.recordOf(RECORD).status, 1);
    }

    function test_fourEyes_revokedProposerCannotBeConfirmed() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        bytes32 keyId = _keyIdOf(ALICE_KEY);
        vm.prank(ADMIN);
        ledger.revokeOfficerKey(keyId);
        _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerProposerKeyRevoked.selector, RECORD, keyId), BOB_KEY, _decision(RECORD, APP, APPROVED));
    }

    function test_fourEyes_refusalWithdrawsPendingApproval() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        vm.expectEmit();
        emit ICreditLedger.RepairApprovalWithdrawn(RECORD, APP, BOB, 2);
        vm.expectEmit();
        emit ICreditLedger.RepairDecided(RECORD, APP, REFUSED, DECISION, POLICY, RULE, BOB, bytes32(0));
        _decide(BOB_KEY, _decision(RECORD, APP, REFUSED));
        assertEq(ledger.pendingApproval(RECORD).applicationId, bytes32(0));
        assertEq(ledger.decisionOf(RECORD, APP), REFUSED);
        assertEq(ledger.recordOf(RECORD).status, 1);
    }

    function test_fourEyes_ruleRefusalCannotDropAnOfficersApproval() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerApprovalPending.selector, RECORD, APP));
        ledger.decideRepairByRule(RECORD, APP, REFUSED, DECISION, POLICY, RULE);
        assertEq(ledger.pendingApproval(RECORD).officerId, ALICE);
    }

    function test_withdrawRepairApproval_signedByAnyOfficer() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        ICreditLedger.Withdrawal memory w = _withdrawal(RECORD, APP);
        vm.expectEmit();
        emit ICreditLedger.RepairApprovalWithdrawn(RECORD, APP, BOB, 1);
        ledger.withdrawRepairApproval(w, _assertion(BOB_KEY, ledger.withdrawalDigestOf(w)));
        assertEq(ledger.pendingApproval(RECORD).applicationId, bytes32(0));
        // a new proposal can start, and Alice may confirm Bob's proposal
        _decide(BOB_KEY, _decision(RECORD, APP, APPROVED));
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        assertEq(ledger.recordOf(RECORD).status, 2);
    }

    function test_withdrawRepairApproval_revertsWithoutMatchingPending() public {
        _publish(2);
        ICreditLedger.Withdrawal memory w = _withdrawal(RECORD, APP);
        IOfficerKeys.OfficerSignature memory sig = _assertion(BOB_KEY, ledger.withdrawalDigestOf(w));
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerNoPendingApproval.selector, RECORD, APP));
        ledger.withdrawRepairApproval(w, sig);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        ICreditLedger.Withdrawal memory other = _withdrawal(RECORD, keccak256("application-2"));
        IOfficerKeys.OfficerSignature memory otherSig = _assertion(BOB_KEY, ledger.withdrawalDigestOf(other));
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerNoPendingApproval.selector, RECORD, other.applicationId));
        ledger.withdrawRepairApproval(other, otherSig);
        ICreditLedger.Withdrawal memory zero = _withdrawal(keccak256("no record"), bytes32(0));
        IOfficerKeys.OfficerSignature memory zeroSig = _assertion(BOB_KEY, ledger.withdrawalDigestOf(zero));
        vm.expectRevert(abi.encodeWithSelector(ICreditLedger.CreditLedgerNoPendingApproval.selector, zero.recordId, bytes32(0)));
        ledger.withdrawRepairApproval(zero, zeroSig);
    }

    function test_withdrawRepairApproval_decisionSignatureIsNotAWithdrawal() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        ICreditLedger.Withdrawal memory w = _withdrawal(RECORD, APP);
        // Bob's signature over a decision digest cannot be passed off as a withdrawal
        IOfficerKeys.OfficerSignature memory sig = _signed(BOB_KEY, _decision(RECORD, APP, REFUSED));
        vm.expectRevert(
            abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidSignature.selector, sig.keyId, ledger.withdrawalDigestOf(w))
        );
        ledger.withdrawRepairApproval(w, sig);
    }

    function test_recordExpired_dropsPendingApprovalWithEvent() public {
        _publish(2);
        _decide(ALICE_KEY, _decision(RECORD, APP, APPROVED));
        vm.warp(UNTIL);
        vm.expectEmit();
        emit ICreditLedger.RepairApprovalExpired(RECORD, APP, ALICE);
        vm.expectEmit();
        emit ICreditLedger.RecordExpired(RECORD, SUBJECT, address(this));
        ledger.recordExpired(RECORD);
        assertEq(ledger.pendingApproval(RECORD).applicationId, bytes32(0));
        assertEq(ledger.recordOf(RECORD).status, 3);
    }

    // ---- fuzz ----

    function testFuzz_fourEyes_needsTwoDistinctOfficers(uint256 firstSeed, uint256 secondSeed, bool sameOfficer) public {
        uint256 firstKey = bound(firstSeed, 1, P256_N - 1);
        uint256 secondKey = bound(secondSeed, 1, P256_N - 1);
        vm.assume(_keyIdOf(firstKey) != _keyIdOf(secondKey));
        bytes32 first = keccak256(abi.encode("first", firstSeed));
        bytes32 second = sameOfficer ? first : keccak256(abi.encode("second", secondSeed));
        vm.warp(START);
        _register(first, firstKey);
        _register(second, secondKey);
        vm.warp(NOW + DELAY);
        _publish(2);
        _decide(firstKey, _decision(RECORD, APP, APPROVED));
        ICreditLedger.Decision memory confirmation = _decision(RECORD, APP, APPROVED);
        if (sameOfficer) {
            _decideReverts(abi.encodeWithSelector(ICreditLedger.CreditLedgerSameOfficer.selector, RECORD, first), secondKey, confirmation);
        } else {
            _decide(secondKey, confirmation);
        }
        assertEq(ledger.recordOf(RECORD).status, sameOfficer ? 1 : 2);
    }

    function testFuzz_decideRepair_anyChangedFieldBreaksTheSignature(uint8 field, bytes32 value) public {
        _publish(1);
        ICreditLedger.Decision memory signedDecision = _decision(RECORD, APP, REFUSED);
        IOfficerKeys.OfficerSignature memory sig = _signed(ALICE_KEY, signedDecision);
        ICreditLedger.Decision memory sent = _copy(signedDecision);
        uint256 f = field % 6;
        if (f == 0) sent.applicationId = value;
        else if (f == 1) sent.decisionDigest = value;
        else if (f == 2) sent.policyVersionHash = value;
        else if (f == 3) sent.ruleIdHash = value;
        else if (f == 4) sent.nonce = uint256(value);
        else sent.deadline = bound(uint256(value), block.timestamp, type(uint256).max);
        vm.assume(keccak256(abi.encode(sent)) != keccak256(abi.encode(signedDecision)));
        vm.assume(sent.applicationId != bytes32(0) && sent.decisionDigest != bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(IOfficerKeys.OfficerKeysInvalidSignature.selector, sig.keyId, ledger.decisionDigestOf(sent))
        );
        ledger.decideRepair(sent, sig);
    }

    function _copy(ICreditLedger.Decision memory d) private pure returns (ICreditLedger.Decision memory) {
        return abi.decode(abi.encode(d), (ICreditLedger.Decision));
    }
}
