// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {CreditLedger} from "../CreditLedger.sol";
import {ICreditLedger} from "../interfaces/ICreditLedger.sol";
import {IOfficerKeys} from "../interfaces/IOfficerKeys.sol";
import {Passkeys} from "./Passkeys.sol";

/// @dev A CreditLedger with separated role accounts and three registered officer passkeys:
/// ALICE and BOB are two officers, ALICE_PHONE is Alice's second key. The test contract is the
/// relayer; ADMIN, AGENCY and ANCHORER are plain addresses.
abstract contract LedgerFixture is Passkeys {
    CreditLedger internal ledger;

    address internal constant ADMIN = address(0xAD);
    address internal constant AGENCY = address(0xA6E);
    address internal constant ANCHORER = address(0xA7C);
    address internal constant STRANGER = address(0xBAD);
    uint40 internal constant DELAY = 1 days;

    uint256 internal constant ALICE_KEY = 0xA11CE;
    uint256 internal constant ALICE_PHONE_KEY = 0xA11CE2;
    uint256 internal constant BOB_KEY = 0xB0B;
    uint256 internal constant MALLORY_KEY = 0x3A110; // never registered
    bytes32 internal constant ALICE = keccak256("officer-alice");
    bytes32 internal constant BOB = keccak256("officer-bob");

    bytes32 internal constant RECORD = keccak256("record-1");
    bytes32 internal constant SUBJECT = keccak256("subject-1");
    bytes32 internal constant DIGEST = keccak256("digest-1");
    bytes32 internal constant APP = keccak256("application-1");
    bytes32 internal constant DECISION = keccak256("decision-1");
    bytes32 internal constant POLICY = keccak256("national-2026");
    bytes32 internal constant RULE = keccak256("national-2026.decision.serious_list_two_officers");
    uint40 internal constant START = 1_750_000_000;
    uint40 internal constant NOW = START + DELAY;
    uint40 internal constant UNTIL = NOW + 365 days;

    uint8 internal constant APPROVED = 1;
    uint8 internal constant REFUSED = 2;

    uint256 private _nonce;

    function setUp() public virtual {
        vm.warp(START);
        ledger = new CreditLedger(DELAY, ADMIN, bytes32(0), 1);
        bytes32 agencyRole = ledger.CREDIT_AGENCY_ROLE();
        bytes32 anchorerRole = ledger.ANCHORER_ROLE();
        bytes32 relayerRole = ledger.RELAYER_ROLE();
        vm.startPrank(ADMIN);
        ledger.grantRole(agencyRole, AGENCY);
        ledger.grantRole(anchorerRole, ANCHORER);
        ledger.grantRole(relayerRole, address(this));
        vm.stopPrank();
        _register(ALICE, ALICE_KEY);
        _register(ALICE, ALICE_PHONE_KEY);
        _register(BOB, BOB_KEY);
        vm.warp(NOW);
    }

    function _register(bytes32 officerId, uint256 privateKey) internal returns (bytes32) {
        (bytes32 x, bytes32 y) = _publicKey(privateKey);
        vm.prank(ADMIN);
        return ledger.registerOfficerKey(officerId, x, y);
    }

    function _publish(uint8 approvalsNeeded) internal {
        uint8 category = approvalsNeeded == 2 ? 2 : 1;
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, SUBJECT, DIGEST, category, 3, UNTIL, approvalsNeeded);
    }

    /// @dev A decision with a fresh nonce, valid for an hour.
    function _decision(bytes32 recordId, bytes32 applicationId, uint8 outcome) internal returns (ICreditLedger.Decision memory) {
        return
            ICreditLedger.Decision({
                recordId: recordId,
                applicationId: applicationId,
                outcome: outcome,
                decisionDigest: DECISION,
                policyVersionHash: POLICY,
                ruleIdHash: RULE,
                nonce: ++_nonce,
                deadline: block.timestamp + 1 hours
            });
    }

    function _signed(
        uint256 privateKey,
        ICreditLedger.Decision memory decision
    ) internal view returns (IOfficerKeys.OfficerSignature memory) {
        return _assertion(privateKey, ledger.decisionDigestOf(decision));
    }

    /// @dev `privateKey` signs `decision` and the relayer (this contract) sends it.
    function _decide(uint256 privateKey, ICreditLedger.Decision memory decision) internal {
        ledger.decideRepair(decision, _signed(privateKey, decision));
    }

    /// @dev Like `_decide`, expecting `err`. The assertion is built first: `expectRevert` applies
    /// to the very next call, and building one calls the ledger and the SHA-256 precompile.
    function _decideReverts(bytes memory err, uint256 privateKey, ICreditLedger.Decision memory decision) internal {
        IOfficerKeys.OfficerSignature memory signature = _signed(privateKey, decision);
        vm.expectRevert(err);
        ledger.decideRepair(decision, signature);
    }

    function _withdrawal(bytes32 recordId, bytes32 applicationId) internal returns (ICreditLedger.Withdrawal memory) {
        return
            ICreditLedger.Withdrawal({
                recordId: recordId,
                applicationId: applicationId,
                nonce: ++_nonce,
                deadline: block.timestamp + 1 hours
            });
    }

    function _denied(address caller, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role);
    }
}
