// Configuration: every variable is read and checked once, at boot. A missing or
// malformed value stops the start with a message that names the variable.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { isAbsolute, join, resolve } from "node:path";
import { fromHex } from "../../protocol/bytes.ts";
import { ledgerKeys, type LedgerKeys } from "./ledger/signing.ts";

export interface Config {
  host: string;
  port: number;
  /** PostgreSQL server; when absent, an embedded PGlite is served on a local socket. */
  databaseUrl: string | null;
  /** Folder for embedded data (PGlite, chain state, generated keys). */
  dataDir: string;
  /** EVM JSON-RPC endpoint of the permissioned chain; null runs without a chain (writes wait in the outbox). */
  chainRpcUrl: string | null;
  /** JSON file with contract addresses and ABIs written by the deploy script. */
  deploymentFile: string;
  /**
   * Private keys (0x hex) of the API's chain accounts, one per role (the contracts refuse one
   * account in two roles); null without CHAIN_RPC_URL. No officer key: officers sign with passkeys.
   */
  chainKeys: ChainKeys | null;
  /** WebAuthn RP ID the officers' passkeys belong to (checked in assertions when set). */
  passkeyRpId: string | null;
  /** Origins an officer's assertion may come from (checked when not empty). */
  passkeyOrigins: string[];
  /** HMAC key for subject commitments (32 bytes). The chain knows a subject only by HMAC(identifier). */
  subjectKey: Uint8Array;
  /** Key for operator bearer tokens (HS256, 32 bytes). */
  operatorTokenSecret: Uint8Array;
  /** Key that encrypts face reference descriptors at rest (A256GCM, 32 bytes). */
  faceKey: Uint8Array;
  /** The ledger key (Ed25519) that signs every append, and the retired public keys still accepted. */
  ledgerKeys: LedgerKeys;
  /** LEDGER_ADOPT_THROUGH: the head seq of a ledger written before signatures that the operator vouches for (api/src/ledger/adopt.ts). */
  ledgerAdoptThrough: number | null;
  /** Addresses or CIDR ranges of the reverse proxies whose X-Forwarded-For is believed; empty: none. */
  trustProxy: string[];
  /** Client addresses exempt from the rate limits (api/src/edge.ts): monitoring, load tests. */
  rateLimitAllow: string[];
  /** Folder holding the code-signing key set (JWK files). */
  codeKeysDir: string;
  /** Public issuer URL put in code tokens and the status list reference. */
  publicUrl: string;
  /** Lifetime of a dynamic code token. */
  codeTtlSeconds: number;
  /** Lifetime of a code token bound to the holder's phone (cnf): the phone's 30-second device signature keeps it dynamic. */
  boundCodeTtlSeconds: number;
  /** Lifetime of a one-time wallet binding QR (kiosk after a face check, registrar). */
  walletBindingTtlSeconds: number;
  /** Lifetime of a wallet sign-in (passkey) session. */
  walletSessionTtlSeconds: number;
  /** How often the anchoring worker seals a batch, and the most entries in one anchor. */
  anchorIntervalMs: number;
  anchorMaxBatch: number;
  /** How often the outbox worker polls for work. */
  outboxPollMs: number;
  /** Rounds of chain transactions the outbox worker keeps in flight at once (1: one after another). */
  outboxPipelineDepth: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback?: string): string {
  const value = env[name] ?? fallback;
  if (value === undefined || value === "") throw new ConfigError(`${name} is required`);
  return value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function key32(env: Env, name: string): Uint8Array {
  const raw = env[name];
  if (!raw) throw new ConfigError(`${name} is required (32 bytes as 64 hex characters)`);
  if (!/^[0-9a-fA-F]{64}$/.test(raw)) throw new ConfigError(`${name} must be 64 hex characters (32 bytes)`);
  return fromHex(raw);
}

/** LEDGER_SIGNING_KEY (64 hex: the Ed25519 seed) or LEDGER_SIGNING_KEY_FILE (a file holding it); LEDGER_RETIRED_KEYS: public keys, 64 hex, comma-separated. */
function ledgerKeySet(env: Env, cwd: string): LedgerKeys {
  let seed = env.LEDGER_SIGNING_KEY;
  if (!seed && env.LEDGER_SIGNING_KEY_FILE) {
    try {
      seed = readFileSync(path(cwd, env.LEDGER_SIGNING_KEY_FILE), "utf8").trim();
    } catch (error) {
      throw new ConfigError(`LEDGER_SIGNING_KEY_FILE cannot be read: ${(error as Error).message}`);
    }
  }
  if (!seed) throw new ConfigError("LEDGER_SIGNING_KEY (or LEDGER_SIGNING_KEY_FILE) is required (the Ed25519 seed, 32 bytes as 64 hex characters)");
  if (!/^[0-9a-fA-F]{64}$/.test(seed)) throw new ConfigError("LEDGER_SIGNING_KEY must be 64 hex characters (the 32-byte Ed25519 seed)");
  const retired = (env.LEDGER_RETIRED_KEYS ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  for (const key of retired) {
    if (!/^[0-9a-fA-F]{64}$/.test(key)) throw new ConfigError("LEDGER_RETIRED_KEYS must be a comma-separated list of 64-hex Ed25519 public keys");
  }
  return ledgerKeys(fromHex(seed), retired.map(fromHex));
}

/** TRUST_PROXY: comma-separated addresses or CIDR ranges (10.0.0.0/8, ::1); unset: no proxy is trusted. */
function proxies(env: Env): string[] {
  return addresses(env, "TRUST_PROXY", true);
}

function addresses(env: Env, name: string, ranges: boolean): string[] {
  const list = (env[name] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  for (const entry of list) {
    const [address, bits, more] = entry.split("/");
    const family = isIP(address ?? "");
    const prefixOk = bits === undefined || (ranges && /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || more !== undefined || !prefixOk) {
      throw new ConfigError(`${name} must be a comma-separated list of IP addresses${ranges ? " or CIDR ranges" : ""}, got "${entry}"`);
    }
  }
  return list;
}

function privateKey(env: Env, name: string): string | null {
  const raw = env[name];
  if (!raw) return null;
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw new ConfigError(`${name} must be a 0x-prefixed 32-byte hex private key`);
  return raw;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (!raw) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must use ${protocols.join(" or ")}`);
  return raw;
}

/** The API's chain accounts: registrar (CodeRegistry), credit agency, relayer and anchorer (CreditLedger), optional admin. */
export interface ChainKeys {
  registrar: string;
  creditAgency: string;
  /** Sends officer-signed and rule decisions and expiries: decides nothing alone. */
  relayer: string;
  anchorer: string;
  /** Default admin: registers and revokes officer keys. Absent in production (a cold key); the API then hands out the transaction. */
  admin: string | null;
}

export const CHAIN_KEY_VARIABLES = {
  registrar: "CHAIN_REGISTRAR_KEY",
  creditAgency: "CHAIN_CREDIT_AGENCY_KEY",
  relayer: "CHAIN_RELAYER_KEY",
  anchorer: "CHAIN_ANCHORER_KEY",
  admin: "CHAIN_ADMIN_KEY",
} as const;

function chainKeys(env: Env, chainRpcUrl: string | null): ChainKeys | null {
  for (const retired of ["CHAIN_SIGNER_KEY", "CHAIN_OFFICER_KEYS"]) {
    if (env[retired]) throw new ConfigError(`${retired} is no longer read: one key per role (${Object.values(CHAIN_KEY_VARIABLES).join(", ")}); officers sign with passkeys`);
  }
  if (!chainRpcUrl) return null;
  const required = (name: string) => privateKey(env, name) ?? fail(`${name} is required with CHAIN_RPC_URL`);
  const keys: ChainKeys = {
    registrar: required(CHAIN_KEY_VARIABLES.registrar),
    creditAgency: required(CHAIN_KEY_VARIABLES.creditAgency),
    relayer: required(CHAIN_KEY_VARIABLES.relayer),
    anchorer: required(CHAIN_KEY_VARIABLES.anchorer),
    admin: privateKey(env, CHAIN_KEY_VARIABLES.admin),
  };
  const seen = new Map<string, string>();
  for (const [role, key] of Object.entries(keys)) {
    if (key === null) continue;
    const other = seen.get(key.toLowerCase());
    if (other) fail(`${CHAIN_KEY_VARIABLES[role as keyof ChainKeys]} and ${other} must be different keys (the contracts refuse one account in two roles)`);
    seen.set(key.toLowerCase(), CHAIN_KEY_VARIABLES[role as keyof ChainKeys]);
  }
  return keys;
}

function fail(message: string): never {
  throw new ConfigError(message);
}

function path(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

// On this machine the URL says localhost, not 127.0.0.1: passkeys (WebAuthn) refuse an IP
// address as relying-party id, so the back office's and the wallet's passkeys work under
// `npm start` only at http://localhost. A server listening elsewhere keeps its own host.
const LOOPBACK_OR_ANY = new Set(["127.0.0.1", "::1", "[::1]", "localhost", "0.0.0.0", "::"]);

export function defaultPublicUrl(host: string, port: number): string {
  return `http://${LOOPBACK_OR_ANY.has(host) ? "localhost" : host}:${port}`;
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const dataDir = path(cwd, str(env, "DATA_DIR", ".data"));
  const port = int(env, "PORT", 8080, 0, 65535);
  const host = str(env, "HOST", "127.0.0.1");
  const chainRpcUrl = url(env, "CHAIN_RPC_URL", ["http:", "https:", "ws:", "wss:"]);
  return {
    host,
    port,
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    dataDir,
    chainRpcUrl,
    deploymentFile: path(cwd, str(env, "DEPLOYMENT_FILE", join(dataDir, "deployment.json"))),
    chainKeys: chainKeys(env, chainRpcUrl),
    passkeyRpId: env.PASSKEY_RP_ID || null,
    passkeyOrigins: (env.PASSKEY_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean),
    subjectKey: key32(env, "SUBJECT_COMMITMENT_KEY"),
    operatorTokenSecret: key32(env, "OPERATOR_TOKEN_SECRET"),
    faceKey: key32(env, "FACE_REFERENCE_KEY"),
    ledgerKeys: ledgerKeySet(env, cwd),
    ledgerAdoptThrough: env.LEDGER_ADOPT_THROUGH ? int(env, "LEDGER_ADOPT_THROUGH", 0, 1, Number.MAX_SAFE_INTEGER) : null,
    trustProxy: proxies(env),
    rateLimitAllow: addresses(env, "RATE_LIMIT_ALLOW", false),
    codeKeysDir: path(cwd, str(env, "CODE_KEYS_DIR", join(dataDir, "code-keys"))),
    publicUrl: url(env, "PUBLIC_URL", ["http:", "https:"]) ?? defaultPublicUrl(host, port),
    codeTtlSeconds: int(env, "CODE_TTL_SECONDS", 60, 10, 3600),
    boundCodeTtlSeconds: int(env, "BOUND_CODE_TTL_SECONDS", 4 * 3600, 60, 24 * 3600),
    walletBindingTtlSeconds: int(env, "WALLET_BINDING_TTL_SECONDS", 300, 30, 3600),
    walletSessionTtlSeconds: int(env, "WALLET_SESSION_TTL_SECONDS", 1800, 60, 24 * 3600),
    anchorIntervalMs: int(env, "ANCHOR_INTERVAL_MS", 2000, 50, 3_600_000),
    anchorMaxBatch: int(env, "ANCHOR_MAX_BATCH", 1000, 1, 100_000),
    outboxPollMs: int(env, "OUTBOX_POLL_MS", 500, 10, 60_000),
    outboxPipelineDepth: int(env, "OUTBOX_PIPELINE_DEPTH", 4, 1, 16),
    logLevel: str(env, "LOG_LEVEL", "info"),
  };
}
