"""Offline Massachusetts place table: the 351 municipalities, postal place names and ZIP centroids.

ZIP centroids come from the `zipcodes` package. A town's centroid is the mean of its standard ZIPs'
centroids, which is approximate and is marked so wherever it is used.

The package's Massachusetts rows are also kept in providers/vocabulary/ma-zip-codes.json, stamped with the
package's version: the package reads its table of every US ZIP (about 0.25 s) even to list one state's, and
every build and `iop check` needs the table. The copy is used only when its stamp is the installed version;
`python -m iop_directory.places` writes it again (tests compare it with the package).
"""

import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .paths import VOCABULARY_DIR
from .vocab import SAFE_LOADER

EARTH_RADIUS_MILES = 3958.8
ZIP_TABLE = "ma-zip-codes.json"
ZIP_FIELDS = ("zip_code", "zip_code_type", "city", "acceptable_cities", "lat", "long")


def place_key(name: str) -> str:
    """Return the comparison key of a place name: case, accents, punctuation and 'St.' folded."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\bst\b\.?", "saint", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def slugify(name: str) -> str:
    """Return the URL slug of a place or name: lowercase words joined by hyphens."""
    return place_key(name).replace(" ", "-")


@dataclass(frozen=True)
class Place:
    """A municipality or postal place name with its approximate centre."""

    name: str
    slug: str
    municipality: str | None  # the municipality this is (or whose alias it is); None for villages
    zips: tuple
    lat: float
    lon: float


@dataclass(frozen=True)
class ZipArea:
    """One Massachusetts ZIP code with its centroid and postal place name."""

    zip: str
    place: str
    lat: float
    lon: float


class PlaceTable:
    """Lookups of Massachusetts places and ZIPs by name or code."""

    def __init__(self, places, zips):
        self.places = places  # place_key -> Place
        self.zips = zips  # "01608" -> ZipArea

    def place(self, name):
        """Return the Place called `name` (or a municipality's name in its postal spelling: Marlboro), or None."""
        if not name:
            return None
        found = self.places.get(place_key(name))
        if found is None:
            found = self.places.get(place_key(_spelled_out(name)))
            if found is not None and found.municipality != found.name:
                return None  # only a municipality's own name is spelled out, never a guess at a village
        return found

    def town(self, place):
        """Return the municipality `place` is part of (itself when it is one; a village with its own ZIPs stays
        itself): town pages list a program under the town, however its address spells it."""
        if place is not None and place.municipality and place.municipality != place.name:
            return self.place(place.municipality) or place
        return place

    def postal_spellings(self):
        """Yield (spelling, Place) for municipalities' "-boro" spellings that are not place names of their own
        (Marlboro for Marlborough): place() accepts them, and the browser's place list carries them too."""
        for place in {p.slug: p for p in self.places.values()}.values():
            if place.municipality == place.name and place.name.endswith("borough"):
                short = place.name[: -len("ugh")]
                if place_key(short) not in self.places:
                    yield short, place

    def zip(self, code):
        """Return the ZipArea for a 5-digit code, or None."""
        return self.zips.get(str(code).strip()) if code else None

    def suggest(self, name, n=3):
        """Return up to n known place names close to a misspelt one."""
        import difflib

        keys = difflib.get_close_matches(place_key(name), list(self.places), n=n, cutoff=0.75)
        return [self.places[k].name for k in keys]

    def zip_matches_place(self, code, name) -> bool:
        """Return whether ZIP `code` belongs to the place `name` (directly or through an alias)."""
        place = self.place(name)
        return bool(place) and str(code) in place.zips

    def resolve(self, text):
        """Return (Place or ZipArea, None) for a town name or ZIP typed by a person, or (None, message)."""
        text = (text or "").strip()
        if not text:
            return None, "Enter a Massachusetts town or ZIP code."
        if re.fullmatch(r"\d{5}(-\d{4})?", text):
            area = self.zip(text[:5])
            if area:
                return area, None
            return None, "%s is not a Massachusetts ZIP code." % text[:5]
        cleaned = re.sub(r",?\s*(ma|mass|massachusetts)\.?$", "", text, flags=re.I).strip()
        place = self.place(cleaned)
        if place:
            return place, None
        close = self.suggest(cleaned)
        if close:
            return None, "No Massachusetts town called %s. Did you mean %s?" % (text, " or ".join(close))
        return None, "No Massachusetts town or ZIP code matches %s." % text


def haversine_miles(lat1, lon1, lat2, lon2) -> float:
    """Return the great-circle distance in miles between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


_POSTAL_ABBREVIATIONS = {"e": "east", "w": "west", "n": "north", "s": "south", "mt": "mount", "ctr": "center",
                         "bch": "beach", "fls": "falls", "hvn": "haven"}


def _spelled_out(name):
    """A postal place name with the Postal Service's abbreviations written out and -boro as -borough."""
    words = [_POSTAL_ABBREVIATIONS.get(w.lower(), w) for w in name.split()]
    if words and words[-1].lower().endswith("boro"):
        words[-1] += "ugh"
    return " ".join(words)


def _municipalities(directory):
    with open(Path(directory) / "ma-municipalities.txt", encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def _centre(areas):
    standard = [a for a in areas if a[1] == "STANDARD"] or areas
    lat = sum(a[0].lat for a in standard) / len(standard)
    lon = sum(a[0].lon for a in standard) / len(standard)
    return round(lat, 4), round(lon, 4)


def package_zip_rows():
    """The zipcodes package's Massachusetts rows (the fields the place table uses) and the package's version."""
    import zipcodes

    rows = [{field: row.get(field, []) if field == "acceptable_cities" else row[field] for field in ZIP_FIELDS}
            for row in zipcodes.filter_by(state="MA")]
    return rows, zipcodes.__version__


def zip_rows(directory: Path = VOCABULARY_DIR):
    """The Massachusetts ZIP rows: the stored copy when it was written from the installed package, else the package."""
    import zipcodes

    try:
        with open(Path(directory) / ZIP_TABLE, encoding="utf-8") as handle:
            stored = json.load(handle)
        if stored.get("zipcodes_version") == zipcodes.__version__:
            return stored["rows"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    return package_zip_rows()[0]


def write_zip_table(directory: Path = VOCABULARY_DIR) -> Path:
    rows, version = package_zip_rows()
    path = Path(directory) / ZIP_TABLE
    head = {"source": "the zipcodes package (PyPI), state MA; written by python -m iop_directory.places",
            "zipcodes_version": version}
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]  # a row per line: readable diffs
    path.write_text(json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [\n' + ",\n".join(lines) + "\n]}\n",
                    encoding="utf-8")
    return path


@lru_cache(maxsize=2)
def load_places(directory: Path = VOCABULARY_DIR) -> PlaceTable:
    """Return the Massachusetts place table (cached; built once per process)."""
    with open(Path(directory) / "place-aliases.yaml", encoding="utf-8") as handle:
        aliases = yaml.load(handle, Loader=SAFE_LOADER) or {}
    zips, by_name, display = {}, {}, {}
    for row in zip_rows(directory):
        area = ZipArea(row["zip_code"], row["city"], float(row["lat"]), float(row["long"]))
        zips[area.zip] = area
        for name in [row["city"], *row.get("acceptable_cities", [])]:
            key = place_key(name)
            display.setdefault(key, name)
            by_name.setdefault(key, []).append((area, row["zip_code_type"]))
    municipalities = _municipalities(directory)
    municipality_keys = {place_key(m): m for m in municipalities}
    places = {}
    for key, areas in by_name.items():
        lat, lon = _centre(areas)
        name = municipality_keys.get(key, display[key])
        places[key] = Place(name, slugify(name), municipality_keys.get(key), tuple(sorted({a[0].zip for a in areas})), lat, lon)
    for municipality, postal_names in aliases.items():
        areas = [a for postal in postal_names for a in by_name.get(place_key(postal), [])]
        lat, lon = _centre(areas)
        zip_codes = tuple(sorted({a[0].zip for a in areas}))
        places[place_key(municipality)] = Place(municipality, slugify(municipality), municipality, zip_codes, lat, lon)
        for postal in postal_names:  # the postal name now counts as part of the municipality
            old = places[place_key(postal)]
            places[place_key(postal)] = Place(old.name, old.slug, municipality, old.zips, old.lat, old.lon)
    # A postal name that is a municipality's name abbreviated or spelled the postal way (Foxboro, E Longmeadow) is
    # that municipality, so its programs are listed on the town's page, not on a second one. Only spelling
    # decides: a village sharing a town's ZIP is not assumed to be in that town.
    for key, place in list(places.items()):
        town = municipality_keys.get(place_key(_spelled_out(place.name)))
        if place.municipality is None and town and set(place.zips) & set(places[place_key(town)].zips):
            places[key] = Place(place.name, place.slug, town, place.zips, place.lat, place.lon)
    missing = [m for m in municipalities if place_key(m) not in places]
    if missing:  # the data files and the package disagree: fail loudly rather than reject real towns
        raise RuntimeError("place table lacks municipalities: %s" % ", ".join(missing))
    return PlaceTable(places, zips)


if __name__ == "__main__":
    sys.stdout.write("wrote %s\n" % write_zip_table())
