/* The search's results on the offline map of Massachusetts (plugins/iop_directory/state_map.py draws the base map
 * and gives the projection the page carries in data-projection): a numbered dot per located result, as the list
 * numbers its cards, filled for a confirmed match and dashed for one that might fit; the search's origin marked.
 * Each dot is a link to its card; what is not drawn (statewide virtual programs, unknown places) is said in words.
 * No words of its own: they come from the search page's strings through `say`.
 */
(function (root) {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function at(xy) {
    return "translate(" + Math.round(xy[0] * 10) / 10 + " " + Math.round(xy[1] * 10) / 10 + ")";
  }

  // section: the map's <section>; say(key, vars): a page string; onDot(id): a dot was chosen.
  function create(section, say, onDot) {
    var svg = section.querySelector("svg");
    var markers = svg.querySelector(".map-markers");
    var note = section.querySelector(".map-note");
    var projection = JSON.parse(svg.getAttribute("data-projection"));

    function project(lat, lon) {
      return [(lon - projection.lon0) * projection.kx, (projection.lat0 - lat) * projection.ky];
    }

    // A new search: no dots yet (they come with their cards), the origin marked, what will not be drawn said.
    function reset(outcome) {
      while (markers.firstChild) { markers.removeChild(markers.firstChild); }
      var all = outcome.results.concat(outcome.unconfirmed);
      section.hidden = !all.length;
      if (outcome.origin) {
        var origin = svgEl("g", {"class": "map-origin", "data-map-origin": "", role: "img", "aria-label": say("mapOrigin"),
                                 transform: at(project(outcome.origin.lat, outcome.origin.lon))});
        origin.appendChild(svgEl("path", {d: "M-11 -11L11 11M-11 11L11 -11"}));
        markers.appendChild(origin);
      }
      var statewide = all.filter(function (hit) { return hit.doc.statewide; }).length;
      var unlocated = all.filter(function (hit) { return !hit.doc.statewide && !(hit.doc.locations || []).length; }).length;
      var drawn = all.length - statewide - unlocated;
      var said = [drawn === 1 ? say("mapDrawnOne") : say("mapDrawnMany", {n: drawn})];
      if (statewide) { said.push(say("mapStatewide", {n: statewide})); }
      if (unlocated) { said.push(say("mapUnlocated", {n: unlocated})); }
      note.textContent = said.join(" ");
    }

    // The dot of a result, at its place nearest the search's origin (else its first place); false when it has
    // none to draw (a statewide virtual program never has one).
    function add(hit, doc) {
      var place = hit.near || ((doc.statewide || !(doc.locations || []).length) ? null :
        {lat: doc.locations[0][0], lon: doc.locations[0][1]});
      if (!place) { return false; }
      var unconfirmed = !!(hit.open && hit.open.length);
      var label = say("mapMarker", {n: hit.number, name: doc.name}) + (unconfirmed ? " (" + say("mapMightFit") + ")" : "");
      var dot = svgEl("a", {href: "#result-" + doc.id, "class": "map-dot " + (unconfirmed ? "unconfirmed" : "confirmed"),
                            "data-map-marker": doc.id, "aria-label": label, transform: at(project(place.lat, place.lon))});
      dot.appendChild(svgEl("circle", {r: 22}));
      dot.appendChild(svgEl("text", {dy: 8, "aria-hidden": "true"}, String(hit.number)));
      markers.appendChild(dot);
      return true;
    }

    // Mark a program's dot as chosen, drawn last so that its neighbours do not cover it; return it.
    function select(id) {
      markers.querySelectorAll(".selected").forEach(function (node) { node.classList.remove("selected"); });
      var dot = markers.querySelector('[data-map-marker="' + CSS.escape(id) + '"]');
      if (dot) {
        dot.classList.add("selected");
        markers.appendChild(dot);
      }
      return dot;
    }

    markers.addEventListener("click", function (event) {
      var dot = event.target.closest ? event.target.closest("[data-map-marker]") : null;
      if (!dot) { return; }
      event.preventDefault();
      select(dot.getAttribute("data-map-marker"));
      onDot(dot.getAttribute("data-map-marker"));
    });

    return {reset: reset, add: add, select: select};
  }

  root.IOPResultsMap = {create: create};
})(this);
