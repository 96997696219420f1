// Operators (registrar, credit agency, repair officer, auditor, kiosk device, admin)
// carry bearer tokens that this API signed itself. HS256 is pinned: only this
// service signs and verifies these tokens, so a shared secret is enough, and no
// other algorithm (none, RS*, ES*) is ever accepted.
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { unauthorized } from "../errors.ts";

export const ROLES = ["registrar", "credit_agency", "repair_officer", "auditor", "kiosk", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Operator {
  /** Stable operator id, e.g. "officer-li"; recorded as the actor of every write. */
  sub: string;
  role: Role;
}

const ISSUER = "onecode-api";
const AUDIENCE = "onecode-operators";
const TYPE = "operator+jwt";

export async function mintOperatorToken(secret: Uint8Array, operator: Operator, ttlSeconds = 8 * 3600): Promise<string> {
  if (!ROLES.includes(operator.role)) throw new TypeError(`unknown role ${operator.role}`);
  return new SignJWT({ role: operator.role })
    .setProtectedHeader({ alg: "HS256", typ: TYPE })
    .setSubject(operator.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(secret);
}

export async function verifyOperatorToken(secret: Uint8Array, token: string): Promise<Operator> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
      typ: TYPE,
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["sub", "exp"],
    });
    const role = payload.role as Role;
    if (!ROLES.includes(role) || typeof payload.sub !== "string") throw unauthorized("token_invalid", "Token has no valid role");
    return { sub: payload.sub, role };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthorized("token_expired", "Operator token expired");
    if (error instanceof Error && error.name === "ProblemError") throw error;
    throw unauthorized("token_invalid", "Operator token is not valid");
  }
}

/** Actor string recorded in the ledger and in `created_by` columns. */
export function actorOf(operator: Operator): string {
  return `${operator.role}:${operator.sub}`;
}
