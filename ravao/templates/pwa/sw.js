{% load static %}// ravao service worker {{ version }}: caches the shell (style, script, offline page) so a repeat
// visit loads from the phone, and shows the offline page instead of the browser's error.
// The gate keeps working offline (issue 12): its script, style and decoder are cached, and each gate page
// staff opened (/gate/<venue>/, no personal data on it) is kept, so a gate tab closed, reloaded or
// discarded while offline opens again and scans into its IndexedDB queue.
const CACHE = "ravao-{{ version }}";
const SHELL = [
  "{% static 'ravao/app.css' %}", "{% static 'ravao/app.js' %}", "{% static 'ravao/icon.svg' %}", "/offline/",
  "{% static 'ravao/gate.css' %}", "{% static 'ravao/gate.js' %}",
];
// Best effort: the camera decoder comes from npm and may be absent (scanner and phone look-up still work).
const OPTIONAL = ["{% static 'vendor/@zxing/browser/umd/zxing-browser.min.js' %}"];
const GATE_PAGE = /^\/gate\/\d+\/$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL).then(() => Promise.all(OPTIONAL.map((u) => cache.add(u).catch(() => null)))))
      .then(() => self.skipWaiting())
  );
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
      }).catch(() => caches.match(url.pathname).then((hit) => hit || caches.match("/offline/")))
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline/")));
  }
});
