// The code-signing key set: Ed25519 keys as JWK files in config.codeKeysDir.
//
// Why Ed25519 (JWS "EdDSA") and not ES256, measured on this machine (2 cores, Node 24,
// 230-byte payload, scripts/bench/verify.ts repeats the verify side):
//   node:crypto  sign   ES256 29.4k/s   Ed25519 47.4k/s
//                verify ES256 16.1k/s   Ed25519 16.9k/s
//   jose 6       sign   ES256 12.7k/s   EdDSA   15.3k/s
//                verify ES256 10.0k/s   EdDSA   10.6k/s
// Both signatures are 64 bytes, so the QR is the same size; Ed25519 verifies a
// little faster, signs 1.6x faster (every holder's code is re-signed each minute),
// is deterministic (no per-signature nonce to get wrong) and its public key is 32
// bytes. The cost: WebCrypto Ed25519 needs a current browser (Chromium 137+,
// Firefox 129+, Safari 17+) for the offline verifier page.
//
// Files: one `<kid>.json` per key, mode 0600 in a 0700 folder, never in git
// (the default folder is under .data/, which is ignored):
//   {"kid", "createdAt", "retiredAt": null | ISO time, "compromisedAt"?: null | ISO time, "jwk": private JWK}
// Every write goes to a temporary file renamed into place: a reader never sees half a
// file, and the rename changes the folder's mtime, which is how other processes notice.
// kid = the RFC 7638 SHA-256 thumbprint of the public JWK, cut to its first 16
// base64url characters (96 bits): every byte counts in the QR (the full 43 pushed
// enterprise codes to QR version 16), and 96 bits cannot collide among the few keys
// of one issuer; the signature check, not the kid, is what binds a token to a key.
// Rotation: a new key is created and signs from then on; the previous one is
// marked retired and keeps verifying (stays in the JWKS, with `retired_at`) for
// `retainSeconds`, which covers the longest-lived token it signed (codes, status
// lists); then it is dropped and its file deleted. Tokens it signs after its
// retirement are refused (protocol/codes/issuer-keys.ts).
// Compromise (`npm run keys -- compromise KID`): the key is marked `compromised_at`
// in the JWKS, so every token of it is refused online at once and offline after the
// verifier's next refresh; if it was signing, a new key replaces it first. It stays
// listed (as compromised) for `retainSeconds` after the mark, so verifiers that refresh
// late still learn of it; after that it is dropped (its tokens are then unknown_key).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import type { Clock } from "../context.ts";
import { COMPROMISED_AT, RETIRED_AT, type IssuerKeyState } from "../../../protocol/codes/issuer-keys.ts";

export interface CodeKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK as published: kty, crv, x, kid, alg, use. */
  publicJwk: JWK;
  createdAt: Date;
  retiredAt: Date | null;
  /** When the issuer declared the key compromised; null otherwise. */
  compromisedAt: Date | null;
}

/** What verifiers are told about a key (protocol/codes/issuer-keys.ts), in seconds. */
export function keyState(key: CodeKey): IssuerKeyState {
  const seconds = (d: Date | null) => (d === null ? null : Math.floor(d.getTime() / 1000));
  return { kid: key.kid, retiredAt: seconds(key.retiredAt), compromisedAt: seconds(key.compromisedAt) };
}

export interface KeySetOptions {
  clock: Clock;
  /** How long a retired key keeps verifying. */
  retainSeconds: number;
  /**
   * How often (ms) the folder is checked for changes another process made (`npm run keys --
   * rotate|compromise`). Short, so that an instance stops signing with a retired key well
   * within the verifiers' clock leeway (a stat call a second costs nothing).
   */
  reloadEveryMs?: number;
}

export interface CodeKeySet {
  readonly dir: string;
  /** Changes whenever the keys or their states change (a cache of verdicts keys on it). */
  readonly generation: number;
  /** The key that signs now (created on first use). */
  current(): CodeKey;
  /** A key that is still listed: current, or retired or compromised within the retention window (check keyState). */
  byKid(kid: string): CodeKey | undefined;
  /** Public keys still listed, with `retired_at` / `compromised_at` (NumericDate) where set. */
  jwks(): { keys: JWK[] };
  list(): CodeKey[];
  /** Creates a new signing key and retires the current one. */
  rotate(): CodeKey;
  /**
   * Marks a listed key compromised (and retired); if it was signing, a new key signs from now.
   * Returns the compromised key and the key that signs now.
   */
  compromise(kid: string): { compromised: CodeKey; signer: CodeKey; replaced: boolean };
  /** Re-reads the folder if it changed (cheap; called on the request path). */
  refresh(): void;
}

const FILE = /^([A-Za-z0-9_-]{16})\.json$/;
export const KID_LENGTH = 16;

/** RFC 7638 thumbprint of an OKP public JWK: SHA-256 over {"crv","kty","x"} in that order. */
export function thumbprint(jwk: { crv?: string; kty?: string; x?: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash("sha256").update(canonical).digest("base64url");
}

/** The kid of a key: its thumbprint's first KID_LENGTH characters. */
export function kidOf(jwk: { crv?: string; kty?: string; x?: string }): string {
  return thumbprint(jwk).slice(0, KID_LENGTH);
}

interface StoredKey {
  kid: string;
  createdAt: string;
  retiredAt: string | null;
  /** Absent in files written before key compromise existed. */
  compromisedAt?: string | null;
  jwk: JWK;
}

function toCodeKey(stored: StoredKey): CodeKey {
  const privateKey = createPrivateKey({ key: stored.jwk as never, format: "jwk" });
  const publicKey = createPublicKey(privateKey);
  const pub = publicKey.export({ format: "jwk" }) as JWK;
  const kid = kidOf(pub);
  if (pub.kty !== "OKP" || pub.crv !== "Ed25519") throw new Error(`code key ${stored.kid} is not an Ed25519 key`);
  if (kid !== stored.kid) throw new Error(`code key file ${stored.kid}.json holds a key whose thumbprint is ${kid}`);
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { kty: "OKP", crv: "Ed25519", x: pub.x, kid, alg: "EdDSA", use: "sig" },
    createdAt: new Date(stored.createdAt),
    retiredAt: stored.retiredAt ? new Date(stored.retiredAt) : null,
    compromisedAt: stored.compromisedAt ? new Date(stored.compromisedAt) : null,
  };
}

function toStored(key: CodeKey, change: { retiredAt?: Date; compromisedAt?: Date } = {}): StoredKey {
  const retiredAt = change.retiredAt ?? key.retiredAt;
  const compromisedAt = change.compromisedAt ?? key.compromisedAt;
  const jwk = key.privateKey.export({ format: "jwk" }) as JWK;
  return {
    kid: key.kid,
    createdAt: key.createdAt.toISOString(),
    retiredAt: retiredAt ? retiredAt.toISOString() : null,
    compromisedAt: compromisedAt ? compromisedAt.toISOString() : null,
    jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d },
  };
}

/** Writes a key file through a temporary file and a rename (atomic; changes the folder's mtime). */
function writeKey(dir: string, stored: StoredKey): void {
  const file = join(dir, `${stored.kid}.json`);
  const temporary = join(dir, `.${stored.kid}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

function newStoredKey(at: Date): StoredKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as JWK;
  const kid = kidOf(jwk);
  return { kid, createdAt: at.toISOString(), retiredAt: null, compromisedAt: null, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d } };
}

/** The JWKS entry of a key: its public JWK and, when set, its state members (NumericDate). */
export function publishedJwk(key: CodeKey): JWK {
  const state = keyState(key);
  return {
    ...key.publicJwk,
    ...(state.retiredAt === null ? {} : { [RETIRED_AT]: state.retiredAt }),
    ...(state.compromisedAt === null ? {} : { [COMPROMISED_AT]: state.compromisedAt }),
  };
}

export function openKeySet(dir: string, options: KeySetOptions): CodeKeySet {
  const { clock, retainSeconds } = options;
  const reloadEveryMs = options.reloadEveryMs ?? 1000;
  let keys: CodeKey[] = [];
  let generation = 0;
  let fingerprint = "";
  let dirMtime = -1;
  let checkedAt = 0;
  let missReloadAt = 0;

  function ensureDir(): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Still listed: signing, or marked (retired, compromised) less than retainSeconds ago. */
  function usable(key: CodeKey, now: number): boolean {
    if (key.retiredAt === null && key.compromisedAt === null) return true;
    const marked = Math.max(key.retiredAt?.getTime() ?? 0, key.compromisedAt?.getTime() ?? 0);
    return marked + retainSeconds * 1000 > now;
  }

  const signing = (k: CodeKey) => k.retiredAt === null && k.compromisedAt === null;

  function load(): void {
    ensureDir();
    const now = clock.now().getTime();
    const loaded: CodeKey[] = [];
    for (const name of readdirSync(dir)) {
      const match = FILE.exec(name);
      if (!match) continue; // also skips the temporary files of a write in progress
      const stored = JSON.parse(readFileSync(join(dir, name), "utf8")) as StoredKey;
      const key = toCodeKey(stored);
      if (usable(key, now)) loaded.push(key);
      else {
        // Past retention: no token it signed can still be valid; the private key goes.
        try {
          unlinkSync(join(dir, name));
        } catch {
          /* another process deleted it first */
        }
      }
    }
    // Newest signing key first: it is the signer (ties by kid, so that two instances that
    // created a first key at the same moment both pick the same one).
    loaded.sort((a, b) => Number(signing(b)) - Number(signing(a)) || b.createdAt.getTime() - a.createdAt.getTime() || (a.kid < b.kid ? -1 : 1));
    keys = loaded;
    // A new generation only when a key or a key's state changed (not on every re-read, which
    // unknown kids can cause once a second): it drops the verifier's remembered token checks.
    const listed = loaded.map((k) => `${k.kid}:${k.retiredAt?.getTime() ?? ""}:${k.compromisedAt?.getTime() ?? ""}`).join(",");
    if (listed !== fingerprint) {
      fingerprint = listed;
      generation += 1;
    }
    dirMtime = statSync(dir).mtimeMs;
    checkedAt = Date.now();
  }

  function refresh(force = false): void {
    if (!force && Date.now() - checkedAt < reloadEveryMs) return;
    ensureDir();
    const mtime = statSync(dir).mtimeMs;
    if (force || mtime !== dirMtime) load();
    else checkedAt = Date.now();
    const now = clock.now().getTime();
    if (keys.some((k) => !usable(k, now))) load();
  }

  function current(): CodeKey {
    refresh();
    let active = keys.find(signing);
    if (active) return active;
    load(); // another process may have just created one
    active = keys.find(signing);
    if (active) return active;
    // First use: generate (a concurrent first start elsewhere makes a second key; the sort picks one signer for both).
    writeKey(dir, newStoredKey(clock.now()));
    load();
    return keys.find(signing)!;
  }

  /**
   * A new signer, then every signing key retired (and `compromisedKid` marked): in that order,
   * so that a reader never finds the folder without a signing key and makes one of its own.
   */
  function replaceSigner(at: Date, compromisedKid: string | null): CodeKey {
    const fresh = newStoredKey(at);
    writeKey(dir, fresh);
    for (const key of keys) {
      if (key.kid === compromisedKid) writeKey(dir, toStored(key, { retiredAt: key.retiredAt ?? at, compromisedAt: key.compromisedAt ?? at }));
      else if (signing(key)) writeKey(dir, toStored(key, { retiredAt: at }));
    }
    load();
    return keys.find((k) => k.kid === fresh.kid)!;
  }

  function rotate(): CodeKey {
    refresh(true);
    return replaceSigner(clock.now(), null);
  }

  function compromise(kid: string): { compromised: CodeKey; signer: CodeKey; replaced: boolean } {
    refresh(true);
    const key = keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`no listed key ${kid} in ${dir}`);
    const at = clock.now();
    const replaced = key === keys.find(signing);
    if (replaced) replaceSigner(at, kid);
    else if (key.compromisedAt === null) {
      writeKey(dir, toStored(key, { retiredAt: key.retiredAt ?? at, compromisedAt: at }));
      load();
    }
    return { compromised: keys.find((k) => k.kid === kid)!, signer: current(), replaced };
  }

  load();
  return {
    dir,
    get generation() {
      refresh();
      return generation;
    },
    current,
    byKid(kid) {
      refresh();
      let key = keys.find((k) => k.kid === kid);
      if (!key && Date.now() - missReloadAt > 1000) {
        // A key another instance just created: re-read now (at most once a second, so unknown kids cannot drive disk reads).
        missReloadAt = Date.now();
        refresh(true);
        key = keys.find((k) => k.kid === kid);
      }
      return key && usable(key, clock.now().getTime()) ? key : undefined;
    },
    jwks() {
      refresh();
      const now = clock.now().getTime();
      return { keys: keys.filter((k) => usable(k, now)).map(publishedJwk) };
    },
    list() {
      refresh();
      return [...keys];
    },
    rotate,
    compromise,
    refresh: () => refresh(),
  };
}
