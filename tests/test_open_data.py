"""Issue 6: /data/ files parsed and checked against the records: providers.json, providers.csv, HSDS 3.0."""

import csv
import io
import json
import shutil

import jsonschema
import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, FIXTURES, REPO, build

HSDS_SCHEMA = json.loads((FIXTURES / "hsds" / "hsds-3.0-tables.schema.json").read_text(encoding="utf-8"))
TABLES = {"organizations": "organization", "services": "service", "locations": "location", "addresses": "address",
          "service_at_locations": "service_at_location", "schedules": "schedule", "languages": "language",
          "phones": "phone"}
REFERENCES = {"organization_id": "organizations", "service_id": "services", "location_id": "locations",
              "service_at_location_id": "service_at_locations", "phone_id": "phones"}


def records(folder=FIXTURE_PROVIDERS):
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))}


def load(site, path):
    return json.loads((site / "data" / path).read_text(encoding="utf-8"))


def test_providers_json_has_every_record_field_and_derived_facts(fixture_site):
    data = load(fixture_site, "providers.json")
    recs = records()
    assert data["schema_version"] == 1 and data["license"]["name"] == "CC BY 4.0"
    assert data["count"] == len(data["providers"]) == len(recs)
    fields = set(json.loads((REPO / "providers" / "schema.json").read_text(encoding="utf-8"))["properties"])
    assert [p["id"] for p in data["providers"]] == sorted(recs)
    for provider in data["providers"]:
        record = recs[provider["id"]]
        assert set(provider) == fields | {"derived"}
        for key in fields - {"id", "added"}:
            expected = record.get(key)
            assert provider[key] == (str(expected) if key == "last_verified" else expected) or key == "sources", key
        derived = provider["derived"]
        assert derived["page_url"].endswith("/providers/%s/" % provider["id"])
        assert isinstance(derived["completeness"], int) and isinstance(derived["statewide"], bool)
        assert (derived["tracks"] is None) == (record.get("tracks") is None)
        for track, got in zip(record.get("tracks") or (), derived["tracks"] or ()):
            assert got["name"] == track["name"]
    alpha = next(p for p in data["providers"] if p["id"] == "alpha-worcester")
    assert alpha["derived"]["tracks"][0]["weekly_hours"] == {"min": 12, "max": 12}
    assert alpha["derived"]["tracks"][0]["schedule"] == ["evening"]
    assert alpha["derived"]["locations"][0]["precision"] == "zip"
    echo = next(p for p in data["providers"] if p["id"] == "echo-unknown")
    assert echo["phone"] is None and echo["locations"] is None and echo["derived"]["locations"] is None
    assert load(fixture_site, "schema.json")["title"]


def test_providers_json_validates_against_the_schema_it_names(fixture_site):
    """A consumer can check the published file: providers.schema.json describes it whole (each provider is a
    record of schema.json's format plus `derived`, which schema.json itself does not allow)."""
    data = load(fixture_site, "providers.json")
    assert data["schema"].endswith("/data/providers.schema.json")
    schema = load(fixture_site, "providers.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(data)
    assert load(fixture_site, "schema.json")["$id"].endswith("/data/schema.json")  # where it is served
    broken = dict(data, providers=[dict(data["providers"][0], derived="not an object")])
    with pytest.raises(jsonschema.ValidationError):  # the schema is not one that accepts anything
        jsonschema.Draft202012Validator(schema).validate(broken)


def csv_rows(site):
    text = (site / "data" / "providers.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_providers_csv_has_one_row_per_provider_and_track(fixture_site):
    rows = csv_rows(fixture_site)
    recs = records()
    assert len(rows) == sum(max(1, len(r.get("tracks") or [])) for r in recs.values())
    for pid, record in recs.items():
        mine = [row for row in rows if row["provider_id"] == pid]
        assert mine and all(row["provider_name"] == record["name"] for row in mine)
        if record.get("tracks"):
            assert [row["track_name"] for row in mine] == [t["name"] for t in record["tracks"]]
        else:
            assert len(mine) == 1 and mine[0]["track_name"] == ""
    alpha = next(row for row in rows if row["provider_id"] == "alpha-worcester")
    assert alpha["insurance"] == "masshealth; bcbsma" and alpha["track_weekly_hours_min"] == "12"
    assert alpha["virtual"] == "false" and alpha["phone"] == "(508) 555-0101"
    # unknown is an empty cell, a confirmed "none" is written out, and a column named after a field holds it
    for pid, record in recs.items():
        row = next(r for r in rows if r["provider_id"] == pid)
        stated = record.get("serves_all_of_massachusetts")
        assert row["serves_all_of_massachusetts"] == ("" if stated is None else str(stated).lower()), pid
        locations = record.get("locations")
        assert (row["locations"] == "") == (locations is None), pid
        assert (row["locations"] == "(none)") == (locations == []), pid


def test_csv_guards_against_formula_injection(tmp_path):
    from iop_directory.open_data import csv_cell

    for value in ("=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1"):
        assert csv_cell(value) == "'" + value
    assert csv_cell("Normal") == "Normal" and csv_cell(None) == "" and csv_cell(["a", "b"]) == "a; b"
    assert csv_cell([]) == "(none)"
    providers = tmp_path / "providers"
    shutil.copytree(FIXTURE_PROVIDERS, providers)
    path = providers / "alpha-worcester.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "name: Alpha Test Clinic Worcester", 'name: "=cmd|\' /C calc\'!A0"'), encoding="utf-8")
    site = build(providers, tmp_path / "out")
    row = next(r for r in csv_rows(site) if r["provider_id"] == "alpha-worcester")
    assert row["provider_name"] == "'=cmd|' /C calc'!A0"


def hsds(site):
    index = load(site, "hsds/index.json")
    assert index["hsds_version"] == "3.0"
    tables = {name: load(site, "hsds/%s.json" % name) for name in TABLES}
    assert {name: info["count"] for name, info in index["tables"].items()} == {k: len(v) for k, v in tables.items()}
    return tables


def validate_hsds(tables):
    """Validate every row against the HSDS 3.0 table schema and check ids are unique and references resolve."""
    jsonschema.Draft202012Validator.check_schema(HSDS_SCHEMA)
    ids = {}
    for name, rows in tables.items():
        schema = {**HSDS_SCHEMA, "$ref": "#/$defs/%s" % TABLES[name]}
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        for row in rows:
            errors = sorted(validator.iter_errors(row), key=str)
            assert not errors, (name, row, [e.message for e in errors])
        ids[name] = [row["id"] for row in rows]
        assert len(set(ids[name])) == len(ids[name]), name
    for name, rows in tables.items():
        for row in rows:
            for key, target in REFERENCES.items():
                if key in row:
                    assert row[key] in ids[target], (name, key, row)


def test_hsds_export_validates_and_matches_records(fixture_site):
    tables = hsds(fixture_site)
    validate_hsds(tables)
    recs = records()
    assert len(tables["organizations"]) == len(tables["services"]) == len(recs)
    assert sorted(o["name"] for o in tables["organizations"]) == sorted(r["name"] for r in recs.values())
    assert len(tables["schedules"]) == sum(len(r.get("tracks") or []) for r in recs.values())
    assert len(tables["languages"]) == sum(len(r.get("languages") or []) for r in recs.values())
    assert len(tables["phones"]) == sum(1 for r in recs.values() if r.get("phone"))
    assert len(tables["service_at_locations"]) == len(tables["locations"])
    alpha_schedule = next(s for s in tables["schedules"] if s.get("opens_at") == "17:30")
    assert alpha_schedule["byday"] == "MO,TU,WE,TH" and alpha_schedule["closes_at"] == "20:30"
    assert alpha_schedule["freq"] == "WEEKLY"
    # HSDS reads a time without a timezone as UTC: every timed schedule says Eastern (standard) time
    timed = [s for s in tables["schedules"] if "opens_at" in s]
    assert timed and all(s["timezone"] == -5 and "Eastern time" in s["description"] for s in timed)
    virtual = [loc for loc in tables["locations"] if loc["location_type"] == "virtual"]
    assert virtual and all(loc.get("url", "https://").startswith("https://") for loc in virtual)


def test_hsds_ids_are_stable_across_builds_and_site_urls(fixture_site, tmp_path):
    other = build(FIXTURE_PROVIDERS, tmp_path / "pub", settings="publishconf.py")
    for table in TABLES:
        assert [r["id"] for r in hsds(other)[table]] == [r["id"] for r in hsds(fixture_site)[table]], table
    again = build(FIXTURE_PROVIDERS, tmp_path / "again")
    for path in ["providers.json", "providers.csv"] + ["hsds/%s.json" % t for t in TABLES]:
        assert (again / "data" / path).read_bytes() == (fixture_site / "data" / path).read_bytes(), path


def test_real_records_export_validates(real_site):
    tables = hsds(real_site)
    validate_hsds(tables)
    recs = records(REPO / "providers")
    assert len(tables["organizations"]) == len(recs)
    assert load(real_site, "providers.json")["count"] == len(recs)
    assert len(csv_rows(real_site)) == sum(max(1, len(r.get("tracks") or [])) for r in recs.values())


def test_data_page_documents_files_and_licence(fixture_site):
    html = (fixture_site / "data" / "index.html").read_text(encoding="utf-8")
    for text in ("providers.json", "providers.csv", "hsds/organizations.json", "Data licence: CC BY 4.0",
                 "Unknown is null", "schema_version", "not the official HSDS validator"):
        assert text in html, text


def test_each_edition_publishes_the_open_data_with_its_own_urls_and_language(fixture_site):
    """Each edition writes the /data/ files with its own base URL and language: the same records, each edition's
    own page URLs."""
    from iop_directory.jsontext import json_dumps

    en_text = (fixture_site / "data" / "providers.json").read_text(encoding="utf-8")
    en = json.loads(en_text)
    assert en["language"] == "en"
    en_base = en["record_schema"][: -len("/data/schema.json")]
    for lang in ("es", "pt"):
        edition = fixture_site / lang / "data"
        data = json.loads((edition / "providers.json").read_text(encoding="utf-8"))
        assert data["language"] == lang and data["record_schema"] == "%s/%s/data/schema.json" % (en_base, lang)
        assert [p["derived"]["page_url"] for p in data["providers"]] == \
            ["%s/%s/providers/%s/" % (en_base, lang, p["id"]) for p in en["providers"]]
        # everything else is the English edition's, byte for byte
        assert (edition / "providers.json").read_text(encoding="utf-8") == en_text.replace(
            json_dumps(en_base + "/")[1:-1], json_dumps("%s/%s/" % (en_base, lang))[1:-1]).replace(
            '"language":"en"', '"language":"%s"' % lang)
        rows = list(csv.DictReader(io.StringIO((edition / "providers.csv").read_text(encoding="utf-8"))))
        assert [r["page_url"] for r in rows] == [r["page_url"].replace(en_base, "%s/%s" % (en_base, lang))
                                                 for r in csv_rows(fixture_site)]
        organizations = json.loads((edition / "hsds" / "organizations.json").read_text(encoding="utf-8"))
        assert all(o["uri"].startswith("%s/%s/providers/" % (en_base, lang)) for o in organizations)
