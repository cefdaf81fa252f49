{% load static %}// ravao service worker {{ version }}: caches the shell (style, script, offline page) so a repeat
// visit loads from the phone, and shows the offline page instead of the browser's error.
const CACHE = "ravao-{{ version }}";
const SHELL = ["{% static 'ravao/app.css' %}", "{% static 'ravao/app.js' %}", "{% static 'ravao/icon.svg' %}", "/offline/"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
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
  if (url.origin === location.origin && url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline/")));
  }
});
