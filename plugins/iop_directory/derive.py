"""Facts derived from a record once, in Python: weekly hours, schedule buckets, modes, coordinates, completeness."""

import datetime
from dataclasses import dataclass

from .places import PlaceTable

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKEND = frozenset({"sat", "sun"})
SCHEDULE_BUCKETS = ("morning", "afternoon", "evening", "weekend")
# Part-of-day windows in minutes after midnight. A session counts in a window when it spends at least
# 90 minutes or at least half its length there, so a 9:00-13:00 group is "morning", not also "afternoon".
WINDOWS = {"morning": (300, 720), "afternoon": (720, 1020), "evening": (1020, 1440)}
# ASAM thresholds (content/levels-of-care.yaml cites them; a test keeps the two in step).
IOP_ADULT_MIN_HOURS = 9
IOP_ADOLESCENT_MIN_HOURS = 6
IOP_MAX_HOURS = 19
PHP_MIN_HOURS = 20

# News older than this no longer shows that a program still runs an IOP (iop_evidence, needs_confirmation).
NEWS_CURRENT_DAYS = 730
WEAK_EVIDENCE = frozenset({"provider-blog", "third-party-directory"})

# Fields whose presence makes a record useful to someone choosing a program; each weighs the same.
COMPLETENESS_FIELDS = ("website", "phone", "address", "zip", "insurance", "schedule", "populations",
                       "modalities", "focus", "languages", "virtual", "program_length_weeks")


def minutes(value):
    """Return minutes after midnight for "HH:MM", or None."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return None
    try:
        hours, mins = int(value[:2]), int(value[3:])
    except ValueError:
        return None
    return hours * 60 + mins if 0 <= hours < 24 and 0 <= mins < 60 else None


def track_weekly_hours(track):
    """Return (min, max) weekly hours from the track's days and times, or as stated (max may be None), or None."""
    start, end, days = minutes(track.get("start")), minutes(track.get("end")), track.get("days")
    if start is not None and end is not None and end > start and isinstance(days, list) and days:
        hours = round(len(days) * (end - start) / 60, 2)
        return hours, hours
    stated = track.get("hours_per_week")
    if isinstance(stated, dict) and isinstance(stated.get("min"), (int, float)):
        return stated["min"], stated.get("max")  # max None: only a minimum was stated
    return None


def track_buckets(track):
    """Return the schedule buckets (morning/afternoon/evening/weekend) a track falls in, in fixed order."""
    found = set()
    start, end = minutes(track.get("start")), minutes(track.get("end"))
    if start is not None and end is not None and end > start:
        length = end - start
        for name, (low, high) in WINDOWS.items():
            overlap = max(0, min(end, high) - max(start, low))
            if overlap >= 90 or overlap * 2 >= length:
                found.add(name)
    else:
        stated = track.get("time_of_day")
        if isinstance(stated, list):
            found.update(b for b in stated if b in WINDOWS)
    days = track.get("days")
    if isinstance(days, list) and WEEKEND & {d for d in days if isinstance(d, str)}:
        found.add("weekend")
    return [b for b in SCHEDULE_BUCKETS if b in found]


def provider_modes(data):
    """Return the ways a program is delivered: in-person, virtual, hybrid (sorted, may be empty)."""
    tracks = [t for t in data.get("tracks") or [] if isinstance(t, dict)]
    track_modes = {t.get("mode") for t in tracks} - {None}
    modes = set()
    if data.get("virtual") is True or track_modes & {"virtual", "hybrid"}:
        modes.add("virtual")
    if "hybrid" in track_modes:
        modes.add("hybrid")
    has_place = any(isinstance(loc, dict) and (loc.get("city") or loc.get("zip")) for loc in data.get("locations") or [])
    if track_modes & {"in-person", "hybrid"} or (not track_modes and has_place and not serves_statewide(data)):
        modes.add("in-person")
    return sorted(modes)


def serves_statewide(data) -> bool:
    """Return whether this is a virtual program open to anyone in Massachusetts."""
    explicit = data.get("serves_all_of_massachusetts")
    if explicit is not None:
        return bool(explicit)
    if data.get("virtual") is not True:
        return False
    tracks = [t for t in data.get("tracks") or [] if isinstance(t, dict)]
    in_person_tracks = any(t.get("mode") in ("in-person", "hybrid") for t in tracks)
    has_place = any(isinstance(loc, dict) and (loc.get("city") or loc.get("zip")) for loc in data.get("locations") or [])
    return not in_person_tracks and not has_place


@dataclass(frozen=True)
class Coordinates:
    """Where a location is on the map, and how precisely: 'zip' (ZIP centroid) or 'town' (town centroid)."""

    lat: float
    lon: float
    precision: str

    @property
    def approximate(self) -> bool:
        return self.precision == "town"


def location_coordinates(location, places: PlaceTable):
    """Return Coordinates for a location from its ZIP, else its town, else None."""
    area = places.zip(location.get("zip"))
    if area:
        return Coordinates(area.lat, area.lon, "zip")
    place = places.place(location.get("city"))
    if place:
        return Coordinates(place.lat, place.lon, "town")
    return None


def known_fields(data):
    """Return {completeness field: whether the record knows it}."""
    locations = [loc for loc in data.get("locations") or [] if isinstance(loc, dict)]
    tracks = [t for t in data.get("tracks") or [] if isinstance(t, dict)]
    return {
        "website": bool(data.get("website")),
        "phone": bool(data.get("phone")),
        "address": any(loc.get("street") for loc in locations),
        "zip": any(loc.get("zip") for loc in locations),
        "insurance": data.get("insurance") is not None,
        "schedule": any(t.get("days") and t.get("start") and t.get("end") for t in tracks),
        "populations": data.get("populations") is not None,
        "modalities": data.get("modalities") is not None,
        "focus": data.get("focus") is not None,
        "languages": data.get("languages") is not None,
        "virtual": data.get("virtual") is not None,
        "program_length_weeks": data.get("program_length_weeks") is not None,
    }


def completeness(data) -> int:
    """Return the share of COMPLETENESS_FIELDS a record knows, as a whole percentage."""
    known = known_fields(data)
    return round(100 * sum(known.values()) / len(known))


def needs_confirmation(data, today: datetime.date) -> bool:
    """Whether the listing needs confirming: the record's only evidence of an IOP is a third-party directory, the
    provider's blog or marketing articles, or news that is undated or more than two years old (iop_evidence)."""
    evidence = data.get("iop_evidence")
    if not isinstance(evidence, dict):
        return False
    if evidence.get("kind") in WEAK_EVIDENCE:
        return True
    if evidence.get("kind") != "news":
        return False
    try:
        dated = datetime.date.fromisoformat(str(evidence.get("dated")))
    except ValueError:
        return True  # undated news says nothing about today
    return (today - dated).days > NEWS_CURRENT_DAYS
