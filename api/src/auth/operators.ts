// Who calls the API. People (officers, registrars, credit-agency staff, admins, auditors,
// supervisors) sign in to the back office and carry a session cookie (./sessions.ts);
// machines (a credit agency's batch system, kiosk devices) carry bearer tokens that this API
// signed itself. HS256 is pinned for those: only this service signs and verifies them, so a
// shared secret is enough, and no other algorithm (none, RS*, ES*) is ever accepted. Every
// machine token has an id (jti) an admin can revoke, a name saying what it is for, and a
// lifetime of at most MACHINE_TOKEN_MAX_SECONDS.
import { randomBytes } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { unauthorized } from "../errors.ts";

export const ROLES = ["registrar", "credit_agency", "repair_officer", "auditor", "kiosk", "admin", "supervisor"] as const;
export type Role = (typeof ROLES)[number];

/** Roles a person's account may hold (a kiosk is always a device with a machine token). */
export const ACCOUNT_ROLES = ["registrar", "credit_agency", "repair_officer", "auditor", "admin", "supervisor"] as const satisfies readonly Role[];

/** The longest a machine token may live (90 days); the API may be configured lower. */
export const MACHINE_TOKEN_MAX_SECONDS = 90 * 86400;

export interface Operator {
  /**
   * Stable operator id recorded as the actor of every write: an account's opaque id
   * ("op_…") for a person, the token's subject ("kiosk-03", "agency-feed") for a machine.
   */
  sub: string;
  /** The role this request acts in (the one the route asked for). */
  role: Role;
  /** Set for a person signed in with a session. */
  account?: { id: string; name: string; unit: string; roles: Role[]; sessionHash: Buffer };
  /** Set for a machine token. */
  token?: { jti: string; name: string };
}

const ISSUER = "onecode-api";
const AUDIENCE = "onecode-operators";
const TYPE = "operator+jwt";

export interface MintedToken {
  token: string;
  jti: string;
  name: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface MachineTokenRequest {
  sub: string;
  role: Role;
  /** What the token is for ("batch feed of the market regulator"); default: the subject. */
  name?: string;
  ttlSeconds?: number;
}

export async function mintMachineToken(secret: Uint8Array, request: MachineTokenRequest, now = new Date()): Promise<MintedToken> {
  const { sub, role } = request;
  const ttlSeconds = request.ttlSeconds ?? 8 * 3600;
  if (!ROLES.includes(role)) throw new TypeError(`unknown role ${role}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MACHINE_TOKEN_MAX_SECONDS) {
    throw new RangeError(`a machine token lives from 1 s to ${MACHINE_TOKEN_MAX_SECONDS} s, not ${ttlSeconds}`);
  }
  const name = (request.name ?? sub).slice(0, 100);
  const jti = randomBytes(16).toString("hex");
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ role, name })
    .setProtectedHeader({ alg: "HS256", typ: TYPE })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(secret);
  return { token, jti, name, issuedAt: new Date(iat * 1000), expiresAt: new Date((iat + ttlSeconds) * 1000) };
}

/** The token alone (tests, scripts, demo seeds). */
export async function mintOperatorToken(secret: Uint8Array, operator: { sub: string; role: Role }, ttlSeconds = 8 * 3600, name?: string): Promise<string> {
  return (await mintMachineToken(secret, { ...operator, ttlSeconds, name })).token;
}

export interface VerifiedToken {
  sub: string;
  role: Role;
  jti: string;
  name: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** Signature, issuer, audience, type, expiry and lifetime; revocation is the plugin's (it needs the database). */
export async function verifyOperatorToken(secret: Uint8Array, token: string, maxLifetimeSeconds = MACHINE_TOKEN_MAX_SECONDS): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
      typ: TYPE,
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    const role = payload.role as Role;
    if (!ROLES.includes(role) || typeof payload.sub !== "string") throw unauthorized("token_invalid", "Token has no valid role");
    if (typeof payload.jti !== "string" || !/^[0-9a-f]{32}$/.test(payload.jti)) throw unauthorized("token_invalid", "Token has no valid id");
    // A token minted for longer than the maximum is refused whatever its remaining time.
    if (payload.exp! - payload.iat! > maxLifetimeSeconds) throw unauthorized("token_lifetime_exceeded", "Operator token lives longer than allowed");
    const name = typeof payload.name === "string" ? payload.name : payload.sub;
    return { sub: payload.sub, role, jti: payload.jti, name, issuedAt: new Date(payload.iat! * 1000), expiresAt: new Date(payload.exp! * 1000) };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthorized("token_expired", "Operator token expired");
    if (error instanceof Error && error.name === "ProblemError") throw error;
    throw unauthorized("token_invalid", "Operator token is not valid");
  }
}

/** Actor string recorded in the ledger, in `created_by` columns and in the access log. */
export function actorOf(operator: Pick<Operator, "role" | "sub">): string {
  return `${operator.role}:${operator.sub}`;
}
