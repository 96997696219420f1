// The verifier's offline data: the issuer's JWKS and signed status list, fetched in the
// background while online and kept in localStorage, so the page decides with the network
// gone (protocol/codes/offline-verifier.ts) and says how old its data is. Each download also
// reads the server's clock (./clock.ts). Only data that verifies replaces the cache.
import type { JWK } from "jose";
import { createOfflineVerifier, type OfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { skewFromDateHeader } from "./clock.ts";

const STORE = "onecode.verifier.cache.v2";
const SKEW_STORE = "onecode.verifier.skew.v1";
/** A download that takes longer is given up (the cache stays); the next sync tries again. */
const FETCH_TIMEOUT_MS = 8000;

interface Cache {
  jwks: { keys: JWK[] };
  statusListToken: string;
  issuer: string;
  /** This device's clock when the JWKS arrived (the JWKS is unsigned: only our own record of its age). */
  fetchedAt: number;
}

export interface SkewReading {
  /** This device's clock minus the server's, in seconds. */
  seconds: number;
  measuredAt: number;
}

function read<T>(key: string): T | null {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "null") as T | null;
  } catch {
    return null;
  }
}

function issuerOf(statusListToken: string): string {
  const claims = JSON.parse(atob(statusListToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { iss?: string; sub: string };
  return claims.iss ?? new URL(claims.sub).origin;
}

/** The last reading of the server's clock, or null before the first online sync. */
export const lastSkew = (): SkewReading | null => read<SkewReading>(SKEW_STORE);

/**
 * Fetches fresh data from the API at `api`. Resolves true when the cache was replaced, false
 * when offline, when the API did not answer or when the download does not verify (the old
 * cache stays in every such case).
 */
export async function syncCache(api: string, maxAgeSeconds: number): Promise<boolean> {
  try {
    const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    const sentAt = Date.now();
    const jwksRes = await fetch(`${api}.well-known/jwks.json`, { cache: "no-cache", signal });
    const receivedAt = Date.now();
    const skew = skewFromDateHeader(jwksRes.headers.get("date"), sentAt, receivedAt);
    if (skew !== null) localStorage.setItem(SKEW_STORE, JSON.stringify({ seconds: skew, measuredAt: receivedAt } satisfies SkewReading));
    const listRes = await fetch(`${api}v1/status-lists/1`, { cache: "no-cache", signal });
    if (!jwksRes.ok || !listRes.ok) return false;
    const jwks = (await jwksRes.json()) as Cache["jwks"];
    const statusListToken = await listRes.text();
    const cache: Cache = { jwks, statusListToken, issuer: issuerOf(statusListToken), fetchedAt: receivedAt };
    // Only cache what verifies: a broken or foreign download must not replace a good cache.
    await verifierOver(cache, maxAgeSeconds);
    localStorage.setItem(STORE, JSON.stringify(cache));
    return true;
  } catch {
    return false;
  }
}

let memo: { text: string; maxAgeSeconds: number; verifier: Promise<OfflineVerifier> } | null = null;

function verifierOver(cache: Cache, maxAgeSeconds: number): Promise<OfflineVerifier> {
  return createOfflineVerifier({ ...cache, jwksFetchedAt: cache.fetchedAt, maxDataAgeSeconds: maxAgeSeconds });
}

/** A verifier over the cached data, or null when there is none (or it no longer verifies). */
export async function cachedVerifier(maxAgeSeconds: number): Promise<OfflineVerifier | null> {
  const text = localStorage.getItem(STORE);
  if (!text) return null;
  // Keys are imported once per cached copy, not once per scan.
  if (!memo || memo.text !== text || memo.maxAgeSeconds !== maxAgeSeconds) {
    const cache = read<Cache>(STORE);
    if (!cache) return null;
    memo = { text, maxAgeSeconds, verifier: verifierOver(cache, maxAgeSeconds) };
  }
  return memo.verifier.catch(() => null);
}
