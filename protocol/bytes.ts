// Byte helpers shared by every part (browser-safe): lower-case hex without a prefix,
// hex parsing that accepts an optional 0x, constant-time comparison, concatenation.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of the bytes, without 0x. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

/** Bytes of a hex string, with or without 0x; throws TypeError on anything else. */
export function fromHex(text: string): Uint8Array {
  const start = text.startsWith("0x") || text.startsWith("0X") ? 2 : 0;
  const len = text.length - start;
  if (len % 2 !== 0) throw new TypeError(`not hex: ${text.slice(0, 20)}`);
  const out = new Uint8Array(len / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(text.charCodeAt(start + 2 * i));
    const lo = nibble(text.charCodeAt(start + 2 * i + 1));
    if (hi < 0 || lo < 0) throw new TypeError(`not hex: ${text.slice(0, 20)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Equal length and content, in time independent of where they differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
