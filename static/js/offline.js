/* Offline support in the page (progressive enhancement: every page works without this file).
   - registers the service worker (/sw.js), which keeps pages and queues actions taken offline;
   - the banner: offline or not, how many actions wait to sync, what the last sync did;
   - asks the service worker to replay the queue when the connection returns and on page load;
   - "Simpan untuk dibaca offline" on a course page: keeps the course's pages and images;
   - logout (and a shared device): clears the caches and the offline store.
   Every text comes from data attributes rendered by templates/offline/*.html (translated). */
(function () {
  "use strict";
  var banner = document.getElementById("offline-banner");
  if (!banner || !("serviceWorker" in navigator) || !window.indexedDB || !window.caches || !window.CakapOfflineDB) {
    return;
  }
  var DB = window.CakapOfflineDB;
  var data = banner.dataset;
  var userId = data.user ? Number(data.user) : null;
  // The offline page is kept signed out (see sw.js); there, the device's last signed-in user counts.
  var fallbackPage = Boolean(document.getElementById("offline-saved-courses"));
  var shared = data.shared === "1";
  var text = banner.querySelector(".offline-banner-text");
  var notice = banner.querySelector(".offline-banner-notice");
  var syncNow = banner.querySelector(".offline-sync-now");
  var dismiss = banner.querySelector(".offline-dismiss");
  var COURSE_PREFIX = "cakap-course-";
  var syncing = false;
  var justSynced = false;
  var syncedTimer = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return values[name] !== undefined ? String(values[name]) : match;
    });
  }

  /* ---------------------------------------------------------------- the banner */
  function render() {
    var pending = userId === null ? Promise.resolve(0) : DB.count(userId).catch(function () { return 0; });
    return pending.then(function (count) {
      var message = "";
      var offline = !navigator.onLine;
      if (offline) {
        message = count ? fill(data.msgOffline, {n: count}) : data.msgOfflineEmpty;
      } else if (count && syncing) {
        message = fill(data.msgSyncing, {n: count});
      } else if (count) {
        message = fill(data.msgPending, {n: count});
      } else if (justSynced) {
        message = data.msgSynced;
      }
      if (text.textContent !== message) { text.textContent = message; }
      syncNow.hidden = offline || !count || syncing;
      banner.classList.toggle("is-offline", offline);
      var visible = Boolean(message) || !notice.hidden;
      banner.classList.toggle("is-visible", visible);
      document.body.classList.toggle("offline-banner-shown", visible);
      banner.dataset.pending = String(count);
      markPendingCompletions();
      return count;
    });
  }

  function showNotice(result) {
    var parts = [];
    if (result.closed) { parts.push(fill(data.msgClosed, {n: result.closed})); }
    if (result.stale) { parts.push(fill(data.msgStale, {n: result.stale})); }
    if (result.failed) { parts.push(fill(data.msgFailed, {n: result.failed})); }
    if (result.login && result.pending) { parts.push(fill(data.msgLogin, {n: result.pending})); }
    if (!parts.length) { return; }
    notice.textContent = parts.join(" ");
    notice.hidden = false;
    dismiss.hidden = false;
  }

  dismiss.addEventListener("click", function () {
    notice.hidden = true;
    dismiss.hidden = true;
    render();
  });

  /* ---------------------------------------------------------------- the service worker */
  function worker() {
    return navigator.serviceWorker.ready.then(function (registration) { return registration.active; });
  }

  function requestSync() {
    if (!navigator.onLine || userId === null) { return Promise.resolve(); }
    return DB.count(userId).then(function (count) {
      if (!count) { return null; }
      syncing = true;
      render();
      return worker().then(function (active) { if (active) { active.postMessage({type: "sync"}); } });
    });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    var message = event.data || {};
    if (message.type === "synced") {
      syncing = false;
      var result = message.result || {};
      if (result.synced || result.closed || result.stale || result.failed) {
        justSynced = !result.pending;
        clearTimeout(syncedTimer);
        syncedTimer = setTimeout(function () { justSynced = false; render(); }, 15000);
      }
      showNotice(result);
      render();
    } else if (message.type === "queued") {
      render();
    }
  });

  syncNow.addEventListener("click", requestSync);
  window.addEventListener("online", function () { render(); requestSync(); });
  window.addEventListener("offline", function () { syncing = false; render(); });

  /* A lesson marked complete offline still shows its button in a kept copy of the page: say it is queued. */
  function markPendingCompletions() {
    var forms = document.querySelectorAll("form[action$='/complete']");
    if (!forms.length || userId === null) { return; }
    DB.all(userId).then(function (items) {
      var queued = items.map(function (item) { return new URL(item.url).pathname; });
      forms.forEach(function (form) {
        if (queued.indexOf(new URL(form.action).pathname) < 0 || form.dataset.offlinePending) { return; }
        form.dataset.offlinePending = "1";
        var note = document.createElement("p");
        note.className = "done";
        note.textContent = data.msgCompletePending;
        form.hidden = true;
        form.parentNode.insertBefore(note, form);
      });
    });
  }

  /* ---------------------------------------------------------------- keeping a course offline */
  function courseBox() {
    var box = document.getElementById("offline-save");
    if (!box || shared) { return; }
    var d = box.dataset;
    var save = box.querySelector(".offline-save-button");
    var remove = box.querySelector(".offline-remove-button");
    var progress = box.querySelector(".offline-save-progress");
    var status = box.querySelector(".offline-save-status");

    function showSaved(record) {
      remove.hidden = !record;
      if (record) {
        status.textContent = fill(d.msgSavedAt, {size: record.sizeLabel || ""});
        save.textContent = d.msgUpdate;
        box.dataset.saved = "1";
      } else {
        delete box.dataset.saved;
      }
    }

    function keepCourse() {
      save.disabled = true;
      progress.hidden = false;
      progress.value = 0;
      fetch(d.filesUrl, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (files) {
        var cacheName = COURSE_PREFIX + files.slug;
        var done = 0;
        var bytes = 0;
        progress.max = files.urls.length;
        return caches.delete(cacheName).then(function () { return caches.open(cacheName); }).then(function (cache) {
          return files.urls.reduce(function (chain, url) {
            return chain.then(function () {
              return fetch(url, {credentials: "same-origin"}).then(function (response) {
                if (!response.ok || response.redirected) { throw new Error(url); }
                return response.clone().blob().then(function (blob) {
                  bytes += blob.size;
                  return cache.put(url, response);
                });
              }).then(function () {
                done += 1;
                progress.value = done;
                status.textContent = fill(d.msgSaving, {done: done, total: files.urls.length});
              });
            });
          }, Promise.resolve()).then(function () {
            var record = {slug: files.slug, title: files.title, url: files.urls[0], bytes: bytes,
                          sizeLabel: files.size_label, savedAt: Date.now()};
            return DB.putCourse(record).then(function () { return record; });
          });
        });
      }).then(function (record) {
        progress.hidden = true;
        showSaved(record);
      }).catch(function () {
        progress.hidden = true;
        status.textContent = d.msgFailed;
      }).then(function () { save.disabled = false; });
    }

    save.addEventListener("click", keepCourse);
    remove.addEventListener("click", function () {
      caches.delete(COURSE_PREFIX + d.slug).then(function () { return DB.deleteCourse(d.slug); }).then(function () {
        showSaved(null);
        status.textContent = d.msgRemoved;
        save.textContent = save.dataset.label;
      });
    });
    save.dataset.label = save.textContent;
    DB.getCourse(d.slug).then(function (record) { showSaved(record || null); });
    box.hidden = false;
  }

  /* The offline page lists the courses kept on this device. */
  function savedCourseList() {
    var box = document.getElementById("offline-saved-courses");
    if (!box) { return; }
    DB.courses().then(function (records) {
      var list = box.querySelector(".offline-saved-list");
      (records || []).forEach(function (record) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = record.url;
        link.textContent = record.title;
        item.appendChild(link);
        list.appendChild(item);
      });
      box.hidden = !(records && records.length);
    });
  }

  /* ---------------------------------------------------------------- logout and shared devices */
  /* At logout: the caches, the offline store, and the worker itself (registered again at the next login). */
  function clearEverything() {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("cakap-") === 0; })
        .map(function (name) { return caches.delete(name); }));
    }).then(function () { return DB.clear(); }).then(function () {
      return navigator.serviceWorker.getRegistrations();
    }).then(function (registrations) {
      return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
    }).catch(function () { return null; });
  }

  function waitForSync(ms) {
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, ms);
      navigator.serviceWorker.addEventListener("message", function once(event) {
        if ((event.data || {}).type === "synced") {
          clearTimeout(timer);
          navigator.serviceWorker.removeEventListener("message", once);
          resolve();
        }
      });
      requestSync();
    });
  }

  document.querySelectorAll("form[action='" + data.logoutUrl + "']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.offlineCleared) { return; }
      event.preventDefault();
      var count = userId === null ? Promise.resolve(0) : DB.count(userId).catch(function () { return 0; });
      count.then(function (pending) {
        return pending && navigator.onLine ? waitForSync(8000).then(function () { return DB.count(userId); }) : pending;
      }).then(function (pending) {
        if (pending && !window.confirm(fill(data.msgLogoutPending, {n: pending}))) { return; }
        clearEverything().then(function () {
          form.dataset.offlineCleared = "1";
          form.submit();
        });
      });
    });
  });

  /* ---------------------------------------------------------------- start */
  var ready = fallbackPage && userId === null
    ? DB.getMeta("session").then(function (meta) {
      userId = meta ? meta.userId : null;
      shared = Boolean(meta && meta.shared);
    })
    : DB.setMeta("session", {userId: userId, shared: shared});
  if (userId !== null) {
    // Registered once signed in: nothing is kept for visitors, and the worker's own requests then
    // carry the signed-in session (an anonymous request finishing after a login could undo it).
    navigator.serviceWorker.register(data.swUrl, {scope: "/"}).catch(function () { return null; });
  }
  if (shared) {
    // Nothing of a shared session is kept beyond the queue (cleared at logout).
    caches.keys().then(function (names) {
      names.filter(function (name) { return name.indexOf(COURSE_PREFIX) === 0 || name === "cakap-pages"; })
        .forEach(function (name) { caches.delete(name); });
    });
  }
  ready.catch(function () { return null; }).then(function () {
    courseBox();
    savedCourseList();
    return render();
  }).then(function () { return requestSync(); });
}());
