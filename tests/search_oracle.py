"""What a search of the directory should return, computed in Python from the records a site was built from.

The browser tests (test_search_browser.py) compare the page with this, on the six fixtures and, unchanged, on a
national-size site (make bench). It is written from the documented rules, not from the page's JavaScript:

- places: distances from the `zipcodes` package's ZIP centres (a location without a ZIP: its town's centre from
  the place table, "approximate"); a program's distance is its nearest location's; virtual programs without a
  location serve all of Massachusetts; the rest have no known location;
- text: every word of the query must match a term of the record (what search_index.index_document makes
  searchable, through lunr.py's own tokenizer, trimmer, stop words and stemmer): the word's stem (or its stem
  without accents), a term it begins, or, for words of 5+ letters, a term one edit away (insertion, deletion,
  substitution or two neighbouring letters swapped) that shares its first two letters;
- filters: a record confirms, leaves unconfirmed or rules out each value (search_filters.record_facts, the
  build's declared meaning of each value); a filter group is what the best of its chosen values is. A program
  whose record confirms every chosen group is a match; one that rules out any chosen group is not shown; the rest
  might fit, and follow the matches in a group of their own ("unconfirmed");
- order: by distance then name with a place; by name without one (by relevance when there are words, which is
  not modelled: those results are compared as sets). Programs that might fit, with a place: located ones by
  distance, then the statewide ones, then those whose place is unknown, each by name; without one as the matches.
"""

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import zipcodes
from lunr.stemmer import stemmer as lunr_stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.tokenizer import Tokenizer
from lunr.trimmer import trimmer

FILTERS = ("insurance", "mode", "schedule", "level", "population", "focus", "modality", "language")
RADII = ("5", "10", "25", "50")  # the distances the search form offers (theme/templates/search.html)
EARTH_RADIUS_MILES = 3958.8
_WORDS = re.compile(r"[^\w]+|_+")


def miles(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


@functools.lru_cache(maxsize=None)  # zipcodes.matching reads through every US ZIP
def zip_point(code):
    row = zipcodes.matching(code)[0]
    return float(row["lat"]), float(row["long"])


def fold(word):
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _stem(word):
    return str(lunr_stemmer(_token(word)))


def _token(text):
    from lunr.token import Token

    return Token(text)


def _is_stop_word(word):
    return stop_word_filter(_token(word)) is None


def index_terms(text):
    """The terms lunr.py indexes for a text (its tokenizer, trimmer, stop-word filter and stemmer)."""
    terms = set()
    for token in Tokenizer(text):
        token = trimmer(token)
        if token is None or not str(token) or stop_word_filter(token) is None:
            continue
        terms.add(str(lunr_stemmer(token)))
    return terms


def query_words(q):
    """The query's words as the page reads them: lower case, split at anything but letters and digits, no stop
    words."""
    return [w for w in _WORDS.split(q.lower()) if w and not _is_stop_word(w)]


def one_edit(a, b):
    """Whether b is at most one insertion, deletion, substitution or swap of neighbouring letters from a."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def word_matches(word, term, anywhere=False):
    """Whether a query word finds an index term (see the module docstring). `anywhere`: one-edit matches whatever
    the first two letters (the one lunr index finds those too; the split data does not look for them)."""
    folded = fold(word)
    if term in (_stem(word), _stem(folded)) or term.startswith(word) or term.startswith(folded):
        return True
    return len(word) >= 5 and one_edit(word, term) and (anywhere or term[:2] == word[:2])


@dataclass
class Program:
    id: str
    name: str
    data: dict
    points: list  # [(lat, lon, approximate)]
    statewide: bool
    facts: dict  # {filter: search_filters.Facts}

    def distance(self, origin):
        """(miles, approximate) to the nearest location, or None."""
        best = None
        for lat, lon, approximate in self.points:
            d = miles(origin, (lat, lon))
            if best is None or d < best[0]:
                best = (d, approximate)
        return best


@dataclass
class Expected:
    groups: list  # [(group key, [(id, miles or None, approximate)])] as the page groups them
    ordered: bool  # False: the order within a group is by relevance, not modelled
    open: dict = None  # {id: [the chosen filters it leaves unconfirmed]} of the programs that might fit

    @property
    def ids(self):
        return [rid for _key, hits in self.groups for rid, _m, _a in hits]

    @property
    def confirmed_ids(self):
        return [rid for key, hits in self.groups if key != "unconfirmed" for rid, _m, _a in hits]

    @property
    def unconfirmed_ids(self):
        return [rid for key, hits in self.groups if key == "unconfirmed" for rid, _m, _a in hits]

    @property
    def total(self):
        """The confirmed matches."""
        return sum(len(hits) for key, hits in self.groups if key != "unconfirmed")

    @property
    def might_fit(self):
        return sum(len(hits) for key, hits in self.groups if key == "unconfirmed")


class Oracle:
    """The programs of one site, and what a search URL should show of them."""

    def __init__(self, providers: Path, today):
        from iop_directory.places import load_places
        from iop_directory.records import RecordValidator
        from iop_directory.search_filters import record_facts
        from iop_directory.search_index import INDEX_FIELDS, index_document
        from iop_directory.vocab import load_vocabularies

        vocab, places = load_vocabularies(), load_places()
        self.places = places
        validator = RecordValidator(vocab, places, today=today)
        records, problems = validator.load_many([Path(providers)])
        assert not [p for p in problems if p.is_error], problems
        self.programs = {}
        self.postings = {}  # index term -> ids of the programs that have it
        for record in records:
            data = record.data
            points = []
            for loc in data.get("locations") or []:
                if loc.get("zip") and places.zip(loc["zip"]) is not None:
                    points.append((*zip_point(loc["zip"]), False))
                elif loc.get("city") and places.place(loc["city"]) is not None:
                    place = places.place(loc["city"])
                    points.append((place.lat, place.lon, True))
            document = index_document(record, vocab, places)
            terms = set()
            for name, _boost in INDEX_FIELDS:
                terms |= index_terms(document[name])
            for term in terms:
                self.postings.setdefault(term, set()).add(record.id)
            self.programs[record.id] = Program(
                record.id, data["name"], data, points, data.get("virtual") is True and not data.get("locations"),
                record_facts(data, vocab))

    def __len__(self):
        return len(self.programs)

    def by_name(self, ids):
        return sorted(ids, key=lambda rid: (self.programs[rid].name.lower(), rid))

    def origin(self, near):
        """The point a `near` text stands for (a ZIP, ZIP+4 or a town, any case, ', MA' allowed), or None."""
        text = near.strip()
        digits = re.fullmatch(r"(\d{5})(-\d{4})?", text)
        if digits:
            area = self.places.zip(digits.group(1))
            return zip_point(digits.group(1)) if area else None
        name = re.sub(r",?\s*(ma|massachusetts)$", "", text, flags=re.I).strip()
        place = self.places.place(name)
        return (place.lat, place.lon) if place else None

    def text_matches(self, q, anywhere=False):
        """The ids every word of `q` finds, or None when `q` has no words."""
        words = query_words(q)
        if not words:
            return None
        found = None
        for word in words:
            matching = set()
            for term, ids in self.postings.items():
                if word_matches(word, term, anywhere):
                    matching |= ids
            found = matching if found is None else found & matching
        return found

    def open_groups(self, program, filters, except_group=None):
        """None when a chosen group rules the program out, else the chosen groups it leaves unconfirmed."""
        open_ = []
        for name in FILTERS:
            values = filters.get(name)
            if name == except_group or not values:
                continue
            said = max(program.facts[name].state(v) for v in values)
            if said < 0:
                return None
            if said == 0:
                open_.append(name)
        return open_

    def passes(self, program, filters, except_group=None):
        """Whether the program is a confirmed match."""
        return self.open_groups(program, filters, except_group) == []

    def parse(self, url):
        """(q, near, radius, {filter: [values]}) of a search URL, as the page reads it."""
        params = parse_qs(urlsplit(url).query)
        radius = (params.get("radius") or [""])[0].strip()
        filters = {}
        for name in FILTERS:
            values = []
            for raw in params.get(name, []):
                for v in raw.split(","):
                    v = v.strip().lower()
                    if v and v not in values:
                        values.append(v)
            filters[name] = values
        return ((params.get("q") or [""])[0].strip(), (params.get("near") or [""])[0].strip(),
                radius if radius in RADII else "", filters)

    def candidates(self, q, origin, radius):
        """The programs the words and the distance allow, before filters."""
        words = self.text_matches(q)
        out = []
        for rid, program in self.programs.items():
            if words is not None and rid not in words:
                continue
            near = program.distance(origin) if origin and not program.statewide else None
            if radius and near is not None and near[0] > float(radius):
                continue
            out.append((program, near))
        return out

    def search(self, url, geo_origin=None):
        """What the page should show for a search URL (geo_origin: a position from "Use my location")."""
        q, near, radius, filters = self.parse(url)
        origin = self.origin(near) if near else geo_origin
        candidates = self.candidates(q, origin, radius if origin else "")
        results = [(p, d) for p, d in candidates if self.passes(p, filters)]
        key = lambda item: (item[0].name.lower(), item[0].id)  # noqa: E731
        might = [(p, d) for p, d in candidates if self.open_groups(p, filters)]
        if origin:
            might.sort(key=lambda item: (0 if item[1] else 1 if item[0].statewide else 2,
                                         item[1][0] if item[1] else 0, *key(item)))
        else:
            might.sort(key=key)
        unconfirmed = [("unconfirmed", [(p.id, d[0] if d else None, d[1] if d else False) for p, d in might])] \
            if might else []
        open_ = {p.id: self.open_groups(p, filters) for p, _ in might}
        if not origin:
            return Expected([("all", [(p.id, None, False) for p, _ in sorted(results, key=key)])] + unconfirmed,
                            ordered=not query_words(q), open=open_)
        located = sorted(((p, d) for p, d in results if d is not None), key=lambda item: (item[1][0], *key(item)))
        statewide = sorted(((p, d) for p, d in results if d is None and p.statewide), key=key)
        unknown = sorted(((p, d) for p, d in results if d is None and not p.statewide), key=key)
        groups = [("nearby", [(p.id, d[0], d[1]) for p, d in located]),
                  ("statewide", [(p.id, None, False) for p, _ in statewide]),
                  ("unknown", [(p.id, None, False) for p, _ in unknown])]
        return Expected([g for g in groups if g[1]] + unconfirmed, ordered=True, open=open_)

    def count(self, url, group, value):
        """How many results a filter value would have: the search's other groups applied, its own group not (values
        within a group are alternatives)."""
        q, near, radius, filters = self.parse(url)
        origin = self.origin(near) if near else None
        return sum(1 for p, _ in self.candidates(q, origin, radius if origin else "")
                   if self.passes(p, filters, except_group=group) and p.facts[group].state(value) == 1)
