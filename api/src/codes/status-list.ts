// The signed status list of all codes, in the shape of the IETF OAuth Token
// Status List (draft-ietf-oauth-status-list): a `statuslist+jwt` whose
// `status_list.lst` is base64url(ZLIB(byte array)), 2 bits per code at the
// code's status_index: 0 valid, 1 invalid (revoked or superseded), 2 suspended.
//
// Caching: the byte array is rebuilt only when code_status_version changed
// (migration 004: bumped by every statement that adds codes or changes a status,
// committed with the change). The signed token is re-signed at most every
// RESIGN_SECONDS even without change, so a verifier's copy shows a fresh `iat`
// (offline verifiers measure their data age from it), and at once when the signing key
// changed (a rotation, or the emergency revocation of the key that signed the cached copy).
import { deflateSync } from "node:zlib";
import { CompactSign } from "jose";
import type { Queryable } from "../db/database.ts";
import { ALGORITHM, STATUS_INVALID, STATUS_LIST_TYPE, STATUS_SUSPENDED, setStatus } from "../../../protocol/codes/token-format.ts";
import type { CodeKeySet } from "./keys.ts";

export const STATUS_BITS = 2;
/** Smallest list: 16,384 entries (4 KiB before compression), so a short list does not reveal how few codes exist. */
export const MIN_ENTRIES = 16_384;
/** How long a signed status list stays valid (`exp`): the longest an offline verifier may lean on one copy. */
export const STATUS_LIST_LIFETIME_SECONDS = 24 * 3600;
/** `ttl`: how long a verifier should cache the list before fetching it again. */
export const STATUS_LIST_TTL_SECONDS = 60;
/** Re-sign the unchanged list after this long, so fetched copies carry a fresh iat. */
export const RESIGN_SECONDS = 60;

export interface StatusListToken {
  token: string;
  iat: number;
  exp: number;
  version: number;
  /** The key that signed it. */
  kid: string;
}

/** Builds the 2-bit array from the codes table. */
export async function buildStatusArray(db: Queryable): Promise<{ bytes: Uint8Array; version: number }> {
  // Read the version first: if a change commits in between, the next request sees a newer version and rebuilds.
  const v = await db.query<{ version: number }>("SELECT version FROM code_status_version");
  const rows = await db.query<{ status_index: number; status: string }>(
    "SELECT status_index, status FROM codes WHERE status <> 'active'",
  );
  const max = await db.query<{ max: number | null }>("SELECT max(status_index) AS max FROM codes");
  const entries = Math.max(MIN_ENTRIES, 2 ** Math.ceil(Math.log2((max.rows[0]?.max ?? 0) + 1)));
  const bytes = new Uint8Array((entries * STATUS_BITS) / 8);
  for (const row of rows.rows) setStatus(bytes, row.status_index, STATUS_BITS, row.status === "suspended" ? STATUS_SUSPENDED : STATUS_INVALID);
  return { bytes, version: Number(v.rows[0]!.version) };
}

export async function signStatusList(
  keys: CodeKeySet,
  bytes: Uint8Array,
  options: { issuer: string; uri: string; now: Date },
): Promise<{ token: string; iat: number; exp: number; kid: string }> {
  const key = keys.current();
  const iat = Math.floor(options.now.getTime() / 1000);
  const exp = iat + STATUS_LIST_LIFETIME_SECONDS;
  const claims = {
    iss: options.issuer,
    sub: options.uri,
    iat,
    exp,
    ttl: STATUS_LIST_TTL_SECONDS,
    status_list: { bits: STATUS_BITS, lst: deflateSync(bytes, { level: 9 }).toString("base64url") },
  };
  const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: STATUS_LIST_TYPE })
    .sign(key.privateKey);
  return { token, iat, exp, kid: key.kid };
}

export interface StatusListCache {
  get(db: Queryable, now: Date): Promise<StatusListToken>;
  /** Forget the cached list (after a change this instance made). */
  invalidate(): void;
}

export function createStatusListCache(keys: CodeKeySet, options: { issuer: string; uri: string }): StatusListCache {
  let array: { bytes: Uint8Array; version: number } | null = null;
  let signed: StatusListToken | null = null;
  let building: Promise<StatusListToken> | null = null;

  async function build(db: Queryable, now: Date): Promise<StatusListToken> {
    const v = await db.query<{ version: number }>("SELECT version FROM code_status_version");
    const version = Number(v.rows[0]!.version);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const fresh = signed && signed.version === version && nowSeconds - signed.iat < RESIGN_SECONDS && nowSeconds >= signed.iat;
    if (fresh && signed!.kid === keys.current().kid) return signed!;
    if (!array || array.version !== version) array = await buildStatusArray(db);
    const result = await signStatusList(keys, array.bytes, { ...options, now });
    signed = { ...result, version: array.version };
    return signed;
  }

  return {
    async get(db, now) {
      // One build at a time; concurrent requests share it.
      if (!building) building = build(db, now).finally(() => (building = null));
      return building;
    },
    invalidate() {
      array = null;
      signed = null;
    },
  };
}
