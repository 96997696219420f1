// The contracts' access-control roles: each identifier equals the `*_ROLE` constant of
// CodeRegistry and CreditLedger (keccak256 of the name; the default admin is zero). The
// deploy script grants them, the audit names them in its role history.
import { id } from "ethers";

export const ROLES = {
  DEFAULT_ADMIN: "0x" + "00".repeat(32),
  PAUSER: id("PAUSER_ROLE"),
  REGISTRAR: id("REGISTRAR_ROLE"),
  CREDIT_AGENCY: id("CREDIT_AGENCY_ROLE"),
  RELAYER: id("RELAYER_ROLE"),
  ANCHORER: id("ANCHORER_ROLE"),
} as const;

/** Role identifier → the constant's name in the contracts ("REGISTRAR_ROLE"). */
export const ROLE_NAMES: Record<string, string> = {
  [ROLES.DEFAULT_ADMIN]: "DEFAULT_ADMIN_ROLE",
  [ROLES.PAUSER]: "PAUSER_ROLE",
  [ROLES.REGISTRAR]: "REGISTRAR_ROLE",
  [ROLES.CREDIT_AGENCY]: "CREDIT_AGENCY_ROLE",
  [ROLES.RELAYER]: "RELAYER_ROLE",
  [ROLES.ANCHORER]: "ANCHORER_ROLE",
};
