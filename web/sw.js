// The console's service worker: keeps the application shell so that the page opens, and
// queued messages survive a reload, while the link is down. Online, the network always wins.

const CACHE = "backstop-shell";
const SHELL = []; // the server lists the console's files here

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const shell = url.pathname === "/" || url.pathname.startsWith("/assets/");
  if (event.request.method !== "GET" || url.origin !== location.origin || !shell) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true }).then((hit) => hit ?? Response.error())),
  );
});
