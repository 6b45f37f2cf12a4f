"""Synthetic records shaped like the directory's own (never written into providers/).

    .venv/bin/python bench/shaped.py N FOLDER [--seed S]

Record i copies the shape of real record i mod R (providers/*.yaml, R records): the same fields known and
unknown (null stays null, an empty list stays empty), the same vocabulary terms, tracks and sources, and text of
about the same length. What identifies a provider is replaced: the name ("Synthetic Program 00012"), every free
text (synthetic words), web addresses (on the reserved `.invalid` domain), phones (555 numbers) and places (a
random Massachusetts town, with a ZIP of that town where the record has one) and dates (a day in 2026 before the
benchmark's "today"). So a benchmark at 400 measures a
complete Massachusetts directory as ours is today: most facts unknown.
"""

import copy
import random
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from iop_directory.places import load_places  # noqa: E402
from iop_directory.yaml_loader import parse  # noqa: E402
from synthetic import WORDS, _date, command_line, record_folder  # noqa: E402

TEXT_FIELDS = ("description", "phone_note", "insurance_notes", "accreditation", "notes")


def _words_like(text, rng):
    """Synthetic words, about as many as `text` has and never longer."""
    count = max(2, len(str(text).split()))
    words = [rng.choice(WORDS) for _ in range(count)]
    while len(words) > 1 and len(" ".join(words)) >= len(str(text)):  # whole words only: no "evenin"
        words.pop()
    return " ".join(words).capitalize() + "."


def _templates():
    found = []
    for path in sorted((REPO / "providers").glob("*.yaml")):
        data = parse(path.read_text(encoding="utf-8"))[0]
        if isinstance(data, dict):
            found.append(data)
    return found


def shaped_record(i, template, rng, zips_by_place, place_names):
    """Return record i as a dict: the template's shape with its identifying facts replaced."""
    data = copy.deepcopy(template)
    data.pop("id", None)
    host = "p%05d.test-provider.invalid" % i
    data["name"] = "Synthetic Program %05d" % i
    for field in TEXT_FIELDS:
        if data.get(field):
            data[field] = _words_like(data[field], rng)
    if data.get("programs"):
        data["programs"] = [_words_like(name, rng) for name in data["programs"]]
    if data.get("website"):
        data["website"] = "https://%s/" % host
    if data.get("phone"):
        data["phone"] = "(%03d) 555-%04d" % (rng.choice((413, 508, 617, 774, 781, 978)), i % 10000)
    if isinstance(data.get("iop_evidence"), dict) and data["iop_evidence"].get("note"):
        data["iop_evidence"]["note"] = _words_like(data["iop_evidence"]["note"], rng)
    for loc in data.get("locations") or ():
        if loc.get("city") or loc.get("zip"):
            place = rng.choice(place_names)
            if loc.get("zip") and zips_by_place.get(place):
                loc["zip"] = rng.choice(zips_by_place[place])
            elif loc.get("zip"):
                loc["zip"] = None
            loc["city"] = place
        if loc.get("street"):
            loc["street"] = "%d Synthetic Street" % rng.randint(1, 999)
        if loc.get("note"):
            loc["note"] = _words_like(loc["note"], rng)
    for track in data.get("tracks") or ():
        if track.get("notes"):
            track["notes"] = _words_like(track["notes"], rng)
    verified = _date(rng)  # a date the benchmark's "today" is after, as synthetic.py's records have
    data["last_verified"] = verified
    data.pop("added", None)
    for n, source in enumerate(data.get("sources") or ()):
        source["url"] = "https://%s/page-%d" % (host, n)
        source["accessed"] = verified
        if source.get("title"):
            source["title"] = _words_like(source["title"], rng)
    return data


def write_records(folder, n, seed=1):
    """Write n records shaped like providers/*.yaml into folder (created if needed); return their paths."""
    folder = record_folder(folder)
    rng = random.Random(seed)
    places = load_places()
    zips_by_place = {}
    for area in places.zips.values():
        zips_by_place.setdefault(area.place, []).append(area.zip)
    place_names = sorted(zips_by_place)
    templates = _templates()
    paths = []
    for i in range(n):
        data = shaped_record(i, templates[i % len(templates)], rng, zips_by_place, place_names)
        text = "# Synthetic benchmark record shaped like a real one (not a real provider).\n" + yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True, width=1000)
        path = folder / ("shaped-%05d.yaml" % i)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    command_line(write_records)
