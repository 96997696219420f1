// One scan's decision: the API when it answers (live status from the register), else the
// offline verifier over the cached data. Whichever decides, the answer is one Outcome. The
// device proof's time is read against this device's clock when the scan arrives (./proof-time.ts).
import { fromOffline, outcomeOf, refusal, type Outcome } from "./outcome.ts";
import { cachedVerifier, lastSkew } from "./offline-cache.ts";
import { skewBeyondTolerance } from "./clock.ts";
import { proofOffsetBeyondTolerance, proofOffsetSeconds } from "./proof-time.ts";

/** Past this the API counts as unreachable and the cached data decides. */
const ONLINE_TIMEOUT_MS = 5000;

export async function decide(text: string, options: { api: string; maxAgeSeconds: number }): Promise<Outcome> {
  const proofOffset = proofOffsetBeyondTolerance(proofOffsetSeconds(text, Date.now()));
  if (navigator.onLine) {
    try {
      const res = await fetch(`${options.api}v1/codes/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: text }),
        cache: "no-store",
        signal: AbortSignal.timeout(ONLINE_TIMEOUT_MS),
      });
      if (res.ok) return outcomeOf((await res.json()) as Record<string, unknown>, { mode: "online", checkedAt: Date.now(), proofOffsetSeconds: proofOffset });
      // The API refused the request itself (not the code): too long for its body limit, or not text.
      if (res.status === 413) return refusal("too_large", "online", Date.now());
      if (res.status < 500) return refusal("malformed", "online", Date.now());
    } catch {
      /* no answer: decide offline */
    }
  }
  const verifier = await cachedVerifier(options.maxAgeSeconds);
  if (!verifier) return refusal("stale_data", "offline", Date.now(), "no cached keys and status list on this device");
  const verdict = await verifier.verify(text);
  return fromOffline(verdict, Date.now(), skewBeyondTolerance(lastSkew()?.seconds ?? null), proofOffset);
}
