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
//   {"kid", "createdAt", "retiredAt": null | ISO time, "jwk": private JWK}
// kid = the RFC 7638 SHA-256 thumbprint of the public JWK, cut to its first 16
// base64url characters (96 bits): every byte counts in the QR (the full 43 pushed
// enterprise codes to QR version 16), and 96 bits cannot collide among the few keys
// of one issuer; the signature check, not the kid, is what binds a token to a key.
// Rotation: a new key is created and signs from then on; the previous one is
// marked retired and keeps verifying (stays in the JWKS) for `retainSeconds`,
// which covers the longest-lived token it signed (codes, status lists); then it
// is dropped and its file deleted.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import type { Clock } from "../context.ts";

export interface CodeKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK as published: kty, crv, x, kid, alg, use. */
  publicJwk: JWK;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface KeySetOptions {
  clock: Clock;
  /** How long a retired key keeps verifying. */
  retainSeconds: number;
  /** How often (ms) the folder is checked for keys another process added (`npm run keys -- rotate`). */
  reloadEveryMs?: number;
}

export interface CodeKeySet {
  readonly dir: string;
  /** The key that signs now (created on first use). */
  current(): CodeKey;
  /** A key that may verify now: current or retired within the retention window. */
  byKid(kid: string): CodeKey | undefined;
  /** Public keys that verify now. */
  jwks(): { keys: JWK[] };
  list(): CodeKey[];
  /** Creates a new signing key and retires the current one. */
  rotate(): CodeKey;
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
  };
}

function writeKey(dir: string, stored: StoredKey, exclusive: boolean): void {
  const file = join(dir, `${stored.kid}.json`);
  writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: exclusive ? "wx" : "w" });
  chmodSync(file, 0o600);
}

function newStoredKey(at: Date): StoredKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as JWK;
  const kid = kidOf(jwk);
  return { kid, createdAt: at.toISOString(), retiredAt: null, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d } };
}

export function openKeySet(dir: string, options: KeySetOptions): CodeKeySet {
  const { clock, retainSeconds } = options;
  const reloadEveryMs = options.reloadEveryMs ?? 5000;
  let keys: CodeKey[] = [];
  let dirMtime = -1;
  let checkedAt = 0;
  let missReloadAt = 0;

  function ensureDir(): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  function usable(key: CodeKey, now: number): boolean {
    return key.retiredAt === null || key.retiredAt.getTime() + retainSeconds * 1000 > now;
  }

  function load(): void {
    ensureDir();
    const now = clock.now().getTime();
    const loaded: CodeKey[] = [];
    for (const name of readdirSync(dir)) {
      const match = FILE.exec(name);
      if (!match) continue;
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
    // Newest active key first: it is the signer.
    loaded.sort((a, b) => Number(a.retiredAt !== null) - Number(b.retiredAt !== null) || b.createdAt.getTime() - a.createdAt.getTime());
    keys = loaded;
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
    let active = keys.find((k) => k.retiredAt === null);
    if (active) return active;
    load(); // another process may have just created one
    active = keys.find((k) => k.retiredAt === null);
    if (active) return active;
    // First use: generate. `wx` makes a concurrent first start by another instance harmless.
    writeKey(dir, newStoredKey(clock.now()), true);
    load();
    return keys.find((k) => k.retiredAt === null)!;
  }

  function rotate(): CodeKey {
    refresh(true);
    const at = clock.now();
    const fresh = newStoredKey(at);
    writeKey(dir, fresh, true);
    for (const key of keys) {
      if (key.retiredAt !== null) continue;
      writeKey(dir, { kid: key.kid, createdAt: key.createdAt.toISOString(), retiredAt: at.toISOString(), jwk: key.privateKey.export({ format: "jwk" }) as JWK }, false);
    }
    load();
    return keys.find((k) => k.kid === fresh.kid)!;
  }

  load();
  return {
    dir,
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
      return { keys: keys.filter((k) => usable(k, now)).map((k) => ({ ...k.publicJwk })) };
    },
    list() {
      refresh();
      return [...keys];
    },
    rotate,
    refresh: () => refresh(),
  };
}
