"""Turn validated records into display-ready data for templates, so templates hold markup and no logic."""

import datetime
from urllib.parse import urlsplit

from . import derive, search_filters, state_map
from .places import PlaceTable, slugify
from .records import STALE_AFTER_DAYS, ProviderRecord
from .translations import translations_for
from .vocab import Vocabularies

DAY_ORDER = {d: i for i, d in enumerate(derive.DAYS)}


class Labels:
    """User-visible words made in Python, all through gettext so the editions can translate them."""

    def __init__(self, gettext, lang="en"):
        self._ = gettext
        self.lang = lang
        self._shared = {}
        _ = gettext
        self.day_short = {"mon": _("Mon"), "tue": _("Tue"), "wed": _("Wed"), "thu": _("Thu"), "fri": _("Fri"),
                          "sat": _("Sat"), "sun": _("Sun")}
        self.modes = {"in-person": _("In person"), "virtual": _("Virtual (video)"), "hybrid": _("Hybrid")}
        self.buckets = {"morning": _("Morning"), "afternoon": _("Afternoon"), "evening": _("Evening"),
                        "weekend": _("Weekend")}
        self.fields = {"website": _("website"), "phone": _("phone"), "address": _("street address"), "zip": _("ZIP code"),
                       "insurance": _("insurance accepted"), "schedule": _("schedule (days and times)"),
                       "populations": _("who it serves"), "modalities": _("therapies"), "focus": _("focus"),
                       "languages": _("languages"), "virtual": _("virtual option"),
                       "program_length_weeks": _("program length")}

    def evidence(self, evidence):
        """Why a listing needs confirming (derive.needs_confirmation), in one sentence."""
        _ = self._
        kind, dated = evidence.get("kind"), evidence.get("dated")
        if kind == "third-party-directory":
            return _("The only source saying that this program runs an intensive outpatient program is a "
                     "third-party directory, not the program itself.")
        if kind == "provider-blog":
            return _("The only sources saying that this program runs an intensive outpatient program are blog or "
                     "marketing articles on the provider's website, not a page about the program.")
        if dated:
            return _("The newest source saying that this program runs an intensive outpatient program is news "
                     "from %(date)s, more than two years ago.") % {"date": dated}
        return _("The only sources saying that this program runs an intensive outpatient program are news items "
                 "without a date.")

    def shared(self, key, make):
        """Return one object for every equal display value (term lists, schedule words, hours scales), made once.

        At national size most providers share their combinations of levels, populations or days; one object
        each instead of one per view halves the views' memory. Nothing changes a view once it is made.
        """
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = make()
        return found

    def term(self, term):
        # Languages carry their names from CLDR (name_es, name_pt); other vocabularies go through the catalogs.
        own = term.extra.get("name_" + self.lang)
        return own if isinstance(own, str) else self._(term.name)

    def days(self, days):
        """'Mon–Fri' for a run of three or more consecutive days, else 'Mon, Wed, Fri'."""
        if not days:
            return None
        ordered = sorted(days, key=DAY_ORDER.get)
        indexes = [DAY_ORDER[d] for d in ordered]
        if len(ordered) >= 3 and indexes == list(range(indexes[0], indexes[-1] + 1)):
            return "%s–%s" % (self.day_short[ordered[0]], self.day_short[ordered[-1]])
        return ", ".join(self.day_short[d] for d in ordered)

    def time(self, value):
        mins = derive.minutes(value)
        if mins is None:
            return None
        hours, minutes = divmod(mins, 60)
        if self.lang == "en":
            suffix = "AM" if hours < 12 else "PM"
            return "%d:%02d %s" % ((hours % 12) or 12, minutes, suffix)
        return "%02d:%02d" % (hours, minutes)

    def number(self, value):
        text = ("%.1f" % value).rstrip("0").rstrip(".")
        return text if self.lang == "en" else text.replace(".", ",")

    def hours(self, pair):
        if not pair:
            return None
        low, high = pair
        if high is None:
            return self._("at least %(hours)s hours a week") % {"hours": self.number(low)}
        if low == high:
            return self._("%(hours)s hours a week") % {"hours": self.number(low)}
        return self._("%(low)s–%(high)s hours a week") % {"low": self.number(low), "high": self.number(high)}

    def weeks(self, pair):
        if not pair:
            return None
        low, high = pair.get("min"), pair.get("max")
        if high is None:
            return self._("at least %(weeks)s weeks") % {"weeks": self.number(low)}
        if low == high:
            return self._("%(weeks)s weeks") % {"weeks": self.number(low)}
        return self._("%(low)s–%(high)s weeks") % {"low": self.number(low), "high": self.number(high)}


def labels_for(lang):
    """The display labels of one language edition."""
    return Labels(translations_for(lang).gettext, lang)


def _terms(values, vocabulary, labels):
    if values is None:
        return None
    return labels.shared(("terms", id(vocabulary), tuple(values)),
                         lambda: [{"slug": v, "name": labels.term(vocabulary[v])} for v in values])


def _insurance(slugs, vocab, labels):
    terms = vocab["insurance"]
    return [{"slug": slug, "name": labels.term(terms[slug]), "category": terms[slug].extra.get("category"),
             "category_name": labels._(vocab.payer_categories.get(terms[slug].extra.get("category"),
                                                                   terms[slug].extra.get("category")))}
            for slug in slugs]


def _host(url):
    return urlsplit(url).hostname if url else None


def _tel(phone):
    if not phone:
        return None
    main = phone.lower().split("ext")[0].split("x")[0]
    digits = "".join(c for c in main if c.isdigit())
    if len(digits) == 10:
        digits = "1" + digits
    return "+" + digits


SCALE_TOP_HOURS = 30.0


def hours_scale(hours, population):
    """Return where a track's weekly hours sit against the IOP and PHP thresholds on a 0–30 h scale.

    Positions are percentages of the scale (SVG user units, viewBox width 100). `band` names where the track
    falls: "outpatient" (below the IOP minimum), "iop", "php" (20 h or more) or "iop-php" (a range crossing 20 h).
    `adolescent` says which IOP minimum applies (6 h for adolescents and children, else 9 h).
    """
    if not hours:
        return None
    low, high = hours
    open_ended = high is None
    high = low if open_ended else high

    def pct(value):
        return round(max(0.0, min(value, SCALE_TOP_HOURS)) / SCALE_TOP_HOURS * 100, 1)

    adolescent = population in ("adolescents", "children")
    iop_min = derive.IOP_ADOLESCENT_MIN_HOURS if adolescent else derive.IOP_ADULT_MIN_HOURS
    php_min = derive.PHP_MIN_HOURS
    if high < iop_min and not open_ended:
        band = "outpatient"
    elif low >= php_min:
        band = "php"
    elif high < php_min and low >= iop_min and not open_ended:
        band = "iop"
    elif low < iop_min:
        band = "outpatient-iop"
    else:
        band = "iop-php"
    bar_x = min(pct(low), 98.5)
    bar_end = 100.0 if open_ended else max(pct(high), bar_x + 1.5)
    return {"low": bar_x, "high": pct(high), "width": round(bar_end - bar_x, 1), "open_ended": open_ended,
            "iop_min": pct(iop_min), "php_min": pct(php_min), "iop_width": round(pct(php_min) - pct(iop_min), 1),
            "php_width": round(100 - pct(php_min), 1), "band": band, "adolescent": adolescent,
            "iop_min_hours": iop_min, "iop_max_hours": derive.IOP_MAX_HOURS, "php_min_hours": php_min, "top_hours": int(SCALE_TOP_HOURS)}


def levels_view(levels_of_care):
    """Return content/levels-of-care.yaml ready for the levels page: every citation numbered by the position of
    its source in `sources` (1-based), and each level's sources listed once for its "Sources" row."""
    keys = list(levels_of_care["sources"])
    number = {key: i for i, key in enumerate(keys, 1)}

    def cite(item):
        return dict(item, cites=sorted(({"key": k, "n": number[k]} for k in item.get("sources") or ()), key=lambda c: c["n"]))

    levels = []
    for level in levels_of_care["levels"]:
        cells = {key: cite(cell) for key, cell in level["cells"].items()}
        used = sorted({c["n"] for cell in cells.values() for c in cell["cites"]})
        levels.append(dict(level, cells=cells, cites=[{"key": keys[n - 1], "n": n} for n in used]))
    return dict(levels_of_care, levels=levels,
                source_list=[dict(levels_of_care["sources"][k], key=k, n=number[k]) for k in keys],
                thresholds={k: cite(v) for k, v in levels_of_care["thresholds"].items()},
                medicare_iop=[cite(item) for item in levels_of_care["medicare_iop"]])


def location_place(loc: dict, places: PlaceTable):
    """Return the Massachusetts place of a record's location: its city's, else its ZIP's; None if neither."""
    if loc.get("city"):
        return places.place(loc["city"])
    known_zip = places.zip(loc.get("zip"))
    return places.place(known_zip.place) if known_zip else None


def provider_view(record: ProviderRecord, vocab: Vocabularies, places: PlaceTable, labels: Labels,
                  today: datetime.date):
    """Return everything a provider page, card or table row shows, ready to print."""
    data = record.data
    levels = vocab["levels"]
    locations = None
    if data.get("locations") is not None:
        locations = []
        for loc in data["locations"]:
            coords = derive.location_coordinates(loc, places)
            place = location_place(loc, places)
            town = places.town(place)
            locations.append({
                "street": loc.get("street"), "city": loc.get("city") or (place.name if place else None),
                "zip": loc.get("zip"), "note": loc.get("note"),
                "town": town.name if town else None, "town_slug": town.slug if town else None,
                "lat": coords.lat if coords else None, "lon": coords.lon if coords else None,
                "approximate": coords.approximate if coords else None,
            })
    tracks = None
    buckets = set()
    if data.get("tracks") is not None:
        tracks = []
        # A track without its own population is for the program's population when it names only one.
        sole_population = data["populations"][0] if len(data.get("populations") or ()) == 1 else None
        for track in data["tracks"]:
            hours = derive.track_weekly_hours(track)
            track_buckets = derive.track_buckets(track)
            buckets.update(track_buckets)
            start, end = labels.time(track.get("start")), labels.time(track.get("end"))
            scale_population = track.get("population") or sole_population
            tracks.append({
                "name": track["name"],
                "level": track.get("level"),
                "level_name": labels.term(levels[track["level"]]) if track.get("level") else None,
                "days": labels.shared(("days", tuple(track.get("days") or ())), lambda: labels.days(track.get("days"))),
                "time": labels.shared(("time", start, end), lambda: "%s – %s" % (start, end) if start and end else None),
                "buckets": labels.shared(("buckets", tuple(track_buckets)),
                                         lambda: [{"slug": b, "name": labels.buckets[b]} for b in track_buckets]),
                "mode": labels.modes.get(track.get("mode")),
                "population": labels.term(vocab["populations"][track["population"]]) if track.get("population") else None,
                "hours": hours,
                "hours_label": labels.shared(("hours", hours), lambda: labels.hours(hours)),
                "scale": labels.shared(("scale", hours, scale_population), lambda: hours_scale(hours, scale_population))
                if track.get("level") in ("outpatient", "iop", "php", None) else None,
                "notes": track.get("notes"),
            })
    insurance = None
    if data.get("insurance") is not None:
        insurance = labels.shared(("insurance", tuple(data["insurance"])), lambda: _insurance(data["insurance"], vocab,
                                                                                              labels))
    verified = datetime.date.fromisoformat(data["last_verified"])
    age = (today - verified).days
    known = derive.known_fields(data)
    modes = derive.provider_modes(data)
    level_slugs = sorted(data.get("levels_of_care") or [], key=lambda s: levels[s].extra.get("order", 99))
    view = {
        "id": record.id,
        "name": data["name"],
        "url": "providers/%s/" % record.id,
        "programs": data.get("programs"),
        "description": data.get("description"),
        "website": data.get("website"),
        "website_host": _host(data.get("website")),
        "phone": data.get("phone"),
        "phone_tel": _tel(data.get("phone")),
        "phone_note": data.get("phone_note"),
        "levels": None if data.get("levels_of_care") is None else _terms(level_slugs, levels, labels),
        "focus": _terms(data.get("focus"), vocab["focus"], labels),
        "populations": _terms(data.get("populations"), vocab["populations"], labels),
        "modalities": _terms(data.get("modalities"), vocab["modalities"], labels),
        "languages": _terms(data.get("languages"), vocab["languages"], labels),
        "insurance": insurance,
        "insurance_notes": data.get("insurance_notes"),
        "virtual": data.get("virtual"),
        "statewide": derive.serves_statewide(data),
        "modes": labels.shared(("modes", tuple(modes)), lambda: [{"slug": m, "name": labels.modes[m]} for m in modes]),
        "accepting_new_patients": data.get("accepting_new_patients"),
        "accreditation": data.get("accreditation"),
        "locations": locations,
        "towns": sorted({(loc["town"], loc["town_slug"]) for loc in locations or [] if loc["town"]}),
        "tracks": tracks,
        "schedule": labels.shared(("schedule", frozenset(buckets)), lambda: [
            {"slug": b, "name": labels.buckets[b]} for b in derive.SCHEDULE_BUCKETS if b in buckets]),
        "program_length": labels.weeks(data.get("program_length_weeks")),
        "sources": [{"url": s["url"], "host": _host(s["url"]), "accessed": s["accessed"], "title": s.get("title")}
                    for s in data["sources"]],
        "last_verified": data["last_verified"],
        "added": data.get("added") or data["last_verified"],
        "verified_days_ago": age,
        "stale": age > STALE_AFTER_DAYS,
        "notes": data.get("notes"),
        "completeness": derive.completeness(data),
        "unknown": labels.shared(("unknown", tuple(k for k, v in known.items() if not v)),
                                 lambda: [labels.fields[k] for k, v in known.items() if not v]),
        "listing_check": {"kind": data["iop_evidence"]["kind"], "reason": labels.evidence(data["iop_evidence"]),
                          "note": data["iop_evidence"].get("note")}
        if derive.needs_confirmation(data, today) else None,
    }
    view["map"] = provider_map(view)
    return view


def coverage_view(found, views, labels: Labels):
    """Return coverage.Coverage ready for the /coverage/ page: each fact's label and share, and each program with
    its view (for its page's address) and what is not yet confirmed about it, in words."""
    by_id = {v["id"]: v for v in views}
    return {
        "total": found.total,
        "facts": [{"key": key, "label": labels.fields[key], "count": count, "share": found.share(count)}
                  for key, count in found.confirmed],
        "verified_recently": found.verified_recently,
        "needs_confirming": found.needs_confirming,
        "programs": [{"provider": by_id[p.id], "unknown": [labels.fields[k] for k in p.unknown],
                      "unknown_count": len(p.unknown), "needs_confirming": p.needs_confirming}
                     for p in found.programs],
        "fact_count": len(found.confirmed),
        "recent_days": STALE_AFTER_DAYS,
    }


def provider_map(view):
    """The dots of a provider's map (its located places, numbered as listed on its page), or None."""
    located = [loc for loc in view["locations"] or () if loc["lat"] is not None]
    if not located:
        return None
    return {"markers": [dict(zip(("x", "y"), state_map.project(loc["lat"], loc["lon"])), id=view["id"], number=n,
                             approximate=loc["approximate"])
                        for n, loc in enumerate(located, 1)]}


def town_map(town, members, places: PlaceTable, first=1):
    """The dots of a town page's map: the town itself, and each listed program's places in the town, numbered as
    the list numbers them from `first`."""
    centre = places.place(town["name"])
    markers = []
    for n, view in enumerate(members, first):
        for loc in view["locations"] or ():
            if loc["lat"] is not None and loc["town_slug"] == town["slug"]:
                x, y = state_map.project(loc["lat"], loc["lon"])
                markers.append({"x": x, "y": y, "id": view["id"], "number": n, "approximate": loc["approximate"]})
    origin = dict(zip(("x", "y"), state_map.project(centre.lat, centre.lon))) if centre else None
    return {"markers": markers, "origin": origin}


def group_by_town(views):
    """Return [{name, slug, providers}] for every town with at least one located provider, by name."""
    towns = {}
    for view in views:
        for name, slug in view["towns"]:
            towns.setdefault(slug, {"name": name, "slug": slug, "providers": []})["providers"].append(view)
    return [towns[s] for s in sorted(towns)]


def group_by_payer(views, records, vocab: Vocabularies, labels: Labels):
    """Return one entry per payer in the vocabulary with the providers that confirm accepting it, and how many
    might accept it (search_filters: their insurance is unknown, or a possibly partial list that does not name
    it; the search for the payer shows them apart)."""
    open_lists = [search_filters.insurance(r.data, vocab) for r in records]
    open_lists = [facts.yes for facts in open_lists if facts.maybe == search_filters.ANY]
    naming = {}
    for yes in open_lists:
        for slug in yes:
            naming[slug] = naming.get(slug, 0) + 1
    accepting = {term.slug: [] for term in vocab["insurance"].terms}
    for view in views:  # one pass, in the views' order (one pass per payer took 0.5 s at 20,000)
        for slug in dict.fromkeys(i["slug"] for i in view["insurance"] or ()):
            accepting[slug].append(view)
    payers = []
    for term in vocab["insurance"].terms:
        category = term.extra.get("category")
        payers.append({"slug": term.slug, "name": labels.term(term), "aliases": list(term.aliases),
                       "category": category, "category_name": labels._(vocab.payer_categories.get(category, category)),
                       "providers": accepting[term.slug],
                       "unconfirmed_count": len(open_lists) - naming.get(term.slug, 0)})
    return payers


def search_facets(records, vocab: Vocabularies, labels: Labels):
    """Return the search filter groups (search_filters.FILTERS) with every option, for the form rendered without
    JavaScript."""
    return [{"param": f.param, "label": labels._(f.label), "options": f.options(vocab, labels, records)}
            for f in search_filters.FILTERS]


def list_pages(base_path: str, members: list, size: int):
    """Split a listing of `members` into pages of `size`: yield (save_as, members on it, pagination or None).

    The first page keeps the listing's own URL (base_path + index.html); the others are base_path/page/N/. A
    listing that fits on one page is written as before, without pagination. URLs in `pagination` are relative
    to the site root, like a view's "url".
    """
    count = max(1, -(-len(members) // size))
    if count == 1:
        yield base_path + "index.html", members, None
        return
    urls = [base_path if n == 1 else "%spage/%d/" % (base_path, n) for n in range(1, count + 1)]
    for n in range(1, count + 1):
        yield urls[n - 1] + "index.html", members[(n - 1) * size: n * size], {
            "number": n, "count": count, "first": (n - 1) * size + 1, "total": len(members),
            "pages": [{"number": k, "url": url} for k, url in enumerate(urls, start=1)],
            "previous": urls[n - 2] if n > 1 else None, "next": urls[n] if n < count else None,
        }


__all__ = ["Labels", "labels_for", "search_facets", "coverage_view", "provider_map", "town_map", "provider_view", "list_pages", "group_by_town", "group_by_payer", "hours_scale", "levels_view", "slugify"]
