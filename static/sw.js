/* Cakap Desa service worker, served as /sw.js (scope: the whole site) after the configuration line
   `self.CAKAP_SW = {...}` that lms/offline/views.py writes (URLs, patterns, version).

   - Pages: network first. A page that opens while online is kept (lessons, courses, quizzes,
     attempts; never on a shared device) so that it opens again offline; a page not kept gives
     the offline page. Courses the learner chose to keep are in their own caches (offline.js).
   - Static files and lesson images: from the cache, else the network (their names change with
     their content).
   - Marking a lesson complete and saving quiz answers: sent with an Idempotency-Key. When the
     network fails, the action is kept in IndexedDB with that key (offline-db.js) and replayed,
     in order, when the connection returns; the server does each key once.
   The server stays the judge: a replayed answer after the quiz's deadline is refused (409). */
/* global CAKAP_SW, CakapOfflineDB */
"use strict";

var C = self.CAKAP_SW;
importScripts(C.dbScript);
var DB = self.CakapOfflineDB;

var SHELL = "cakap-shell-" + C.version;
var PAGES = "cakap-pages";
var STATIC = "cakap-static";
var COURSE_PREFIX = "cakap-course-";
var PAGES_LIMIT = 80;
var STATIC_LIMIT = 120;
var MAX_TRIES = 5;
var QUEUE = {};
Object.keys(C.queue).forEach(function (kind) { QUEUE[kind] = new RegExp(C.queue[kind]); });
var PAGE_RES = C.pages.map(function (source) { return new RegExp(source); });

/* ------------------------------------------------------------------ install and update */
/* Without cookies: these are public files, and a response racing a login must not bring back the
   anonymous session cookie (the fallback page is therefore the signed-out version of the layout). */
function fetchPublic(url) {
  return fetch(url, {credentials: "omit", cache: "reload"}).then(function (response) {
    if (!response.ok || response.redirected) { throw new Error(url); }
    return response;
  });
}

function cacheShell() {
  return caches.open(SHELL).then(function (cache) {
    return Promise.all(C.precache.map(function (url) {
      return fetchPublic(url).then(function (response) {
        var copy = response.clone();
        return cache.put(url, copy).then(function () {
          // The offline page names the fingerprinted CSS and scripts of the layout: keep them too.
          if (url !== C.offlineUrl) { return null; }
          return response.text().then(function (html) {
            var assets = [];
            html.replace(/(?:href|src)="(\/static\/[^"?#]+)"/g, function (match, path) { assets.push(path); });
            return Promise.all(assets.map(function (asset) {
              return fetchPublic(asset).then(function (file) { return cache.put(asset, file); });
            }));
          });
        });
      }).catch(function () { return null; });
    }));
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(cacheShell().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("cakap-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

/* ------------------------------------------------------------------ helpers */
function session() {
  return DB.getMeta("session").then(function (meta) { return meta || {userId: null, shared: false}; })
    .catch(function () { return {userId: null, shared: false}; });
}

function uuid() {
  if (self.crypto && self.crypto.randomUUID) { return self.crypto.randomUUID(); }
  var bytes = self.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 15) | 64;
  bytes[8] = (bytes[8] & 63) | 128;
  var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}

function encode(pairs) {
  var params = new URLSearchParams();
  pairs.forEach(function (pair) { params.append(pair[0], pair[1]); });
  return params.toString();
}

function json(status, body) {
  return new Response(JSON.stringify(body), {status: status, headers: {"Content-Type": "application/json"}});
}

function trim(cacheName, limit) {
  return caches.open(cacheName).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.slice(0, Math.max(0, keys.length - limit)).map(function (key) {
        return cache.delete(key);
      }));
    });
  });
}

function notify(message) {
  return self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

/* ------------------------------------------------------------------ pages and files */
function keepable(url) {
  return PAGE_RES.some(function (re) { return re.test(url.pathname); });
}

function offlineCopy(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request, {ignoreVary: true});
  }).then(function (hit) {
    return hit || caches.match(request, {ignoreVary: true});
  });
}

function offlinePage() {
  return caches.match(C.offlineUrl).then(function (page) {
    return page || new Response("Offline", {status: 503, headers: {"Content-Type": "text/plain; charset=utf-8"}});
  });
}

function navigate(event) {
  var request = event.request;
  var url = new URL(request.url);
  return fetch(request).then(function (response) {
    var noStore = /no-store/.test(response.headers.get("Cache-Control") || "");
    if (response.ok && response.type === "basic" && !response.redirected && !noStore && keepable(url)) {
      var copy = response.clone();
      event.waitUntil(session().then(function (meta) {
        if (meta.shared || !meta.userId) { return null; }
        return caches.open(PAGES).then(function (cache) { return cache.put(request, copy); })
          .then(function () { return trim(PAGES, PAGES_LIMIT); });
      }));
    }
    return response;
  }).catch(function () {
    return offlineCopy(request).then(function (hit) { return hit || offlinePage(); });
  });
}

function fromCacheFirst(event) {
  var request = event.request;
  return caches.match(request, {ignoreVary: true}).then(function (hit) {
    if (hit) { return hit; }
    return fetch(request).then(function (response) {
      if (response.ok && response.type === "basic" && !response.redirected) {
        var copy = response.clone();
        event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.put(request, copy); })
          .then(function () { return trim(STATIC, STATIC_LIMIT); }));
      }
      return response;
    });
  });
}

/* ------------------------------------------------------------------ sending and queueing actions */
function queueKind(url) {
  var kinds = Object.keys(QUEUE);
  for (var i = 0; i < kinds.length; i += 1) {
    if (QUEUE[kinds[i]].test(url.pathname)) { return kinds[i]; }
  }
  return null;
}

/* Where the browser goes after an action kept offline (the server would redirect there too). */
function afterOffline(kind, url, pairs) {
  var field = function (name) {
    var found = pairs.filter(function (pair) { return pair[0] === name; })[0];
    return found ? found[1] : null;
  };
  if (kind === "complete") {
    var course = url.pathname.replace(/\/lessons\/\d+\/complete$/, "");
    var next = field("next_lesson_id");
    return /^\d+$/.test(next || "") ? course + "/lessons/" + next : course;
  }
  var go = field("go");
  var page = parseInt(field("page") || "0", 10) || 0;
  if (go === "summary") { return url.pathname + "/summary"; }
  var target = go === "next" ? page + 1 : go === "prev" ? Math.max(page - 1, 0) : page;
  return url.pathname + (target ? "?page=" + target : "");
}

/* A quiz page posted offline becomes one queued answer per question it showed. */
function pageAnswers(url, pairs) {
  var token = pairs.filter(function (pair) { return pair[0] === "csrf_token"; });
  return pairs.filter(function (pair) { return pair[0] === "shown" && /^\d+$/.test(pair[1]); })
    .map(function (shown) {
      var qid = shown[1];
      return {url: url.origin + url.pathname + "/answers/" + qid, kind: "answer",
              pairs: token.concat([["shown", qid]], pairs.filter(function (pair) { return pair[0] === "q_" + qid; }))};
    });
}

function keep(kind, url, pairs, key) {
  var now = Date.now();
  var actions = kind === "page" ? pageAnswers(url, pairs) : [{url: url.href, kind: kind, pairs: pairs}];
  return session().then(function (meta) {
    return actions.reduce(function (chain, action, index) {
      return chain.then(function () {
        return DB.enqueue({key: index === 0 && kind !== "page" ? key : uuid(), url: action.url, kind: action.kind,
                           pairs: action.pairs, createdAt: now, seq: index, userId: meta.userId, tries: 0});
      });
    }, Promise.resolve());
  }).then(function () {
    // Background Sync (Chromium): replay even if no page of the site is open when the network returns.
    if (!self.registration.sync) { return null; }
    return self.registration.sync.register("cakap-queue").catch(function () { return null; });
  }).then(function () { return notify({type: "queued"}); });
}

function sendOrKeep(event, kind) {
  var request = event.request;
  var url = new URL(request.url);
  var key = request.headers.get("Idempotency-Key") || uuid();
  return request.clone().formData().then(function (form) {
    var pairs = [];
    form.forEach(function (value, name) { if (typeof value === "string") { pairs.push([name, value]); } });
    var headers = {"Idempotency-Key": key, "Content-Type": "application/x-www-form-urlencoded"};
    if (request.headers.get("X-CSRFToken")) { headers["X-CSRFToken"] = request.headers.get("X-CSRFToken"); }
    var sentAt = Date.now();
    var send = kind === "page" ? fetch(request.clone()) : fetch(request.url, {
      method: "POST", headers: headers, body: encode(pairs), credentials: "same-origin",
      redirect: request.mode === "navigate" ? "manual" : "follow"});
    return send.then(function (response) {
      if (kind === "answer" && response.ok) { event.waitUntil(DB.dropOlder(request.url, sentAt)); }
      return response;
    }, function () {
      return keep(kind, url, pairs, key).then(function () {
        return kind === "answer" ? json(202, {saved: false, queued: true})
          : Response.redirect(afterOffline(kind, url, pairs), 303);
      });
    });
  }, function () { return fetch(request); });
}

/* ------------------------------------------------------------------ replay */
var replaying = null;

function outcome(response) {
  if (response.redirected && new URL(response.url).pathname === C.loginPath) { return Promise.resolve("login"); }
  if (response.ok) { return Promise.resolve("synced"); }
  if (response.status === 429 || response.status >= 500) { return Promise.resolve("retry"); }
  if (response.status !== 409) { return Promise.resolve("failed"); }
  return response.clone().json().then(function (body) {
    var code = body && body.error && body.error.code;
    return code === "idempotency_in_progress" ? "retry" : code === "stale_answer" ? "stale" : "closed";
  }, function () { return "closed"; });  // the quiz view's 409 attempt_closed is an HTML page
}

function replayAll() {
  var result = {synced: 0, closed: 0, stale: 0, failed: 0, login: false, offline: false};
  return fetch(C.stateUrl, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
    var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    return response.ok && isJson ? response.json() : null;
  }).then(function (state) {
    if (!state) {
      result.login = true;
      return DB.count().then(function (pending) { result.pending = pending; });
    }
    return DB.all(state.user_id).then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function (stop) {
          if (stop) { return true; }
          return replayOne(item, state, result);
        });
      }, Promise.resolve(false));
    }).then(function () { return DB.count(state.user_id); }).then(function (pending) { result.pending = pending; });
  }, function () { result.offline = true; }).then(function () {
    return notify({type: "synced", result: result}).then(function () { return result; });
  });
}

/* Send one kept action; resolve true to stop (offline, signed out, or the server asks to wait). */
function replayOne(item, state, result) {
  var pairs = item.pairs.map(function (pair) { return pair[0] === "csrf_token" ? [pair[0], state.csrf_token] : pair; });
  var headers = {"Idempotency-Key": item.key, "X-CSRFToken": state.csrf_token,
                 "Content-Type": "application/x-www-form-urlencoded",
                 "Cakap-Queued-Age": String(Math.max(0, (Date.now() - item.createdAt) / 1000))};
  return fetch(item.url, {method: "POST", headers: headers, body: encode(pairs), credentials: "same-origin",
                          cache: "no-store", redirect: "follow"})
    .then(outcome, function () { return "offline"; })
    .then(function (what) {
      if (what === "offline" || what === "login") { result[what] = true; return true; }
      if (what === "retry") {
        item.tries = (item.tries || 0) + 1;
        if (item.tries < MAX_TRIES) { return DB.put(item).then(function () { return true; }); }
        what = "failed";
      }
      result[what] += 1;
      return DB.remove(item.key).then(function () { return false; });
    });
}

/* One replay at a time; asking again while one runs waits for it. */
function replay() {
  if (!replaying) {
    replaying = replayAll().then(function (result) { replaying = null; return result; },
                                 function (err) { replaying = null; throw err; });
  }
  return replaying;
}

self.addEventListener("sync", function (event) {
  if (event.tag === "cakap-queue") { event.waitUntil(replay()); }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "sync") { event.waitUntil(replay()); }
  if (data.type === "shell") { event.waitUntil(cacheShell()); }
});

/* ------------------------------------------------------------------ routing */
self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST") {
    var kind = queueKind(url);
    if (kind) {
      event.respondWith(sendOrKeep(event, kind));
    } else if (request.mode === "navigate") {
      event.respondWith(fetch(request).catch(offlinePage));
    }
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/media/") === 0 ||
             C.files.indexOf(url.pathname) >= 0) {
    event.respondWith(fromCacheFirst(event));
  }
});
