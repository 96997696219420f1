// SQL of the wallet feature (api/migrations/013_wallet.sql): binding offers, bound devices,
// passkey challenges and holder sessions. Tokens are looked up by their SHA-256 only. Call with
// the pool, or with the client of the transaction the caller is in.
import type { Queryable } from "../db/database.ts";
import type { DeviceKey } from "../../../protocol/codes/token-format.ts";

/** How far past a bound code's expiry a device row's last_code_expires may run (fewer writes; a removal then may rotate a little more often). */
export const CODE_EXPIRY_SLACK_MS = 15 * 60_000;

/** In what capacity the holder of a phone acts for its subject. */
export type HolderCapacity = "self" | "legal_representative" | "authorised_agent";

export interface OfferRow {
  subject_id: string;
  holder_id: string;
  capacity: HolderCapacity;
  kiosk_session_id: string | null;
  issued_by: string;
  issued_at: Date;
  expires_at: Date;
  challenge: string | null;
  device_id: string | null;
  used_at: Date | null;
}

export interface DeviceRow {
  id: string;
  subject_id: string;
  holder_id: string;
  capacity: HolderCapacity;
  name: string;
  credential_id: string;
  credential_key: Buffer;
  sign_count: number;
  transports: string[];
  device_jwk: DeviceKey;
  device_jkt: string;
  bound_at: Date;
  bound_via: string;
  last_seen_at: Date | null;
  last_code_expires: Date | null;
  removed_at: Date | null;
}

export interface NewDevice {
  id: string;
  subjectId: string;
  holderId: string;
  capacity: HolderCapacity;
  name: string;
  credentialId: string;
  credentialKey: Uint8Array;
  signCount: number;
  transports: string[];
  deviceKey: DeviceKey;
  thumbprint: string;
  at: Date;
  via: string;
}

/** A subject's display facts and its current code, as the code route needs them. */
export interface CurrentCode {
  kind: "person" | "enterprise";
  display_name: string;
  credit_status: "good" | "dishonest" | "serious";
  code_id: string | null;
  code_status: "active" | "suspended" | null;
  status_index: number | null;
}

/** The kiosk session behind a binding or unbinding at a kiosk, with whether its face check passed. */
export interface KioskSessionFacts {
  id: string;
  device: string;
  enterprise_id: string | null;
  person_id: string | null;
  expires_at: Date;
  ended_at: Date | null;
  /** A face check of the session's person passed in this session (an assertion was issued, used or not). */
  face_passed: boolean;
}

const DEVICE_FIELDS = ["id", "subject_id", "holder_id", "capacity", "name", "credential_id", "credential_key", "sign_count", "transports",
  "device_jwk", "device_jkt", "bound_at", "bound_via", "last_seen_at", "last_code_expires", "removed_at"];
/** The device columns, of table alias `t` when given (sign_count as a JS number: counters stay far below 2^53). */
const deviceColumns = (t = "") => DEVICE_FIELDS.map((f) => (f === "sign_count" ? `${t}sign_count::float8 AS sign_count` : `${t}${f}`)).join(", ");
const DEVICE_COLUMNS = deviceColumns();

export function createWalletRepository(db: Queryable) {
  return {
    // ------------------------------------------------------------ binding offers

    async insertOffer(o: { tokenHash: Buffer; subjectId: string; holderId: string; capacity: HolderCapacity; kioskSessionId: string | null; actor: string; at: Date; expiresAt: Date }): Promise<void> {
      await db.query(
        `INSERT INTO wallet_binding_offers (token_hash, subject_id, holder_id, capacity, kiosk_session_id, issued_by, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [o.tokenHash, o.subjectId, o.holderId, o.capacity, o.kioskSessionId, o.actor, o.at, o.expiresAt],
      );
    },

    /** `lock` takes the row lock (the bind transaction). */
    async offer(tokenHash: Buffer, options: { lock?: boolean } = {}): Promise<OfferRow | null> {
      const r = await db.query<OfferRow>(
        `SELECT subject_id, holder_id, capacity, kiosk_session_id, issued_by, issued_at, expires_at, challenge, device_id, used_at
           FROM wallet_binding_offers WHERE token_hash = $1${options.lock ? " FOR UPDATE" : ""}`,
        [tokenHash],
      );
      return r.rows[0] ?? null;
    },

    async setOfferChallenge(tokenHash: Buffer, challenge: string, deviceId: string): Promise<void> {
      await db.query("UPDATE wallet_binding_offers SET challenge = $2, device_id = $3 WHERE token_hash = $1 AND used_at IS NULL", [tokenHash, challenge, deviceId]);
    },

    async markOfferUsed(tokenHash: Buffer, at: Date): Promise<void> {
      await db.query("UPDATE wallet_binding_offers SET used_at = $2 WHERE token_hash = $1", [tokenHash, at]);
    },

    /** A kiosk session of this kiosk device, and whether its person passed a face check in it. */
    async kioskSession(sessionId: string, device: string): Promise<KioskSessionFacts | null> {
      const r = await db.query<KioskSessionFacts>(
        `SELECT s.id, s.device, s.enterprise_id, s.person_id, s.expires_at, s.ended_at,
                EXISTS (SELECT 1 FROM face_assertions a
                         WHERE a.session_id = s.id AND a.person_id = s.person_id) AS face_passed
           FROM kiosk_sessions s WHERE s.id = $1 AND s.device = $2`,
        [sessionId, device],
      );
      return r.rows[0] ?? null;
    },

    // ------------------------------------------------------------ devices

    async insertDevice(d: NewDevice): Promise<void> {
      await db.query(
        `INSERT INTO wallet_devices (id, subject_id, holder_id, capacity, name, credential_id, credential_key, sign_count, transports,
                                     device_jwk, device_jkt, bound_at, bound_via)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [d.id, d.subjectId, d.holderId, d.capacity, d.name, d.credentialId, Buffer.from(d.credentialKey), d.signCount, d.transports, JSON.stringify(d.deviceKey), d.thumbprint, d.at, d.via],
      );
    },

    async device(id: string, options: { lock?: boolean } = {}): Promise<DeviceRow | null> {
      const r = await db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM wallet_devices WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`, [id]);
      return r.rows[0] ?? null;
    },

    async deviceByCredential(credentialId: string): Promise<DeviceRow | null> {
      const r = await db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM wallet_devices WHERE credential_id = $1`, [credentialId]);
      return r.rows[0] ?? null;
    },

    async deviceKeyTaken(thumbprint: string): Promise<boolean> {
      const r = await db.query("SELECT 1 FROM wallet_devices WHERE device_jkt = $1", [thumbprint]);
      return (r.rowCount ?? 0) > 0;
    },

    /** The subject's bound devices (not removed), oldest first; `holderId` narrows to one holder's. */
    async devicesOf(subjectId: string, options: { holderId?: string; lock?: boolean } = {}): Promise<DeviceRow[]> {
      const r = await db.query<DeviceRow>(
        `SELECT ${DEVICE_COLUMNS} FROM wallet_devices
          WHERE subject_id = $1 AND removed_at IS NULL AND ($2::uuid IS NULL OR holder_id = $2)
          ORDER BY bound_at, id${options.lock ? " FOR UPDATE" : ""}`,
        [subjectId, options.holderId ?? null],
      );
      return r.rows;
    },

    async signedIn(id: string, signCount: number, at: Date): Promise<void> {
      await db.query("UPDATE wallet_devices SET sign_count = GREATEST(sign_count, $2), last_seen_at = $3 WHERE id = $1", [id, signCount, at]);
    },

    /**
     * Records that a bound code valid until `expiresAt` went to this device. The row keeps a
     * time at least that late, rounded up by CODE_EXPIRY_SLACK_MS, so that a phone refreshing
     * every few seconds writes the row once per slack, not at every refresh.
     */
    async codeIssued(device: Pick<DeviceRow, "id" | "last_code_expires">, expiresAt: Date): Promise<void> {
      if (device.last_code_expires && device.last_code_expires.getTime() >= expiresAt.getTime()) return;
      const recorded = new Date(expiresAt.getTime() + CODE_EXPIRY_SLACK_MS);
      await db.query("UPDATE wallet_devices SET last_code_expires = GREATEST(coalesce(last_code_expires, $2), $2) WHERE id = $1", [device.id, recorded]);
    },

    async removeDevice(id: string, input: { at: Date; actor: string; reason: string }): Promise<void> {
      await db.query("UPDATE wallet_devices SET removed_at = $2, removed_by = $3, removed_reason = $4 WHERE id = $1 AND removed_at IS NULL", [id, input.at, input.actor, input.reason]);
      await db.query("UPDATE wallet_sessions SET ended_at = coalesce(ended_at, $2) WHERE device_id = $1", [id, input.at]);
    },

    // ------------------------------------------------------------ sign-in

    async insertChallenge(challenge: string, at: Date, expiresAt: Date): Promise<string> {
      const r = await db.query<{ id: string }>("INSERT INTO wallet_challenges (challenge, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id", [challenge, at, expiresAt]);
      return r.rows[0]!.id;
    },

    /** Burns a challenge: its text when it existed, was unused and unexpired; null otherwise. */
    async consumeChallenge(id: string, at: Date): Promise<string | null> {
      const r = await db.query<{ challenge: string }>(
        "UPDATE wallet_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING challenge",
        [id, at],
      );
      return r.rows[0]?.challenge ?? null;
    },

    async pruneChallenges(before: Date): Promise<void> {
      await db.query("DELETE FROM wallet_challenges WHERE expires_at < $1", [before]);
    },

    async insertSession(s: { tokenHash: Buffer; deviceId: string; at: Date; expiresAt: Date }): Promise<void> {
      await db.query("INSERT INTO wallet_sessions (token_hash, device_id, created_at, expires_at) VALUES ($1, $2, $3, $4)", [s.tokenHash, s.deviceId, s.at, s.expiresAt]);
    },

    /** The live session's device (not removed), or null. */
    async sessionDevice(tokenHash: Buffer, at: Date): Promise<DeviceRow | null> {
      const r = await db.query<DeviceRow>(
        `SELECT ${deviceColumns("d.")}
           FROM wallet_sessions s JOIN wallet_devices d ON d.id = s.device_id
          WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND d.removed_at IS NULL`,
        [tokenHash, at],
      );
      return r.rows[0] ?? null;
    },

    /**
     * The code route in one round trip: the live session's device with its subject and the
     * subject's current (not revoked) code; null when the session is not live.
     */
    async sessionDeviceWithCode(tokenHash: Buffer, at: Date): Promise<(DeviceRow & CurrentCode) | null> {
      const r = await db.query<DeviceRow & CurrentCode>(
        `SELECT ${deviceColumns("d.")}, s.kind, s.display_name, s.credit_status, c.code_id, c.status AS code_status, c.status_index
           FROM wallet_sessions w
           JOIN wallet_devices d ON d.id = w.device_id
           JOIN subjects s ON s.id = d.subject_id
           LEFT JOIN codes c ON c.subject_id = s.id AND c.status <> 'revoked'
          WHERE w.token_hash = $1 AND w.ended_at IS NULL AND w.expires_at > $2 AND d.removed_at IS NULL`,
        [tokenHash, at],
      );
      return r.rows[0] ?? null;
    },

    async endSession(tokenHash: Buffer, at: Date): Promise<void> {
      await db.query("UPDATE wallet_sessions SET ended_at = coalesce(ended_at, $2) WHERE token_hash = $1", [tokenHash, at]);
    },
  };
}

export type WalletRepository = ReturnType<typeof createWalletRepository>;
