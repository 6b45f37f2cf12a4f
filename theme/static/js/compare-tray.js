// "Add to compare": every button with data-compare-id, including ones added later (search result cards),
// toggles that program in a selection of at most 4. The selection lives in this tab's sessionStorage and in
// the compare page's address; nothing leaves the browser. Words come from <template id="compare-tray-strings">.
(function () {
  "use strict";
  var KEY = "iop-compare";
  var MAX = 4;
  var ID_RE = /^[a-z0-9][a-z0-9-]{0,99}$/;

  function strings() {
    var el = document.getElementById("compare-tray-strings");
    return el ? el.dataset : {};
  }
  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  function read() {
    var ids = [];
    try { ids = JSON.parse(window.sessionStorage.getItem(KEY) || "[]"); } catch (e) { ids = []; }
    if (!Array.isArray(ids)) { ids = []; }
    return clean(ids);
  }
  function clean(ids) {
    var out = [];
    ids.forEach(function (id) {
      if (typeof id === "string" && ID_RE.test(id) && out.indexOf(id) < 0 && out.length < MAX) { out.push(id); }
    });
    return out;
  }
  function write(ids) {
    ids = clean(ids);
    try { window.sessionStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) { /* storage off: URL still works */ }
    document.dispatchEvent(new CustomEvent("compare:change", { detail: { ids: ids } }));
    sync();
    return ids;
  }

  function compareUrl(ids) {
    var tray = document.getElementById("compare-tray");
    var base = tray ? tray.getAttribute("data-compare-url") : "/compare/";
    return base + (ids.length ? "?ids=" + ids.map(encodeURIComponent).join(",") : "");
  }

  function programName(button) {
    if (button.dataset.compareName) { return button.dataset.compareName; }
    var holder = button.closest("[data-provider-id]");
    var title = holder && holder.querySelector("h1, .card-title, h2, h3");
    return title ? title.textContent.trim() : strings().program;
  }

  function sync() {
    var ids = read();
    var buttons = document.querySelectorAll("button[data-compare-id]");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      var pressed = ids.indexOf(b.getAttribute("data-compare-id")) >= 0 ? "true" : "false";
      if (b.hidden) { b.hidden = false; }
      if (b.getAttribute("aria-pressed") !== pressed) { b.setAttribute("aria-pressed", pressed); }
    }
    var link = document.getElementById("compare-tray-link");
    var tray = document.getElementById("compare-tray");
    if (link && tray) {
      var onComparePage = document.body.getAttribute("data-page") === "compare";
      link.hidden = onComparePage || ids.length === 0;
      var text = fill(strings().link, { n: ids.length });
      // Change the DOM only when needed: the MutationObserver below would otherwise call sync() forever.
      if (link.textContent !== text) { link.textContent = text; }
      if (link.getAttribute("href") !== compareUrl(ids)) { link.setAttribute("href", compareUrl(ids)); }
      tray.classList.toggle("has-items", !link.hidden);
      // The page keeps room below its content and scrolls a focused control above the fixed tray, so the tray
      // never hides the last links or the one in focus (WCAG 2.4.11).
      document.documentElement.classList.toggle("has-compare-tray", !link.hidden);
      makeRoom();
    }
  }

  function makeRoom() {
    var tray = document.getElementById("compare-tray");
    if (tray) {
      document.documentElement.style.setProperty("--compare-tray-room", (tray.offsetHeight + 24) + "px");
    }
  }

  var SAY_FOR_MS = 8000;
  var hideTimer = null;
  function say(text) {
    var status = document.getElementById("compare-tray-status");
    if (!status) { return; }
    status.textContent = "";
    // A fresh text node each time so screen readers announce a repeated message too.
    window.setTimeout(function () { status.textContent = text; makeRoom(); }, 30);
    // Then it goes: a message left up covered the page's last links on a phone for as long as it was open.
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(function () { status.textContent = ""; makeRoom(); }, SAY_FOR_MS);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-compare-id]");
    if (!button) { return; }
    var id = button.getAttribute("data-compare-id");
    if (!ID_RE.test(id)) { return; }
    var ids = read();
    var s = strings();
    var at = ids.indexOf(id);
    if (at >= 0) {
      ids.splice(at, 1);
      write(ids);
      say(fill(s.removed, { name: programName(button) }));
    } else if (ids.length >= MAX) {
      say(s.full);
      var status = document.getElementById("compare-tray-status");
      if (status) { status.classList.add("is-warning"); }
      return;
    } else {
      ids.push(id);
      ids = write(ids);
      say(fill(s.added, { name: programName(button), n: ids.length }));
    }
    var st = document.getElementById("compare-tray-status");
    if (st) { st.classList.remove("is-warning"); }
  });

  // The compare page (compare.js) and other tabs' changes: keep buttons and the link current.
  window.addEventListener("storage", function (e) { if (e.key === KEY) { sync(); } });
  window.addEventListener("pageshow", sync);

  function start() {
    sync();
    if (window.MutationObserver) {
      var pending = false;
      new MutationObserver(function (records) {
        for (var i = 0; i < records.length; i++) {
          if (records[i].addedNodes.length) {
            if (!pending) {
              pending = true;
              window.requestAnimationFrame(function () { pending = false; sync(); });
            }
            return;
          }
        }
      }).observe(document.body, { childList: true, subtree: true });
    }
  }

  window.IopCompare = { read: read, write: write, max: MAX, url: compareUrl, idPattern: ID_RE };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
