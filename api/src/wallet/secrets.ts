// The wallet's bearer secrets: 256 random bits behind a prefix that names what they are
// (wb1_ a one-time binding offer, ws1_ a holder session), handed out once and stored only as
// their SHA-256, as face assertions are.
import { createHash, randomBytes } from "node:crypto";

export const OFFER_PREFIX = "wb1_";
export const SESSION_PREFIX = "ws1_";

/** The shape every secret of this kind has: prefix + 43 base64url characters. */
export const secretPattern = (prefix: string) => `^${prefix}[A-Za-z0-9_-]{43}$`;

export function newSecret(prefix: string): { secret: string; hash: Buffer } {
  const secret = prefix + randomBytes(32).toString("base64url");
  return { secret, hash: hashOf(secret) };
}

export const hashOf = (secret: string): Buffer => createHash("sha256").update(secret, "utf8").digest();
