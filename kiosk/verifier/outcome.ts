// The one value a scan produces, from which the verdict screen is drawn whole (./verdict-view.ts).
// Its type carries the rule of the old bug's fix: an "invalid" outcome has no subject, so no
// name can be drawn under a red verdict, and every scan replaces the value (no field is left
// over from the one before). The same holds for what is said about the holder's phone: an
// invalid outcome has no deviceBound and no proof time, so neither can outlive a scan. Pure: no DOM, no storage; test/verifier/outcome.test.ts runs it in Node.
import type { OfflineVerdict } from "../../protocol/codes/offline-verifier.ts";
import { REASONS, type CodeKind, type CreditStatus, type Reason } from "../../protocol/codes/token-format.ts";

export interface Subject {
  kind: CodeKind;
  /** As the verdict carries it: the token's `n` offline, the register's display name online. */
  displayName: string;
  creditStatus: CreditStatus;
}

interface Common {
  mode: "online" | "offline";
  /** Milliseconds since the epoch, on this device's clock. */
  checkedAt: number;
  /** The technical detail, shown behind "details" for officers only. */
  detail: string | null;
  /** The device's clock minus the server's, in seconds, when beyond the tolerance and decided offline. */
  skewSeconds: number | null;
}

/** What the code says about the holder's phone (valid and unconfirmed outcomes only). */
interface Presented {
  /** True: the code is bound to the holder's phone and its device signature checked; false: a server-issued code. */
  deviceBound: boolean;
  /** This device's clock minus the device proof's time, in seconds, when more than 5 s apart (./proof-time.ts). */
  proofOffsetSeconds: number | null;
}

const NOT_PRESENTED = { deviceBound: null, proofOffsetSeconds: null } as const;

export type Outcome =
  | (Common & Presented & { outcome: "valid"; reason: null; subject: Subject })
  /** Genuine as far as can be told, but the status cannot be confirmed (cached data too old). */
  | (Common & (Presented | typeof NOT_PRESENTED) & { outcome: "unconfirmed"; reason: "stale_data"; subject: Subject | null })
  | (Common & typeof NOT_PRESENTED & { outcome: "invalid"; reason: Reason; subject: null });

const KINDS: readonly string[] = ["person", "enterprise"];
const CREDITS: readonly string[] = ["good", "dishonest", "serious"];

const isReason = (value: unknown): value is Reason => typeof value === "string" && (REASONS as readonly string[]).includes(value);

/** A subject as a verdict carries it, or null when it is not one (never trust a shape from the wire). */
function subjectOf(value: unknown): Subject | null {
  if (typeof value !== "object" || value === null) return null;
  const { kind, displayName, creditStatus } = value as Record<string, unknown>;
  if (typeof kind !== "string" || !KINDS.includes(kind)) return null;
  if (typeof creditStatus !== "string" || !CREDITS.includes(creditStatus)) return null;
  if (typeof displayName !== "string" || displayName.length === 0) return null;
  return { kind: kind as CodeKind, displayName, creditStatus: creditStatus as CreditStatus };
}

/** The outcome of a verdict (the API's JSON or the offline verifier's): valid only with a subject. */
export function outcomeOf(
  verdict: { valid?: unknown; reason?: unknown; detail?: unknown; subject?: unknown; deviceBound?: unknown },
  context: { mode: "online" | "offline"; checkedAt: number; skewSeconds?: number | null; proofOffsetSeconds?: number | null },
): Outcome {
  const common: Common = {
    mode: context.mode,
    checkedAt: context.checkedAt,
    detail: typeof verdict.detail === "string" ? verdict.detail : null,
    skewSeconds: context.mode === "offline" ? (context.skewSeconds ?? null) : null,
  };
  const subject = subjectOf(verdict.subject);
  // Only a verdict that checked a device proof says deviceBound: true; the proof's time matters only then.
  const deviceBound = verdict.deviceBound === true;
  const presented: Presented = { deviceBound, proofOffsetSeconds: deviceBound ? (context.proofOffsetSeconds ?? null) : null };
  if (verdict.valid === true && subject) return { ...common, ...presented, outcome: "valid", reason: null, subject };
  const reason = isReason(verdict.reason) ? verdict.reason : "malformed";
  if (reason === "stale_data") return { ...common, ...(subject ? presented : NOT_PRESENTED), outcome: "unconfirmed", reason, subject };
  return { ...common, ...NOT_PRESENTED, outcome: "invalid", reason, subject: null };
}

export const fromOffline = (verdict: OfflineVerdict, checkedAt: number, skewSeconds: number | null, proofOffsetSeconds: number | null = null): Outcome =>
  outcomeOf(verdict, { mode: "offline", checkedAt, skewSeconds, proofOffsetSeconds });

/** A refusal decided before any verdict (no offline data at all, an input the API would not take). */
export const refusal = (reason: Reason, mode: "online" | "offline", checkedAt: number, detail: string | null = null): Outcome =>
  outcomeOf({ valid: false, reason, detail }, { mode, checkedAt });
