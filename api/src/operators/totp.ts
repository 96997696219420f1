// TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps, 6 digits, the fallback
// second factor for operators without a passkey. The secret is shown once as base32 (RFC
// 4648) in an otpauth:// URI that authenticator apps read. `node api/src/operators/totp.ts
// SECRET` prints the current code (development: the demo accounts' secrets are printed by
// `npm start`).
import { createHmac, randomBytes } from "node:crypto";

export const STEP_SECONDS = 30;
export const DIGITS = 6;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, "");
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new TypeError("not base32");
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function newTotpSecret(): Buffer {
  return randomBytes(20); // 160 bits, the HMAC-SHA1 block the RFC recommends
}

/** HOTP(K, C) of RFC 4226 section 5.3: dynamic truncation to DIGITS decimal digits. */
export function hotp(secret: Uint8Array, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** DIGITS;
  return code.toString().padStart(DIGITS, "0");
}

export function stepAt(at: Date): number {
  return Math.floor(at.getTime() / 1000 / STEP_SECONDS);
}

export function totpAt(secret: Uint8Array, at: Date): string {
  return hotp(secret, stepAt(at));
}

/**
 * The time step a code belongs to, within one step either side (clock drift), or null. The
 * caller refuses a step at or before the last one it accepted, so each code works once.
 */
export function matchingStep(secret: Uint8Array, code: string, at: Date, lastStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const now = stepAt(at);
  for (const step of [now - 1, now, now + 1]) {
    if (lastStep !== null && step <= lastStep) continue;
    const expected = Buffer.from(hotp(secret, step));
    // Compare in constant time (both are 6 ASCII digits).
    let diff = 0;
    for (let i = 0; i < DIGITS; i++) diff |= expected[i]! ^ code.charCodeAt(i);
    if (diff === 0) return step;
  }
  return null;
}

export function otpauthUri(secret: Uint8Array, account: string, issuer = "OneCode"): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${base32Encode(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${STEP_SECONDS}`;
}

if (import.meta.main) {
  const secret = process.argv[2];
  if (!secret) {
    console.error("usage: node api/src/operators/totp.ts BASE32_SECRET");
    process.exit(2);
  }
  const now = new Date();
  console.log(`${totpAt(base32Decode(secret), now)}  (valid ${STEP_SECONDS - (Math.floor(now.getTime() / 1000) % STEP_SECONDS)} s more)`);
}
