"""The compare page's data files: per provider, exactly the display-ready values the compare table shows.

One small file per provider (compare/data/<id>.json), so the page downloads the two to four programs it compares,
not the whole directory (at 20,000 providers one file of everything was 34 MB).

Every value is taken from the provider view (views.provider_view), so the compare sheet prints the same words
as the provider page. `None` means "not yet confirmed"; an empty list means "none, per the sources".
"""

from .jsontext import json_dumps


def _names(items):
    return None if items is None else [item["name"] for item in items]


def compare_entry(view):
    """Return the compare table's values for one provider view."""
    tracks = None
    if view["tracks"] is not None:
        tracks = [{"name": t["name"], "level": t["level_name"], "days": t["days"], "time": t["time"],
                   "times_of_day": [b["name"] for b in t["buckets"]], "hours": t["hours_label"],
                   "mode": t["mode"], "population": t["population"]} for t in view["tracks"]]
    locations = None
    if view["locations"] is not None:
        locations = [{"street": loc["street"], "city": loc["city"], "zip": loc["zip"], "lat": loc["lat"],
                      "lon": loc["lon"], "approximate": loc["approximate"]} for loc in view["locations"]]
    return {
        "id": view["id"],
        "name": view["name"],
        "url": view["url"],
        "levels": _names(view["levels"]),
        "tracks": tracks,
        "modes": _names(view["modes"]) or None,  # no mode derived means none stated yet: unknown, not "none"
        "insurance": _names(view["insurance"]),
        "populations": _names(view["populations"]),
        "focus": _names(view["focus"]),
        "modalities": _names(view["modalities"]),
        "languages": _names(view["languages"]),
        "statewide": view["statewide"],
        "locations": locations,
        "phone": view["phone"],
        "phone_tel": view["phone_tel"],
        "website": view["website"],
        "last_verified": view["last_verified"],
        "stale": view["stale"],
        "sources": [{"url": s["url"], "host": s["host"], "title": s["title"], "accessed": s["accessed"]}
                    for s in view["sources"]],
    }


def build_compare_files(views):
    """Yield (output path, JSON text) for the compare page, one provider at a time (encoded here in one call:
    a thousand small files an edition)."""
    for view in views:
        yield compare_file(view)


def compare_file(view):
    """(output path, JSON text) of one provider's compare data."""
    return "compare/data/%s.json" % view["id"], json_dumps({"version": 2, "provider": compare_entry(view)})


__all__ = ["compare_entry", "compare_file", "build_compare_files"]
