// How the chain knows a subject: HMAC-SHA256(subject key, kind ":" identifier).
// Keyed, so the 18-character identifier cannot be brute-forced back from it.
import { createHmac } from "node:crypto";

export type SubjectKind = "person" | "enterprise";

export function subjectCommitment(key: Uint8Array, kind: SubjectKind, identifier: string): Buffer {
  return createHmac("sha256", key).update(`${kind}:${identifier}`, "utf8").digest();
}
