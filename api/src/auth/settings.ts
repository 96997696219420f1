// Settings of operator sign-in: session lifetimes, the WebAuthn relying party, machine-token
// lifetime, lockout, and the optional single sign-on (OIDC), from the defaults and the
// environment. Read once, as a boot step (api/src/boot.ts), so a bad value stops the boot.
import { createHash } from "node:crypto";
import { ConfigError, type Config } from "../config.ts";
import { MACHINE_TOKEN_MAX_SECONDS } from "./operators.ts";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  /** Where the provider sends the browser back: PUBLIC_URL + /v1/auth/oidc/callback unless set. */
  redirectUrl: string;
  /** The claim matched against an account's login at the first sign-in (then the `sub` is bound). */
  loginClaim: string;
  /** What the sign-in button says ("政务统一身份认证"). */
  label: string;
  /** Plain http to the provider: only for a provider on this machine (tests, development). */
  allowHttp: boolean;
}

export interface AuthSettings {
  /** A session ends after this long without a request (SESSION_IDLE_MINUTES, 15). */
  sessionIdleSeconds: number;
  /** …and this long after sign-in in any case (SESSION_MAX_HOURS, 10). */
  sessionMaxSeconds: number;
  /** Cookies carry Secure (COOKIE_SECURE, default on; browsers accept it on http://localhost). */
  cookieSecure: boolean;
  /** WebAuthn relying party id (PASSKEY_RP_ID; default the host of PUBLIC_URL, "localhost" for a loopback address). */
  rpId: string;
  rpName: string;
  /** Origins WebAuthn answers may come from (PASSKEY_ORIGINS, comma-separated; default the origin of PUBLIC_URL). */
  origins: string[];
  /** Longest machine token lifetime (MACHINE_TOKEN_MAX_DAYS, 90). */
  machineTokenMaxSeconds: number;
  /** Wrong second factors in a row before an account waits lockSeconds. */
  maxFailedAttempts: number;
  lockSeconds: number;
  /** Lifetime of a WebAuthn challenge or an OIDC login in flight. */
  challengeSeconds: number;
  /** Lifetime of an enrolment code an admin hands over. */
  enrolmentSeconds: number;
  /** Keys derived from OPERATOR_TOKEN_SECRET: CSRF tokens (HMAC) and TOTP secrets at rest (AES-256-GCM). */
  csrfKey: Buffer;
  totpKey: Buffer;
  oidc: OidcSettings | null;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

const derive = (secret: Uint8Array, purpose: string) => createHash("sha256").update(`onecode:${purpose}:`).update(secret).digest();

function defaultRpId(publicUrl: string): string {
  const host = new URL(publicUrl).hostname;
  // WebAuthn refuses IP addresses as RP id; a loopback address is this machine, i.e. localhost.
  return host === "127.0.0.1" || host === "[::1]" || host === "::1" ? "localhost" : host;
}

function oidcSettings(env: Env, publicUrl: string): OidcSettings | null {
  const issuer = env.OIDC_ISSUER;
  if (!issuer) return null;
  const clientId = env.OIDC_CLIENT_ID;
  if (!clientId) throw new ConfigError("OIDC_CLIENT_ID is required when OIDC_ISSUER is set");
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError("OIDC_ISSUER is not a URL");
  }
  const allowHttp = env.OIDC_ALLOW_HTTP === "1";
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) throw new ConfigError("OIDC_ISSUER must use https (OIDC_ALLOW_HTTP=1 for a provider on this machine)");
  return {
    issuer,
    clientId,
    clientSecret: env.OIDC_CLIENT_SECRET || null,
    redirectUrl: env.OIDC_REDIRECT_URL || `${publicUrl.replace(/\/$/, "")}/v1/auth/oidc/callback`,
    loginClaim: env.OIDC_LOGIN_CLAIM || "preferred_username",
    label: env.OIDC_LABEL || "统一身份认证 / Single sign-on",
    allowHttp,
  };
}

/** Settings from the environment, then `config.auth` when the configuration carries one (tests). */
export function authSettings(config: Config, env: Env = process.env): AuthSettings {
  const origins = (env.PASSKEY_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  const fromEnv: AuthSettings = {
    sessionIdleSeconds: int(env, "SESSION_IDLE_MINUTES", 15, 1, 24 * 60) * 60,
    sessionMaxSeconds: int(env, "SESSION_MAX_HOURS", 10, 1, 24) * 3600,
    cookieSecure: env.COOKIE_SECURE !== "0",
    rpId: env.PASSKEY_RP_ID || defaultRpId(config.publicUrl),
    rpName: "OneCode 后台 / back office",
    origins: origins.length > 0 ? origins : [new URL(config.publicUrl).origin],
    machineTokenMaxSeconds: int(env, "MACHINE_TOKEN_MAX_DAYS", 90, 1, MACHINE_TOKEN_MAX_SECONDS / 86400) * 86400,
    maxFailedAttempts: 5,
    lockSeconds: 15 * 60,
    challengeSeconds: 5 * 60,
    enrolmentSeconds: 7 * 86400,
    csrfKey: derive(config.operatorTokenSecret, "csrf"),
    totpKey: derive(config.operatorTokenSecret, "totp"),
    oidc: oidcSettings(env, config.publicUrl),
  };
  const override = (config as Config & { auth?: Partial<AuthSettings> }).auth ?? {};
  return { ...fromEnv, ...override };
}

/**
 * Whether a WebAuthn answer's origin is ours: one of the configured origins, or, while the RP id
 * is localhost (development and tests on this machine), any http://localhost port.
 */
export function originAllowed(settings: Pick<AuthSettings, "origins" | "rpId">, origin: string): boolean {
  if (settings.origins.includes(origin)) return true;
  return settings.rpId === "localhost" && /^https?:\/\/localhost(:\d{1,5})?$/.test(origin);
}
