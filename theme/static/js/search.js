/* Search page: full-text search, filters, distance from a town/ZIP or the browser's position.
 *
 * The URL is the state (q, near, radius and the filter parameters, whose names come from the form's
 * fieldsets). All visible text comes from <template id="search-strings">; data is only ever put into the page
 * with textContent. The position from "Use my location" stays in memory: never in the URL, storage or a request.
 *
 * Text is found by one of two engines over the same documents, numbered in result order (by name):
 * - lunr (a Massachusetts-size directory): search/data/index.json holds a lunr index of the programs' own words
 *   and one of the vocabulary's terms; docs.json holds every result card, with the numbers of its terms;
 * - split (a national directory, plugins/iop_directory/search_shards.py): the term files of a query's words,
 *   filters.json for the filters and distances, and the card documents of the results on screen.
 * The filters, distances, counts and groups below are the same code for both.
 */
(function () {
  "use strict";

  var form = document.getElementById("search-form");
  var stringsEl = document.getElementById("search-strings");
  if (!form || !stringsEl) { return; }

  var FILTERS = Array.prototype.map.call(form.querySelectorAll("fieldset[data-param]"), function (fieldset) {
    return fieldset.getAttribute("data-param");
  });
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
  var searchBar = form.querySelector(".search-bar");
  var summaryEl = document.getElementById("search-summary");
  var fieldsEl = document.getElementById("search-fields");
  var filtersEl = document.getElementById("filter-groups");
  var editButton = document.getElementById("edit-search");
  var filtersButton = document.getElementById("filters-toggle");
  var filtersOn = document.getElementById("filters-on");
  var mapSection = document.getElementById("results-map");
  var mapButton = document.getElementById("map-toggle");
  var lang = document.documentElement.lang || "en";
  var searchUrl = new URL(form.getAttribute("action") || ".", document.baseURI);
  var dataUrl = new URL("data/", searchUrl);
  var siteRoot = new URL("../", searchUrl);

  var engine = null;        // lunrEngine() or splitEngine(), once loaded
  var places = null;        // IOPPlaces.table of places.json
  var geoOrigin = null;     // {lat, lon} from the browser, memory only
  var searchGeneration = 0;
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

  function formatMiles(miles) {
    try {
      return miles.toLocaleString(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1});
    } catch (e) {
      return miles.toFixed(1);
    }
  }

  function getJson(name) {
    return fetch(new URL(name, dataUrl).href, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(name + " " + r.status); }
      return r.json();
    });
  }

  /* ---- words ---- */

  function tokens(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (t) {
      return t && lunr.stopWordFilter(t) !== undefined;
    });
  }

  function fold(word) {
    return word.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  // Every word must match; the scores of the words add up. wordScores(word) -> Promise of Map(doc number -> score).
  function allWords(q, wordScores) {
    var words = tokens(q);
    if (!words.length) { return Promise.resolve(null); }
    return Promise.all(words.map(wordScores)).then(function (all) {
      var scores = all[0];
      for (var i = 1; i < all.length; i++) {
        var next = new Map();
        scores.forEach(function (score, n) { if (all[i].has(n)) { next.set(n, score + all[i].get(n)); } });
        scores = next;
      }
      return scores;
    });
  }

  /* ---- engine 1: the lunr indexes (index.json, docs.json) ---- */

  // A word finds a term exactly (after stemming), as a prefix, or within one edit for words of 5+ letters;
  // accented words are also indexed without accents (search_index._fold): "depressão" finds "depressao".
  function lunrHits(index, word) {
    try {
      return index.query(function (query) {
        query.term(word, {boost: 10});
        query.term(word, {boost: 5, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false});
        if (word.length >= 5) { query.term(word, {boost: 1, editDistance: 1, usePipeline: false}); }
        var folded = fold(word);
        if (folded !== word) {
          query.term(folded, {boost: 10});
          query.term(folded, {boost: 5, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false});
        }
      });
    } catch (e) {
      return [];
    }
  }

  function lunrEngine(index, docs) {
    var records = lunr.Index.load(index.records), terms = lunr.Index.load(index.terms);
    var havingTerm = index.term_boosts.map(function () { return []; });
    docs.forEach(function (doc, n) { doc.terms.forEach(function (k) { havingTerm[k].push(n); }); });
    function wordScores(word) {
      var found = new Map();
      lunrHits(records, word).forEach(function (hit) { found.set(+hit.ref, hit.score); });
      // A term the word finds counts as a word of every program that has the term, with its field's boost.
      lunrHits(terms, word).forEach(function (hit) {
        var k = +hit.ref, score = hit.score * index.term_boosts[k];
        havingTerm[k].forEach(function (n) { found.set(n, (found.get(n) || 0) + score); });
      });
      return Promise.resolve(found);
    }
    return {
      docs: docs,
      local: true,
      text: function (q) { return allWords(q, wordScores); },
      cards: function (numbers) { return Promise.resolve(numbers.map(function (n) { return docs[n]; })); }
    };
  }

  /* ---- engine 2: the split data of a national directory (manifest.json, terms/, filters.json, docs/) ---- */

  function splitEngine(manifest, filters) {
    var files = {};
    function get(path) {
      if (!files[path]) { files[path] = getJson(path); }
      return files[path];
    }
    function hexKey(text) {
      return Array.from(text).slice(0, 2).map(function (c) {
        return ("0000" + c.codePointAt(0).toString(16)).slice(-4);
      }).join("");
    }
    // One insertion, deletion, substitution or swap of two neighbouring letters, as lunr.js's fuzzy match counts.
    function oneEdit(a, b) {
      if (Math.abs(a.length - b.length) > 1) { return false; }
      var i = 0, j = 0, edits = 0;
      while (i < a.length && j < b.length) {
        if (a[i] === b[j]) { i++; j++; continue; }
        if (++edits > 1) { return false; }
        if (a.length === b.length && a[i + 1] === b[j] && a[i] === b[j + 1]) { i += 2; j += 2; continue; }
        if (a.length > b.length) { i++; } else if (a.length < b.length) { j++; } else { i++; j++; }
      }
      return edits + (a.length - i) + (b.length - j) <= 1;
    }
    function wordScores(word) {
      var stem = lunr.stemmer(new lunr.Token(word)).toString();
      var folded = fold(word);
      var foldedStem = folded === word ? stem : lunr.stemmer(new lunr.Token(folded)).toString();
      var keys = {};
      [word, stem, folded, foldedStem].forEach(function (w) {
        if (Array.from(w).length >= 2) {
          keys[hexKey(w)] = true;
        } else {
          manifest.terms.forEach(function (k) { if (k.slice(0, 4) === hexKey(w)) { keys[k] = true; } });
        }
      });
      var wanted = Object.keys(keys).filter(function (k) { return manifest.terms.indexOf(k) >= 0; });
      return Promise.all(wanted.map(function (k) { return get("terms/" + k + ".json"); })).then(function (parts) {
        var found = new Map();
        parts.forEach(function (shard) {
          Object.keys(shard).forEach(function (term) {
            var boost = (term === stem || term === foldedStem ? 10 : 0) +
              (term.indexOf(word) === 0 || term.indexOf(folded) === 0 ? 5 : 0) +
              (word.length >= 5 && oneEdit(word, term) ? 1 : 0);
            if (!boost) { return; }
            // Stored scores are BM25 without idf; the idf comes from how many programs have the term.
            var postings = shard[term], n = 0, df = postings.length / 2;
            var idf = Math.log(1 + (manifest.count - df + 0.5) / (df + 0.5));
            for (var i = 0; i < postings.length; i += 2) {
              n += postings[i];
              found.set(n, (found.get(n) || 0) + boost * idf * postings[i + 1] / 100);
            }
          });
        });
        return found;
      });
    }
    return {
      docs: filters,
      local: false,
      text: function (q) { return allWords(q, wordScores); },
      cards: function (numbers) {
        var per = manifest.docs_per_file;
        return Promise.all(numbers.map(function (n) { return get("docs/" + Math.floor(n / per) + ".json"); }))
          .then(function (parts) { return numbers.map(function (n, i) { return parts[i][n % per]; }); });
      }
    };
  }

  /* ---- filters, distances, counts and groups (both engines) ---- */

  // What a program's record says about one filter value (plugins/iop_directory/search_filters.py): 1 confirmed,
  // 0 not yet confirmed (the record does not say), -1 ruled out. Values within a filter are alternatives.
  function valueState(doc, name, value) {
    if ((doc[name] || []).indexOf(value) >= 0) { return 1; }
    var maybe = doc.maybe && doc.maybe[name];
    return maybe === "*" || (maybe && maybe.indexOf(value) >= 0) ? 0 : -1;
  }

  function filterState(doc, name, values) {
    var best = -1;
    for (var i = 0; i < values.length && best < 1; i++) { best = Math.max(best, valueState(doc, name, values[i])); }
    return best;
  }

  // -> null when a chosen filter rules the program out, else the names of the chosen filters it leaves
  // unconfirmed ([] for a confirmed match). `except`: a filter left out (the counts beside its options).
  function openFilters(doc, filters, except) {
    var open = [];
    for (var i = 0; i < FILTERS.length; i++) {
      var name = FILTERS[i];
      if (name === except || !filters[name].length) { continue; }
      var said = filterState(doc, name, filters[name]);
      if (said < 0) { return null; }
      if (said === 0) { open.push(name); }
    }
    return open;
  }

  function confirmed(doc, filters, except) {
    var open = openFilters(doc, filters, except);
    return open !== null && !open.length;
  }

  function nearest(doc, origin) {
    var best = null;
    (doc.locations || []).forEach(function (loc) {
      var miles = IOPPlaces.haversine(origin.lat, origin.lon, loc[0], loc[1]);
      if (!best || miles < best.miles) { best = {miles: miles, approx: loc[2] === 1, town: loc[3], lat: loc[0], lon: loc[1]}; }
    });
    return best;
  }

  function byNumber(a, b) { return a.n - b.n; }

  // -> {results, unconfirmed, groups, counts, relax}: hits are {n, doc, score, near, open}; doc holds what the
  // filters read (the card's words come later, engine.cards). Confirmed matches are grouped as they always were;
  // programs that might fit follow in one group of their own, each naming what is not yet confirmed.
  function match(state, scores, origin) {
    var radius = origin && state.radius ? parseFloat(state.radius) : null;
    var candidates = [];
    engine.docs.forEach(function (doc, n) {
      if (scores && !scores.has(n)) { return; }
      var hit = {n: n, doc: doc, score: scores ? scores.get(n) : 0, near: null};
      if (origin && !doc.statewide) { hit.near = nearest(doc, origin); }
      if (radius !== null && hit.near && hit.near.miles > radius) { return; }
      candidates.push(hit);
    });
    var results = [], unconfirmed = [];
    candidates.forEach(function (hit) {
      hit.open = openFilters(hit.doc, state.filters, null);
      hit.asked = state.filters;
      if (hit.open === null) { return; }
      (hit.open.length ? unconfirmed : results).push(hit);
    });
    // Beside each option: the confirmed matches it would give, the other chosen filters applied.
    var counts = {};
    FILTERS.forEach(function (name) {
      counts[name] = {};
      candidates.forEach(function (hit) {
        if (!confirmed(hit.doc, state.filters, name)) { return; }
        (hit.doc[name] || []).forEach(function (v) { counts[name][v] = (counts[name][v] || 0) + 1; });
      });
    });
    var relax = {};
    activeFilters(state).forEach(function (f) {
      var without = {};
      FILTERS.forEach(function (name) {
        without[name] = name === f.name ? state.filters[name].filter(function (v) { return v !== f.value; }) :
          state.filters[name];
      });
      relax[f.name + ":" + f.value] = candidates.filter(function (hit) { return confirmed(hit.doc, without, null); }).length;
    });
    var groups = group(results, origin, !!scores);
    if (unconfirmed.length) {
      // Ordered as the matches are: by distance with a place (then the statewide ones, then the unlocated ones,
      // each by name), else by relevance or name.
      groups.push({key: "unconfirmed", heading: S.unconfirmedHeading, hits: unconfirmed.sort(function (a, b) {
        return (origin ? nearOrder(a, b) : (scores ? b.score - a.score : 0)) || byNumber(a, b);
      })});
    }
    return {results: results, unconfirmed: unconfirmed, groups: groups, counts: counts, relax: relax};
  }

  // Where a result stands with a place to measure from: located, statewide virtual, or place unknown, in this
  // order; located ones by distance.
  var PLACE_KINDS = ["nearby", "statewide", "unknown"];
  function placeKind(hit) { return hit.near ? "nearby" : (hit.doc.statewide ? "statewide" : "unknown"); }
  function nearOrder(a, b) {
    return PLACE_KINDS.indexOf(placeKind(a)) - PLACE_KINDS.indexOf(placeKind(b)) ||
      (a.near && b.near ? a.near.miles - b.near.miles : 0);
  }

  function group(results, origin, scored) {
    if (!origin) {
      var list = results.slice().sort(function (a, b) { return (scored ? b.score - a.score : 0) || byNumber(a, b); });
      return [{key: "all", heading: null, hits: list}];
    }
    var headings = {nearby: fmt("nearbyHeading", {place: origin.label}), statewide: S.statewideHeading,
                    unknown: S.unknownHeading};
    return PLACE_KINDS.map(function (key) {
      var hits = results.filter(function (hit) { return placeKind(hit) === key; });
      return {key: key, heading: headings[key], hits: hits.sort(function (a, b) { return nearOrder(a, b) || byNumber(a, b); })};
    }).filter(function (g) { return g.hits.length; });
  }

  function activeFilters(state) {
    var list = [];
    FILTERS.forEach(function (name) {
      state.filters[name].forEach(function (value) { list.push({name: name, value: value}); });
    });
    return list;
  }

  /* ---- places ---- */

  function resolvePlace(text) {
    var found = IOPPlaces.resolve(places, text);
    if (found.place || !(text || "").trim()) { return {place: found.place, message: ""}; }
    var message = fmt("nearUnknown", {place: text.trim()});
    if (found.suggestions.length) {
      message += " " + fmt("nearSuggest", {places: found.suggestions.join(" " + (S.or || "/") + " ")});
    }
    return {place: null, message: message};
  }

  function locate(state) {
    if (state.near) {
      var resolved = resolvePlace(state.near);
      return {origin: resolved.place, nearMessage: resolved.message || ""};
    }
    if (geoOrigin) { return {origin: {lat: geoOrigin.lat, lon: geoOrigin.lon, label: S.yourLocation}, nearMessage: ""}; }
    return {origin: null, nearMessage: ""};
  }

  function updateDatalist() {
    if (!places) { return; }
    var key = IOPPlaces.placeKey(nearInput.value);
    while (datalist.firstChild) { datalist.removeChild(datalist.firstChild); }
    if (!key) { return; }
    var shown = 0;
    if (/^\d+$/.test(key)) {
      Object.keys(places.zips).some(function (zip) {
        if (zip.indexOf(key) === 0) {
          var option = el("option");
          option.value = zip;
          option.label = places.zips[zip][2];
          datalist.appendChild(option);
          shown += 1;
        }
        return shown >= 12;
      });
      return;
    }
    places.placeList.some(function (p) {
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

  function checkboxes(name) {
    return form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
  }

  function readForm() {
    var state = {q: qInput.value.trim(), near: nearInput.value.trim(), radius: radiusSelect.value, filters: {}};
    FILTERS.forEach(function (name) {
      state.filters[name] = [];
      checkboxes(name).forEach(function (box) {
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
      checkboxes(name).forEach(function (box) { box.checked = state.filters[name].indexOf(box.value) >= 0; });
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
  function card(hit, doc, level) {
    var item = el("li", "card result");
    item.setAttribute("data-provider-id", doc.id);
    item.id = "result-" + doc.id;
    var title = el(level, "card-title");
    var number = title.appendChild(el("span", "map-number", String(hit.number)));
    number.setAttribute("aria-hidden", "true");  // the map's dots are named by number and name
    title.appendChild(document.createTextNode(" "));
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
    fact(facts, S.schedule, joined(doc.schedule_names.concat(doc.hours || [])));
    fact(facts, S.insurance, doc.insurance ? joined(payerNames(doc)) : S.unknown);
    if (doc.phone) {
      var tel = el("a", null, doc.phone);
      tel.href = "tel:" + doc.phone_tel;
      fact(facts, S.phone, tel);
    } else {
      fact(facts, S.phone, S.unknown);
    }
    item.appendChild(facts);
    if (hit.open && hit.open.length) { item.appendChild(toAsk(hit.open, hit.asked)); }
    if (doc.listing_check) { item.appendChild(el("p", "listing-check", S.listingCheck)); }
    item.appendChild(el("p", "verified", fmt("verified", {date: doc.verified})));
    var compare = el("button", "secondary compare-add", S.addCompare);
    compare.type = "button";
    compare.setAttribute("data-compare-id", doc.id);
    item.appendChild(compare);
    if (map.add(hit, doc)) {
      var show = el("button", "secondary map-show", S.mapShow);
      show.type = "button";
      show.setAttribute("data-show-on-map", doc.id);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(show);
    }
    return item;
  }

  // "Insurance: not yet confirmed — ask about MassHealth", one line per chosen filter the record does not settle.
  function toAsk(names, filters) {
    var list = el("ul", "to-ask");
    names.forEach(function (name) {
      var legend = form.querySelector('fieldset[data-param="' + name + '"] > legend');
      var values = filters[name].map(function (v) { return optionLabel(name, v); });
      list.appendChild(el("li", null, fmt("unconfirmedFact", {filter: legend ? legend.textContent : name,
                                                               values: values.join(" " + (S.or || "/") + " ")})));
    });
    return list;
  }

  function updateCounts(outcome) {
    form.querySelectorAll("[data-count-for]").forEach(function (span) {
      var key = span.getAttribute("data-count-for"), at = key.indexOf(":");
      span.textContent = "(" + ((outcome.counts[key.slice(0, at)] || {})[key.slice(at + 1)] || 0) + ")";
    });
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
      if (value !== undefined) { button.setAttribute("data-remove-value", value); }
      var li = el("li");
      li.appendChild(button);
      relax.appendChild(li);
    }
    activeFilters(state).forEach(function (f) {
      addRelax(fmt("remove", {name: optionLabel(f.name, f.value), n: outcome.relax[f.name + ":" + f.value]}),
               f.name, f.value);
    });
    if (state.radius && outcome.origin) { addRelax(S.removeNear, "radius"); }
    if (state.q) { addRelax(fmt("removeQ", {q: state.q}), "q"); }
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

  function render(outcome, state, generation) {
    nearStatus.textContent = state.near ? (outcome.nearMessage || (outcome.origin ?
      fmt("nearFound", {place: outcome.origin.label}) : "")) : nearStatus.getAttribute("data-geo") || "";
    nearInput.setAttribute("aria-invalid", outcome.nearMessage ? "true" : "false");
    updateCounts(outcome);
    clearButton.hidden = !activeFilters(state).length;
    summarise(state, outcome.origin);
    var n = outcome.results.length, m = outcome.unconfirmed.length;
    var said = n === 1 ? S.countOne : fmt("countMany", {n: n});
    if (m) {  // "1 program confirmed · 12 might fit": programs that might fit are never counted as matches
      said = (n === 1 ? S.countOneConfirmed : fmt("countManyConfirmed", {n: n})) + " · " + fmt("mightFit", {n: m});
    }
    // A live region speaks only when its text changes: new results with the same count still say so (the
    // no-break space comes and goes, unseen).
    statusEl.textContent = statusEl.textContent === said ? said + "\u00a0" : said;
    var frame = document.createDocumentFragment();
    var pending = [];
    if (!n && !m) { frame.appendChild(renderNone(outcome, state)); }
    outcome.groups.forEach(function (g) {
      var section = el("section", "result-group");
      section.setAttribute("data-group", g.key);
      if (g.heading) { section.appendChild(el("h3", null, g.heading)); }
      var list = el("ol", "result-list");
      section.appendChild(list);
      frame.appendChild(section);
      var level = g.heading ? "h4" : "h3";
      g.hits.forEach(function (hit) {
        hit.number = pending.length + 1;  // as the list counts, and the map's dots
        pending.push({list: list, hit: hit, level: level});
      });
    });
    var first = pending.splice(0, FIRST_CHUNK);
    return engine.cards(first.map(function (p) { return p.hit.n; })).then(function (docs) {
      if (generation !== searchGeneration) { return; }
      map.reset(outcome);
      first.forEach(function (p, i) { p.list.appendChild(card(p.hit, docs[i], p.level)); });
      while (resultsEl.firstChild) { resultsEl.removeChild(resultsEl.firstChild); }
      resultsEl.appendChild(frame);
      // With every card at hand the rest follow at once, a chunk at a time; with the split data a list is
      // "ready" with its first screenful, the rest fetched when scrolled to.
      resultsEl.setAttribute("data-state", pending.length && engine.local ? "rendering" : "ready");
      if (pending.length) { more(pending, generation); }
    });
  }

  function more(pending, generation) {
    var cards = resultsEl.querySelectorAll(".result-list > li");
    var last = cards[cards.length - 1];  // the last card of the last group drawn so far
    function next() {
      if (generation !== searchGeneration) { return; }
      var batch = pending.splice(0, CHUNK);
      engine.cards(batch.map(function (p) { return p.hit.n; })).then(function (docs) {
        if (generation !== searchGeneration) { return; }
        batch.forEach(function (p, i) { p.list.appendChild(card(p.hit, docs[i], p.level)); });
        if (pending.length) { more(pending, generation); } else { resultsEl.setAttribute("data-state", "ready"); }
      }).catch(fail);
    }
    if (engine.local || !last || typeof IntersectionObserver === "undefined") { setTimeout(next, 0); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (e) { return e.isIntersecting; })) { return; }
      observer.disconnect();
      next();
    }, {rootMargin: "1200px"});
    observer.observe(last);
  }

  function run(push, fromForm) {
    if (!engine) { return; }
    var state = fromForm ? readForm() : readParams(location.search);
    if (fromForm) { saveState(state, push); } else { writeForm(state); }
    var generation = ++searchGeneration;
    var where = locate(state);
    engine.text(state.q).then(function (scores) {
      if (generation !== searchGeneration) { return null; }
      var outcome = match(state, scores, where.origin);
      outcome.origin = where.origin;
      outcome.nearMessage = where.nearMessage;
      return render(outcome, state, generation);
    }).catch(fail);
  }

  /* ---- the search on a phone: a summary, "Change search" and "Filters" (search.css) ---- */

  function summarise(state, origin) {
    var parts = [];
    if (origin) { parts.push(fmt("summaryNear", {place: origin.label})); }
    if (state.q) { parts.push(fmt("summaryQ", {q: state.q})); }
    summaryEl.textContent = parts.length ? parts.join(" · ") : S.summaryAll;
    var on = activeFilters(state).length;
    filtersOn.textContent = !on ? "" : (on === 1 ? S.filtersOnOne : fmt("filtersOnMany", {n: on}));
    if (state.q || state.near || geoOrigin || on) { form.setAttribute("data-searched", ""); }
  }

  function reveal(button, section, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { section.setAttribute("data-open", ""); } else { section.removeAttribute("data-open"); }
  }

  form.classList.add("enhanced");
  searchBar.hidden = false;
  mapButton.addEventListener("click", function () {
    reveal(mapButton, mapSection, mapButton.getAttribute("aria-expanded") !== "true");
  });
  // A dot brings its card into view (results-map.js); a card's "Show on the map" brings its dot into view.
  var map = IOPResultsMap.create(mapSection, fmt, function (id) {
    var item = resultsEl.querySelector('[data-provider-id="' + CSS.escape(id) + '"]');
    if (item) {
      item.scrollIntoView({block: "center"});
      item.querySelector(".card-title a").focus({preventScroll: true});
    }
  });
  editButton.addEventListener("click", function () {
    var open = editButton.getAttribute("aria-expanded") !== "true";
    reveal(editButton, fieldsEl, open);
    if (open) { qInput.focus(); }
  });
  filtersButton.addEventListener("click", function () {
    reveal(filtersButton, filtersEl, filtersButton.getAttribute("aria-expanded") !== "true");
  });

  /* ---- events ---- */

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(typingTimer);
    reveal(editButton, fieldsEl, false);  // the fields fold back into the summary (phones)
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
    var shown = event.target.closest ? event.target.closest("[data-show-on-map]") : null;
    if (shown) {
      reveal(mapButton, mapSection, true);
      var dot = map.select(shown.getAttribute("data-show-on-map"));
      if (dot) {
        mapSection.scrollIntoView({block: "nearest"});
        dot.focus({preventScroll: true});
      }
      return;
    }
    var button = event.target.closest ? event.target.closest("[data-remove-param]") : null;
    if (!button) { return; }
    var name = button.getAttribute("data-remove-param");
    if (name === "radius") {
      radiusSelect.value = "";
    } else if (name === "q") {
      qInput.value = "";
    } else {
      var value = button.getAttribute("data-remove-value");
      checkboxes(name).forEach(function (box) { if (box.value === value) { box.checked = false; } });
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

  function load() {
    statusEl.textContent = S.loading;
    // Apply the URL to the form at once so the page shows the search it was given.
    writeForm(readParams(location.search));
    var split = form.getAttribute("data-index") === "split";
    var parts = split ? [getJson("manifest.json"), getJson("filters.json")] :
      [getJson("index.json"), getJson("docs.json")];
    Promise.all(parts.concat([getJson("places.json")])).then(function (loaded) {
      if (typeof lunr === "undefined") { throw new Error("lunr missing"); }
      places = IOPPlaces.table(loaded[2]);
      engine = split ? splitEngine(loaded[0], loaded[1]) : lunrEngine(loaded[0], loaded[1].docs);
      run(false, false);
    }).catch(fail);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { requestAnimationFrame(function () { setTimeout(load, 0); }); });
  } else {
    requestAnimationFrame(function () { setTimeout(load, 0); });
  }
})();
