"""An offline map of Massachusetts: the state's outline and its county lines from the US Census (the us-atlas npm
package, public domain, pinned in package-lock.json), projected once at build time into an SVG the site serves
itself, and the one projection that places a program's dot on it.

The projection is equirectangular at the state's middle latitude: x grows with longitude times cos(LAT_MIDDLE),
y with latitude, both by the same factor. Across a state 1.7 degrees of latitude high, nothing a projection
library offers would draw it noticeably truer. search.js places a search's dots with the same sum, from the
numbers the page's map carries (`projection`).
"""

import json
import math
from functools import lru_cache
from pathlib import Path

from .errors import SettingError
from .paths import REPO_ROOT

ATLAS = REPO_ROOT / "node_modules" / "us-atlas" / "counties-10m.json"
STATE_FIPS = "25"
# The state with its islands, and a little room (degrees).
LON_MIN, LON_MAX = -73.56, -69.88
LAT_MIN, LAT_MAX = 41.20, 42.92
LAT_MIDDLE = (LAT_MIN + LAT_MAX) / 2
WIDTH = 1000.0
SCALE = WIDTH / ((LON_MAX - LON_MIN) * math.cos(math.radians(LAT_MIDDLE)))  # viewBox units per degree of latitude
HEIGHT = round((LAT_MAX - LAT_MIN) * SCALE, 1)
MIN_STEP = 0.8  # viewBox units: a point closer than this to the last one drawn adds nothing at any screen size
MAP_PATH = "map/massachusetts.svg"


def project(lat: float, lon: float):
    """(x, y) in the map's viewBox of a point."""
    x = (lon - LON_MIN) * math.cos(math.radians(LAT_MIDDLE)) * SCALE
    y = (LAT_MAX - lat) * SCALE
    return round(x, 1), round(y, 1)


def projection():
    """What the page's script needs to place a dot as project() does: {lon0, lat0, kx, ky, width, height}."""
    return {"lon0": LON_MIN, "lat0": LAT_MAX, "kx": math.cos(math.radians(LAT_MIDDLE)) * SCALE, "ky": SCALE,
            "width": WIDTH, "height": HEIGHT}


def _arcs(topology):
    """Every arc of a TopoJSON topology as [(lon, lat)]: quantized, delta-coded positions decoded."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _rings(geometry):
    """The rings of a Polygon or MultiPolygon as lists of arc indexes."""
    if geometry["type"] == "Polygon":
        return geometry["arcs"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["arcs"] for ring in polygon]
    return []


def _ring_path(ring, arcs):
    """SVG path data of one ring: its arcs joined (a negative index is arc ~i reversed), projected, thinned."""
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    kept = []
    for lon, lat in points:
        x, y = project(lat, lon)
        if not kept or math.hypot(x - kept[-1][0], y - kept[-1][1]) >= MIN_STEP:
            kept.append((x, y))
    if len(kept) < 3:
        return ""
    return "M" + "L".join("%g,%g" % point for point in kept) + "Z"


@lru_cache(maxsize=1)
def shapes():
    """{"state": path data, "counties": path data} of Massachusetts, from us-atlas."""
    try:
        topology = json.loads(Path(ATLAS).read_text(encoding="utf-8"))
    except OSError:
        raise SettingError("iop_directory: the map's boundaries (%s) are missing: run `make assets`, which "
                           "installs the pinned us-atlas package from npm" % ATLAS) from None
    arcs = _arcs(topology)
    state = [g for g in topology["objects"]["states"]["geometries"] if str(g.get("id")) == STATE_FIPS]
    counties = [g for g in topology["objects"]["counties"]["geometries"] if str(g.get("id", "")).startswith(STATE_FIPS)]
    return {"state": "".join(_ring_path(r, arcs) for g in state for r in _rings(g)),
            "counties": "".join(_ring_path(r, arcs) for g in counties for r in _rings(g))}


def map_svg() -> str:
    """The base map as a stand-alone SVG file: pages draw it with <use href="...#state"> and "#counties", so it
    is downloaded once and takes the page's colours (high contrast included)."""
    drawn = shapes()
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g">\n'
            '<path id="counties" d="%s"/>\n<path id="state" d="%s"/>\n</svg>\n'
            % (WIDTH, HEIGHT, drawn["counties"], drawn["state"]))
