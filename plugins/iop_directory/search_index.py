"""The browser search's data: a lunr index built with lunr.py, a compact document store and the place table.

lunr.js (vendored from npm) loads the serialised index; the document store holds only what a result card and
the filters need, keyed by the same names as the search URL parameters.
"""

import functools
import logging
import unicodedata

from lunr import lunr
from lunr import stemmer as _lunr_stemmer

from . import derive, views
from .places import PlaceTable
from .vocab import Vocabularies

logger = logging.getLogger(__name__)

INDEX_FIELDS = (
    ("name", 10), ("town", 5), ("programs", 3), ("focus", 3), ("modalities", 2), ("populations", 2),
    ("insurance", 2), ("languages", 1), ("levels", 1), ("schedule", 1), ("description", 1),
)
FILTER_PARAMS = ("insurance", "mode", "schedule", "level", "population", "focus", "modality", "language")


def _memoise_stemmer():
    """The Porter stemmer is lunr.py's slowest step and sees the same few thousand words again and again."""
    porter = _lunr_stemmer.porter_stemmer
    if getattr(porter, "_iop_memoised", False):
        return
    original, stems = porter.stem, {}

    def stem(word, metadata=None):
        found = stems.get(word)
        if found is None:
            found = stems[word] = original(word)
        return found

    porter.stem, porter._iop_memoised = stem, True


_memoise_stemmer()


@functools.lru_cache(maxsize=1 << 16)
def _fold(text):
    """Return text without accents ("depressão" -> "depressao"); search.js folds query words the same way."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_NAMES = {}  # (id(vocabulary), slugs) -> (vocabulary, text)


def _names(slugs, vocabulary):
    """Return the display names and aliases of terms, as one text for the index.

    Includes the Spanish and Portuguese names and aliases (name_es, aliases_pt, ...: issue 9), and accented
    words once more without accents.
    """
    key = (id(vocabulary), tuple(slugs or ()))
    found = _NAMES.get(key)
    if found is not None and found[0] is vocabulary:
        return found[1]
    words = []
    for slug in slugs or ():
        term = vocabulary[slug]
        words.extend([term.slug.replace("-", " "), term.name, *term.aliases])
        words.extend(v for k, v in sorted(term.extra.items()) if k.startswith("name_") and isinstance(v, str))
        words.extend(a for k, v in sorted(term.extra.items()) if k.startswith("aliases_") for a in v or ())
    text = " ".join(words)
    folded = _fold(text)
    result = text if folded == text else "%s %s" % (text, folded)
    if len(_NAMES) < 1 << 16:  # the same few combinations recur on thousands of records
        _NAMES[key] = (vocabulary, result)
    return result


def _schedule_words(record, vocab: Vocabularies):
    """Return a record's schedule buckets and delivery modes as searchable words in every edition's language."""
    buckets = set()
    for track in record.data.get("tracks") or ():
        buckets.update(derive.track_buckets(track))
    slugs = [b for b in derive.SCHEDULE_BUCKETS if b in buckets] + derive.provider_modes(record.data)
    return _names(slugs, vocab["schedule"])


def index_document(record, vocab: Vocabularies, places: PlaceTable):
    """Return the lunr document of one provider: every searchable field as plain text.

    A function of the record alone (no language edition's view), so every edition shares one index.
    """
    data = record.data
    towns = {views.location_place(loc, places) for loc in data.get("locations") or ()} - {None}
    return {
        "id": record.id,
        "name": _with_folded(data["name"]),
        "town": " ".join(sorted({name for place in towns for name in (place.name, places.town(place).name)})),
        "programs": _with_folded(" ".join(data.get("programs") or ())),
        "focus": _names(data.get("focus"), vocab["focus"]),
        "modalities": _names(data.get("modalities"), vocab["modalities"]),
        "populations": _names(data.get("populations"), vocab["populations"]),
        "insurance": _names(data.get("insurance"), vocab["insurance"]),
        "languages": _names(data.get("languages"), vocab["languages"]),
        # Levels of care, schedule buckets and delivery modes, so "php", "evening" or "virtual" find programs.
        "levels": _names(sorted(set(data.get("levels_of_care") or ())
                                | {t["level"] for t in data.get("tracks") or () if t.get("level")}), vocab["levels"]),
        "schedule": _schedule_words(record, vocab),
        "description": _with_folded(" ".join(filter(None, [data.get("description"), data.get("insurance_notes")]))),
    }


def _with_folded(text):
    """The provider's own words, and the accented ones once more without accents ("acao" finds "Centro Ação",
    as "depressao" finds the vocabulary's "depressão")."""
    folded = _fold(text)
    if folded == text:
        return text
    return "%s %s" % (text, " ".join(f for w, f in zip(text.split(), folded.split()) if w != f and f))


def filter_values(record, vocab: Vocabularies):
    """Return {URL parameter: [values]} for one record; None where the record does not know."""
    data = record.data
    insurance = None
    if data.get("insurance") is not None:
        categories = {vocab.category_value(c) for c in
                      (vocab["insurance"][s].extra.get("category") for s in data["insurance"]) if c}
        insurance = sorted(set(data["insurance"]) | categories)
    levels = set(data.get("levels_of_care") or ()) | {t.get("level") for t in data.get("tracks") or () if t.get("level")}
    schedule = set()
    for track in data.get("tracks") or ():
        schedule.update(derive.track_buckets(track))
    return {
        "insurance": insurance,
        "mode": derive.provider_modes(data),
        "schedule": [b for b in derive.SCHEDULE_BUCKETS if b in schedule],
        "level": sorted(levels) if data.get("levels_of_care") is not None or levels else None,
        "population": data.get("populations"),
        "focus": data.get("focus"),
        "modality": data.get("modalities"),
        "language": data.get("languages"),
    }


def store_document(record, view, vocab: Vocabularies):
    """Return what a result card and the filters need for one provider."""
    locations = [[loc["lat"], loc["lon"], 1 if loc["approximate"] else 0, loc["town"] or ""]
                 for loc in view["locations"] or () if loc["lat"] is not None]
    doc = {
        "id": record.id,
        "name": view["name"],
        "url": view["url"],
        "towns": [name for name, _ in view["towns"]],
        "locations": locations,
        "statewide": view["statewide"],
        "phone": view["phone"],
        "verified": view["last_verified"],
        "levels": [t["name"] for t in view["levels"] or ()],
        "modes": [m["name"] for m in view["modes"]],
        "schedule_names": [b["name"] for b in view["schedule"]],
        "hours": sorted({t["hours_label"] for t in view["tracks"] or () if t["hours_label"]}),
    }
    doc.update({k: v for k, v in filter_values(record, vocab).items() if v is not None})
    return doc


def build_index(documents):
    """Return the serialised lunr index of the documents (a dict lunr.js's Index.load reads)."""
    fields = [{"field_name": name, "boost": boost} for name, boost in INDEX_FIELDS]
    index = lunr(ref="id", fields=fields, documents=documents)
    return index.serialize()


def places_data(places: PlaceTable):
    """Return the place table for the browser: names with centres, and ZIPs with centres."""
    return {
        "places": sorted([[p.name, p.lat, p.lon] for p in {p.slug: p for p in places.places.values()}.values()]
                         + [[short, p.lat, p.lon] for short, p in places.postal_spellings()]),
        "zips": {z.zip: [z.lat, z.lon, z.place] for z in sorted(places.zips.values(), key=lambda z: z.zip)},
    }


def build_search_files(records, views, vocab: Vocabularies, places: PlaceTable):
    """Return {output path: data} for the search page's index, document store and place table."""
    view_by_id = {v["id"]: v for v in views}
    ordered = sorted(records, key=lambda r: r.id)
    documents = [index_document(r, vocab, places) for r in ordered]
    return {
        "search/data/index.json": build_index(documents),
        "search/data/docs.json": {"version": 1, "docs": [store_document(r, view_by_id[r.id], vocab) for r in ordered]},
        "search/data/places.json": places_data(places),
    }
