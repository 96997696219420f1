// The service worker of an installable front end (built by ./build.ts into /ui/<page>/sw.js,
// scope /ui/<page>/; one build per app, so each app has its own worker and cache). Install
// caches the whole app shell the build lists (the page, its scripts and styles, any worker and
// .wasm they name, the manifest and the icons) and only then activates: an active worker means
// the app opens with no network. The shell is served from the cache first (its file names carry
// content hashes; a new build is a new sw.js, whose install caches the new shell and drops the
// old one). The API is never cached here: each page keeps its own offline data (the verifier's
// keys and status list, the wallet's token and device key) and says how old it is.
export {}; // a module for the type checker; built as a classic script

/** Set by the build: the shell's URLs, the cache named after their content, the app's cache prefix and scope. */
declare const PRECACHE: string[];
declare const CACHE_NAME: string;
declare const CACHE_PREFIX: string;
declare const SHELL: string;

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
      // "reload": the copies come from the server, not from the HTTP cache.
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // Only this app's old caches: the other apps on the origin keep theirs.
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
  // Opening the app (any ?lang=, ?maxAge=, #bind=…) is the cached page.
  const opening = request.mode === "navigate" && (url.pathname === SHELL || url.pathname === `${SHELL}index.html`);
  const key = opening ? SHELL : url.pathname;
  if (!opening && !PRECACHE.includes(url.pathname)) return; // not the shell: the network, as without a worker
  event.respondWith(
    (async () => {
      const cached = await caches.match(key, { cacheName: CACHE_NAME });
      return cached ?? fetch(request);
    })(),
  );
});
