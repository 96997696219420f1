// What the officials' verifier does offline, bundled for a browser page in the wallet's Chromium
// test: fetch the JWKS and the signed status list while online, then decide on scanned text with
// protocol/codes/offline-verifier.ts alone (WebCrypto in the page, no network).
import { createOfflineVerifier, type OfflineVerdict } from "../../protocol/codes/offline-verifier.ts";

interface Cache {
  jwks: { keys: never[] };
  statusListToken: string;
  issuer: string;
  fetchedAt: number;
}

let cache: Cache | null = null;

async function load(issuer: string): Promise<void> {
  const jwks = await (await fetch("/.well-known/jwks.json", { cache: "no-store" })).json();
  const statusListToken = await (await fetch("/v1/status-lists/1", { cache: "no-store" })).text();
  cache = { jwks, statusListToken, issuer, fetchedAt: Date.now() };
}

async function verify(text: string): Promise<OfflineVerdict> {
  if (!cache) throw new Error("load first");
  const verifier = await createOfflineVerifier({ ...cache, jwksFetchedAt: cache.fetchedAt, maxDataAgeSeconds: 3600 });
  return verifier.verify(text);
}

(globalThis as { oneCodeOffline?: unknown }).oneCodeOffline = { load, verify, online: () => navigator.onLine };
