// The clock-skew check: offline, this device's clock alone decides whether a code has expired
// (codes live a minute), so the page compares it with the server's whenever it is online. The
// server's time is the `Date` header (RFC 9110 6.6.1) of the key-set download: no extra
// endpoint. The header has one-second resolution and the answer is taken at the midpoint of
// the round trip, so a reading is good to about a second plus half the round trip.

/** Beyond this, the page warns: half a code's one-minute lifetime. */
export const SKEW_TOLERANCE_SECONDS = 30;
/** A reading over a longer round trip says too little to warn on. */
const MAX_ROUND_TRIP_MS = 10_000;

/**
 * This device's clock minus the server's, in whole seconds (positive: the device is ahead),
 * from a response's `Date` header and when the request left and the answer came; null
 * without a usable header or over a slow round trip.
 */
export function skewFromDateHeader(date: string | null, sentAt: number, receivedAt: number): number | null {
  if (!date || receivedAt < sentAt || receivedAt - sentAt > MAX_ROUND_TRIP_MS) return null;
  const server = Date.parse(date);
  if (Number.isNaN(server)) return null;
  // The header truncates to the second: the server's clock read somewhere in [server, server + 1 s).
  const local = (sentAt + receivedAt) / 2;
  return Math.round((local - (server + 500)) / 1000) || 0; // never -0
}

/** The skew worth a warning, or null when within the tolerance or unknown. */
export const skewBeyondTolerance = (skew: number | null): number | null =>
  skew !== null && Math.abs(skew) > SKEW_TOLERANCE_SECONDS ? skew : null;
