// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/**
 * @title IOneCodeAccess
 * @notice Emergency stop shared by the OneCode contracts. Roles and the delayed two-step admin
 * transfer come from OpenZeppelin's `AccessControlDefaultAdminRules`.
 */
interface IOneCodeAccess {
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
