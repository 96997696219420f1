// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IOneCodeAccess} from "./interfaces/IOneCodeAccess.sol";

/**
 * @title OneCodeAccess
 * @notice Access base of the OneCode contracts: OpenZeppelin roles with a single default admin that
 * can only be replaced through a delayed, two-step transfer, an emergency stop, and separated roles.
 * @dev The default admin administers every role below. The pauser is the default admin or any
 * `PAUSER_ROLE` holder, so an operator can stop the contracts without holding the admin key.
 */
abstract contract OneCodeAccess is IOneCodeAccess, AccessControlDefaultAdminRules, Pausable {
    /// @notice May pause and unpause (besides the default admin).
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Enrols subjects and issues, rotates, suspends, reinstates and revokes codes.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Publishes dishonesty records.
    bytes32 public constant CREDIT_AGENCY_ROLE = keccak256("CREDIT_AGENCY_ROLE");
    /// @notice Sends officer-signed repair decisions (and rule decisions, expiries) and pays the gas.
    /// It cannot approve a repair that needs an officer: only the officers' own keys can.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");
    /// @notice Anchors Merkle roots of the off-chain ledger.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @dev Reverts unless the caller is the default admin or holds `PAUSER_ROLE`.
    modifier onlyPauser() {
        _checkPauser();
        _;
    }

    /**
     * @param initialDelay Seconds a default admin transfer must wait before it can be accepted.
     * @param initialAdmin The first default admin (must not be the zero address).
     */
    constructor(uint48 initialDelay, address initialAdmin) AccessControlDefaultAdminRules(initialDelay, initialAdmin) {}

    /// @inheritdoc IOneCodeAccess
    function pause() external onlyPauser {
        _pause();
    }

    /// @inheritdoc IOneCodeAccess
    function unpause() external onlyPauser {
        _unpause();
    }

    /// @dev The default admin or a `PAUSER_ROLE` holder.
    function _checkPauser() internal view {
        address caller = _msgSender();
        if (caller != defaultAdmin() && !hasRole(PAUSER_ROLE, caller)) {
            revert AccessControlUnauthorizedAccount(caller, PAUSER_ROLE);
        }
    }

    /// @dev Role separation: a separated role goes only to an account that holds no other one.
    /// Also covers the default admin role, which `acceptDefaultAdminTransfer` grants through here.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool) {
        if (_isSeparated(role)) {
            bytes32[5] memory separated = [DEFAULT_ADMIN_ROLE, REGISTRAR_ROLE, CREDIT_AGENCY_ROLE, RELAYER_ROLE, ANCHORER_ROLE];
            for (uint256 i = 0; i < separated.length; ++i) {
                bytes32 held = separated[i];
                if (held != role && hasRole(held, account)) revert OneCodeRoleConflict(account, role, held);
            }
        }
        return super._grantRole(role, account);
    }

    /// @dev Whether `role` is one of the roles no account may combine.
    function _isSeparated(bytes32 role) private pure returns (bool) {
        return
            role == DEFAULT_ADMIN_ROLE ||
            role == REGISTRAR_ROLE ||
            role == CREDIT_AGENCY_ROLE ||
            role == RELAYER_ROLE ||
            role == ANCHORER_ROLE;
    }
}
