"""The offline place table: every Massachusetts ZIP and municipality resolves; bad input gets a message."""

import pytest
import zipcodes

from iop_directory.paths import VOCABULARY_DIR
from iop_directory.places import Place, ZipArea, haversine_miles, load_places, place_key


@pytest.fixture(scope="module")
def places():
    return load_places()


def test_every_massachusetts_zip_resolves(places):
    rows = zipcodes.filter_by(state="MA")
    assert len(rows) > 600
    for row in rows:
        found, message = places.resolve(row["zip_code"])
        assert message is None, row["zip_code"]
        assert isinstance(found, ZipArea) and found.zip == row["zip_code"]
        assert (found.lat, found.lon) == (float(row["lat"]), float(row["long"]))


def test_every_municipality_resolves(places):
    names = [line.strip() for line in (VOCABULARY_DIR / "ma-municipalities.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(names) == 351
    for name in names:
        for typed in (name, name.upper(), name.lower(), "%s, MA" % name, "  %s, Massachusetts " % name):
            found, message = places.resolve(typed)
            assert message is None, typed
            assert isinstance(found, Place) and found.name == name, typed
            assert 41.2 < found.lat < 42.9 and -73.6 < found.lon < -69.9, name


def test_zip_plus_four_and_postal_names(places):
    area, message = places.resolve("01608-1234")
    assert message is None and area.zip == "01608" and area.place == "Worcester"
    # A postal place name that is a village of a municipality still resolves.
    village, message = places.resolve("Jamaica Plain")
    assert message is None and village.name == "Jamaica Plain" and "02130" in village.zips


def test_saint_and_st_are_the_same(places):
    assert place_key("St. Somewhere") == place_key("Saint Somewhere") == "saint somewhere"


@pytest.mark.parametrize("typed, expected", [
    ("", "Enter a Massachusetts town or ZIP code."),
    ("   ", "Enter a Massachusetts town or ZIP code."),
    ("10001", "10001 is not a Massachusetts ZIP code."),
    ("99999-0000", "99999 is not a Massachusetts ZIP code."),
    ("Atlantis", "No Massachusetts town or ZIP code matches Atlantis."),
    ("Worcestr", "No Massachusetts town called Worcestr. Did you mean Worcester or Dorchester?"),
    (":~*<script>", "No Massachusetts town or ZIP code matches :~*<script>."),
])
def test_unknown_input_gets_a_clear_message(places, typed, expected):
    found, message = places.resolve(typed)
    assert found is None
    assert message == expected


def test_resolve_never_crashes_on_odd_input(places):
    for typed in (None, "0", "1234", "123456", "ma", ", MA", "\u202eevil", "Ａｍｈｅｒｓｔ", "x" * 500):
        found, message = places.resolve(typed)
        assert (found is None) != (message is None)


def test_haversine_known_distance():
    # Worcester City Hall to Boston City Hall is about 39 miles as the crow flies.
    assert 38 < haversine_miles(42.2626, -71.8023, 42.3603, -71.0580) < 40
    assert haversine_miles(42.0, -71.0, 42.0, -71.0) == 0


def test_stored_zip_table_is_the_packages_rows():
    """providers/vocabulary/ma-zip-codes.json is a copy of the zipcodes package's Massachusetts rows; after a
    version change of the package it is not used (and `python -m iop_directory.places` writes it again)."""
    import json

    from iop_directory.places import ZIP_TABLE, package_zip_rows, zip_rows

    stored = json.loads((VOCABULARY_DIR / ZIP_TABLE).read_text(encoding="utf-8"))
    rows, version = package_zip_rows()
    if stored["zipcodes_version"] == version:
        assert stored["rows"] == rows
    assert zip_rows() == rows


def test_a_stale_or_broken_zip_table_falls_back_to_the_package(tmp_path):
    import json
    import shutil

    from iop_directory.places import ZIP_TABLE, package_zip_rows, zip_rows

    rows, version = package_zip_rows()
    for name in ("place-aliases.yaml", "ma-municipalities.txt"):
        shutil.copy(VOCABULARY_DIR / name, tmp_path / name)
    (tmp_path / ZIP_TABLE).write_text(json.dumps({"zipcodes_version": version + ".old", "rows": rows[:3]}))
    assert zip_rows(tmp_path) == rows
    (tmp_path / ZIP_TABLE).write_text("{not json")
    assert zip_rows(tmp_path) == rows
    assert load_places.__wrapped__(tmp_path).resolve("01608")[0].place == "Worcester"


@pytest.mark.parametrize("written, town", [
    ("Foxboro", "Foxborough"), ("Foxborough", "Foxborough"), ("North Attleboro", "North Attleborough"),
    ("E Longmeadow", "East Longmeadow"), ("Vineyard Haven", "Tisbury"), ("Marlboro", "Marlborough"),
    ("Westboro", "Westborough"), ("Worcester", "Worcester"),
])
def test_a_towns_other_spellings_are_that_town(places, written, town):
    """Town pages and duplicate checks group programs by the town, however their addresses spell it."""
    place = places.place(written)
    assert place is not None and places.town(place).name == town
    assert places.zip_matches_place(places.town(place).zips[0], written)


def test_a_village_sharing_a_towns_zip_is_not_assumed_to_be_in_it(places):
    # South Egremont (in Egremont) shares its only ZIP with Mount Washington: ZIPs alone decide nothing
    for village in ("South Egremont", "Hyannis", "Jamaica Plain"):
        place = places.place(village)
        assert places.town(place) is place, village
    assert places.place("Xboro") is None and places.place("S Egremontboro") is None


def test_programs_in_two_spellings_of_a_town_share_its_page(tmp_path):
    import datetime

    from iop_directory import views
    from iop_directory.duplicates import probable_duplicates
    from iop_directory.records import RecordValidator
    from iop_directory.vocab import load_vocabularies

    for name, city, street in (("one", "Foxboro", "1 Oak Ave"), ("two", "Foxborough", "1 Oak Avenue")):
        (tmp_path / ("%s.yaml" % name)).write_text(
            "name: Program %s\nlocations: [{street: %s, city: %s}]\n"
            "sources: [{url: 'https://program.test-provider.invalid', accessed: 2026-11-01}]\n"
            "last_verified: 2026-11-01\n" % (name, street, city), encoding="utf-8")
    today = datetime.date(2026, 11, 24)
    records, problems = RecordValidator(today=today).load_many([tmp_path])
    assert [p.format() for p in problems if p.is_error] == [] and len(records) == 2
    vocab, places = load_vocabularies(), load_places()
    shown = [views.provider_view(r, vocab, places, views.Labels(lambda text: text), today) for r in records]
    assert [(t["name"], t["slug"]) for t in views.group_by_town(shown)] == [("Foxborough", "foxborough")]
    assert [v["locations"][0]["city"] for v in shown] == ["Foxboro", "Foxborough"]  # the address as written
    assert probable_duplicates(records), "the same street in two spellings of one town is a likely duplicate"
