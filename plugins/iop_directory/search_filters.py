"""The search filters, declared once: their URL parameters, labels and options, and what each means for a record.

For every value of a filter a record either confirms it, leaves it unconfirmed or rules it out:

- confirmed: the record states it (insurance names the plan, a track meets in the evening);
- unconfirmed: the record does not say. The field is unknown (null), a track's time or days are unknown, or a
  list the record format marks as possibly partial (`x-partial` in providers/schema.json: insurance, therapies)
  does not name the value;
- ruled out: what the record states excludes it (every track's time is known and none is in the evening;
  `virtual: false`; a list that is the whole answer, such as who the program serves, does not name it).

The search page shows confirmed matches as before and programs that might fit apart, after them, naming what is
not yet confirmed (issue 24); only a program its record rules out is hidden. The page reads each program's
`yes` values as its filter values (search_index.filter_document) and its `maybe` values beside them, so adding a
filter is one entry in FILTERS here and nothing in the page's script, which reads the filters from the form.
"""

from dataclasses import dataclass
from typing import Callable

from . import derive
from .records import load_schema

ANY = "*"  # every value the record does not confirm is unconfirmed
TIMES_OF_DAY = ("morning", "afternoon", "evening")


def _(text):
    """Mark a label for the catalogs (babel.cfg); views.search_facets translates it for each edition."""
    return text


@dataclass(frozen=True)
class Facts:
    """What a record says about one filter: the values it confirms, and ANY or the values it leaves unconfirmed
    (every other value it rules out)."""

    yes: tuple
    maybe: object = ()

    def state(self, value) -> int:
        """1 confirmed, 0 unconfirmed, -1 ruled out."""
        if value in self.yes:
            return 1
        return 0 if self.maybe == ANY or value in self.maybe else -1


UNKNOWN = Facts((), ANY)


def _tracks(data):
    return [t for t in data.get("tracks") or () if isinstance(t, dict)]


def insurance(data, vocab) -> Facts:
    """The payers a record names and their categories' values (?insurance=medicaid: any MassHealth plan)."""
    slugs = data.get("insurance")
    if slugs is None:
        return UNKNOWN
    categories = {vocab.category_value(c) for c in (vocab["insurance"][s].extra.get("category") for s in slugs) if c}
    return Facts(tuple(sorted(set(slugs) | categories)), ANY if slugs and _partial("insurance") else ())


def mode(data, vocab) -> Facts:
    """In person, virtual, hybrid: virtual is ruled out by `virtual: false`; in person when the program is virtual
    only; hybrid when every track's mode is known and none is hybrid."""
    modes = set(derive.provider_modes(data))
    track_modes = [t.get("mode") for t in _tracks(data)]
    all_known = bool(track_modes) and None not in track_modes
    virtual_only = derive.serves_statewide(data) or (all_known and not set(track_modes) & {"in-person", "hybrid"})
    maybe = [value for value, ruled_out in (("in-person", virtual_only), ("virtual", data.get("virtual") is False),
                                            ("hybrid", all_known)) if value not in modes and not ruled_out]
    return Facts(tuple(sorted(modes)), tuple(maybe))


def schedule(data, vocab) -> Facts:
    """Parts of the day and the weekend: ruled out only when every track's time (or days) is known."""
    tracks = _tracks(data)
    if not tracks:
        return UNKNOWN
    yes = set()
    times_known = days_known = True
    for track in tracks:
        yes.update(derive.track_buckets(track))
        start, end = derive.minutes(track.get("start")), derive.minutes(track.get("end"))
        if not (start is not None and end is not None and end > start) and not track.get("time_of_day"):
            times_known = False
        if not track.get("days"):
            days_known = False
    maybe = [b for b in TIMES_OF_DAY if not times_known and b not in yes]
    if not days_known and "weekend" not in yes:
        maybe.append("weekend")
    return Facts(tuple(b for b in derive.SCHEDULE_BUCKETS if b in yes), tuple(maybe))


def level(data, vocab) -> Facts:
    """The levels of care a record lists, and those of its tracks."""
    levels = set(data.get("levels_of_care") or ()) | {t.get("level") for t in _tracks(data) if t.get("level")}
    if data.get("levels_of_care") is None and not levels:
        return UNKNOWN
    return Facts(tuple(sorted(levels)))


def listed(field):
    """The terms of a list field; a list the record format marks as possibly partial rules nothing out."""
    def facts(data, vocab) -> Facts:
        values = data.get(field)
        if values is None:
            return UNKNOWN
        return Facts(tuple(sorted(values)), ANY if values and _partial(field) else ())
    return facts


def _partial(field) -> bool:
    return bool(load_schema()["properties"][field].get("x-partial"))


@dataclass(frozen=True)
class Filter:
    param: str  # the URL parameter, a public contract (?insurance=masshealth)
    label: str  # the fieldset's legend (a msgid)
    facts: Callable  # (record data, vocabularies) -> Facts
    options: Callable  # (vocabularies, labels, records) -> [{"slug", "name"}] for the form


def _terms(vocabulary):
    return lambda vocab, labels, records: [{"slug": t.slug, "name": labels.term(t)} for t in vocab[vocabulary].terms]


def _insurance_options(vocab, labels, records):
    return _terms("insurance")(vocab, labels, records) + [
        {"slug": vocab.category_value(k), "name": labels._(v)} for k, v in vocab.payer_categories.items()
        if vocab.category_value(k) not in vocab["insurance"]]


def _language_options(vocab, labels, records):
    used = {lang for r in records for lang in r.data.get("languages") or []}
    return [{"slug": c, "name": labels.term(vocab["languages"][c])} for c in sorted(used | {"en", "es", "pt"})]


FILTERS = (
    Filter("insurance", _("Insurance"), insurance, _insurance_options),
    Filter("mode", _("How it is delivered"), mode,
           lambda vocab, labels, records: [{"slug": k, "name": v} for k, v in labels.modes.items()]),
    Filter("schedule", _("Schedule"), schedule,
           lambda vocab, labels, records: [{"slug": k, "name": v} for k, v in labels.buckets.items()]),
    Filter("level", _("Level of care"), level, _terms("levels")),
    Filter("population", _("Who it serves"), listed("populations"), _terms("populations")),
    Filter("focus", _("Focus"), listed("focus"), _terms("focus")),
    Filter("modality", _("Therapies"), listed("modalities"), _terms("modalities")),
    Filter("language", _("Language"), listed("languages"), _language_options),
)
PARAMS = tuple(f.param for f in FILTERS)


def record_facts(data, vocab):
    """{URL parameter: Facts} of one record."""
    return {f.param: f.facts(data, vocab) for f in FILTERS}
