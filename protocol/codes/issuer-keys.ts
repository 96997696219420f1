// What a verifier knows about each issuer key besides its public part, carried as two
// extra members of the key's JWK in the published JWKS (RFC 7517 4: members a
// recipient does not understand are ignored, so other verifiers still read the set):
//   "retired_at":     NumericDate the key stopped signing; it still verifies tokens it
//                     signed before, for their lifetime, and none signed after.
//   "compromised_at": NumericDate the issuer declared the key compromised; every token
//                     of it is refused, whatever its iat claims (an attacker holding the
//                     key can backdate iat).
// The API's key set writes these (api/src/codes/keys.ts); the online check and the
// offline verifier both apply checkIssuerKey.
import { Refusal } from "./token-format.ts";

export const RETIRED_AT = "retired_at";
export const COMPROMISED_AT = "compromised_at";

export interface IssuerKeyState {
  kid: string;
  /** Seconds since the epoch; null while the key signs. */
  retiredAt: number | null;
  /** Seconds since the epoch; null unless the issuer declared the key compromised. */
  compromisedAt: number | null;
}

const isSeconds = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v > 0;

/** Reads the state members of a JWKS entry; a malformed member makes the key unusable (null). */
export function issuerKeyState(jwk: Record<string, unknown>): IssuerKeyState | null {
  if (typeof jwk.kid !== "string") return null;
  const retired = Object.hasOwn(jwk, RETIRED_AT) ? jwk[RETIRED_AT] : undefined;
  const compromised = Object.hasOwn(jwk, COMPROMISED_AT) ? jwk[COMPROMISED_AT] : undefined;
  if (retired !== undefined && !isSeconds(retired)) return null;
  if (compromised !== undefined && !isSeconds(compromised)) return null;
  return { kid: jwk.kid, retiredAt: retired ?? null, compromisedAt: compromised ?? null };
}

/** Throws a Refusal when this key must not vouch for a token issued at `issuedAt` (seconds). */
export function checkIssuerKey(state: IssuerKeyState, issuedAt: number, leewaySeconds: number): void {
  if (state.compromisedAt !== null) throw new Refusal("key_compromised", `key ${state.kid} was declared compromised; none of its tokens is trusted`);
  if (state.retiredAt !== null && issuedAt > state.retiredAt + leewaySeconds) {
    throw new Refusal("key_retired", `signed by key ${state.kid} ${issuedAt - state.retiredAt} s after it was retired`);
  }
}
