// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {CreditLedger} from "./CreditLedger.sol";
import {Cheats} from "./test/Cheats.sol";

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
