// Route schemas the wallet's routes share.
import { secretPattern, OFFER_PREFIX } from "./secrets.ts";

export const UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
export const problem = { $ref: "Problem#" } as const;
export const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 429: problem } as const;
export const idParams = { type: "object", properties: { id: { type: "string", pattern: UUID } }, required: ["id"] } as const;
export const offerSecret = { type: "string", pattern: secretPattern(OFFER_PREFIX) } as const;
/** A reason code, never free text: the ledger keeps it forever. */
export const reasonCode = { type: "string", pattern: "^[a-z][a-z0-9_]{0,39}$" } as const;

/** A P-256 coordinate: 32 bytes in canonical unpadded base64url. */
const coordinate = { type: "string", pattern: "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$" } as const;
export const deviceKeySchema = {
  type: "object",
  properties: { kty: { type: "string", enum: ["EC"] }, crv: { type: "string", enum: ["P-256"] }, x: coordinate, y: coordinate },
  required: ["kty", "crv", "x", "y"],
  additionalProperties: false,
} as const;

/** A WebAuthn response as @simplewebauthn/browser sends it; the library checks the inside. */
export const credentialSchema = {
  type: "object",
  properties: { id: { type: "string", minLength: 1, maxLength: 1024 }, rawId: { type: "string" }, type: { type: "string" }, response: { type: "object" } },
  required: ["id", "rawId", "type", "response"],
} as const;

export const subjectSchema = {
  type: "object",
  properties: { kind: { type: "string" }, displayName: { type: "string" }, creditStatus: { type: "string" } },
} as const;

export const sessionSchema = {
  type: "object",
  properties: { session: { type: "string" }, expiresAt: { type: "string" }, deviceId: { type: "string" } },
  required: ["session", "expiresAt", "deviceId"],
} as const;
