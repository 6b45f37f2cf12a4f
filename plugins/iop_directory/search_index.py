"""The browser search's data for a Massachusetts-size directory: two lunr indexes built with lunr.py, a compact
document store and the place table.

lunr.js (vendored from npm) loads both indexes from index.json:

- `records`: each provider's own words (name, towns, program names, description), one lunr document per
  provider, its ref the provider's number in result order (by name: the document store's order);
- `terms`: every vocabulary term (focus, therapies, who it serves, insurance, languages, levels of care, schedule
  and delivery), one lunr document each, with its names and aliases in every edition's language. A provider's
  document in docs.json lists the numbers of the terms it has, so a word that finds a term finds the providers
  that have it. The vocabulary's words are indexed once, not once per provider: most of the index's size and
  build time before (244 KB gzip and 0.7 s per edition at 400 providers).

A word finds a provider when it finds one of the provider's own words or one of its terms, exactly as if the
terms' names were part of the provider's text (tests/search_oracle.py checks that). Neither index depends on the
language edition, so both are made once per build; the document store holds the edition's labels.
"""

import functools
import logging
import unicodedata

from lunr import lunr

from . import derive, search_filters, views
from .jsontext import json_dumps
from .places import PlaceTable
from .vocab import Vocabularies

logger = logging.getLogger(__name__)

# The record's own words: lunr fields with their boosts.
RECORD_FIELDS = (("name", 10), ("town", 5), ("programs", 3), ("description", 1))
# Fields whose words are vocabulary terms: (field, vocabulary, boost).
TERM_FIELDS = (("focus", "focus", 3), ("modalities", "modalities", 2), ("populations", "populations", 2),
               ("insurance", "insurance", 2), ("languages", "languages", 1), ("levels", "levels", 1),
               ("schedule", "schedule", 1))
# Every searchable field, as one document per provider (index_document; the split search of large directories
# and the tests' oracle read it whole).
INDEX_FIELDS = RECORD_FIELDS + tuple((field, boost) for field, _vocabulary, boost in TERM_FIELDS)
INDEX_VERSION = 2


@functools.lru_cache(maxsize=1 << 16)
def _fold(text):
    """Return text without accents ("depressão" -> "depressao"); search.js folds query words the same way."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_TERM_TEXTS = {}  # id(term) -> (term, text): the same few hundred terms on every record


def _term_text(term):
    """The searchable words of one vocabulary term: its slug, names and aliases in every language (name_es,
    aliases_pt, ...), and accented words once more without accents."""
    found = _TERM_TEXTS.get(id(term))
    if found is not None and found[0] is term:
        return found[1]
    words = [term.slug.replace("-", " "), term.name, *term.aliases]
    words.extend(v for k, v in sorted(term.extra.items()) if k.startswith("name_") and isinstance(v, str))
    words.extend(a for k, v in sorted(term.extra.items()) if k.startswith("aliases_") for a in v or ())
    text = " ".join(words)
    folded = _fold(text)
    text = text if folded == text else "%s %s" % (text, folded)
    _TERM_TEXTS[id(term)] = (term, text)
    return text


def _names(slugs, vocabulary):
    return " ".join(_term_text(vocabulary[slug]) for slug in slugs or ())


def record_terms(record, vocab: Vocabularies):
    """{field: [slugs]} of the vocabulary terms a record has, per TERM_FIELDS field."""
    data = record.data
    buckets = set()
    for track in data.get("tracks") or ():
        buckets.update(derive.track_buckets(track))
    return {
        "focus": data.get("focus") or [],
        "modalities": data.get("modalities") or [],
        "populations": data.get("populations") or [],
        "insurance": data.get("insurance") or [],
        "languages": data.get("languages") or [],
        # Levels of care, schedule buckets and delivery modes, so "php", "evening" or "virtual" find programs.
        "levels": sorted(set(data.get("levels_of_care") or ())
                         | {t["level"] for t in data.get("tracks") or () if t.get("level")}),
        "schedule": [b for b in derive.SCHEDULE_BUCKETS if b in buckets] + derive.provider_modes(data),
    }


def record_words(record, places: PlaceTable):
    """{field: text} of a record's own words (RECORD_FIELDS)."""
    data = record.data
    towns = {views.location_place(loc, places) for loc in data.get("locations") or ()} - {None}
    return {
        "name": _with_folded(data["name"]),
        "town": " ".join(sorted({name for place in towns for name in (place.name, places.town(place).name)})),
        "programs": _with_folded(" ".join(data.get("programs") or ())),
        "description": _with_folded(data.get("description") or ""),
    }


def index_document(record, vocab: Vocabularies, places: PlaceTable):
    """Return every searchable field of one provider as plain text (INDEX_FIELDS), its terms' names included.

    A function of the record alone (no language edition's view), so every edition shares one index.
    """
    terms = record_terms(record, vocab)
    document = {"id": record.id, **record_words(record, places)}
    for field, vocabulary, _boost in TERM_FIELDS:
        document[field] = _names(terms[field], vocab[vocabulary])
    return document


def _with_folded(text):
    """The provider's own words, and the accented ones once more without accents ("acao" finds "Centro Ação",
    as "depressao" finds the vocabulary's "depressão")."""
    folded = _fold(text)
    if folded == text:
        return text
    return "%s %s" % (text, " ".join(f for w, f in zip(text.split(), folded.split()) if w != f and f))


def in_result_order(records):
    """Records in result order (by name, as the directory lists them): a record's number is its place here."""
    return sorted(records, key=lambda r: (r.data["name"].lower(), r.id))


def vocabulary_terms(records, vocab: Vocabularies):
    """[(field, vocabulary name, boost, slug)] of the vocabulary terms some record has, in the order of their
    numbers (a term no program has finds nothing: most of the languages, for one)."""
    used = set()
    for record in records:
        used.update((field, slug) for field, slugs in record_terms(record, vocab).items() for slug in slugs)
    return [(field, vocabulary, boost, term.slug) for field, vocabulary, boost in TERM_FIELDS
            for term in vocab[vocabulary].terms if (field, term.slug) in used]


def term_numbers(records, vocab: Vocabularies):
    """{(field, slug): number} of the terms of vocabulary_terms."""
    return {(field, slug): n for n, (field, _v, _b, slug) in enumerate(vocabulary_terms(records, vocab))}


def filter_document(record, vocab: Vocabularies, places: PlaceTable, numbers=None):
    """Return what the filters, distances and the term index read of one provider (language-free): per filter
    the values it confirms, and under "maybe" those it leaves unconfirmed ("*": every other; search_filters.py),
    its located places, whether it serves the whole state and the numbers of its vocabulary terms (`numbers`:
    term_numbers)."""
    data = record.data
    locations = []
    for loc in data.get("locations") or ():
        coords = derive.location_coordinates(loc, places)
        if coords is not None:
            town = places.town(views.location_place(loc, places))
            locations.append([coords.lat, coords.lon, 1 if coords.approximate else 0, town.name if town else ""])
    doc = {"locations": locations, "statewide": derive.serves_statewide(data)}
    if numbers is not None:  # the lunr path's term index; the split data finds terms in its term files
        doc["terms"] = sorted(numbers[field, slug] for field, slugs in record_terms(record, vocab).items()
                              for slug in slugs)
    facts = search_filters.record_facts(data, vocab)
    doc.update({param: list(f.yes) for param, f in facts.items()})
    doc["maybe"] = {param: f.maybe if f.maybe == search_filters.ANY else list(f.maybe)
                    for param, f in facts.items() if f.maybe}
    return doc


def filter_documents(records, vocab: Vocabularies, places: PlaceTable, with_terms: bool):
    """filter_document of every record, in result order: language-free, so made once per build (site_data.py);
    `with_terms` for the lunr path's term index."""
    numbers = term_numbers(records, vocab) if with_terms else None
    return [filter_document(r, vocab, places, numbers) for r in in_result_order(records)]


def card_words(view):
    """What a result card prints of one provider, in the edition's language (the rest: filter_document)."""
    return {
        "id": view["id"],
        "name": view["name"],
        "url": view["url"],
        "towns": [name for name, _ in view["towns"]],
        "phone": view["phone"],
        "phone_tel": view["phone_tel"],
        "verified": view["last_verified"],
        "levels": [t["name"] for t in view["levels"] or ()],
        "modes": [m["name"] for m in view["modes"]],
        "schedule_names": [b["name"] for b in view["schedule"]],
        "hours": sorted({t["hours_label"] for t in view["tracks"] or () if t["hours_label"]}),
        "listing_check": view["listing_check"] is not None,
    }


def build_index(documents, fields):
    """Return the serialised lunr index of the documents (a dict lunr.js's Index.load reads), its term weights
    rounded to two significant digits: they only order the results, and their digits were a tenth of a first
    search's bytes."""
    index = lunr(ref="id", fields=[{"field_name": name, "boost": boost} for name, boost in fields],
                 documents=documents).serialize()
    for _ref, vector in index["fieldVectors"]:
        rounded = (float("%.2g" % weight) for weight in vector[1::2])
        vector[1::2] = [int(weight) if weight.is_integer() else weight for weight in rounded]
    return index


def places_data(places: PlaceTable):
    """Return the place table for the browser: names with centres, and ZIPs with centres."""
    return {
        "places": sorted([[p.name, p.lat, p.lon] for p in {p.slug: p for p in places.places.values()}.values()]
                         + [[short, p.lat, p.lon] for short, p in places.postal_spellings()]),
        "zips": {z.zip: [z.lat, z.lon, z.place] for z in sorted(places.zips.values(), key=lambda z: z.zip)},
    }


def shared_search_files(records, vocab: Vocabularies, places: PlaceTable):
    """{output path: text} of what every edition's search shares: both lunr indexes and the place table."""
    own = [{"id": str(n), **record_words(r, places)} for n, r in enumerate(in_result_order(records))]
    terms = vocabulary_terms(records, vocab)
    term_documents = [{"id": str(n), "text": _term_text(vocab[vocabulary][slug])}
                      for n, (_field, vocabulary, _boost, slug) in enumerate(terms)]
    index = {"version": INDEX_VERSION, "records": build_index(own, RECORD_FIELDS),
             "terms": build_index(term_documents, [("text", 1)]), "term_boosts": [boost for _f, _v, boost, _s in terms]}
    return {"search/data/index.json": json_dumps(index), "search/data/places.json": json_dumps(places_data(places))}


def edition_docs(records, views, filter_docs):
    """The edition's result-card documents, in result order: each card's words with its program's filter
    document (`filter_docs`: filter_documents, made once per build)."""
    view_by_id = {v["id"]: v for v in views}
    return [{**card_words(view_by_id[r.id]), **doc} for r, doc in zip(in_result_order(records), filter_docs)]


def edition_search_files(records, views, filter_docs):
    """{output path: text} of the edition's document store."""
    return {"search/data/docs.json": json_dumps({"version": INDEX_VERSION,
                                                  "docs": edition_docs(records, views, filter_docs)})}
