/* Search page: lunr full-text search, filters, distance from a town/ZIP or the browser's position.
 *
 * The URL is the state (q, near, radius and the filter parameters). All visible text comes from
 * <template id="search-strings">; data is only ever put into the page with textContent.
 * The position from "Use my location" stays in memory: never in the URL, storage or a request.
 */
(function () {
  "use strict";

  var form = document.getElementById("search-form");
  var stringsEl = document.getElementById("search-strings");
  if (!form || !stringsEl) { return; }

  var FILTERS = ["insurance", "mode", "schedule", "level", "population", "focus", "modality", "language"];
  var FIRST_CHUNK = 40;
  var CHUNK = 80;

  var S = stringsEl.dataset;
  var resultsEl = document.getElementById("results");
  var statusEl = document.getElementById("result-status");
  var nearInput = document.getElementById("near");
  var nearStatus = document.getElementById("near-status");
  var qInput = document.getElementById("q");
  var radiusSelect = document.getElementById("radius");
  var datalist = document.getElementById("place-options");
  var locationButton = document.getElementById("use-location");
  var clearButton = document.getElementById("clear-filters");
  var lang = document.documentElement.lang || "en";
  var searchUrl = new URL(form.getAttribute("action") || ".", document.baseURI);
  var siteRoot = new URL("../", searchUrl);

  var data = null;          // {index, docs, byId, placeKeys, placeList, zips}
  // Large directories (issue 8): the index is split into files that search-worker.js loads on demand.
  var workerUrl = form.getAttribute("data-worker");
  var worker = null, asked = {}, askId = 0, searchGeneration = 0;
  var geoOrigin = null;     // {lat, lon} from the browser, memory only
  var renderGeneration = 0;
  var typingTimer = null;

  function fmt(key, vars) {
    var text = S[key] || "";
    Object.keys(vars || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(vars[name]));
    });
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function byName(a, b) {
    var x = a.name.toLowerCase(), y = b.name.toLowerCase();
    if (x !== y) { return x < y ? -1 : 1; }
    return a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
  }

  function formatMiles(miles) {
    try {
      return miles.toLocaleString(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1});
    } catch (e) {
      return miles.toFixed(1);
    }
  }

  /* ---- places: theme/js/places.js (shared with the worker and the compare page) ---- */

  var placeKey = IOPPlaces.placeKey;

  function resolvePlace(text) {
    var found = IOPPlaces.resolve(data, text);
    if (found.place || !(text || "").trim()) { return {place: found.place, message: ""}; }
    var message = fmt("nearUnknown", {place: text.trim()});
    if (found.suggestions.length) {
      message += " " + fmt("nearSuggest", {places: found.suggestions.join(" " + (S.or || "/") + " ")});
    }
    return {place: null, message: message};
  }

  function nearest(doc, origin) {
    var best = null;
    (doc.locations || []).forEach(function (loc) {
      var miles = IOPPlaces.haversine(origin.lat, origin.lon, loc[0], loc[1]);
      if (!best || miles < best.miles) { best = {miles: miles, approx: loc[2] === 1, town: loc[3]}; }
    });
    return best;
  }

  function updateDatalist() {
    if (!data) { return; }
    var key = placeKey(nearInput.value);
    while (datalist.firstChild) { datalist.removeChild(datalist.firstChild); }
    if (!key) { return; }
    var shown = 0;
    var digits = /^\d+$/.test(key);
    if (digits) {
      Object.keys(data.zips).some(function (zip) {
        if (zip.indexOf(key) === 0) {
          var option = el("option");
          option.value = zip;
          option.label = data.zips[zip][2];
          datalist.appendChild(option);
          shown += 1;
        }
        return shown >= 12;
      });
      return;
    }
    data.placeList.some(function (p) {
      if (p.key.indexOf(key) === 0) {
        var option = el("option");
        option.value = p.name;
        datalist.appendChild(option);
        shown += 1;
      }
      return shown >= 12;
    });
  }

  /* ---- state <-> URL <-> form ---- */

  function readParams(search) {
    var params = new URLSearchParams(search);
    // Only a distance the form offers is applied (?radius=7 cut the results while the form said "Any distance").
    var radius = (params.get("radius") || "").trim();
    var offered = Array.prototype.map.call(radiusSelect.options, function (o) { return o.value; });
    var state = {q: (params.get("q") || "").trim(), near: (params.get("near") || "").trim(),
                 radius: offered.indexOf(radius) >= 0 ? radius : "", filters: {}};
    FILTERS.forEach(function (name) {
      var values = [];
      params.getAll(name).forEach(function (raw) {
        raw.split(",").forEach(function (v) {
          v = v.trim().toLowerCase();  // values are lower-case slugs; ?insurance=MassHealth means masshealth
          if (v && values.indexOf(v) < 0) { values.push(v); }
        });
      });
      state.filters[name] = values;
    });
    return state;
  }

  function readForm() {
    var state = {q: qInput.value.trim(), near: nearInput.value.trim(), radius: radiusSelect.value, filters: {}};
    FILTERS.forEach(function (name) {
      state.filters[name] = [];
      form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        if (box.checked) { state.filters[name].push(box.value); }
      });
    });
    return state;
  }

  function writeForm(state) {
    qInput.value = state.q;
    nearInput.value = state.near;
    radiusSelect.value = state.radius;
    FILTERS.forEach(function (name) {
      form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = state.filters[name].indexOf(box.value) >= 0;
      });
    });
  }

  function stateUrl(state) {
    var params = new URLSearchParams();
    if (state.q) { params.append("q", state.q); }
    if (state.near) { params.append("near", state.near); }
    if (state.radius) { params.append("radius", state.radius); }
    FILTERS.forEach(function (name) {
      state.filters[name].forEach(function (v) { params.append(name, v); });
    });
    var query = params.toString();
    return searchUrl.pathname + (query ? "?" + query : "");
  }

  function saveState(state, push) {
    var url = stateUrl(state);
    if (url === location.pathname + location.search) { return; }
    if (push) { history.pushState(null, "", url); } else { history.replaceState(null, "", url); }
  }

  /* ---- search ---- */

  function tokens(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (t) {
      return t && (typeof lunr.stopWordFilter !== "function" || lunr.stopWordFilter(t) !== undefined);
    });
  }

  // Each word must match (exactly, as a prefix, or within one edit for words of 5+ letters); scores add up.
  function textMatches(q) {
    var words = tokens(q);
    if (!words.length) { return null; }
    var scores = null;
    words.forEach(function (word) {
      var found = {};
      try {
        data.index.query(function (query) {
          query.term(word, {boost: 10});
          query.term(word, {boost: 5, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false});
          if (word.length >= 5) { query.term(word, {boost: 1, editDistance: 1, usePipeline: false}); }
          // Accented words are also indexed without accents (search_index._fold): "depressão" finds "depressao".
          var folded = word.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
          if (folded !== word) {
            query.term(folded, {boost: 10});
            query.term(folded, {boost: 5, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false});
          }
        }).forEach(function (hit) { found[hit.ref] = hit.score; });
      } catch (e) {
        found = {};
      }
      if (scores === null) {
        scores = found;
      } else {
        var next = {};
        Object.keys(scores).forEach(function (ref) {
          if (ref in found) { next[ref] = scores[ref] + found[ref]; }
        });
        scores = next;
      }
    });
    return scores || {};
  }

  function hasAny(doc, name, values) {
    var have = doc[name];
    if (!have) { return false; }
    for (var i = 0; i < values.length; i++) {
      if (have.indexOf(values[i]) >= 0) { return true; }
    }
    return false;
  }

  function passes(doc, filters, except) {
    for (var i = 0; i < FILTERS.length; i++) {
      var name = FILTERS[i];
      if (name !== except && filters[name].length && !hasAny(doc, name, filters[name])) { return false; }
    }
    return true;
  }

  function locate(state) {
    var origin = null, nearMessage = "";
    if (state.near) {
      var resolved = resolvePlace(state.near);
      origin = resolved.place;
      nearMessage = resolved.message || "";
    } else if (geoOrigin) {
      origin = {lat: geoOrigin.lat, lon: geoOrigin.lon, label: S.yourLocation};
    }
    return {origin: origin, nearMessage: nearMessage};
  }

  function search(state) {
    var where = locate(state), origin = where.origin, nearMessage = where.nearMessage;
    var radius = origin && state.radius ? parseFloat(state.radius) : null;
    var scores = state.q ? textMatches(state.q) : null;
    var candidates = [];
    data.docs.forEach(function (doc) {
      if (scores && !(doc.id in scores)) { return; }
      var hit = {doc: doc, score: scores ? scores[doc.id] : 0, near: null};
      if (origin && !doc.statewide) { hit.near = nearest(doc, origin); }
      if (radius !== null && hit.near && hit.near.miles > radius) { return; }
      candidates.push(hit);
    });
    var results = candidates.filter(function (hit) { return passes(hit.doc, state.filters, null); });
    return {origin: origin, nearMessage: nearMessage, candidates: candidates, results: results,
            groups: group(results, origin, !!scores)};
  }

  function group(results, origin, scored) {
    if (!origin) {
      var list = results.slice().sort(function (a, b) {
        return (scored ? b.score - a.score : 0) || byName(a.doc, b.doc);
      });
      return [{key: "all", heading: null, hits: list}];
    }
    var located = [], statewide = [], unknown = [];
    results.forEach(function (hit) {
      if (hit.near) { located.push(hit); } else if (hit.doc.statewide) { statewide.push(hit); } else { unknown.push(hit); }
    });
    located.sort(function (a, b) { return (a.near.miles - b.near.miles) || byName(a.doc, b.doc); });
    var names = function (a, b) { return byName(a.doc, b.doc); };
    statewide.sort(names);
    unknown.sort(names);
    return [
      {key: "nearby", heading: fmt("nearbyHeading", {place: origin.label}), hits: located},
      {key: "statewide", heading: S.statewideHeading, hits: statewide},
      {key: "unknown", heading: S.unknownHeading, hits: unknown}
    ].filter(function (g) { return g.hits.length; });
  }

  /* ---- rendering ---- */

  function optionLabel(name, value) {
    var box = form.querySelector('input[type="checkbox"][name="' + name + '"][value="' + CSS.escape(value) + '"]');
    return box ? box.getAttribute("data-label") : value;
  }

  function payerNames(doc) {
    return (doc.insurance || []).filter(function (slug) {
      var box = form.querySelector('input[name="insurance"][value="' + CSS.escape(slug) + '"]');
      return box && box.hasAttribute("data-payer");
    }).map(function (slug) { return optionLabel("insurance", slug); });
  }

  function fact(list, label, value) {
    var row = el("div");
    row.appendChild(el("dt", null, label));
    var dd = el("dd");
    if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = value; }
    row.appendChild(dd);
    list.appendChild(row);
  }

  function joined(values) {
    return values && values.length ? values.join(", ") : S.unknown;
  }

  // A card's title is one level below what it sits under: h4 under a group's h3, h3 right under "Results" (h2).
  function card(hit, level) {
    var doc = hit.doc;
    var item = el("li", "card result");
    item.setAttribute("data-provider-id", doc.id);
    var title = el(level || "h4", "card-title");
    var link = el("a", null, doc.name);
    link.href = new URL(doc.url, siteRoot).href;
    title.appendChild(link);
    item.appendChild(title);
    if (hit.near) {
      item.setAttribute("data-distance-miles", (Math.round(hit.near.miles * 10) / 10).toFixed(1));
      var distance = el("p", "distance", fmt("miles", {n: formatMiles(hit.near.miles)}));
      if (hit.near.approx) {
        distance.appendChild(document.createTextNode(" "));
        distance.appendChild(el("span", "approx", "(" + S.approx + ")"));
      }
      item.appendChild(distance);
    }
    var facts = el("dl", "facts");
    var where = doc.statewide ? S.statewide : (doc.towns.length ? doc.towns.join(", ") : S.locationUnknown);
    fact(facts, S.where, where);
    fact(facts, S.levels, joined(doc.levels));
    var schedule = doc.schedule_names.concat(doc.hours || []);
    fact(facts, S.schedule, joined(schedule));
    fact(facts, S.insurance, doc.insurance ? joined(payerNames(doc)) : S.unknown);
    if (doc.phone) {
      var tel = el("a", null, doc.phone);
      tel.href = "tel:" + doc.phone.replace(/[^\d+]/g, "");
      fact(facts, S.phone, tel);
    } else {
      fact(facts, S.phone, S.unknown);
    }
    item.appendChild(facts);
    item.appendChild(el("p", "verified", fmt("verified", {date: doc.verified})));
    var compare = el("button", "secondary compare-add", S.addCompare);
    compare.type = "button";
    compare.setAttribute("data-compare-id", doc.id);
    item.appendChild(compare);
    return item;
  }

  function updateCounts(outcome, state) {
    if (outcome.counts) {  // from the worker; without its facet file an option shows no count
      form.querySelectorAll("[data-count-for]").forEach(function (span) {
        var key = span.getAttribute("data-count-for"), at = key.indexOf(":");
        var value = (outcome.counts[key.slice(0, at)] || {})[key.slice(at + 1)];
        span.textContent = value === undefined ? (outcome.countsComplete ? "(0)" : "") : "(" + value + ")";
      });
      return;
    }
    FILTERS.forEach(function (name) {
      var base = outcome.candidates.filter(function (hit) { return passes(hit.doc, state.filters, name); });
      var counts = {};
      base.forEach(function (hit) {
        (hit.doc[name] || []).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
      });
      form.querySelectorAll('[data-count-for^="' + name + ':"]').forEach(function (span) {
        var value = span.getAttribute("data-count-for").slice(name.length + 1);
        span.textContent = "(" + (counts[value] || 0) + ")";
      });
    });
  }

  function activeFilters(state) {
    var list = [];
    FILTERS.forEach(function (name) {
      state.filters[name].forEach(function (value) { list.push({name: name, value: value}); });
    });
    return list;
  }

  function renderNone(outcome, state) {
    var box = el("div", "no-results");
    box.appendChild(el("p", "none", S.none));
    var relax = el("ul", "relax");
    // One button per way to widen the search; the click handler reads data-remove-param/-value.
    function addRelax(label, param, value) {
      var button = el("button", "secondary relax-filter", label);
      button.type = "button";
      button.setAttribute("data-remove-param", param);
      if (value !== undefined) button.setAttribute("data-remove-value", value);
      var li = el("li");
      li.appendChild(button);
      relax.appendChild(li);
    }
    activeFilters(state).forEach(function (f) {
      var without = JSON.parse(JSON.stringify(state));
      without.filters[f.name] = without.filters[f.name].filter(function (v) { return v !== f.value; });
      var n = outcome.relax ? outcome.relax[f.name + ":" + f.value] :
        outcome.candidates.filter(function (hit) { return passes(hit.doc, without.filters, null); }).length;
      addRelax(fmt("remove", {name: optionLabel(f.name, f.value), n: n}), f.name, f.value);
    });
    if (state.radius && outcome.origin) addRelax(S.removeNear, "radius");
    if (state.q) addRelax(fmt("removeQ", {q: state.q}), "q");
    if (relax.firstChild) {
      box.appendChild(el("p", null, S.relax));
      box.appendChild(relax);
    }
    var browse = el("a", null, S.browse);
    browse.href = new URL("providers/", siteRoot).href;
    var p = el("p");
    p.appendChild(browse);
    box.appendChild(p);
    return box;
  }

  function render(outcome, state) {
    var generation = ++renderGeneration;
    nearStatus.textContent = state.near ? (outcome.nearMessage || (outcome.origin ?
      fmt("nearFound", {place: outcome.origin.label}) : "")) : nearStatus.getAttribute("data-geo") || "";
    nearInput.setAttribute("aria-invalid", outcome.nearMessage ? "true" : "false");
    updateCounts(outcome, state);
    clearButton.hidden = !activeFilters(state).length;
    var n = outcome.total !== undefined ? outcome.total : outcome.results.length;
    var said = n === 1 ? S.countOne : fmt("countMany", {n: n});
    // A live region speaks only when its text changes: new results with the same count still say so (the
    // no-break space comes and goes, unseen).
    statusEl.textContent = statusEl.textContent === said ? said + "\u00a0" : said;
    var frame = document.createDocumentFragment();
    var pending = [];
    if (!n) {
      frame.appendChild(renderNone(outcome, state));
    }
    outcome.groups.forEach(function (g) {
      var section = el("section", "result-group");
      section.setAttribute("data-group", g.key);
      if (g.heading) { section.appendChild(el("h3", null, g.heading)); }
      var list = el("ol", "result-list");
      section.appendChild(list);
      frame.appendChild(section);
      var level = g.heading ? "h4" : "h3";
      g.hits.forEach(function (hit) { pending.push({list: list, hit: hit, level: level}); });
    });
    var first = pending.splice(0, FIRST_CHUNK);
    first.forEach(function (p) { p.list.appendChild(card(p.hit, p.level)); });
    while (resultsEl.firstChild) { resultsEl.removeChild(resultsEl.firstChild); }
    resultsEl.appendChild(frame);
    if (worker) {
      // Only the cards on screen have their documents; the next ones load when the list is scrolled to its end.
      resultsEl.setAttribute("data-state", "ready");
      if (pending.length) { moreWhenSeen(pending, generation); }
      return;
    }
    if (!pending.length) {
      resultsEl.setAttribute("data-state", "ready");
      return;
    }
    resultsEl.setAttribute("data-state", "rendering");
    (function more() {
      if (generation !== renderGeneration) { return; }
      pending.splice(0, CHUNK).forEach(function (p) { p.list.appendChild(card(p.hit, p.level)); });
      if (pending.length) { setTimeout(more, 0); } else { resultsEl.setAttribute("data-state", "ready"); }
    })();
  }

  function run(push, fromForm) {
    if (!data) { return; }
    var state = fromForm ? readForm() : readParams(location.search);
    if (fromForm) { saveState(state, push); } else { writeForm(state); }
    if (worker) {
      runInWorker(state);
    } else {
      render(search(state), state);
    }
  }

  /* ---- large directories: search in the worker, documents fetched for the cards shown ---- */

  function ask(message) {
    return new Promise(function (resolve, reject) {
      message.id = ++askId;
      asked[message.id] = {resolve: resolve, reject: reject};
      worker.postMessage(message);
    });
  }

  function withDocs(hits) {
    return ask({type: "docs", numbers: hits.map(function (h) { return h.n; })}).then(function (docs) {
      hits.forEach(function (h, i) { h.doc = docs[i]; });
    });
  }

  function moreWhenSeen(pending, generation) {
    var last = resultsEl.querySelector(".result-list > li:last-child") ||
      resultsEl.querySelector(".result-group:last-child");
    if (!last || typeof IntersectionObserver === "undefined") { return; }
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (e) { return e.isIntersecting; })) { return; }
      observer.disconnect();
      var batch = pending.splice(0, CHUNK);
      withDocs(batch.map(function (p) { return p.hit; })).then(function () {
        if (generation !== renderGeneration) { return; }
        batch.forEach(function (p) { p.list.appendChild(card(p.hit, p.level)); });
        if (pending.length) { moreWhenSeen(pending, generation); }
      }).catch(fail);
    }, {rootMargin: "600px"});
    observer.observe(last);
  }

  function runInWorker(state) {
    var generation = ++searchGeneration;
    var where = locate(state);
    var origin = where.origin;
    ask({type: "search", q: state.q, filters: state.filters, radius: state.radius,
         origin: origin ? {lat: origin.lat, lon: origin.lon} : null}).then(function (found) {
      if (generation !== searchGeneration) { return null; }
      var headings = {all: null, statewide: S.statewideHeading, unknown: S.unknownHeading,
                      nearby: origin ? fmt("nearbyHeading", {place: origin.label}) : null};
      var groups = found.groups.map(function (g) {
        return {key: g.key, heading: headings[g.key], hits: g.hits.map(function (h) {
          return {n: h[0], score: h[1], doc: null, near: h[2] === null ? null : {miles: h[2], approx: h[3] === 1, town: h[4]}};
        })};
      });
      var shown = [];
      groups.forEach(function (g) { shown = shown.concat(g.hits); });
      return withDocs(shown.slice(0, FIRST_CHUNK)).then(function () {
        if (generation !== searchGeneration) { return; }
        render({origin: origin, nearMessage: where.nearMessage, total: found.total, groups: groups,
                counts: found.counts, countsComplete: found.countsComplete, relax: found.relax}, state);
      });
    }).catch(fail);
  }

  /* ---- events ---- */

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(typingTimer);
    run(true, true);
  });
  form.addEventListener("input", function (event) {
    if (event.target === qInput || event.target === nearInput) {
      if (event.target === nearInput) { geoOrigin = null; nearStatus.removeAttribute("data-geo"); updateDatalist(); }
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { run(false, true); }, 150);
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "checkbox" || event.target === radiusSelect) {
      clearTimeout(typingTimer);
      run(true, true);
    }
  });
  clearButton.addEventListener("click", function () {
    form.querySelectorAll('.filters input[type="checkbox"]').forEach(function (box) { box.checked = false; });
    run(true, true);
    qInput.focus();
  });
  resultsEl.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-remove-param]") : null;
    if (!button) { return; }
    var name = button.getAttribute("data-remove-param");
    if (name === "radius") {
      radiusSelect.value = "";
    } else if (name === "q") {
      qInput.value = "";
    } else {
      var value = button.getAttribute("data-remove-value");
      form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        if (box.value === value) { box.checked = false; }
      });
    }
    run(true, true);
    statusEl.setAttribute("tabindex", "-1");
    statusEl.focus();
  });
  window.addEventListener("popstate", function () { run(false, false); });

  if (locationButton && navigator.geolocation) {
    locationButton.hidden = false;
    locationButton.addEventListener("click", function () {
      nearStatus.textContent = S.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        geoOrigin = {lat: position.coords.latitude, lon: position.coords.longitude};
        nearInput.value = "";
        nearStatus.setAttribute("data-geo", fmt("nearFound", {place: S.yourLocation}));
        run(true, true);
      }, function () {
        nearStatus.textContent = S.locationFailed;
      }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000});
    });
  }

  /* ---- loading, after first paint ---- */

  function fail() {
    resultsEl.setAttribute("data-state", "error");
    while (resultsEl.firstChild) { resultsEl.removeChild(resultsEl.firstChild); }
    var link = el("a", null, S.error);
    link.href = new URL("providers/", siteRoot).href;
    var p = el("p");
    p.appendChild(link);
    resultsEl.appendChild(p);
    statusEl.textContent = S.error;
  }

  function getJson(name) {
    return fetch(new URL("data/" + name, searchUrl).href, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(name + " " + r.status); }
      return r.json();
    });
  }

  function yieldToBrowser() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  function loadWorker() {
    worker = new Worker(new URL(workerUrl, document.baseURI).href);
    worker.onmessage = function (event) {
      var waiting = asked[event.data.id];
      delete asked[event.data.id];
      if (!waiting) { return; }
      if (event.data.error) { waiting.reject(new Error(event.data.error)); } else { waiting.resolve(event.data.result); }
    };
    worker.onerror = fail;
    return Promise.all([getJson("places.json"),
                        ask({type: "init", base: new URL("data/", searchUrl).href})]).then(function (parts) {
      data = IOPPlaces.table(parts[0]);
      run(false, false);
    });
  }

  function load() {
    statusEl.textContent = S.loading;
    // Apply the URL to the form at once so the page shows the search it was given.
    writeForm(readParams(location.search));
    if (workerUrl && typeof Worker !== "undefined") {
      loadWorker().catch(fail);
      return;
    }
    Promise.all([getJson("index.json"), getJson("docs.json"), getJson("places.json")]).then(function (parts) {
      return yieldToBrowser().then(function () {
        if (typeof lunr === "undefined") { throw new Error("lunr missing"); }
        var index = lunr.Index.load(parts[0]);
        return yieldToBrowser().then(function () {
          data = IOPPlaces.table(parts[2]);
          data.index = index;
          data.docs = parts[1].docs;
          run(false, false);
        });
      });
    }).catch(fail);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { requestAnimationFrame(function () { setTimeout(load, 0); }); });
  } else {
    requestAnimationFrame(function () { setTimeout(load, 0); });
  }
})();
