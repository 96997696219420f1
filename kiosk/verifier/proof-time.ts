// The time of a phone's device proof against this device's clock. A bound code's QR carries the
// second its device signature was made (protocol/codes/device-proof.ts: t, on the issuer's clock
// as the phone measured it), and the proof is accepted from t − 5 s to t + 30 s. A live phone
// re-signs every 3 s, so a proof further than 5 s from this device's clock is a screenshot or a
// photo of the screen, or a phone (or this device) whose clock is wrong: still accepted inside
// its window, but the official is told, so that they can ask the holder to show it again.
import { DEVICE_PROOF_TOLERANCE_SECONDS, presentationFromScan } from "../../protocol/codes/device-proof.ts";

/**
 * This device's clock minus the proof's time, in whole seconds (positive: the proof is older),
 * on the same scale the verifier checks the window with; null when the text has no device proof
 * or is not a presentation at all (the verdict then says why).
 */
export function proofOffsetSeconds(text: string, nowMs: number): number | null {
  try {
    const { proof } = presentationFromScan(text);
    return proof ? Math.floor(nowMs / 1000) - proof.windowStart : null;
  } catch {
    return null;
  }
}

/** The offset worth a warning, or null when within the tolerance or unknown. */
export const proofOffsetBeyondTolerance = (offset: number | null): number | null =>
  offset !== null && Math.abs(offset) > DEVICE_PROOF_TOLERANCE_SECONDS ? offset : null;
