/* Massachusetts place lookup and distances, shared by the search page, its worker and the compare page.
   Mirrors plugins/iop_directory/places.py (PlaceTable.resolve) so ?near= means the same on every page.
   Holds no words of its own: callers turn the result into their page's translated messages. */
(function (root) {
  "use strict";

  var EARTH_RADIUS_MILES = 3958.8;

  /* Comparison key of a place name: case, accents, punctuation and "St." folded, as places.place_key. */
  function placeKey(name) {
    var text = String(name).normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase();
    text = text.replace(/\bst\b\.?/g, "saint");
    return text.replace(/[^a-z0-9]+/g, " ").trim();
  }

  /* Levenshtein distance, giving up (limit + 1) once it cannot be within limit. */
  function editDistance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) { return limit + 1; }
    var prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) { prev[j] = j; }
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      for (j = 1; j <= b.length; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      prev = cur;
    }
    return prev[b.length];
  }

  /* Great-circle distance in miles. */
  function haversine(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var p1 = lat1 * rad, p2 = lat2 * rad, dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dp / 2), 2) + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * EARTH_RADIUS_MILES * Math.asin(Math.sqrt(a));
  }

  /* Index search/data/places.json ({places: [[name, lat, lon]], zips: {zip: [lat, lon, place]}}) by key. */
  function table(raw) {
    var placeKeys = {}, placeList = [];
    (raw.places || []).forEach(function (p) {
      var key = placeKey(p[0]);
      if (!placeKeys[key]) { placeKeys[key] = p; placeList.push({key: key, name: p[0]}); }
    });
    Object.keys(raw.zips || {}).forEach(function (zip) {
      var z = raw.zips[zip];
      var key = placeKey(z[2]);
      if (!placeKeys[key]) { placeKeys[key] = [z[2], z[0], z[1]]; }
    });
    return {placeKeys: placeKeys, placeList: placeList, zips: raw.zips || {}};
  }

  /* Resolve what a person typed against an indexed table.
     Returns {place: {lat, lon, label} or null, suggestions: [names]}; place is null for empty or unknown input. */
  function resolve(indexed, text) {
    text = (text || "").trim();
    if (!text) { return {place: null, suggestions: []}; }
    if (/^\d{5}(-\d{4})?$/.test(text)) {
      var zip = indexed.zips[text.slice(0, 5)];
      return {place: zip ? {lat: zip[0], lon: zip[1], label: text.slice(0, 5) + " (" + zip[2] + ")"} : null,
              suggestions: []};
    }
    var cleaned = text.replace(/,?\s*(ma|mass|massachusetts)\.?$/i, "").trim();
    var key = placeKey(cleaned);
    var found = indexed.placeKeys[key];
    if (found) { return {place: {lat: found[1], lon: found[2], label: found[0]}, suggestions: []}; }
    var close = [];
    if (key.length >= 3) {
      var limit = key.length > 6 ? 2 : 1;
      indexed.placeList.forEach(function (p) {
        var d = editDistance(key, p.key, limit);
        if (d <= limit) { close.push({d: d, name: p.name}); }
      });
      close.sort(function (a, b) { return a.d - b.d || (a.name < b.name ? -1 : 1); });
    }
    return {place: null, suggestions: close.slice(0, 3).map(function (c) { return c.name; })};
  }

  root.IOPPlaces = {placeKey: placeKey, editDistance: editDistance, haversine: haversine, table: table,
                    resolve: resolve};
})(typeof self !== "undefined" ? self : this);
