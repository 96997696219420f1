// How the chain spells bytes: 0x-prefixed lower-case hex, as ethers and the contracts'
// bytes32/bytes16 arguments take them. Everything else in the API (ledger, JSON answers)
// uses protocol/bytes.ts toHex, lower-case without the prefix.
import { toHex } from "../../../protocol/bytes.ts";

/** 0x-prefixed lower-case hex of 32 bytes (subjects, record ids, digests). */
export type Bytes32 = string;
/** 0x-prefixed lower-case hex of 16 bytes (code ids). */
export type Bytes16 = string;

/** The 0x form of any bytes. */
export function chainHex(bytes: Uint8Array): string {
  return `0x${toHex(bytes)}`;
}

function sized(value: string | Uint8Array, bytes: number): string {
  const text = typeof value === "string" ? value.toLowerCase().replace(/^0x/, "") : toHex(value);
  if (text.length !== bytes * 2 || !/^[0-9a-f]*$/.test(text)) throw new TypeError(`not ${bytes} bytes of hex: ${String(value)}`);
  return `0x${text}`;
}

/** Accepts 32 bytes as bytes or hex with or without 0x, any case; returns the canonical 0x lower-case form. */
export const hex32 = (value: string | Uint8Array): Bytes32 => sized(value, 32);

/** The same for 16 bytes (code ids). */
export const hex16 = (value: string | Uint8Array): Bytes16 => sized(value, 16);
