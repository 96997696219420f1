// The deployment file: what the deploy script writes (conventionally
// `deployments/<network>.json`) and what the API, the start script and the audit read to
// find the contracts. One format, checked in one place: file access stays with the caller
// (Node reads a file, a browser could fetch one), this module only parses and validates.
import { getAddress, type InterfaceAbi } from "ethers";

export interface DeployedContract {
  /** Checksummed address. */
  address: string;
  abi: InterfaceAbi;
}

export interface OneCodeDeployment {
  chainId: number;
  codeRegistry: DeployedContract;
  creditLedger: DeployedContract;
  /** Block number of the first deployment transaction: where log scans start. */
  deployedAt: number;
  /** Default admin of both contracts right after deployment (the deploying account). */
  admin: string;
  /** Account that must accept the delayed admin transfer, or null. */
  pendingAdmin: string | null;
  /** Delay of default admin transfers, in seconds. */
  adminDelaySeconds: number;
}

/** Parses the JSON text of a deployment file; `source` names it in the error (e.g. the path). */
export function parseDeployment(text: string, source = "deployment"): OneCodeDeployment {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not a OneCode deployment: not JSON`);
  }
  return validateDeployment(json, source);
}

/**
 * Checks a parsed deployment and returns it normalised (checksummed addresses). Throws,
 * naming the field, when something a reader relies on is missing or malformed.
 * `admin`, `pendingAdmin` and `adminDelaySeconds` are informational (only the deploy script
 * prints them), so they are checked when present; `deployedAt` may be absent in files
 * written before it existed, and then log scans start at block 0.
 */
export function validateDeployment(value: unknown, source = "deployment"): OneCodeDeployment {
  function fail(what: string): never {
    throw new Error(`${source} is not a OneCode deployment: ${what}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("not an object");
  const json = value as Record<string, unknown>;
  const chainId = json.chainId;
  if (!isCount(chainId) || chainId === 0) fail("chainId must be a positive integer");
  const deployedAt = json.deployedAt ?? 0;
  if (!isCount(deployedAt)) fail("deployedAt must be a block number");
  const adminDelaySeconds = json.adminDelaySeconds ?? 0;
  if (!isCount(adminDelaySeconds)) fail("adminDelaySeconds must be a non-negative integer");
  const admin = json.admin === undefined ? "" : addressOf(json.admin, "admin", fail);
  const pendingAdmin = json.pendingAdmin == null ? null : addressOf(json.pendingAdmin, "pendingAdmin", fail);
  return {
    chainId,
    codeRegistry: contractOf(json.codeRegistry, "codeRegistry", fail),
    creditLedger: contractOf(json.creditLedger, "creditLedger", fail),
    deployedAt,
    admin,
    pendingAdmin,
    adminDelaySeconds,
  };
}

/** The JSON text `parseDeployment` reads back (two-space indented, final newline). */
export function formatDeployment(deployment: OneCodeDeployment): string {
  return JSON.stringify(deployment, null, 2) + "\n";
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function addressOf(value: unknown, field: string, fail: (what: string) => never): string {
  if (typeof value !== "string") return fail(`${field} must be an address`);
  try {
    return getAddress(value);
  } catch {
    return fail(`${field} is not a valid address`);
  }
}

function contractOf(value: unknown, field: string, fail: (what: string) => never): DeployedContract {
  if (typeof value !== "object" || value === null) return fail(`${field} is missing`);
  const c = value as { address?: unknown; abi?: unknown };
  const address = addressOf(c.address, `${field}.address`, fail);
  if (!Array.isArray(c.abi) || c.abi.length === 0) return fail(`${field}.abi must be a non-empty ABI array`);
  return { address, abi: c.abi as InterfaceAbi };
}
