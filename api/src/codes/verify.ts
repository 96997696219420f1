// Online verification: the token check (token.ts), then the code's current state
// from the database, and the anchor evidence of its issue.
//
// Status cache: the code's row is cached in process for at most `cacheMs`
// (default 1 s). Lifecycle routes of this instance drop the entry when they
// commit, so on one instance a revocation is seen by the next verify; a change
// made through another instance is seen within `cacheMs`. Under load this turns
// one database round trip per verify into one per code per second (concurrent scans of a
// code whose entry aged out share one read).
//
// Token cache: what checkCodeToken decides from the token alone (form, signature, claims,
// key state) is remembered per exact input text for the token's lifetime (up to
// `tokenCacheEntries` inputs, oldest dropped first), and the verdict built on it per code
// row, so a code scanned again costs a map lookup instead of a signature check. An entry is
// used only while the key set is unchanged (a rotation or a compromise drops them all), the
// token has not expired and the clock has not gone back; the verdict only while the code's
// row entry is the same (a status change of this instance or the row cache's age renews it).
// A code bound to a phone keeps its token entry, but its device proof and binding are checked
// on every scan and its verdict is never reused.
//
// A code bound to the holder's phone (cnf) is valid only with the phone's device signature in
// its window (protocol/codes/device-proof.ts) and while that device key is still bound to the
// code's subject (wallet_devices, api/src/wallet): a removed phone presents nothing.
import type { Queryable } from "../db/database.ts";
import { LEEWAY_SECONDS, Refusal, type CodeKind, type CreditStatus, type Reason } from "../../../protocol/codes/token-format.ts";
import { checkDeviceBinding, deviceKeyThumbprint } from "../../../protocol/codes/device-proof.ts";
import type { CodeKeySet } from "./keys.ts";
import { checkCodeToken } from "./token.ts";
import { chainHex } from "../chain/hex.ts";

export type CodeState = "active" | "suspended" | "revoked" | "superseded";

export interface AnchorEvidence {
  /** Ledger sequence number of the code.issued (or code.rotated) entry. */
  issuedSeq: number | null;
  /** anchored: the entry is in a Merkle root confirmed on chain; pending: not yet. */
  state: "anchored" | "pending" | "not_recorded";
  /** Inclusion proof of the entry against its anchor root. */
  proofUrl: string | null;
  anchor: { index: number; root: string; txHash: string | null; blockNumber: number | null } | null;
  /** The code registry transaction that recorded the code on chain, when confirmed. */
  codeTx: string | null;
}

export interface Verdict {
  valid: boolean;
  reason?: Reason;
  detail?: string;
  subject?: { codeId: string; kind: CodeKind; displayName: string; creditStatus: CreditStatus };
  status?: CodeState;
  expiresAt?: string;
  issuedAt?: string;
  kid?: string;
  /** True when the code is bound to the holder's phone and its device signature was checked. */
  deviceBound?: boolean;
  anchor?: AnchorEvidence;
}

type TokenFacts = ReturnType<typeof checkCodeToken>;

interface RowEntry {
  at: number;
  row: CodeRow | null;
  anchor: AnchorEvidence | null;
}

interface TokenEntry {
  facts: TokenFacts;
  /** The key set's generation when checked. */
  generation: number;
  /** Domain time (seconds) of the check: before it, iat or nbf might not have been reached. */
  checkedAt: number;
  /** The verdict last built on this token, and the row entry it was built from. */
  verdict: Verdict | null;
  from: RowEntry | null;
}

interface CodeRow {
  code_id: string;
  subject_id: string;
  status: "active" | "suspended" | "revoked";
  status_index: number;
  chain_tx: string | null;
  kind: CodeKind;
  display_name: string;
  credit_status: CreditStatus;
  replaced_by: string | null;
  issued_seq: number | null;
}

const CODE_QUERY = `
  SELECT c.code_id, c.subject_id, c.status, c.status_index, c.chain_tx, s.kind, s.display_name, s.credit_status,
         (SELECT r.code_id FROM codes r WHERE r.replaces = c.code_id LIMIT 1) AS replaced_by,
         (SELECT l.seq FROM ledger l
           WHERE l.subject_ref IN (c.code_id, '0x' || c.code_id) AND l.type IN ('code.issued', 'code.rotated')
           ORDER BY l.seq LIMIT 1) AS issued_seq
    FROM codes c JOIN subjects s ON s.id = c.subject_id
   WHERE c.code_id = $1`;

export interface CodeVerifier {
  verify(input: unknown): Promise<Verdict>;
  /** Drop a cached row (call after committing a change to that code). */
  invalidate(codeId: string): void;
  /** Drop a cached device binding (call after committing a device's removal). */
  invalidateDevice(thumbprint: string): void;
}

export function createCodeVerifier(options: {
  db: Queryable;
  keys: CodeKeySet;
  issuer: string;
  now: () => Date;
  cacheMs?: number;
  /** Inputs whose token check is remembered (default 10,000); 0: none (the benchmark's first-scan case). */
  tokenCacheEntries?: number;
}): CodeVerifier {
  const { db, keys, issuer } = options;
  const cacheMs = options.cacheMs ?? 1000;
  const cache = new Map<string, RowEntry>();
  const tokenCacheEntries = options.tokenCacheEntries ?? 10_000;
  const tokens = new Map<string, TokenEntry>();
  let anchorsTable: Promise<boolean> | null = null;
  /** Row reads in progress: concurrent scans of one code share one (no burst of reads each time an entry ages out). */
  const flights = new Map<string, Promise<RowEntry>>();

  function codeRow(codeId: string): Promise<RowEntry> {
    const hit = cache.get(codeId);
    const now = Date.now(); // cache age is wall-clock, not domain time
    if (hit && now - hit.at < cacheMs) return Promise.resolve(hit);
    const running = flights.get(codeId);
    if (running) return running;
    const flight: Promise<RowEntry> = readRow(codeId, now).then(
      (entry) => {
        // Kept only if no change was committed meanwhile (invalidate drops the flight).
        if (flights.get(codeId) === flight) {
          flights.delete(codeId);
          if (cache.size > 50_000) cache.clear();
          cache.set(codeId, entry);
        }
        return entry;
      },
      (error: unknown) => {
        if (flights.get(codeId) === flight) flights.delete(codeId);
        throw error;
      },
    );
    flights.set(codeId, flight);
    return flight;
  }

  async function readRow(codeId: string, at: number): Promise<RowEntry> {
    const result = await db.query<CodeRow>(CODE_QUERY, [codeId]);
    const row = result.rows[0] ?? null;
    return { at, row, anchor: row ? await evidence(row) : null };
  }

  const devices = new Map<string, { at: number; subjectId: string | null }>();
  /** The subject a device key is bound to now (null: not bound, or removed); cached like the code rows. */
  async function boundSubject(thumbprint: string): Promise<string | null> {
    const hit = devices.get(thumbprint);
    const now = Date.now();
    if (hit && now - hit.at < cacheMs) return hit.subjectId;
    const r = await db.query<{ subject_id: string }>("SELECT subject_id FROM wallet_devices WHERE device_jkt = $1 AND removed_at IS NULL", [thumbprint]);
    const subjectId = r.rows[0]?.subject_id ?? null;
    if (devices.size > 50_000) devices.clear();
    devices.set(thumbprint, { at: now, subjectId });
    return subjectId;
  }

  async function evidence(row: CodeRow): Promise<AnchorEvidence> {
    const base: AnchorEvidence = {
      issuedSeq: row.issued_seq,
      state: row.issued_seq === null ? "not_recorded" : "pending",
      proofUrl: row.issued_seq === null ? null : `/v1/ledger/entries/${row.issued_seq}/proof`,
      anchor: null,
      codeTx: row.chain_tx,
    };
    if (row.issued_seq === null) return base;
    anchorsTable ??= db.query<{ present: boolean }>("SELECT to_regclass('anchors') IS NOT NULL AS present").then(
      (t) => t.rows[0]!.present,
      (error: unknown) => {
        anchorsTable = null;
        throw error;
      },
    );
    if (!(await anchorsTable)) return base;
    const a = await db.query<{ idx: number; root: Buffer; tx_hash: string | null; block_number: number | null; status: string }>(
      "SELECT idx, root, tx_hash, block_number, status FROM anchors WHERE from_seq <= $1 AND to_seq >= $1",
      [row.issued_seq],
    );
    const anchor = a.rows[0];
    if (!anchor) return base;
    return {
      ...base,
      state: anchor.status === "confirmed" ? "anchored" : "pending",
      anchor: { index: anchor.idx, root: chainHex(anchor.root), txHash: anchor.tx_hash, blockNumber: anchor.block_number },
    };
  }

  /** checkCodeToken, remembered per exact input (see the header). Throws Refusal. */
  function checkedToken(input: unknown, now: Date): TokenEntry {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const text = typeof input === "string" && tokenCacheEntries > 0 ? input : null;
    const hit = text === null ? undefined : tokens.get(text);
    if (hit) {
      if (hit.generation === keys.generation && hit.facts.expiresAt > nowSeconds - LEEWAY_SECONDS && nowSeconds >= hit.checkedAt) return hit;
      tokens.delete(text!);
    }
    const generation = keys.generation;
    const entry: TokenEntry = { facts: checkCodeToken(keys, input, { issuer, now }), generation, checkedAt: nowSeconds, verdict: null, from: null };
    if (text !== null) {
      if (tokens.size >= tokenCacheEntries) tokens.delete(tokens.keys().next().value!);
      tokens.set(text, entry);
    }
    return entry;
  }

  /** The verdict on a token that passed its checks, from its code's row. */
  async function conclude(facts: TokenFacts, { row, anchor }: RowEntry): Promise<Verdict> {
    const deviceBound = facts.deviceKey !== null;
    const times = { expiresAt: new Date(facts.expiresAt * 1000).toISOString(), issuedAt: new Date(facts.issuedAt * 1000).toISOString(), kid: facts.kid, deviceBound };
    if (!row || row.status_index !== facts.statusIndex) {
      return { valid: false, reason: "unknown_code", detail: "no code with this id and status index was issued here", ...times };
    }
    const subject = { codeId: row.code_id, kind: row.kind, displayName: row.display_name, creditStatus: row.credit_status };
    const state: CodeState = row.status === "revoked" && row.replaced_by ? "superseded" : row.status;
    const out = { subject, status: state, ...times, anchor: anchor ?? undefined };
    if (facts.deviceKey && state === "active" && (await boundSubject(await deviceKeyThumbprint(facts.deviceKey))) !== row.subject_id) {
      return { valid: false, reason: "device_removed", detail: "the phone that shows this code is no longer bound to its holder", ...out };
    }
    switch (state) {
      case "active":
        return { valid: true, ...out };
      case "superseded":
        return { valid: false, reason: "superseded", detail: "this code was replaced by a newer code of the same holder", ...out };
      case "revoked":
        return { valid: false, reason: "revoked", detail: "this code was revoked", ...out };
      case "suspended":
        return { valid: false, reason: "suspended", detail: "this code is suspended", ...out };
    }
  }

  return {
    invalidate(codeId) {
      cache.delete(codeId);
      flights.delete(codeId);
    },
    invalidateDevice(thumbprint) {
      devices.delete(thumbprint);
    },
    async verify(input) {
      let token: TokenEntry;
      try {
        const now = options.now();
        token = checkedToken(input, now);
        await checkDeviceBinding(token.facts, token.facts.proof, Math.floor(now.getTime() / 1000));
      } catch (error) {
        if (error instanceof Refusal) return { valid: false, reason: error.reason, detail: error.message };
        throw error;
      }
      const row = await codeRow(token.facts.codeId);
      if (token.verdict && token.from === row) return token.verdict;
      const verdict = Object.freeze(await conclude(token.facts, row));
      if (token.facts.deviceKey === null) {
        token.verdict = verdict;
        token.from = row;
      }
      return verdict;
    },
  };
}
