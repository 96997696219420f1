// The verifier's offline data: the issuer's JWKS and signed status list, fetched every
// minute while online and kept in localStorage, so the page still decides with the network
// gone (protocol/codes/offline-verifier.ts) and says how old its data is.
import type { JWK } from "jose";
import { createOfflineVerifier, type OfflineVerifier } from "../../protocol/codes/offline-verifier.ts";

/** Offline, refuse "valid" on cached data older than this. */
export const MAX_DATA_AGE_SECONDS = 4 * 3600;
const STORE = "onecode.verifier.cache.v1";

interface Cache {
  jwks: { keys: JWK[] };
  statusListToken: string;
  issuer: string;
  fetchedAt: number;
}

function loadCache(): Cache | null {
  try {
    return JSON.parse(localStorage.getItem(STORE) ?? "null") as Cache | null;
  } catch {
    return null;
  }
}

function issuerOf(statusListToken: string): string {
  const claims = JSON.parse(atob(statusListToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { iss?: string; sub: string };
  return claims.iss ?? new URL(claims.sub).origin;
}

/** Fetches fresh data from the API at `api`; keeps the old cache when offline or when the download does not verify. */
export async function syncCache(api: string): Promise<void> {
  try {
    const [jwksRes, listRes] = await Promise.all([fetch(`${api}.well-known/jwks.json`, { cache: "no-cache" }), fetch(`${api}v1/status-lists/1`, { cache: "no-cache" })]);
    if (!jwksRes.ok || !listRes.ok) return;
    const jwks = (await jwksRes.json()) as Cache["jwks"];
    const statusListToken = await listRes.text();
    const issuer = issuerOf(statusListToken);
    // Only cache what verifies: a broken download must not replace a good cache.
    await createOfflineVerifier({ jwks, statusListToken, issuer, maxDataAgeSeconds: MAX_DATA_AGE_SECONDS });
    localStorage.setItem(STORE, JSON.stringify({ jwks, statusListToken, issuer, fetchedAt: Date.now() } satisfies Cache));
  } catch {
    /* offline: keep the cache */
  }
}

/** A verifier over the cached data, or null when there is none (or it no longer verifies). */
export async function cachedVerifier(): Promise<OfflineVerifier | null> {
  const cache = loadCache();
  if (!cache) return null;
  return createOfflineVerifier({ ...cache, jwksFetchedAt: cache.fetchedAt, maxDataAgeSeconds: MAX_DATA_AGE_SECONDS }).catch(() => null);
}
