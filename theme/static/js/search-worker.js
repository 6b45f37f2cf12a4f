/* Search worker for large directories (issue 8): fetches and parses the split search data off the main thread.
 *
 * The data (plugins/iop_directory/search_shards.py) is loaded on demand: the term files of the query's words,
 * the facet files of the chosen filters (all of them when the manifest says they are small), geo.json when the
 * search has a place, and the result-card documents the page asks for. No text reaches the page from here
 * except the documents themselves, which search.js puts into the page with textContent only.
 */
/* global lunr, importScripts, IOPPlaces */
"use strict";

importScripts("../vendor/lunr/lunr.min.js", "places.js");

var FILTERS = ["insurance", "mode", "schedule", "level", "population", "focus", "modality", "language"];
var base = null;
var manifest = null;
var files = {};   // path -> Promise of parsed JSON

function get(path) {
  if (!files[path]) {
    files[path] = fetch(base + path, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(path + " " + r.status); }
      return r.json();
    });
  }
  return files[path];
}

function undelta(list) {
  var out = new Array(list.length), last = 0;
  for (var i = 0; i < list.length; i++) { last += list[i]; out[i] = last; }
  return out;
}

function hexKey(text) {
  return Array.from(text).slice(0, 2).map(function (c) {
    return ("0000" + c.codePointAt(0).toString(16)).slice(-4);
  }).join("");
}

// One insertion, deletion, substitution or swap of two neighbouring letters, as lunr.js's fuzzy match counts
// ("gruop" finds "group" on both search paths).
function editDistanceAtMostOne(a, b) {
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

function fold(word) {
  return word.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

function tokens(text) {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (t) {
    return t && lunr.stopWordFilter(t) !== undefined;
  });
}

// Each word must match (exactly after stemming, as a prefix, or within one edit for words of 5+ letters).
// Accented words are also matched without accents, as search.js does on the single index ("évening").
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
    parts.forEach(function (terms) {
      Object.keys(terms).forEach(function (term) {
        var boost = (term === stem || term === foldedStem ? 10 : 0) +
          (term.indexOf(word) === 0 || term.indexOf(folded) === 0 ? 5 : 0) +
          (word.length >= 5 && editDistanceAtMostOne(word, term) ? 1 : 0);
        if (!boost) { return; }
        // Stored scores are BM25 without idf (a record's scores depend on it alone: search_shards.py); the idf
        // comes from how many programs have the term.
        var postings = terms[term], n = 0, df = postings.length / 2;
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

function textScores(q) {
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

function facetSets(filters) {
  var wanted = [];
  FILTERS.forEach(function (name) {
    var values = manifest.load_all_facets ? Object.keys(manifest.facets[name] || {}) : filters[name];
    values.forEach(function (v) {
      if (manifest.facets[name] && manifest.facets[name][v] !== undefined) { wanted.push([name, v]); }
    });
  });
  return Promise.all(wanted.map(function (p) {
    return get("facets/" + p[0] + "/" + p[1] + ".json");
  })).then(function (lists) {
    var sets = {};
    wanted.forEach(function (p, i) {
      var mark = new Uint8Array(manifest.count);
      undelta(lists[i]).forEach(function (n) { mark[n] = 1; });
      (sets[p[0]] = sets[p[0]] || {})[p[1]] = mark;
    });
    return sets;
  });
}

function nearestAll(origin) {
  return get("geo.json").then(function (geo) {
    var near = new Array(manifest.count), statewide = new Uint8Array(manifest.count);
    undelta(geo.statewide).forEach(function (n) { statewide[n] = 1; });
    geo.points.forEach(function (p) {
      var miles = IOPPlaces.haversine(origin.lat, origin.lon, p[0], p[1]);
      undelta(p[4]).forEach(function (n) {
        if (!statewide[n] && (!near[n] || miles < near[n][0])) { near[n] = [miles, p[2], p[3]]; }
      });
    });
    return {near: near, statewide: statewide};
  });
}

function search(msg) {
  var filters = msg.filters;
  return Promise.all([textScores(msg.q), facetSets(filters),
                      msg.origin ? nearestAll(msg.origin) : Promise.resolve(null)]).then(function (parts) {
    var scores = parts[0], sets = parts[1], geo = parts[2];
    var radius = msg.origin && msg.radius ? parseFloat(msg.radius) : null;
    var candidates = [];
    var consider = scores ? Array.from(scores.keys()).sort(function (a, b) { return a - b; }) : null;
    var count = consider ? consider.length : manifest.count;
    for (var i = 0; i < count; i++) {
      var n = consider ? consider[i] : i;
      var near = geo ? geo.near[n] || null : null;
      if (radius !== null && near && near[0] > radius) { continue; }
      candidates.push(n);
    }
    function passes(n, active, except) {
      for (var f = 0; f < FILTERS.length; f++) {
        var name = FILTERS[f], values = active[name];
        if (name === except || !values.length) { continue; }
        var ok = false;
        for (var v = 0; v < values.length && !ok; v++) {
          ok = !!(sets[name] && sets[name][values[v]] && sets[name][values[v]][n]);
        }
        if (!ok) { return false; }
      }
      return true;
    }
    var results = candidates.filter(function (n) { return passes(n, filters, null); });
    var counts = {};
    FILTERS.forEach(function (name) {
      counts[name] = {};
      var base = candidates.filter(function (n) { return passes(n, filters, name); });
      Object.keys(sets[name] || {}).forEach(function (value) {
        var mark = sets[name][value], c = 0;
        base.forEach(function (n) { c += mark[n]; });
        counts[name][value] = c;
      });
    });
    var relax = {};
    FILTERS.forEach(function (name) {
      filters[name].forEach(function (value) {
        var without = {};
        FILTERS.forEach(function (other) {
          without[other] = other === name ? filters[other].filter(function (v) { return v !== value; }) : filters[other];
        });
        relax[name + ":" + value] = candidates.filter(function (n) { return passes(n, without, null); }).length;
      });
    });
    var groups;
    var hit = function (n) {
      var near = geo ? geo.near[n] : null;
      return [n, scores ? scores.get(n) : 0, near ? near[0] : null, near ? near[1] : 0, near ? near[2] : ""];
    };
    var hits = results.map(hit);
    if (!msg.origin) {
      hits.sort(function (a, b) { return (scores ? b[1] - a[1] : 0) || a[0] - b[0]; });
      groups = [{key: "all", hits: hits}];
    } else {
      var located = [], statewide = [], unknown = [];
      hits.forEach(function (h) {
        if (h[2] !== null) { located.push(h); } else if (geo.statewide[h[0]]) { statewide.push(h); } else { unknown.push(h); }
      });
      located.sort(function (a, b) { return (a[2] - b[2]) || a[0] - b[0]; });
      groups = [{key: "nearby", hits: located}, {key: "statewide", hits: statewide}, {key: "unknown", hits: unknown}]
        .filter(function (g) { return g.hits.length; });
    }
    return {total: results.length, groups: groups, counts: counts, countsComplete: !!manifest.load_all_facets,
            relax: relax};
  });
}

function docs(numbers) {
  var per = manifest.docs_per_file;
  var wanted = {};
  numbers.forEach(function (n) { wanted[Math.floor(n / per)] = true; });
  var names = Object.keys(wanted);
  return Promise.all(names.map(function (f) { return get("docs/" + f + ".json"); })).then(function (parts) {
    var byFile = {};
    names.forEach(function (f, i) { byFile[f] = parts[i]; });
    return numbers.map(function (n) { return byFile[Math.floor(n / per)][n % per]; });
  });
}

self.onmessage = function (event) {
  var msg = event.data;
  var work;
  if (msg.type === "init") {
    base = msg.base;
    work = get("manifest.json").then(function (m) { manifest = m; return {count: m.count}; });
  } else if (msg.type === "search") {
    work = search(msg);
  } else {
    work = docs(msg.numbers);
  }
  work.then(function (result) {
    self.postMessage({id: msg.id, result: result});
  }, function (error) {
    self.postMessage({id: msg.id, error: String(error)});
  });
};
