// The compare page: /compare/?ids=a,b,c[&near=town-or-ZIP] shows those programs side by side from
// compare/data/<id>.json (display-ready values written by the site build, one small file per program). Rows where the programs differ get the
// class "differs" and a text marker. Only textContent and createElement are used: no data becomes markup.
(function () {
  "use strict";
  var root = document.getElementById("compare-root");
  var notices = document.getElementById("compare-notices");
  var stringsEl = document.getElementById("compare-strings");
  if (!root || !stringsEl) { return; }
  var S = stringsEl.dataset;
  var MAX = 4;
  var ID_RE = /^[a-z0-9][a-z0-9-]{0,99}$/;
  var lang = document.documentElement.lang || "en";
  var siteRoot = document.body.getAttribute("data-site-root") || "..";

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function unknown() { return el("span", "unknown", S.unknown); }
  function none() { return el("span", "none", S.none); }
  function siteUrl(path) { return (siteRoot ? siteRoot.replace(/\/$/, "") + "/" : "/") + path; }

  // --- the selection ---------------------------------------------------------------------------------------
  var params = new URLSearchParams(window.location.search);
  var near = (params.get("near") || "").trim();
  var requested;
  if (params.has("ids")) {
    requested = params.get("ids").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  } else {
    requested = window.IopCompare ? window.IopCompare.read() : [];
  }
  var seen = {};
  requested = requested.filter(function (id) { if (seen[id]) { return false; } seen[id] = true; return true; });

  function setUrl(ids) {
    var query = new URLSearchParams();
    if (ids.length) { query.set("ids", ids.join(",")); }
    if (near) { query.set("near", near); }
    var text = query.toString().replace(/%2C/g, ",");
    window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
    var field = document.getElementById("compare-ids-field");
    if (field) { field.value = ids.join(","); }
    var printUrl = document.getElementById("compare-print-url");
    if (printUrl) { printUrl.textContent = window.location.href; }
    drawQr(window.location.href);
  }

  // The printed sheet's QR code: this comparison's address, made here (qrcode-generator, vendored from npm) since
  // the address is chosen in the browser. Its SVG is parsed, never written as HTML.
  function drawQr(url) {
    var box = document.getElementById("compare-print-qr");
    if (!box || typeof qrcode !== "function") { return; }
    var code = qrcode(0, "M");
    code.addData(url);
    code.make();
    var svg = new DOMParser().parseFromString(code.createSvgTag({cellSize: 1, margin: 2, scalable: true}),
                                              "image/svg+xml").documentElement;
    svg.setAttribute("aria-hidden", "true");
    box.textContent = "";
    box.appendChild(document.importNode(svg, true));
  }

  function notice(text, kind) {
    var p = el("p", "notice" + (kind ? " " + kind : ""), text);
    notices.appendChild(p);
    return p;
  }

  // --- distance -------------------------------------------------------------------------------------------
  function nearest(p, origin) {
    var best = null;
    (p.locations || []).forEach(function (loc) {
      if (loc.lat === null || loc.lon === null) { return; }
      var d = IOPPlaces.haversine(origin.lat, origin.lon, loc.lat, loc.lon);
      if (!best || d < best.miles) { best = { miles: d, approximate: loc.approximate }; }
    });
    return best;
  }
  function formatMiles(d) {
    var n = d < 10 ? Math.round(d * 10) / 10 : Math.round(d);
    return fill(S.miles, { n: n.toLocaleString(lang) });
  }

  // --- cells ----------------------------------------------------------------------------------------------
  function list(values) {
    if (values === null || values === undefined) { return unknown(); }
    if (!values.length) { return none(); }
    var ul = el("ul", "compare-list");
    values.forEach(function (v) { ul.appendChild(el("li", null, v)); });
    return ul;
  }
  function sorted(values) { return values ? values.slice().sort() : values; }

  function tracksCell(p) {
    if (p.tracks === null) { return unknown(); }
    if (!p.tracks.length) { return none(); }
    var ul = el("ul", "compare-tracks");
    p.tracks.forEach(function (t) {
      var li = el("li");
      li.appendChild(el("strong", null, t.name));
      if (t.level) { li.appendChild(document.createTextNode(" (" + t.level + ")")); }
      var time = t.time || (t.times_of_day && t.times_of_day.length ? t.times_of_day.join(", ") : null);
      var when = t.days || time ? [t.days || S.daysUnknown, time || S.timesUnknown].join(" · ") : S.scheduleUnknown;
      li.appendChild(el("span", "track-when" + (t.days && time ? "" : " unknown-part"), when));
      var more = [t.hours ? t.hours : S.hours + ": " + S.unknown];
      if (t.mode) { more.push(t.mode); }
      if (t.population) { more.push(t.population); }
      li.appendChild(el("span", "track-more", more.join(" · ")));
      ul.appendChild(li);
    });
    return ul;
  }

  function locationCell(p) {
    var wrap = el("div");
    if (p.statewide) { wrap.appendChild(el("p", "compare-line", S.statewide)); }
    if (p.locations === null) { if (!p.statewide) { return unknown(); } return wrap; }
    if (!p.locations.length && !p.statewide) { return none(); }
    p.locations.forEach(function (loc) {
      var parts = [];
      if (loc.street) { parts.push(loc.street); }
      if (loc.city) { parts.push(loc.city); }
      var line = parts.join(", ") + (parts.length ? ", " : "") + "MA" + (loc.zip ? " " + loc.zip : "");
      var p1 = el("p", "compare-line", line);
      if (!loc.street) { p1.appendChild(el("span", "note", " (" + S.streetUnknown + ")")); }
      wrap.appendChild(p1);
    });
    return wrap;
  }

  function distanceCell(p, origin) {
    var best = nearest(p, origin);
    if (!best) { return el("span", "note", p.statewide ? S.statewide : S.noDistance); }
    var span = el("span", "distance", formatMiles(best.miles));
    if (best.approximate) { span.appendChild(el("span", "note", " (" + S.approx + ")")); }
    return span;
  }

  function phoneCell(p) {
    if (!p.phone) { return unknown(); }
    var a = el("a", null, p.phone);
    a.href = "tel:" + p.phone_tel;
    return a;
  }

  function verifiedCell(p) {
    var span = el("span", p.stale ? "stale" : null, p.last_verified);
    if (p.stale) { span.appendChild(el("strong", "warning", " " + S.stale)); }
    return span;
  }

  function sourcesCell(p) {
    var ol = el("ol", "compare-sources");
    p.sources.forEach(function (s) {
      var li = el("li");
      var a = el("a", null, s.host || s.url);
      a.href = s.url;
      a.rel = "noopener noreferrer external";
      if (s.title) { a.title = s.title; }
      li.appendChild(a);
      li.appendChild(el("span", "note", " " + fill(S.read, { date: s.accessed })));
      ol.appendChild(li);
    });
    return ol;
  }

  function rows(origin) {
    var out = [
      { key: "levels", label: S.levels, cell: function (p) { return list(p.levels); }, value: function (p) { return sorted(p.levels); } },
      { key: "tracks", label: S.tracks, cell: tracksCell, value: function (p) { return p.tracks; } },
      { key: "mode", label: S.mode, cell: function (p) { return list(p.modes); }, value: function (p) { return sorted(p.modes); } },
      { key: "insurance", label: S.insurance, cell: function (p) { return list(p.insurance); }, value: function (p) { return sorted(p.insurance); } },
      { key: "populations", label: S.populations, cell: function (p) { return list(p.populations); }, value: function (p) { return sorted(p.populations); } },
      { key: "focus", label: S.focus, cell: function (p) { return list(p.focus); }, value: function (p) { return sorted(p.focus); } },
      { key: "modalities", label: S.modalities, cell: function (p) { return list(p.modalities); }, value: function (p) { return sorted(p.modalities); } },
      { key: "languages", label: S.languages, cell: function (p) { return list(p.languages); }, value: function (p) { return sorted(p.languages); } },
      { key: "location", label: S.location, cell: locationCell,
        value: function (p) { return [p.statewide, (p.locations || []).map(function (l) { return [l.street, l.city, l.zip]; })]; } }
    ];
    if (origin) {
      out.push({ key: "distance", label: fill(S.distance, { place: origin.label }),
        cell: function (p) { return distanceCell(p, origin); },
        value: function (p) { var b = nearest(p, origin); return b ? Math.round(b.miles) : null; } });
    }
    out.push(
      { key: "phone", label: S.phone, cell: phoneCell, value: function (p) { return p.phone; } },
      { key: "verified", label: S.verified, cell: verifiedCell, value: function (p) { return p.last_verified; } },
      { key: "sources", label: S.sources, cell: sourcesCell, value: null }
    );
    return out;
  }

  // --- the table ------------------------------------------------------------------------------------------
  // The program's name at the top of each of its cells, shown only on a phone (compare.css), where each feature's
  // values are stacked under it instead of side by side.
  function programLabel(p) {
    return el("span", "cell-program", p.name);
  }

  function render(providers, ids, origin) {
    root.textContent = "";
    var chosen = ids.filter(function (id) { return providers[id]; });
    if (!chosen.length) {
      root.appendChild(el("p", "compare-empty", S.empty));
      return;
    }
    var table = el("table", "compare-table cols-" + chosen.length);
    table.appendChild(el("caption", null, S.caption));
    var thead = el("thead");
    var headRow = el("tr");
    headRow.appendChild(el("th", "feature-col", S.feature)).setAttribute("scope", "col");
    chosen.forEach(function (id) {
      var p = providers[id];
      var th = el("th");
      th.setAttribute("scope", "col");
      th.setAttribute("data-provider-id", id);
      var a = el("a", "compare-name", p.name);
      a.href = siteUrl(p.url);
      th.appendChild(a);
      headRow.appendChild(th);
    });
    thead.appendChild(headRow);
    // The Remove buttons have a row of their own: inside the column headers their words became part of the
    // header a screen reader repeats for every cell of the column.
    var removeRow = el("tr", "compare-remove-row screen-only");
    removeRow.appendChild(el("td"));
    chosen.forEach(function (id) {
      var td = el("td");
      td.setAttribute("data-provider-id", id);
      td.appendChild(programLabel(providers[id]));
      var remove = el("button", "secondary compare-remove", S.removeShort);
      remove.type = "button";
      remove.setAttribute("aria-label", fill(S.remove, { name: providers[id].name }));
      remove.setAttribute("data-remove-id", id);
      td.appendChild(remove);
      removeRow.appendChild(td);
    });
    thead.appendChild(removeRow);
    table.appendChild(thead);
    var tbody = el("tbody");
    var anyDiffers = false;
    rows(origin).forEach(function (row) {
      var tr = el("tr");
      tr.setAttribute("data-row", row.key);
      var th = el("th", null, row.label);
      th.setAttribute("scope", "row");
      if (row.value && chosen.length > 1) {
        var first = JSON.stringify(row.value(providers[chosen[0]]));
        var differs = chosen.some(function (id) { return JSON.stringify(row.value(providers[id])) !== first; });
        if (differs) {
          anyDiffers = true;
          tr.classList.add("differs");
          th.appendChild(el("span", "differs-marker", " " + S.differs));
        }
      }
      tr.appendChild(th);
      chosen.forEach(function (id) {
        var td = el("td");
        td.setAttribute("data-provider-id", id);
        td.appendChild(programLabel(providers[id]));
        td.appendChild(row.cell(providers[id]));
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    var scroller = el("div", "compare-scroll");
    scroller.setAttribute("role", "region");
    scroller.setAttribute("tabindex", "0");
    scroller.setAttribute("aria-label", S.caption);
    scroller.appendChild(table);
    if (anyDiffers) { root.appendChild(el("p", "note differs-note", S.differsNote)); }
    root.appendChild(scroller);
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  var nearInput = document.getElementById("compare-near-input");
  if (nearInput) { nearInput.value = near; }

  var placesPromise = near ? getJson(siteUrl("search/data/places.json")).catch(function () { return null; })
    : Promise.resolve(null);

  // Each requested program's own file; one that does not exist (404) is an unknown id. Only the first few
  // requests are fetched: no more than MAX are shown, and a pasted list of hundreds must not cost hundreds.
  function getProvider(id) {
    if (!ID_RE.test(id)) { return Promise.resolve(null); }
    return fetch("data/" + id + ".json", { credentials: "same-origin" }).then(function (r) {
      if (r.status === 404) { return null; }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json().then(function (data) { return data.provider || null; });
    });
  }
  var fetched = requested.slice(0, MAX + 8);

  Promise.all([Promise.all(fetched.map(getProvider)), placesPromise]).then(function (loaded) {
    var providers = {};
    loaded[0].forEach(function (provider, i) { if (provider) { providers[fetched[i]] = provider; } });
    var ids = fetched.filter(function (id) { return Object.prototype.hasOwnProperty.call(providers, id); });
    var missing = fetched.filter(function (id) { return ids.indexOf(id) < 0; });
    if (missing.length) {
      notice(fill(S.unknownIds, { ids: missing.join(", ") }), "unknown-ids");
    }
    if (ids.length > MAX) {
      notice(S.tooMany, "too-many");
      ids = ids.slice(0, MAX);
    }
    var origin = null;
    if (near && loaded[1]) {
      origin = IOPPlaces.resolve(IOPPlaces.table(loaded[1]), near).place;
      if (!origin) { notice(fill(S.placeUnknown, { place: near }), "place-unknown"); }
    }
    function show() {
      setUrl(ids);
      if (window.IopCompare) { window.IopCompare.write(ids); }
      render(providers, ids, origin);
      document.getElementById("compare-print").hidden = !ids.length;
      document.getElementById("compare-copy").hidden = !ids.length;
      root.setAttribute("data-state", "ready");
      fitOnePage();  // when rendered while printing
    }
    root.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[data-remove-id]");
      if (!button) { return; }
      var id = button.getAttribute("data-remove-id");
      var column = Array.prototype.indexOf.call(root.querySelectorAll("button[data-remove-id]"), button);
      var name = providers[id] ? providers[id].name : id;
      ids = ids.filter(function (x) { return x !== id; });
      show();
      // Focus goes to the column that took its place (or the one before the last), never back to the first,
      // and the removal is said: pressing Enter again must not silently remove another program.
      var left = root.querySelectorAll("button[data-remove-id]");
      var next = left[Math.min(column, left.length - 1)] || document.getElementById("main");
      next.focus();
      var old = notices.querySelector(".removed");
      if (old) { old.remove(); }
      notice(fill(S.removed, { name: name }), "removed");
    });
    show();
  }).catch(function () {
    notice(S.loadError, "load-error");
    root.setAttribute("data-state", "error");
  });

  document.getElementById("compare-print").addEventListener("click", function () { window.print(); });

  // A long comparison (many tracks and sources, a distance row, longer words in Spanish or Portuguese) can run
  // a little past one Letter page: the sheet is scaled down to fit, as far as it stays legible, rather than
  // printed with one row on a second page. Measured in the print layout (print.css), whose width is the page's.
  var PRINTABLE_HEIGHT = (11 - 2 * 0.45) * 96;  // US Letter less the @page margins of print.css, in CSS px
  var SMALLEST_SCALE = 0.8;
  var printing = window.matchMedia("print");
  function fitOnePage() {
    var sheet = document.querySelector(".compare-page");
    if (!sheet) { return; }
    sheet.style.zoom = "";
    if (!printing.matches) { return; }
    var total = document.documentElement.getBoundingClientRect().height;
    var own = sheet.getBoundingClientRect().height;
    var room = PRINTABLE_HEIGHT - (total - own) - 4;  // what the crisis lines and the rest leave for the sheet
    if (own > room && room > 0) {
      sheet.style.zoom = String(Math.max(SMALLEST_SCALE, Math.floor(room / own * 100) / 100));
    }
  }
  if (printing.addEventListener) { printing.addEventListener("change", fitOnePage); }
  window.addEventListener("beforeprint", fitOnePage);
  window.addEventListener("afterprint", fitOnePage);
  window.addEventListener("resize", function () { if (printing.matches) { fitOnePage(); } });
  document.getElementById("compare-copy").addEventListener("click", function () {
    var done = function (text) {
      var old = notices.querySelector(".copied");
      if (old) { old.remove(); }
      notice(text, "copied");
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(window.location.href).then(function () { done(S.copied); },
        function () { done(S.copyFailed); });
    } else {
      done(S.copyFailed);
    }
  });
})();
