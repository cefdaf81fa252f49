{% load static %}// ravao service worker {{ version }}: caches the shell (style, script, offline page) so a repeat
// visit loads from the phone, and shows the offline page instead of the browser's error.
// The gate keeps working offline (issue 12): an open gate page asks the worker to keep it (/gate/<venue>/,
// no personal data on it) with its script, style and camera decoder, so a gate tab closed, reloaded or
// discarded while offline opens again and scans into its IndexedDB queue. Visitors' phones never download
// the gate's files: nothing of the gate is in the shell.
const CACHE = "ravao-{{ version }}";
const SHELL = ["{% static 'ravao/app.css' %}", "{% static 'ravao/app.js' %}", "{% static 'ravao/icon.svg' %}", "/offline/"];
const GATE_PAGE = /^\/gate\/\d+\/$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "gate-cache" || !Array.isArray(data.urls)) return;
  const urls = data.urls.map((u) => new URL(u, location.origin))
    .filter((u) => u.origin === location.origin && (GATE_PAGE.test(u.pathname) || u.pathname.startsWith("/static/")));
  // One by one: a missing file (the decoder comes from npm) must not keep the others out.
  event.waitUntil(caches.open(CACHE).then((cache) =>
    Promise.all(urls.map((u) => cache.add(u.pathname).catch(() => null)))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // check-ins always go to the server
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === "navigate" && GATE_PAGE.test(url.pathname)) {
    // Network first (a fresh page, fresh keys); a page that loaded is kept for the next offline open.
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      // ignoreVary: the page varies on the cookie and the language, which a cache lookup does not carry.
      }).catch(() => caches.match(url.pathname, { ignoreVary: true }).then((hit) => hit || caches.match("/offline/")))
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline/")));
  }
});
