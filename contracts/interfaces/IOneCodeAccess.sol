// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/**
 * @title IOneCodeAccess
 * @notice Emergency stop and role separation shared by the OneCode contracts. Roles and the
 * delayed two-step admin transfer come from OpenZeppelin's `AccessControlDefaultAdminRules`.
 *
 * Separated roles: the default admin, `REGISTRAR_ROLE`, `CREDIT_AGENCY_ROLE`, `RELAYER_ROLE` and
 * `ANCHORER_ROLE` are held by different accounts: an account that holds one of them cannot be
 * granted another (nor accept the admin role), so one leaked key never carries two powers.
 * `PAUSER_ROLE` may be combined with any of them (stopping grants nothing).
 */
interface IOneCodeAccess {
    /// @notice `account` already holds `heldRole`, which excludes `role` (separated roles).
    error OneCodeRoleConflict(address account, bytes32 role, bytes32 heldRole);

    /**
     * @notice Stops every state-changing function of the contract (views keep working).
     * @dev Callable by the default admin or a `PAUSER_ROLE` holder; emits `Paused`.
     * Reverts with `AccessControlUnauthorizedAccount(caller, PAUSER_ROLE)` otherwise and with
     * `EnforcedPause()` if already paused.
     */
    function pause() external;

    /**
     * @notice Lifts the emergency stop.
     * @dev Callable by the default admin or a `PAUSER_ROLE` holder; emits `Unpaused`.
     * Reverts with `ExpectedPause()` if not paused.
     */
    function unpause() external;
}
