// The player's service worker (hand-written, no library): the player works offline after one
// visit. The build puts this build's file list above (self.LOFI_PRECACHE: version, shell, later,
// each file with its content hash), so every build is a new worker with a cache of its own.
//   install   caches the shell (the page, its manifest, JS, CSS, Tone.js, icons)
//   activate  deletes the caches of older builds and takes over the open pages
//   fetch     pages, manifest.json and app.webmanifest: network first, the cache when offline;
//             everything else (content-hashed, never changes): cache first
//   message   "warm": cache the rest (pieces, samples the listener has not used yet) in the
//             background; the page sends it after the first sound, never before. "status": say how
//             much of the site is cached (finished when all of it is), downloading nothing: the page
//             asks on a second visit, to say at once that it works offline.
const { version, shell, later } = self.LOFI_PRECACHE;
const PREFIX = "lofi-";
const CACHE = PREFIX + version;
const scope = () => self.registration.scope; // the site's base path: works under any of them
const url = (rel) => new URL(rel, scope()).href;
const FRESH = new Set(["", "index.html", "manifest.json", "app.webmanifest"]);
const CONCURRENCY = 2; // background downloads stay out of the way of the music's own

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(shell.map(([rel]) => new Request(url(rel), { cache: "no-cache" })));
    await self.skipWaiting(); // the next load runs this build
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

function relative(request) {
  const u = new URL(request.url);
  const base = new URL(scope());
  if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) return null;
  return u.pathname.slice(base.pathname.length);
}

async function networkFirst(request, rel) {
  const cache = await caches.open(CACHE);
  const key = request.mode === "navigate" ? url(rel === "index.html" ? "" : rel) : request;
  try {
    const response = await fetch(request, { cache: "no-cache" });
    if (response.ok && request.method === "GET") await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const hit = (await cache.match(key, { ignoreSearch: true })) || (request.mode === "navigate" && (await cache.match(url(""))));
    if (hit) return hit;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.headers.has("range")) return;
  const rel = relative(request);
  // Another site, the worker itself, or lofi-build serve's own files (its event stream never ends).
  if (rel === null || rel === "sw.js" || rel.startsWith("__lofi__/")) return;
  if (request.mode === "navigate" || FRESH.has(rel) || rel.endsWith(".html")) {
    event.respondWith(networkFirst(request, rel));
  } else {
    event.respondWith(cacheFirst(request));
  }
});

let warming = null;

/** The files of this build not in its cache yet, and the count of all of them. */
async function missingFiles(cache) {
  const all = [...shell, ...later];
  const missing = [];
  for (const [rel] of all) if (!(await cache.match(url(rel)))) missing.push(rel);
  return { missing, total: all.length };
}

/** Tell `client` how much is cached, without fetching anything. */
async function status(client) {
  const { missing, total } = await missingFiles(await caches.open(CACHE));
  client.postMessage({ type: "lofi-cache", version, done: total - missing.length, failed: 0, total, finished: missing.length === 0 });
}

/** Cache every file of `later` not cached yet, a few at a time; tell the pages how far it got. */
async function warm() {
  const cache = await caches.open(CACHE);
  const { missing, total } = await missingFiles(cache);
  let done = total - missing.length;
  let failed = 0;
  const report = async (finished) => {
    for (const client of await self.clients.matchAll()) client.postMessage({ type: "lofi-cache", version, done, failed, total, finished });
  };
  const next = async () => {
    while (missing.length) {
      const rel = missing.shift();
      try {
        const response = await fetch(url(rel));
        if (!response.ok) throw new Error(`${response.status}`);
        await cache.put(url(rel), response);
        done++;
      } catch (error) {
        failed++;
      }
      if ((done + failed) % 10 === 0) await report(false);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, next));
  await report(true);
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "status" && event.source) {
    event.waitUntil(status(event.source));
  } else if (type === "warm") {
    if (!warming) warming = warm().finally(() => (warming = null));
    event.waitUntil(warming);
  }
});
