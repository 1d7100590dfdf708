/* Field mode's service worker (served as /field/sw.js, scope /field/).
 *
 * - Field pages (navigations under the scope): network first, the last copy when offline.
 * - Assets (same origin, /static/, /bootstrap/, the manifest): the cached copy at once, refreshed in
 *   the background.
 * - The page tells us what it loaded ({type: "cache", urls: [...]}) so that the assets fetched before
 *   this worker took control are cached too.
 * - POSTs are never cached nor replayed here: the page's queue (field.js) sends visit logs.
 * - {type: "forget"} drops everything (another person logged in on this phone, or the user is logging
 *   out) and answers {type: "forgotten"} on the message's port once the caches are gone.
 * - A field page that the server redirects to the log-in page (logged out elsewhere, session over):
 *   the cached pages go too, so nobody reads them offline without being logged in.
 */
"use strict";

const VERSION = "field-v1";
const PAGES = VERSION + "-pages";
const ASSETS = VERSION + "-assets";
const SCOPE = new URL(self.registration.scope).pathname;
// The log-in page's path, from the worker's own URL (/field/sw.js?login=/login).
const LOGIN = new URL(self.location.href).searchParams.get("login") || "/login";
// Bumped by each "forget": a fetch that started before it does not put its response back.
let generation = 0;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => !k.startsWith(VERSION)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function isAsset(url) {
  return url.origin === self.location.origin &&
    (url.pathname.startsWith("/static/") || url.pathname.startsWith("/bootstrap/") ||
     url.pathname.endsWith(".webmanifest"));
}

function isPage(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(SCOPE) &&
    !url.pathname.endsWith(".js") && !url.pathname.endsWith(".json") && !url.pathname.endsWith("/log");
}

async function forget() {
  generation += 1;
  const keys = await caches.keys();
  await Promise.all(keys.filter((k) => k.startsWith("field-")).map((k) => caches.delete(k)));
}

function toLogin(response) {
  return response.redirected && new URL(response.url).pathname === LOGIN;
}

async function networkFirst(request) {
  const started = generation;
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (toLogin(response)) {
      // Not logged in any more: the pages of whoever was must not stay readable offline.
      await caches.delete(PAGES);
    } else if (response.ok && !response.redirected && started === generation) {
      // Only real pages: not a redirect, not an error.
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    // Today's page whatever its query (the start URL has none).
    const today = await cache.match(SCOPE, { ignoreVary: true });
    if (today && new URL(request.url).pathname === SCOPE) return today;
    throw error;
  }
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(ASSETS);
  const cached = await cache.match(request);
  const refresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })
    .catch(() => undefined);
  return cached || (await refresh) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(networkFirst(request));
  } else if (isAsset(url)) {
    event.respondWith(staleWhileRevalidate(request));
  }
});

async function remember(urls) {
  const started = generation;
  const pages = await caches.open(PAGES);
  const assets = await caches.open(ASSETS);
  for (const raw of urls) {
    let url;
    try { url = new URL(raw, self.location.origin); } catch (e) { continue; }
    if (url.origin !== self.location.origin) continue;
    const target = isAsset(url) ? assets : isPage(url) ? pages : null;
    if (!target || (await target.match(url.href))) continue;
    try {
      const response = await fetch(url.href, { credentials: "same-origin" });
      if (started !== generation) return; // forgotten meanwhile (log-out)
      if (response.ok && !response.redirected) await target.put(url.href, response);
    } catch (e) {
      // Offline now: the next visit to the page will try again.
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "cache" && Array.isArray(data.urls)) {
    event.waitUntil(remember(data.urls));
  } else if (data.type === "forget") {
    const port = event.ports && event.ports[0];
    event.waitUntil(
      forget().then(
        () => { if (port) port.postMessage({ type: "forgotten" }); },
        () => { if (port) port.postMessage({ type: "failed" }); }
      )
    );
  }
});
