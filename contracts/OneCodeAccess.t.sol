// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {CodeRegistry} from "./CodeRegistry.sol";
import {CreditLedger} from "./CreditLedger.sol";
import {ICodeRegistry} from "./interfaces/ICodeRegistry.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {IOfficerKeys} from "./interfaces/IOfficerKeys.sol";
import {IOneCodeAccess} from "./interfaces/IOneCodeAccess.sol";
import {Cheats} from "./test/Cheats.sol";
import {Passkeys} from "./test/Passkeys.sol";

/// @dev The access base: delayed two-step admin transfer, admin-only role management, separated roles.
contract OneCodeAccessTest is Cheats {
    CodeRegistry internal registry;
    address internal constant NEW_ADMIN = address(0xAD2);
    address internal constant STRANGER = address(0xBAD);
    uint48 internal constant DELAY = 2 days;

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new CodeRegistry(DELAY, address(this));
    }

    function test_constructor_revertsOnZeroAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new CreditLedger(DELAY, address(0), bytes32(0), 1);
    }

    function test_adminTransfer_waitsForDelayThenAccepts() public {
        registry.beginDefaultAdminTransfer(NEW_ADMIN);
        uint48 schedule = uint48(block.timestamp) + DELAY;
        (address pending, uint48 at) = registry.pendingDefaultAdmin();
        assertEq(pending, NEW_ADMIN);
        assertEq(at, schedule);

        vm.warp(schedule - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule)
        );
        vm.prank(NEW_ADMIN);
        registry.acceptDefaultAdminTransfer();
        assertEq(registry.defaultAdmin(), address(this));

        vm.warp(schedule + 1);
        vm.prank(NEW_ADMIN);
        registry.acceptDefaultAdminTransfer();
        assertEq(registry.defaultAdmin(), NEW_ADMIN);
        assertFalse(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), address(this)));
    }

    function test_adminTransfer_revertsForOtherAcceptor() public {
        registry.beginDefaultAdminTransfer(NEW_ADMIN);
        vm.warp(block.timestamp + DELAY + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, STRANGER)
        );
        vm.prank(STRANGER);
        registry.acceptDefaultAdminTransfer();
    }

    function test_grantRole_defaultAdminIsRefused() public {
        bytes32 adminRole = registry.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector)
        );
        registry.grantRole(adminRole, NEW_ADMIN);
    }

    function test_grantRole_revertsForStranger() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.grantRole(role, STRANGER);
    }

    function test_roleRevocation_stopsRegistrar() public {
        registry.grantRole(registry.REGISTRAR_ROLE(), STRANGER);
        vm.prank(STRANGER);
        registry.issueCode(keccak256("s"), bytes16(keccak256("c")), 1, keccak256("a"));
        registry.revokeRole(registry.REGISTRAR_ROLE(), STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(STRANGER);
        registry.issueCode(keccak256("s2"), bytes16(keccak256("c")), 1, keccak256("a"));
    }

    // ---- separated roles ----

    function _conflict(address account, bytes32 role, bytes32 held) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IOneCodeAccess.OneCodeRoleConflict.selector, account, role, held);
    }

    function test_roleSeparation_oneAccountOneRole() public {
        CreditLedger ledger = new CreditLedger(DELAY, address(this), bytes32(0), 1);
        bytes32 agency = ledger.CREDIT_AGENCY_ROLE();
        bytes32 relayer = ledger.RELAYER_ROLE();
        bytes32 anchorer = ledger.ANCHORER_ROLE();
        ledger.grantRole(relayer, STRANGER);
        vm.expectRevert(_conflict(STRANGER, agency, relayer));
        ledger.grantRole(agency, STRANGER);
        vm.expectRevert(_conflict(STRANGER, anchorer, relayer));
        ledger.grantRole(anchorer, STRANGER);
        // granting the role it holds again is a no-op, and after a revocation another role is fine
        ledger.grantRole(relayer, STRANGER);
        ledger.revokeRole(relayer, STRANGER);
        ledger.grantRole(agency, STRANGER);
        assertTrue(ledger.hasRole(agency, STRANGER));
        assertFalse(ledger.hasRole(relayer, STRANGER));
    }

    function test_roleSeparation_adminHoldsNoOtherRole() public {
        bytes32 registrar = registry.REGISTRAR_ROLE();
        vm.expectRevert(_conflict(address(this), registrar, registry.DEFAULT_ADMIN_ROLE()));
        registry.grantRole(registrar, address(this));
    }

    function test_roleSeparation_roleHolderCannotAcceptAdmin() public {
        bytes32 registrar = registry.REGISTRAR_ROLE();
        registry.grantRole(registrar, NEW_ADMIN);
        registry.beginDefaultAdminTransfer(NEW_ADMIN);
        vm.warp(block.timestamp + DELAY + 1);
        vm.expectRevert(_conflict(NEW_ADMIN, registry.DEFAULT_ADMIN_ROLE(), registrar));
        vm.prank(NEW_ADMIN);
        registry.acceptDefaultAdminTransfer();
        assertEq(registry.defaultAdmin(), address(this));
    }

    function test_roleSeparation_pauserCombinesWithAnyRole() public {
        registry.grantRole(registry.REGISTRAR_ROLE(), STRANGER);
        registry.grantRole(registry.PAUSER_ROLE(), STRANGER);
        registry.grantRole(registry.PAUSER_ROLE(), address(this));
        assertTrue(registry.hasRole(registry.PAUSER_ROLE(), STRANGER));
        assertTrue(registry.hasRole(registry.REGISTRAR_ROLE(), STRANGER));
    }

    function testFuzz_roleSeparation_anyTwoSeparatedRoles(uint8 first, uint8 second) public {
        CreditLedger ledger = new CreditLedger(DELAY, address(this), bytes32(0), 1);
        bytes32[4] memory roles = [
            ledger.REGISTRAR_ROLE(),
            ledger.CREDIT_AGENCY_ROLE(),
            ledger.RELAYER_ROLE(),
            ledger.ANCHORER_ROLE()
        ];
        bytes32 a = roles[first % 4];
        bytes32 b = roles[second % 4];
        ledger.grantRole(a, STRANGER);
        if (a != b) vm.expectRevert(_conflict(STRANGER, b, a));
        ledger.grantRole(b, STRANGER);
        assertEq(ledger.hasRole(b, STRANGER) ? 1 : 0, a == b ? 1 : 0);
    }
}

/// @dev Calls every state-changing function of both contracts from accounts that lack the role it
/// needs (strangers, and holders of other roles). Records any call that succeeds.
contract StrangerHandler is Cheats {
    CodeRegistry public immutable registry;
    CreditLedger public immutable ledger;
    address[] internal _insiders; // role holders, each with one role
    address[] internal _callers; // every caller used, checked for roles by the invariant
    uint256 public successes;
    uint256 public attempts;

    bytes32 public immutable subject;
    bytes16 public immutable code;
    bytes32 public immutable record;

    constructor(CodeRegistry registry_, CreditLedger ledger_, address[] memory insiders, bytes32 subject_, bytes16 code_, bytes32 record_) {
        registry = registry_;
        ledger = ledger_;
        _insiders = insiders;
        subject = subject_;
        code = code_;
        record = record_;
    }

    function callers() external view returns (address[] memory) {
        return _callers;
    }

    /// @dev A caller without `role` (and not the admin): a stranger, or an insider holding another role.
    function _caller(uint256 seed, address target, bytes32 role) internal returns (address who) {
        if (seed % 2 == 0) {
            who = _insiders[(seed >> 1) % _insiders.length];
            (bool isHolder, ) = _hasRole(target, role, who);
            if (!isHolder) return _remember(who);
        }
        who = address(uint160(uint256(keccak256(abi.encode("stranger", seed % 16)))));
        return _remember(who);
    }

    function _hasRole(address target, bytes32 role, address who) internal view returns (bool, bool) {
        return (IAccessControl(target).hasRole(role, who), true);
    }

    function _remember(address who) internal returns (address) {
        if (_callers.length < 64) _callers.push(who);
        return who;
    }

    function _try(address target, bytes memory data) internal {
        ++attempts;
        (bool ok, ) = target.call(data);
        if (ok) ++successes;
    }

    function registryWrite(uint256 seed, uint8 which, bytes16 newCode) external {
        address who = _caller(seed, address(registry), registry.REGISTRAR_ROLE());
        bytes32 fresh = keccak256(abi.encode(seed));
        if (newCode == bytes16(0) || newCode == code) newCode = bytes16(fresh);
        bytes memory data;
        uint256 w = which % 6;
        if (w == 0) data = abi.encodeCall(CodeRegistry.issueCode, (fresh, newCode, 1, fresh));
        else if (w == 1) {
            ICodeRegistry.CodeIssue[] memory issues = new ICodeRegistry.CodeIssue[](1);
            issues[0] = ICodeRegistry.CodeIssue(fresh, newCode, 2, fresh);
            data = abi.encodeCall(CodeRegistry.issueCodes, (issues));
        } else if (w == 2) data = abi.encodeCall(CodeRegistry.rotateCode, (subject, code, newCode, fresh));
        else if (w == 3) data = abi.encodeCall(CodeRegistry.suspendCode, (subject, code));
        else if (w == 4) data = abi.encodeCall(CodeRegistry.reinstateCode, (subject, code));
        else data = abi.encodeCall(CodeRegistry.revokeCode, (subject, code));
        vm.prank(who);
        _try(address(registry), data);
    }

    function ledgerWrite(uint256 seed, uint8 which, uint64 toSeq) external {
        uint256 w = which % 7;
        bytes32 role = w == 0 ? ledger.CREDIT_AGENCY_ROLE() : w == 6 ? ledger.ANCHORER_ROLE() : ledger.RELAYER_ROLE();
        address who = _caller(seed, address(ledger), role);
        bytes32 fresh = keccak256(abi.encode(seed));
        ICreditLedger.Decision memory decision = ICreditLedger.Decision(record, fresh, uint8(1 + (seed % 2)), fresh, fresh, fresh, seed, type(uint256).max);
        IOfficerKeys.OfficerSignature memory sig = IOfficerKeys.OfficerSignature(fresh, fresh, fresh, 23, 1, abi.encode(fresh), "{}");
        bytes memory data;
        if (w == 0) {
            data = abi.encodeCall(CreditLedger.publishRecord, (fresh, fresh, fresh, 1, 1, uint40(block.timestamp + 1 days), 0));
        } else if (w == 1) data = abi.encodeCall(CreditLedger.decideRepair, (decision, sig));
        else if (w == 2) data = abi.encodeCall(CreditLedger.decideRepairByRule, (record, fresh, decision.outcome, fresh, fresh, fresh));
        else if (w == 3) {
            bytes32 pendingApp = ledger.pendingApproval(record).applicationId;
            data = abi.encodeCall(CreditLedger.withdrawRepairApproval, (ICreditLedger.Withdrawal(record, pendingApp, seed, type(uint256).max), sig));
        } else if (w == 4) data = abi.encodeCall(CreditLedger.recordExpired, (record));
        else if (w == 5) data = abi.encodeCall(IOfficerKeys.registerOfficerKey, (fresh, fresh, fresh));
        else data = abi.encodeCall(CreditLedger.anchorBatch, (ledger.nextSeq(), ledger.nextSeq() + toSeq % 100, fresh, ledger.head()));
        vm.prank(who);
        _try(address(ledger), data);
    }

    function adminWrite(uint256 seed, uint8 which, bool onLedger, bytes32 roleSeed) external {
        address target = onLedger ? address(ledger) : address(registry);
        uint256 w = which % 7;
        // pause/unpause: the default admin or a pauser; everything else: the default admin.
        address who = _caller(seed, target, w >= 5 ? registry.PAUSER_ROLE() : bytes32(0));
        bytes32[5] memory roles = [
            registry.REGISTRAR_ROLE(),
            registry.CREDIT_AGENCY_ROLE(),
            registry.RELAYER_ROLE(),
            registry.ANCHORER_ROLE(),
            registry.PAUSER_ROLE()
        ];
        bytes32 role = roles[uint256(roleSeed) % 5];
        bytes memory data;
        if (w == 0) data = abi.encodeCall(IAccessControl.grantRole, (role, who));
        else if (w == 1) data = abi.encodeCall(IAccessControl.revokeRole, (role, _insiders[uint256(roleSeed) % _insiders.length]));
        else if (w == 2) data = abi.encodeCall(IAccessControlDefaultAdminRules.beginDefaultAdminTransfer, (who));
        else if (w == 3) data = abi.encodeCall(IAccessControlDefaultAdminRules.acceptDefaultAdminTransfer, ());
        else if (w == 4) data = abi.encodeCall(IAccessControlDefaultAdminRules.changeDefaultAdminDelay, (1));
        else if (w == 5) data = abi.encodeWithSignature("pause()");
        else data = abi.encodeWithSignature("unpause()");
        vm.prank(who);
        _try(target, data);
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 30 days));
    }
}

/// @dev Invariant: accounts without the needed role never change state, whatever they call.
contract OnlyRoleHoldersInvariantTest is Passkeys {
    CodeRegistry internal registry;
    CreditLedger internal ledger;
    StrangerHandler internal handler;
    bytes32 internal snapshot;
    bytes32 internal _officerKeyId;

    address internal constant REGISTRAR = address(0x1001);
    address internal constant AGENCY = address(0x1002);
    address internal constant RELAYER = address(0x1003);
    uint256 internal constant OFFICER_KEY = 0x0FF1CE;
    address internal constant ANCHORER = address(0x1004);
    address internal constant PAUSER = address(0x1005);
    bytes32 internal constant SUBJECT = keccak256("seeded-subject");
    bytes16 internal constant CODE = bytes16(keccak256("seeded-code"));
    bytes32 internal constant RECORD = keccak256("seeded-record");

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new CodeRegistry(1 days, address(this));
        ledger = new CreditLedger(1 days, address(this), bytes32(0), 1);
        registry.grantRole(registry.REGISTRAR_ROLE(), REGISTRAR);
        registry.grantRole(registry.PAUSER_ROLE(), PAUSER);
        ledger.grantRole(ledger.CREDIT_AGENCY_ROLE(), AGENCY);
        ledger.grantRole(ledger.RELAYER_ROLE(), RELAYER);
        ledger.grantRole(ledger.ANCHORER_ROLE(), ANCHORER);
        ledger.grantRole(ledger.PAUSER_ROLE(), PAUSER);

        vm.prank(REGISTRAR);
        registry.issueCode(SUBJECT, CODE, 2, keccak256("att"));
        vm.prank(AGENCY);
        ledger.publishRecord(RECORD, SUBJECT, keccak256("doc"), 2, 3, uint40(block.timestamp + 10 days), 2);
        (bytes32 x, bytes32 y) = _publicKey(OFFICER_KEY);
        _officerKeyId = ledger.registerOfficerKey(keccak256("officer"), x, y);
        vm.warp(block.timestamp + 1 days);
        ICreditLedger.Decision memory proposal = ICreditLedger.Decision(
            RECORD,
            keccak256("app"),
            1,
            keccak256("decision"),
            keccak256("policy"),
            keccak256("rule"),
            1,
            block.timestamp + 1 hours
        );
        IOfficerKeys.OfficerSignature memory sig = _assertion(OFFICER_KEY, ledger.decisionDigestOf(proposal));
        vm.prank(RELAYER);
        ledger.decideRepair(proposal, sig);
        vm.prank(ANCHORER);
        ledger.anchorBatch(1, 100, keccak256("root"), bytes32(0));

        address[] memory insiders = new address[](5);
        insiders[0] = REGISTRAR;
        insiders[1] = AGENCY;
        insiders[2] = RELAYER;
        insiders[3] = ANCHORER;
        insiders[4] = PAUSER;
        handler = new StrangerHandler(registry, ledger, insiders, SUBJECT, CODE, RECORD);
        snapshot = _fingerprint();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function _fingerprint() internal view returns (bytes32) {
        (bytes16 c, uint8 kind, uint8 status, uint40 issuedAt, uint40 changedAt) = registry.codeOf(SUBJECT);
        (address pendingAdmin1, uint48 at1) = registry.pendingDefaultAdmin();
        (address pendingAdmin2, uint48 at2) = ledger.pendingDefaultAdmin();
        (uint48 pendingDelay, uint48 delaySchedule) = ledger.pendingDefaultAdminDelay();
        bytes memory a = abi.encode(
            c,
            kind,
            status,
            issuedAt,
            changedAt,
            ledger.recordOf(RECORD),
            ledger.pendingApproval(RECORD),
            ledger.officerKey(_officerKeyId)
        );
        bytes memory b = abi.encode(
            ledger.head(),
            ledger.nextSeq(),
            ledger.anchorCount(),
            registry.paused(),
            ledger.paused(),
            registry.defaultAdmin(),
            ledger.defaultAdmin(),
            pendingAdmin1,
            at1,
            pendingAdmin2,
            at2,
            registry.defaultAdminDelay(),
            pendingDelay,
            delaySchedule
        );
        bytes memory roles = abi.encode(
            registry.hasRole(registry.REGISTRAR_ROLE(), REGISTRAR),
            ledger.hasRole(ledger.CREDIT_AGENCY_ROLE(), AGENCY),
            ledger.hasRole(ledger.RELAYER_ROLE(), RELAYER),
            ledger.hasRole(ledger.ANCHORER_ROLE(), ANCHORER),
            ledger.hasRole(ledger.PAUSER_ROLE(), PAUSER)
        );
        return keccak256(abi.encode(a, b, roles));
    }

    /// @dev Each run must have tried calls.
    function afterInvariant() public view {
        assertTrue(handler.attempts() > 0);
    }

    /// forge-config: default.invariant.runs = 256
    /// forge-config: default.invariant.depth = 48
    function invariant_onlyRoleHoldersChangeState() public view {
        assertEq(handler.successes(), 0);
        assertEq(_fingerprint(), snapshot);
        address[] memory used = handler.callers();
        bytes32[6] memory roles = [
            registry.DEFAULT_ADMIN_ROLE(),
            registry.REGISTRAR_ROLE(),
            registry.CREDIT_AGENCY_ROLE(),
            registry.RELAYER_ROLE(),
            registry.ANCHORER_ROLE(),
            registry.PAUSER_ROLE()
        ];
        for (uint256 i = 0; i < used.length; ++i) {
            for (uint256 r = 0; r < roles.length; ++r) {
                bool insider = (used[i] == REGISTRAR && r == 1) || (used[i] == AGENCY && r == 2) ||
                    (used[i] == RELAYER && r == 3) || (used[i] == ANCHORER && r == 4) || (used[i] == PAUSER && r == 5);
                if (insider) continue;
                assertFalse(registry.hasRole(roles[r], used[i]));
                assertFalse(ledger.hasRole(roles[r], used[i]));
            }
        }
    }
}
