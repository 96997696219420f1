// A ledger entry and its hash. Pure, shared by the API, the audit command and the console:
//   hash = SHA-256(prev_hash || UTF-8(canonical entry))
// where the canonical entry is the JSON object
//   {"actor":…,"createdAt":…,"payload":…,"seq":…,"subjectRef":…,"type":…}
// with keys in this (sorted) order, no white space, createdAt as ISO 8601 UTC with
// milliseconds, and payload in canonical JSON (see canonicalJson).
import { nobleHasher, type Hasher } from "./merkle.ts";

export interface LedgerEntry {
  seq: number;
  type: string;
  /** Canonical JSON text of the payload. */
  payload: string;
  subjectRef: string | null;
  actor: string;
  createdAt: string;
  prevHash: Uint8Array;
  hash: Uint8Array;
}

/** Canonical JSON: object keys sorted by code unit, no white space; rejects values JSON cannot carry exactly. */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonical JSON: non-finite number");
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const keys = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonical JSON: cannot encode ${typeof value}`);
  }
}

export function canonicalEntry(e: Pick<LedgerEntry, "seq" | "type" | "payload" | "subjectRef" | "actor" | "createdAt">): string {
  return (
    `{"actor":${JSON.stringify(e.actor)},"createdAt":${JSON.stringify(e.createdAt)},"payload":${e.payload},` +
    `"seq":${e.seq},"subjectRef":${e.subjectRef === null ? "null" : JSON.stringify(e.subjectRef)},"type":${JSON.stringify(e.type)}}`
  );
}

/** SHA-256(prev_hash || UTF-8(canonical entry)). */
export function entryHash(
  prevHash: Uint8Array,
  e: Pick<LedgerEntry, "seq" | "type" | "payload" | "subjectRef" | "actor" | "createdAt">,
  hasher: Hasher = nobleHasher,
): Uint8Array {
  return hasher.entry(prevHash, canonicalEntry(e));
}

export const GENESIS_HASH = new Uint8Array(32);
