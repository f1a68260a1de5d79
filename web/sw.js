// The console's service worker: keeps the application shell so that the page opens at once on
// a slow link and at all while the link is down. Files under /assets/<version>/ never change,
// so they come from the cache first. The page comes from the cache too and is fetched again
// in the background for next time; a new release (a new version) replaces the cache whole.

const VERSION = ""; // the server fills in the release's version
const CACHE = `backstop-${VERSION}`;
const SHELL = []; // the server lists the console's files here

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

/** From the network, keeping a copy of a good answer. */
function refresh(request) {
  return fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  });
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith(`/assets/${VERSION}/`)) {
    event.respondWith(caches.match(event.request).then((hit) => hit ?? refresh(event.request)));
  } else if (url.pathname === "/") {
    const network = refresh(event.request);
    event.waitUntil(network.catch(() => {}));
    event.respondWith(caches.match(event.request, { ignoreSearch: true })
      .then((hit) => hit ?? network)
      .catch(() => Response.error()));
  }
});
