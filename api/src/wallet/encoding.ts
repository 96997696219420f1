// base64url without padding, strictly: what the phone sends (signatures, WebAuthn ids).
const B64URL = /^[A-Za-z0-9_-]*$/;

export function fromB64url(text: string): Uint8Array {
  if (typeof text !== "string" || !B64URL.test(text)) throw new TypeError("not base64url");
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text) throw new TypeError("not canonical base64url");
  return new Uint8Array(bytes);
}
