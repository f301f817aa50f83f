/* The offline store (IndexedDB "cakap-offline"), shared by the pages (offline.js) and the service
   worker (sw.js, through importScripts):
   - queue:   actions taken offline, replayed in the order they were taken. One item:
              {key (the Idempotency-Key, a UUID), url, kind ("complete" | "answer"), pairs (the form
              fields as [name, value]), createdAt (ms), userId, tries}
   - meta:    {name: "session", userId, shared}: who is signed in on this device, written by pages
   - courses: {slug, title, url, bytes, savedAt}: courses kept for reading offline
   Everything is cleared at logout. */
(function (scope) {
  "use strict";
  var NAME = "cakap-offline";
  var VERSION = 1;
  var opening = null;

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function open() {
    if (!opening) {
      var request = scope.indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("queue")) {
          db.createObjectStore("queue", {keyPath: "key"}).createIndex("createdAt", "createdAt");
        }
        if (!db.objectStoreNames.contains("meta")) { db.createObjectStore("meta", {keyPath: "name"}); }
        if (!db.objectStoreNames.contains("courses")) { db.createObjectStore("courses", {keyPath: "slug"}); }
      };
      opening = promised(request).then(function (db) {
        db.onversionchange = function () { db.close(); opening = null; };
        return db;
      });
      opening.catch(function () { opening = null; });
    }
    return opening;
  }

  /* Run fn(store) in one transaction; resolve with fn's request result once the transaction is done. */
  function run(storeName, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        var request = fn(tx.objectStore(storeName), tx);
        if (request && "onsuccess" in request) {
          request.onsuccess = function () { result = request.result; };
        }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function byCreation(a, b) { return a.createdAt - b.createdAt || (a.seq || 0) - (b.seq || 0); }

  function all(userId) {
    return run("queue", "readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) {
        return userId === undefined || item.userId === null || item.userId === userId;
      }).sort(byCreation);
    });
  }

  /* Add an action. A newer answer to the same question replaces a queued older one (only the
     latest answer counts); a second "mark complete" of the same lesson is not queued twice. */
  function enqueue(item) {
    return run("queue", "readwrite", function (store) {
      var cursorRequest = store.openCursor();
      var skip = false;
      cursorRequest.onsuccess = function () {
        var cursor = cursorRequest.result;
        if (cursor) {
          var old = cursor.value;
          if (old.url === item.url && old.userId === item.userId) {
            if (item.kind === "answer") { cursor.delete(); } else { skip = true; }
          }
          cursor.continue();
        } else if (!skip) {
          store.put(item);
        }
      };
    });
  }

  /* Forget queued answers to ``url`` taken before ``before`` (a fresher answer reached the server). */
  function dropOlder(url, before) {
    return run("queue", "readwrite", function (store) {
      var cursorRequest = store.openCursor();
      cursorRequest.onsuccess = function () {
        var cursor = cursorRequest.result;
        if (!cursor) { return; }
        if (cursor.value.url === url && cursor.value.createdAt < before) { cursor.delete(); }
        cursor.continue();
      };
    });
  }

  scope.CakapOfflineDB = {
    all: all,
    enqueue: enqueue,
    dropOlder: dropOlder,
    count: function (userId) { return all(userId).then(function (items) { return items.length; }); },
    put: function (item) { return run("queue", "readwrite", function (store) { return store.put(item); }); },
    remove: function (key) { return run("queue", "readwrite", function (store) { return store.delete(key); }); },
    getMeta: function (name) {
      return run("meta", "readonly", function (store) { return store.get(name); });
    },
    setMeta: function (name, value) {
      var record = Object.assign({name: name}, value);
      return run("meta", "readwrite", function (store) { return store.put(record); });
    },
    courses: function () { return run("courses", "readonly", function (store) { return store.getAll(); }); },
    getCourse: function (slug) { return run("courses", "readonly", function (store) { return store.get(slug); }); },
    putCourse: function (record) {
      return run("courses", "readwrite", function (store) { return store.put(record); });
    },
    deleteCourse: function (slug) {
      return run("courses", "readwrite", function (store) { return store.delete(slug); });
    },
    /* Empty every store (logout, shared device). */
    clear: function () {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(["queue", "meta", "courses"], "readwrite");
          ["queue", "meta", "courses"].forEach(function (name) { tx.objectStore(name).clear(); });
          tx.oncomplete = function () { resolve(); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }
  };
}(self));
