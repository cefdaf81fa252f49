// ravao gate: scan personal QR codes and chip ID cards (camera or keyboard-wedge scanner), look up by phone,
// keep every scan in IndexedDB with a client id, and send the queue to the server in batches. Online the
// queue is sent at once; offline it waits, visibly "pending", and is sent when the network returns. The
// server processes each client id once, so sending twice (a retry, two tabs) records nothing twice.
(function () {
  "use strict";
  var configEl = document.getElementById("gate-config");
  if (!configEl) return;
  var config = JSON.parse(configEl.textContent);
  var T = document.getElementById("gate-text").dataset;
  var csrf = document.querySelector("#gate-controls input[name=csrfmiddlewaretoken]").value;
  var $ = function (id) { return document.getElementById(id); };
  var DB_NAME = "ravao-gate", STORE = "scans";
  var db = null;
  var current = null;  // client id of the scan shown in the result card
  var lastPayload = "", lastAt = 0;
  var syncing = false, retryTimer = null, loginNeeded = false, notice = "";
  var startedAt = {};  // client id → performance.now() at the scan: scan-to-result time, for staff and tests

  // --- IndexedDB queue ---------------------------------------------------------------------------------
  // Version 2 reads by index (a venue's pending scans, its latest scans) instead of the whole store, and
  // prunes: synced scans after a day (their masked names have no use left), anything past the retention.
  var DONE_KEEP_MS = 24 * 3600 * 1000;
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 2);
      req.onupgradeneeded = function (e) {
        var store = e.oldVersion < 1 ? req.result.createObjectStore(STORE, { keyPath: "client_id" })
          : req.transaction.objectStore(STORE);
        if (!store.indexNames.contains("state")) store.createIndex("state", "state");
        store.createIndex("venue_state_at", ["venue", "state", "scanned_at"]);
        store.createIndex("venue_at", ["venue", "scanned_at"]);
        store.createIndex("scanned_at", "scanned_at");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { reject(new Error("blocked")); };
    });
  }
  function tx(mode, fn) {
    return new Promise(function (resolve, reject) {
      var t;
      try { t = db.transaction(STORE, mode); } catch (e) { reject(e); return; }
      var out = fn(t.objectStore(STORE));
      t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
      t.onerror = function () { reject(t.error); };
      t.onabort = function () { reject(t.error || new Error("abort")); };
    });
  }
  // Errors are never swallowed: staff see a banner (a scan that was not saved must be redone by hand).
  function storeError(message, err) {
    var el = $("gate-error"); el.textContent = message; el.hidden = false;
    document.body.dataset.gateError = String(err && err.name || err || "error");
  }
  function put(record) {
    return tx("readwrite", function (s) { s.put(record); })
      .catch(function (err) { storeError(T.storeError, err); throw err; });
  }
  function pending() {
    var range = IDBKeyRange.bound([config.venueId, "pending", ""], [config.venueId, "pending", "\uffff"]);
    return tx("readonly", function (s) { return s.index("venue_state_at").getAll(range, config.maxBatch + 1); });
  }
  function latest(n) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(STORE, "readonly"), rows = [];
      var range = IDBKeyRange.bound([config.venueId, ""], [config.venueId, "\uffff"]);
      var req = t.objectStore(STORE).index("venue_at").openCursor(range, "prev");
      req.onsuccess = function () {
        var c = req.result;
        if (c && rows.length < n) { rows.push(c.value); c.continue(); }
      };
      t.oncomplete = function () { resolve(rows); };
      t.onerror = function () { reject(t.error); };
    });
  }
  function pendingCount() {
    var range = IDBKeyRange.bound([config.venueId, "pending", ""], [config.venueId, "pending", "\uffff"]);
    return tx("readonly", function (s) { return s.index("venue_state_at").count(range); });
  }
  function prune() {
    var now = Date.now(), retention = new Date(now - config.retentionDays * 86400000).toISOString();
    var doneBefore = new Date(now - DONE_KEEP_MS).toISOString();
    return tx("readwrite", function (s) {
      var req = s.index("scanned_at").openCursor(IDBKeyRange.upperBound(doneBefore, true));
      req.onsuccess = function () {
        var c = req.result;
        if (!c) return;
        if (c.value.scanned_at < retention || c.value.state !== "pending") c.delete();
        c.continue();
      };
    });
  }

  // --- feedback ----------------------------------------------------------------------------------------
  var audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = ok ? 880 : 220; g.gain.value = 0.15;
      o.connect(g); g.connect(audio.destination); o.start(); o.stop(audio.currentTime + (ok ? 0.12 : 0.4));
    } catch (e) { /* no sound on this device */ }
    if (navigator.vibrate) navigator.vibrate(ok ? 80 : [200, 100, 200]);
  }
  var WORDS = { green: T.statusGreen, yellow: T.statusYellow, red: T.statusRed, grey: T.statusGrey };
  function show(record) {
    current = record.client_id;
    var box = $("result"), res = record.result, local = record.local || {};
    var person = (res && res.person) || local.person || null;
    var status = person && person.status ? person.status : "none";
    box.className = "gate-result status-" + status + (res && !res.ok ? " refused" : "");
    $("result-word").textContent = WORDS[status] || "";
    $("result-outcome").textContent = res ? res.message : (local.message || T.pending);
    $("result-name").textContent = person ? person.name : "";
    $("result-id").textContent = person ? [person.id, person.phone].filter(Boolean).join("  ") : "";
    $("result-doses").textContent = person && res && "doses" in person
      ? T.doses + ": " + (person.doses === null ? T.dosesUnknown : person.doses) : "";
    $("result-phone").textContent = person && person.no_phone ? T.noPhone : "";
    var ul = $("result-warnings"); ul.textContent = "";
    ((res && res.warnings) || local.warnings || []).forEach(function (w) {
      var li = document.createElement("li"); li.className = "w-" + w.code; li.textContent = w.message; ul.appendChild(li);
    });
    var dir = record.direction === "out" ? T.out : T.in;
    $("result-state").textContent = dir + " · " + new Date(record.scanned_at).toLocaleTimeString() +
      (res ? "" : " · " + T.pending) + (local.checked ? " · " + local.checked : "");
  }
  function refuseLocally(message) {
    current = null;
    $("result").className = "gate-result refused";
    $("result-outcome").textContent = message;
    // Nothing of the previous person stays on screen after a refusal.
    ["result-word", "result-name", "result-id", "result-doses", "result-phone"].forEach(function (id) { $(id).textContent = ""; });
    $("result-warnings").textContent = ""; $("result-state").textContent = "";
    beep(false);
  }
  var KINDS = { token: T.kindToken, cccd: T.kindCccd, phone: T.kindPhone };
  function renderRecent() {
    return Promise.all([latest(15), pendingCount()]).then(function (got) {
      var rows = got[0], waiting = got[1];
      var ul = $("recent"); ul.textContent = "";
      rows.slice(0, 15).forEach(function (r) {
        var li = document.createElement("li");
        var person = (r.result && r.result.person) || (r.local && r.local.person);
        if (person && person.status) li.className = "status-" + person.status;
        var left = document.createElement("span");
        left.textContent = new Date(r.scanned_at).toLocaleTimeString() + " " + (r.direction === "out" ? T.out : T.in) +
          " · " + (person ? person.name : (KINDS[r.kind] || r.kind));
        var right = document.createElement("span");
        if (r.state === "pending") { right.className = "pending"; right.textContent = T.pending; }
        else { right.textContent = r.result ? r.result.message : ""; }
        li.appendChild(left); li.appendChild(right); ul.appendChild(li);
      });
      $("pending-count").textContent = waiting ? waiting + " " + T.pendingCount : "";
      $("pending-count").dataset.count = String(waiting);
    });
  }
  function netState() {
    var el = $("net-state");
    if (loginNeeded) { el.textContent = T.login; el.className = "net-state offline"; return; }
    // The server's own words when it refused a whole batch (a limit): the scans stay queued.
    if (notice) { el.textContent = notice; el.className = "net-state offline"; return; }
    el.textContent = navigator.onLine ? T.online : T.offline;
    el.className = "net-state" + (navigator.onLine ? "" : " offline");
  }

  // --- offline checks ----------------------------------------------------------------------------------
  function b64urlBytes(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  // The token's signature and expiry, checked with the public keys the page carries (WebCrypto Ed25519).
  // Resolves to {ok, code} or null when this browser cannot verify (the server will, at sync).
  function verifyToken(token) {
    if (!/^RV1[A-Za-z0-9_-]{116}$/.test(token)) return Promise.resolve({ ok: false, code: "malformed" });
    if (!window.crypto || !crypto.subtle) return Promise.resolve(null);
    var raw = b64urlBytes(token.slice(3)), body = raw.slice(0, 23), sig = raw.slice(23);
    var view = new DataView(body.buffer);
    var expires = view.getUint32(17), hint = body[0];
    var message = new Uint8Array(3 + 23);
    message.set([82, 86, 49]); message.set(body, 3);
    var keys = Object.keys(config.publicKeys).map(function (kid) { return b64urlBytes(config.publicKeys[kid]); })
      .filter(function (k) { return k[0] === hint; });
    if (!keys.length) return Promise.resolve({ ok: false, code: "unknown_key" });
    var tries = keys.map(function (k) {
      return crypto.subtle.importKey("raw", k, { name: "Ed25519" }, false, ["verify"])
        .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, sig, message); });
    });
    return Promise.all(tries).then(function (results) {
      if (results.indexOf(true) < 0) return { ok: false, code: "bad_signature" };
      if (Date.now() / 1000 >= expires) return { ok: false, code: "expired" };
      return { ok: true };
    }, function () { return null; });
  }
  // gate-mask.js: the rule Python's ravao.lib.text.mask_name follows. Should it be missing (a partial offline
  // cache), a card's preview shows no name rather than breaking the scan; the server's answer names it.
  var maskName = window.ravaoMaskName || function () { return ""; };
  function cardPreview(text) {
    var f = text.split("|").map(function (x) { return x.trim(); });
    var six = f.length === 6 || (f.length === 7 && /^(nam|nữ|nu)$/i.test(f[3]) && f[6] === "");
    var id = f[0].replace(/\s/g, ""), name = six ? f[1] : f[2];
    return { name: maskName(name || ""), id: "••••••••" + id.slice(-4), phone: "", status: "" };
  }
  function clean(text) { return text.replace(/[\r\n\ufeff\u200b]/g, "").trim(); }

  // --- scanning ----------------------------------------------------------------------------------------
  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function direction() { return document.querySelector("input[name=direction]:checked").value; }
  function area() { var el = $("gate-area"); return el && el.value ? parseInt(el.value, 10) : null; }

  function scanned(text, kind) {
    text = clean(text);
    if (!text) return;
    // A phone number typed (or pasted) into the scanner field is a phone look-up, as in the phone form.
    if (!kind) kind = /^RV1/.test(text) ? "token" : (text.indexOf("|") >= 0 ? "cccd"
      : (/^\+?[\d .-]{9,16}$/.test(text) ? "phone" : null));
    if (!kind) { refuseLocally(T.notRecognised); return; }
    var now = Date.now();
    // A double read is the same code in the same direction; switching to "exit" is a real movement
    // (the server applies the same rule).
    var key = text + "\n" + direction();
    if (key === lastPayload && now - lastAt < config.repeatMs) {
      $("result-state").textContent = T.repeat; lastAt = now; return;
    }
    lastPayload = key; lastAt = now;
    var record = {
      client_id: uuid4(), venue: config.venueId, kind: kind, payload: text, direction: direction(),
      area: area(), scanned_at: new Date().toISOString(), state: "pending", local: {}
    };
    startedAt[record.client_id] = performance.now();
    var check = kind === "token" ? verifyToken(text) : Promise.resolve(null);
    check.then(function (verdict) {
      if (verdict && !verdict.ok) {
        refuseLocally(verdict.code === "expired" ? T.expired : (verdict.code === "malformed" ? T.notRecognised : T.badToken));
        return;
      }
      if (verdict && verdict.ok) { record.local.checked = T.checkedOffline; document.body.dataset.offlineVerified = "1"; }
      if (kind === "cccd") { record.local.person = cardPreview(text); record.local.checked = T.card; }
      return put(record).then(function () { show(record); renderRecent(); sync(); });
    }).catch(function () { /* the banner says the scan was not saved */ beep(false); });
  }

  // --- sync ----------------------------------------------------------------------------------------------
  function sync() {
    if (syncing) return Promise.resolve();
    syncing = true;
    clearTimeout(retryTimer);
    return pending().then(function (rows) {
      if (!rows.length) return false;
      var batch = rows.slice(0, config.maxBatch);
      var body = JSON.stringify({ scans: batch.map(function (r) {
        return { client_id: r.client_id, kind: r.kind, payload: r.payload, direction: r.direction, area: r.area, scanned_at: r.scanned_at };
      }) });
      return fetch(config.syncUrl, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" }
      }).then(function (resp) {
        loginNeeded = resp.status === 401 || resp.status === 403;
        if (resp.status === 429) {
          return resp.json().then(function (d) { notice = (d && d.message) || ""; }, function () {})
            .then(function () { throw new Error("HTTP 429"); });
        }
        notice = "";
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      }).then(function (data) {
        if (typeof data.inside === "number") {
          $("inside-count").textContent = String(data.inside); $("inside-count").dataset.inside = String(data.inside);
        }
        var byId = {};
        batch.forEach(function (r) { byId[r.client_id] = r; });
        var writes = data.results.map(function (res) {
          var r = byId[res.client_id];
          if (!r || res.outcome === "server_error") return null;  // kept: sent again later
          r.state = "done"; r.result = res;
          r.payload = "";  // an ID card's text stays on the device no longer than needed
          if (r.client_id === current) {
            show(r); beep(res.ok && (!res.person || res.person.status !== "red"));
            if (startedAt[r.client_id]) document.body.dataset.scanToResultMs = String(Math.round(performance.now() - startedAt[r.client_id]));
          }
          return put(r);
        });
        return Promise.all(writes).then(function () { return rows.length > batch.length; });
      });
    }).then(function (more) {
      syncing = false; netState(); renderRecent();
      if (more) return sync();
    }, function () {
      syncing = false; netState(); renderRecent();
      retryTimer = setTimeout(sync, 10000);
    });
  }

  // --- keyboard-wedge scanner: fast keystrokes, ending in Enter (possibly in several bursts) ------------
  var input = $("scan-input"), finishTimer = null;
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    // A scanner may press Enter in the middle of a long code: wait a moment for more keystrokes.
    clearTimeout(finishTimer);
    finishTimer = setTimeout(function () { var v = input.value; input.value = ""; scanned(v); }, 250);
  });
  input.addEventListener("input", function () { clearTimeout(finishTimer); });
  // A scanner types into whatever has the focus: after a tap on Entry/Exit or the area, give it back to the
  // scanner field, and catch keystrokes that land on the page itself.
  $("gate-controls").addEventListener("change", function () { input.focus(); });
  document.addEventListener("keydown", function (e) {
    var el = document.activeElement, tag = el ? el.tagName : "";
    var typing = (tag === "INPUT" && /^(text|tel|search|number)$/.test(el.type)) || tag === "TEXTAREA" || tag === "SELECT";
    if (!typing && e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) input.focus();
  }, true);

  $("phone-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var v = $("phone-input").value; $("phone-input").value = "";
    scanned(v, "phone");
  });

  // --- camera (@zxing/browser, loaded on first use) -------------------------------------------------------
  var controls = null;
  function loadZxing() {
    if (window.ZXingBrowser) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script"); s.src = config.vendor; s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  $("camera-start").addEventListener("click", function () {
    loadZxing().then(function () {
      // Hint 4 = CHARACTER_SET: ID cards encode Vietnamese in UTF-8 without saying so.
      var reader = new window.ZXingBrowser.BrowserQRCodeReader(new Map([[4, "UTF-8"]]), { delayBetweenScanAttempts: 100 });
      var video = $("camera"); video.hidden = false;
      return reader.decodeFromVideoDevice(undefined, video, function (result) {
        if (result) scanned(result.getText());
      });
    }).then(function (c) {
      controls = c; $("camera-start").hidden = true; $("camera-stop").hidden = false;
    }, function () { refuseLocally(T.cameraError); });
  });
  $("camera-stop").addEventListener("click", function () {
    if (controls) controls.stop();
    controls = null; $("camera").hidden = true; $("camera-start").hidden = false; $("camera-stop").hidden = true;
    input.focus();
  });

  // Ask the service worker to keep this gate page and its files: reopened offline, the gate still scans.
  if ("serviceWorker" in navigator && navigator.onLine) {
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: "gate-cache", urls: [location.pathname].concat(config.offlineUrls || []) });
    }, function () {});
  }
  window.addEventListener("online", function () { netState(); sync(); });
  window.addEventListener("offline", netState);
  setInterval(function () { if (navigator.onLine) sync(); }, 15000);
  openDb().then(function (d) {
    db = d;
    return prune().catch(function (err) { storeError(T.openError, err); }).then(function () {
      netState(); renderRecent(); sync(); document.body.dataset.gateReady = "1";
    });
  }, function (err) { storeError(T.openError, err); netState(); });
})();
