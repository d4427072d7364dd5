// The household form's service worker: the form keeps opening with no signal. It is served at
// /census/households/sw.js (so its scope is the census pages) with VERSION set from the files it
// keeps, so a changed script or style replaces the old copies. Network first, with a short wait
// for a weak signal, then the copy kept here; households themselves never pass through this
// worker: the page keeps unsent ones in IndexedDB (household_outbox.js) and sends them itself.
"use strict";
const VERSION = "__VERSION__";
const CACHE = `edumap-household-form-${VERSION}`;
const PAGE = "/census/households/new";
const ASSETS = [
  "/static/css/edumap.css",
  "/static/js/household_outbox.js",
  "/static/js/household_form.js",
];
const KEPT = new Set([PAGE, ...ASSETS]);
const NETWORK_WAIT_MS = 4000;

// The page is kept only as the signed-in person's own form: a login page it was redirected to
// (signed out, session expired) is not.
function isForm(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    const page = await fetch(PAGE, { credentials: "same-origin" });
    if (isForm(page)) await cache.put(PAGE, page);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("edumap-household-form-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer in time")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
                 (error) => { clearTimeout(timer); reject(error); });
  });
}

async function networkFirst(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    if (path === PAGE && response.redirected) await cache.delete(PAGE);  // signed out
    else if (isForm(response)) await cache.put(path, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(path);
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !KEPT.has(url.pathname)) return;
  event.respondWith(networkFirst(request, url.pathname));
});
