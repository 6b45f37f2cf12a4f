"""Warnings a maintainer should look at before merging: probable duplicates, unreachable locations, thin records."""

import difflib
import re
from itertools import combinations
from urllib.parse import urlsplit

from .derive import completeness
from .errors import ProviderError
from .places import load_places, place_key

NAME_SIMILARITY = 0.9
LOW_COMPLETENESS = 25  # percent of derive.COMPLETENESS_FIELDS known

COMMON_WORDS = frozenset({"the", "inc", "incorporated", "llc", "ltd", "co", "corp", "corporation", "pc", "pllc",
                          "of", "and", "a", "at"})
STREET_WORDS = {
    "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "rd": "road", "blvd": "boulevard",
    "dr": "drive", "ln": "lane", "pkwy": "parkway", "hwy": "highway", "ct": "court", "pl": "place",
    "sq": "square", "ter": "terrace", "cir": "circle", "tpke": "turnpike", "rte": "route", "rt": "route",
    "n": "north", "s": "south", "e": "east", "w": "west", "mt": "mount", "ste": "suite",
}


def normal_name(name) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", str(name or "").lower()).split()
    return " ".join(w for w in words if w not in COMMON_WORDS)


def normal_phone(phone):
    """Return the digits of a phone number without the leading country code 1, or None."""
    digits = re.sub(r"\D", "", str(phone or ""))
    if len(digits) >= 11 and digits[0] == "1":
        digits = digits[1:]
    return digits if len(digits) >= 10 else None


def normal_host(url):
    """Return a website's host without www., or None."""
    try:
        host = (urlsplit(str(url)).hostname or "").lower()
    except ValueError:
        return None
    return host[4:] if host.startswith("www.") else host or None


def normal_street(street, city):
    """Return (street, city) folded for comparison (St/Street, Ave/Avenue, suite numbers dropped), or None."""
    if not street:
        return None
    text = re.sub(r"[^a-z0-9#]+", " ", str(street).lower())
    text = re.sub(r"\b(suite|ste|unit|floor|fl|room|rm|bldg|building)\b.*$|#.*$", "", text)
    words = [STREET_WORDS.get(w, w) for w in text.split()]
    places = load_places()
    town = places.town(places.place(city)) if city else None  # Foxboro and Foxborough are one town
    return " ".join(words), place_key(town.name if town else city or "")


def probable_duplicates(records):
    """Return [(record a, record b, reason)] for pairs of records that probably describe the same provider."""
    keys = {}
    for record in records:
        data = record.data
        streets = {normal_street(loc.get("street"), loc.get("city"))
                   for loc in data.get("locations") or [] if isinstance(loc, dict)} - {None}
        keys[record.id] = {
            "name": normal_name(data.get("name")),
            "phone": normal_phone(data.get("phone")),
            "website": normal_host(data.get("website")) if data.get("website") else None,
            "streets": streets,
        }
    found = []
    for a, b in combinations(records, 2):
        ka, kb = keys[a.id], keys[b.id]
        reasons = []
        if ka["phone"] and ka["phone"] == kb["phone"]:
            reasons.append("same phone %s" % b.data.get("phone"))
        if ka["website"] and ka["website"] == kb["website"]:
            reasons.append("same website host %s" % ka["website"])
        shared = ka["streets"] & kb["streets"]
        if shared:
            street, _ = sorted(shared)[0]
            reasons.append("same street address %s" % street)
        if ka["name"] and kb["name"]:
            ratio = difflib.SequenceMatcher(None, ka["name"], kb["name"]).ratio()
            if ratio >= NAME_SIMILARITY:
                reasons.append("near-identical name (%d%% similar)" % round(100 * ratio))
        if reasons:
            found.append((a, b, "; ".join(reasons)))
    return found


def check_warnings(records, shown, min_completeness=LOW_COMPLETENESS):
    """Return ProviderError warnings for duplicates, unreachable locations and low completeness.

    `shown` maps a record id to the path to print for it.
    """
    warnings = []
    for a, b, reason in probable_duplicates(records):
        warnings.append(ProviderError(shown[a.id], 1, 1, "", "probable duplicate of %s: %s" % (shown[b.id], reason),
                                      "merge the two records or tell them apart", "warning"))
    for record in records:
        for index, location in enumerate(record.data.get("locations") or []):
            if isinstance(location, dict) and not location.get("city") and not location.get("zip"):
                line = record.line_of("locations", index)
                warnings.append(ProviderError(shown[record.id], line, 1, "locations[%d]" % index,
                                              "location has neither city nor ZIP, so no search can find it",
                                              "add the city or the ZIP from the sources", "warning"))
        score = completeness(record.data)
        if score < min_completeness:
            warnings.append(ProviderError(shown[record.id], 1, 1, "", "only %d%% complete (below %d%%)"
                                          % (score, min_completeness),
                                          "see `iop stale --days 0` for what is unknown", "warning"))
    return sorted(warnings, key=lambda w: (w.path, w.line, w.message))
