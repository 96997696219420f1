// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {CreditLedger} from "./CreditLedger.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {IOfficerKeys} from "./interfaces/IOfficerKeys.sol";
import {Cheats} from "./test/Cheats.sol";
import {Passkeys} from "./test/Passkeys.sol";

/// @dev Anchors random batches, correct ones and broken ones (gap, overlap, backward range,
/// stale head, zero root); a ghost recomputes the head chain and the next sequence number.
contract AnchorHandler is Cheats {
    CreditLedger public immutable ledger;

    bytes32 public ghostHead;
    uint64 public ghostNext = 1;
    uint64 public ghostCount;
    uint256 public modelViolations;
    uint256 public anchored;
    uint256 public rejected;

    constructor(CreditLedger ledger_) {
        ledger = ledger_;
    }

    function anchor(uint32 length, bytes32 root) external {
        uint64 fromSeq = ghostNext;
        uint64 toSeq = fromSeq + uint64(bound(length, 0, 5_000));
        bool allowed = root != bytes32(0);
        try ledger.anchorBatch(fromSeq, toSeq, root, ghostHead) {
            if (!allowed) ++modelViolations;
            ghostHead = keccak256(abi.encode(ghostHead, fromSeq, toSeq, root));
            ghostNext = toSeq + 1;
            ++ghostCount;
            ++anchored;
        } catch {
            if (allowed) ++modelViolations;
        }
    }

    function anchorBroken(uint8 mode, uint32 shift, bytes32 root, bytes32 wrongHead) external {
        if (root == bytes32(0)) root = keccak256("root");
        uint64 fromSeq = ghostNext;
        uint64 toSeq = fromSeq + 10;
        bytes32 prevHead = ghostHead;
        uint256 m = mode % 4;
        if (m == 0) {
            fromSeq += 1 + uint64(shift % 1000); // gap
            toSeq = fromSeq + 10;
        } else if (m == 1) {
            fromSeq -= 1 + uint64(shift % fromSeq); // overlap (or zero)
        } else if (m == 2) {
            toSeq = fromSeq - 1; // backward range
        } else {
            if (wrongHead == ghostHead) wrongHead = keccak256(abi.encode(wrongHead));
            prevHead = wrongHead; // stale head
        }
        try ledger.anchorBatch(fromSeq, toSeq, root, prevHead) {
            ++modelViolations;
        } catch {
            ++rejected;
        }
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 1 days));
    }
}

/// @dev Invariant: anchors form a gap-free chain whose head the ghost re-derives.
contract CreditLedgerAnchorInvariantTest is Cheats {
    CreditLedger internal ledger;
    AnchorHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        ledger = new CreditLedger(1 days, address(this), bytes32(0), 1);
        handler = new AnchorHandler(ledger);
        ledger.grantRole(ledger.ANCHORER_ROLE(), address(handler));
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @dev Each run must have exercised both paths, or the invariant proves little.
    function afterInvariant() public view {
        assertTrue(handler.anchored() > 0);
        assertTrue(handler.rejected() > 0);
    }

    /// forge-config: default.invariant.runs = 256
    /// forge-config: default.invariant.depth = 64
    function invariant_anchorsFormGapFreeChain() public view {
        assertEq(handler.modelViolations(), 0);
        assertEq(ledger.head(), handler.ghostHead());
        assertEq(ledger.nextSeq(), handler.ghostNext());
        assertEq(ledger.anchorCount(), handler.ghostCount());
    }
}

/// @dev Drives two serious-list records with officer-signed approvals, refusals, withdrawals,
/// rule approvals (the relayer alone) and replays of earlier signatures, from four passkeys of
/// three officers (Alice has two). A ghost model says which calls must succeed.
contract FourEyesHandler is Passkeys {
    CreditLedger public immutable ledger;

    uint256 internal constant RECORDS = 2;
    uint256 internal constant APPS = 2;
    uint256[4] internal _keys = [uint256(0xA11CE), 0xA11CE2, 0xB0B, 0xCA201];
    bytes32[4] internal _officers = [keccak256("alice"), keccak256("alice"), keccak256("bob"), keccak256("carol")];

    mapping(uint256 record => uint8 status) public ghostStatus;
    mapping(uint256 record => bytes32 officer) public ghostPendingOfficer;
    mapping(uint256 record => uint256 app) public ghostPendingApp; // 1-based, 0 = none
    mapping(uint256 record => mapping(uint256 app => bool decided)) public ghostDecided;

    ICreditLedger.Decision[] internal _pastDecisions;
    IOfficerKeys.OfficerSignature[] internal _pastSignatures;
    uint256 internal _nonce;
    uint256 public modelViolations;
    uint256 public successes;
    uint256 public repairs;

    constructor(CreditLedger ledger_) {
        ledger = ledger_;
    }

    function registerAll(address admin) external {
        for (uint256 i = 0; i < _keys.length; ++i) {
            (bytes32 x, bytes32 y) = _publicKey(_keys[i]);
            vm.prank(admin);
            ledger.registerOfficerKey(_officers[i], x, y);
        }
        for (uint256 r = 0; r < RECORDS; ++r) ghostStatus[r] = 1;
    }

    function recordId(uint256 r) public pure returns (bytes32) {
        return keccak256(abi.encode("four-eyes-record", r));
    }

    function appId(uint256 a) public pure returns (bytes32) {
        return keccak256(abi.encode("four-eyes-app", a));
    }

    function decide(uint8 recordSeed, uint8 keySeed, uint8 appSeed, uint8 outcomeSeed) external {
        uint256 r = recordSeed % RECORDS;
        uint256 k = keySeed % _keys.length;
        // Mostly approvals, and mostly of the pending application, so that confirmations happen.
        bool approve = outcomeSeed % 4 != 0;
        uint256 a = approve && ghostPendingApp[r] != 0 && appSeed % 4 != 0 ? ghostPendingApp[r] - 1 : appSeed % APPS;
        ICreditLedger.Decision memory d = ICreditLedger.Decision({
            recordId: recordId(r),
            applicationId: appId(a),
            outcome: approve ? 1 : 2,
            decisionDigest: keccak256("decision"),
            policyVersionHash: keccak256("national-2026"),
            ruleIdHash: keccak256("rule"),
            nonce: ++_nonce,
            deadline: block.timestamp + 1 hours
        });
        IOfficerKeys.OfficerSignature memory sig = _assertion(_keys[k], ledger.decisionDigestOf(d));
        bool open = ghostStatus[r] == 1 && !ghostDecided[r][a];
        bool pendingNone = ghostPendingApp[r] == 0;
        bool allowed = open &&
            (!approve || pendingNone || (ghostPendingApp[r] == a + 1 && ghostPendingOfficer[r] != _officers[k]));
        try ledger.decideRepair(d, sig) {
            if (!allowed) ++modelViolations;
            ++successes;
            _pastDecisions.push(d);
            _pastSignatures.push(sig);
            if (!approve) {
                ghostDecided[r][a] = true;
                if (ghostPendingApp[r] == a + 1) _clearPending(r);
            } else if (pendingNone) {
                ghostPendingApp[r] = a + 1;
                ghostPendingOfficer[r] = _officers[k];
            } else {
                ghostDecided[r][a] = true;
                ghostStatus[r] = 2;
                ++repairs;
                _clearPending(r);
            }
        } catch {
            if (allowed) ++modelViolations;
        }
    }

    function withdraw(uint8 recordSeed, uint8 keySeed) external {
        uint256 r = recordSeed % RECORDS;
        uint256 k = keySeed % _keys.length;
        uint256 a = ghostPendingApp[r];
        ICreditLedger.Withdrawal memory w = ICreditLedger.Withdrawal({
            recordId: recordId(r),
            applicationId: a == 0 ? appId(0) : appId(a - 1),
            nonce: ++_nonce,
            deadline: block.timestamp + 1 hours
        });
        IOfficerKeys.OfficerSignature memory sig = _assertion(_keys[k], ledger.withdrawalDigestOf(w));
        try ledger.withdrawRepairApproval(w, sig) {
            if (a == 0) ++modelViolations;
            ++successes;
            _clearPending(r);
        } catch {
            if (a != 0) ++modelViolations;
        }
    }

    /// @dev The relayer alone: must never approve a serious-list record.
    function approveByRule(uint8 recordSeed, uint8 appSeed) external {
        uint256 r = recordSeed % RECORDS;
        try ledger.decideRepairByRule(recordId(r), appId(appSeed % APPS), 1, keccak256("decision"), bytes32(0), bytes32(0)) {
            ++modelViolations;
        } catch {}
    }

    /// @dev Sends an earlier, already used signature again: must always fail.
    function replay(uint256 index) external {
        if (_pastDecisions.length == 0) return;
        uint256 i = index % _pastDecisions.length;
        try ledger.decideRepair(_pastDecisions[i], _pastSignatures[i]) {
            ++modelViolations;
        } catch {}
    }

    function _clearPending(uint256 r) private {
        ghostPendingApp[r] = 0;
        ghostPendingOfficer[r] = bytes32(0);
    }
}

/// @dev Invariant: a serious-list record leaves the list only with two distinct officers'
/// signatures over the same application, and the chain agrees with the ghost model.
contract CreditLedgerFourEyesInvariantTest is Cheats {
    CreditLedger internal ledger;
    FourEyesHandler internal handler;
    address internal constant ADMIN = address(0xAD);
    address internal constant AGENCY = address(0xA6E);

    function setUp() public {
        vm.warp(1_750_000_000);
        ledger = new CreditLedger(1 days, ADMIN, bytes32(0), 1);
        handler = new FourEyesHandler(ledger);
        bytes32 relayerRole = ledger.RELAYER_ROLE();
        bytes32 agencyRole = ledger.CREDIT_AGENCY_ROLE();
        vm.startPrank(ADMIN);
        ledger.grantRole(relayerRole, address(handler));
        ledger.grantRole(agencyRole, AGENCY);
        vm.stopPrank();
        handler.registerAll(ADMIN);
        vm.warp(block.timestamp + 1 days);
        for (uint256 r = 0; r < 2; ++r) {
            bytes32 id = handler.recordId(r); // before the prank: a prank applies to the very next call
            vm.prank(AGENCY);
            ledger.publishRecord(id, keccak256("subject"), keccak256("doc"), 2, 3, uint40(block.timestamp + 365 days), 2);
        }
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function afterInvariant() public view {
        assertTrue(handler.successes() > 0);
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 48
    function invariant_fourEyesHolds() public view {
        assertEq(handler.modelViolations(), 0);
        for (uint256 r = 0; r < 2; ++r) {
            bytes32 id = handler.recordId(r);
            assertEq(ledger.recordOf(id).status, handler.ghostStatus(r));
            ICreditLedger.PendingApproval memory p = ledger.pendingApproval(id);
            uint256 app = handler.ghostPendingApp(r);
            assertEq(p.applicationId, app == 0 ? bytes32(0) : handler.appId(app - 1));
            assertEq(p.officerId, handler.ghostPendingOfficer(r));
        }
    }
}
