// The wallet's service worker (built by ./pwa-build.ts into /ui/wallet/sw.js, scope /ui/wallet/).
// Install caches the app shell the build lists (the page, its scripts and styles, the manifest
// and the icons), and only then activates: an active worker means the wallet opens with no
// network, and the code it keeps (token and device key, in IndexedDB) can be shown. The shell
// is served from the cache first (file names carry content hashes; a new build is a new sw.js).
// The API is never cached here.
export {}; // a module for the type checker; built as a classic script

/** Set by the build: the shell's URLs and the cache named after their content. */
declare const PRECACHE: string[];
declare const CACHE_NAME: string;
declare const SHELL: string;

const CACHE_PREFIX = "onecode-wallet-";

// The few Service Worker types used (TypeScript's DOM library has none of them).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
}
const worker = self as unknown as WorkerScope;

worker.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) await caches.delete(name);
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  // Opening the wallet (any ?lang=, any #bind=) is the cached page.
  const opening = request.mode === "navigate" && (url.pathname === SHELL || url.pathname === `${SHELL}index.html`);
  const key = opening ? SHELL : url.pathname;
  if (!opening && !PRECACHE.includes(url.pathname)) return;
  event.respondWith(
    (async () => {
      const cached = await caches.match(key, { cacheName: CACHE_NAME });
      return cached ?? fetch(request);
    })(),
  );
});
