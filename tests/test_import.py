"""`iop import`: HSDS 3 JSON, the HSDS CSV data package and FindTreatment.gov-style CSV into draft records.

Fixtures in tests/fixtures/import/ are synthetic, written from the HSDS 3 field list.
"""

import shutil
import zipfile

import pytest
import yaml

from conftest import FIXTURES, TEST_TODAY
from iop_directory.cli import main
from iop_directory.new_record import render
from iop_directory.record_merge import merge
from iop_directory.records import RecordValidator

IMPORT = FIXTURES / "import"
SOURCE = "https://example.org/open-referral-export"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def do_import(capsys, tmp_path, name, *extra):
    return run(capsys, "import", str(IMPORT / name), "--source-url", SOURCE, "--providers", str(tmp_path),
               "--today", TEST_TODAY, *extra)


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_hsds_json_maps_what_maps_and_reports_the_rest(capsys, tmp_path):
    code, out, err = do_import(capsys, tmp_path, "hsds.json")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kilo-test-recovery-center-inc.yaml",
                                                         "lima-test-behavioral-health.yaml"]
    kilo = tmp_path / "kilo-test-recovery-center-inc.yaml"
    text = kilo.read_text(encoding="utf-8")
    assert text.startswith("# DRAFT imported from hsds.json: verify every field before publishing\n")
    data = load(kilo)
    assert data["name"] == "Kilo Test Recovery Center, Inc."
    assert data["website"] == "https://kilo.test-provider.invalid"
    assert data["phone"] == "(508) 555-0142"
    assert data["programs"] == ["Evening Intensive Outpatient Program"]  # the inactive service is left out
    assert data["locations"] == [{"street": "10 Test Street, Suite 2", "city": "Worcester", "zip": "01608",
                                  "note": "Imported from location 'Main campus'; verify."}]
    track = data["tracks"][0]
    assert (track["days"], track["start"], track["end"]) == (["mon", "tue", "wed", "thu"], "17:30", "20:30")
    assert data["languages"] == ["en", "es"]  # "spa" mapped by name; Klingon reported
    assert data["insurance"] is None and data["levels_of_care"] is None  # nothing guessed
    assert data["sources"][0]["url"] == SOURCE and str(data["last_verified"]) == TEST_TODAY
    assert "organization.email" in out and "service.fees_description" in out
    assert "Klingon" in out or "tlh" in out
    assert "skipped November Test Clinic Nashua: outside Massachusetts (NH)" in out
    assert "summary: 2 written, 0 updated, 0 unchanged, 0 skipped (exists), 1 skipped (not imported), 0 invalid" in out


def test_unmappable_values_are_left_null_and_reported(capsys, tmp_path):
    code, out, _ = do_import(capsys, tmp_path, "hsds.json")
    lima = load(tmp_path / "lima-test-behavioral-health.yaml")
    assert lima["website"] is None and lima["phone"] is None
    assert lima["locations"] == [{"street": "20 Sample Avenue", "city": None, "zip": None,
                                  "note": "Imported from location 'Downtown office'; verify."}]
    assert lima["tracks"] is None
    for note in ("website 'not a url'", "phone '555-01'", "city 'Sprngfield'", "ZIP '99999'", "MONTHLY"):
        assert note in out


def test_every_draft_validates(capsys, tmp_path):
    for name in ("hsds.json", "hsds-services.json", "hsds-csv", "findtreatment.csv"):
        assert do_import(capsys, tmp_path, name)[0] == 0
    validator = RecordValidator(today=__import__("datetime").date.fromisoformat(TEST_TODAY))
    records, problems = validator.load_many([tmp_path])
    # every draft is refused for one reason only: nobody has verified it yet (its DRAFT line), so none is published
    assert records == [] and len(problems) == 5
    assert all(p.is_error and p.line == 1 and "imported draft" in p.message and "DRAFT" in p.hint for p in problems)
    for path in tmp_path.glob("*.yaml"):  # once a maintainer has checked it and deleted the line, it is valid
        path.write_text("\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                                  if not line.startswith("# DRAFT")) + "\n", encoding="utf-8")
    records, problems = validator.load_many([tmp_path])
    assert [p.format() for p in problems if p.is_error] == []
    assert len(records) == 5


def test_nested_hsds_services_list(capsys, tmp_path):
    code, out, _ = do_import(capsys, tmp_path, "hsds-services.json")
    assert code == 0
    data = load(tmp_path / "oscar-test-health.yaml")
    assert data["phone"] == "413-555-0199 ext. 12"
    assert data["locations"][0]["city"] == "Pittsfield" and data["locations"][0]["zip"] == "01201"
    assert data["tracks"][0]["days"] == ["mon", "wed", "fri"]
    assert data["languages"] == ["pt"]


@pytest.mark.parametrize("packaged", ["folder", "zip"])
def test_hsds_csv_package(capsys, tmp_path, packaged):
    source = IMPORT / "hsds-csv"
    if packaged == "zip":
        archive = tmp_path / "export.zip"
        with zipfile.ZipFile(archive, "w") as handle:
            for item in source.iterdir():
                handle.write(item, "export/" + item.name)
        source = archive
    out_dir = tmp_path / "providers"
    out_dir.mkdir()
    code, out, err = run(capsys, "import", str(source), "--source-url", SOURCE, "--providers", str(out_dir),
                         "--today", TEST_TODAY)
    assert code == 0, err
    data = load(out_dir / "papa-test-counseling-services.yaml")
    assert data["locations"][0] == {"street": "1 Sample St", "city": "Lowell", "zip": "01852",
                                    "note": "Imported from location 'Lowell office'; verify."}
    assert data["tracks"][0]["days"] == ["tue", "thu", "sat"] and data["tracks"][0]["notes"] == "Morning group"
    assert data["languages"] == ["ht"]
    assert "skipped Quebec Test Program Providence: outside Massachusetts (RI)" in out


def test_findtreatment_csv(capsys, tmp_path):
    code, out, _ = do_import(capsys, tmp_path, "findtreatment.csv")
    assert code == 0
    data = load(tmp_path / "romeo-test-recovery.yaml")
    assert data["website"] == "https://romeo.test-provider.invalid"
    assert data["phone"] == "508-555-0177"
    assert data["locations"][0]["city"] == "Brockton" and data["locations"][0]["zip"] == "02301"
    assert data["levels_of_care"] is None  # service codes are reported, not interpreted
    assert "not mapped: name2, county, intake1, latitude, longitude, type_facility, sa, op" in out
    assert "skipped Sierra Test Clinic: outside Massachusetts (ME)" in out


def test_never_overwrites_without_update(capsys, tmp_path):
    existing = tmp_path / "romeo-test-recovery.yaml"
    existing.write_text("hand-edited\n", encoding="utf-8")
    code, out, _ = do_import(capsys, tmp_path, "findtreatment.csv")
    assert code == 0
    assert existing.read_text(encoding="utf-8") == "hand-edited\n"
    assert "skipped romeo-test-recovery" in out and "--update" in out
    assert "0 written, 0 updated, 0 unchanged, 1 skipped (exists)" in out
    # --update merges into a record; a file that holds none is reported, never replaced
    code, out, _ = do_import(capsys, tmp_path, "findtreatment.csv", "--update")
    assert code == 1 and existing.read_text(encoding="utf-8") == "hand-edited\n"
    assert "not updated romeo-test-recovery: " in out and "does not hold a record" in out
    assert "0 written, 0 updated, 0 unchanged, 1 skipped (exists)" not in out and "1 invalid" in out
    existing.write_text("name: [unclosed\n", encoding="utf-8")
    code, out, _ = do_import(capsys, tmp_path, "findtreatment.csv", "--update")
    assert code == 1 and "cannot be read as YAML" in out and "Traceback" not in out


def _verified(path, **changes):
    """The draft at `path` as a maintainer leaves it after checking: DRAFT line gone, some facts changed."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("# DRAFT")]
    data = yaml.safe_load("\n".join(lines))
    data.update(changes)
    return data


def test_update_keeps_what_the_import_does_not_know(capsys, tmp_path):
    do_import(capsys, tmp_path, "findtreatment.csv")
    record = tmp_path / "romeo-test-recovery.yaml"
    own_page = {"url": "https://romeo.test-provider.invalid/iop", "accessed": "2026-01-05"}
    data = _verified(record, phone="508-555-0100", insurance=["masshealth"], populations=["adults"],
                     sources=[own_page], last_verified="2026-01-05")
    record.write_text("# Phone confirmed by a call on 2026-01-05\n" + render(data), encoding="utf-8")
    code, out, err = do_import(capsys, tmp_path, "findtreatment.csv", "--update")
    assert code == 0, err
    assert "1 comment line(s) written by hand are not in the new file (git diff shows them): " \
           "# Phone confirmed by a call on 2026-01-05" in out
    assert "updated " in out and "0 written, 1 updated, 0 unchanged" in out
    assert 'changed phone: "508-555-0100" -> "508-555-0177"' in out
    assert "kept (unknown in the import): " in out and "insurance" in out and "populations" in out
    merged = load(record)
    assert merged["phone"] == "508-555-0177"  # the export's newer number
    assert merged["insurance"] == ["masshealth"] and merged["populations"] == ["adults"]  # not wiped
    assert [s["url"] for s in merged["sources"]] == [own_page["url"], SOURCE]  # both cited
    assert str(merged["last_verified"]) == TEST_TODAY
    assert record.read_text(encoding="utf-8").startswith("# DRAFT imported from findtreatment.csv")


def test_update_that_adds_nothing_leaves_the_record_alone(capsys, tmp_path):
    do_import(capsys, tmp_path, "findtreatment.csv")
    record = tmp_path / "romeo-test-recovery.yaml"
    record.write_text(render(_verified(record, insurance=["self-pay"])), encoding="utf-8")
    before = record.read_bytes()
    code, out, _ = do_import(capsys, tmp_path, "findtreatment.csv", "--update")
    assert code == 0 and record.read_bytes() == before  # still verified, not turned back into a draft
    assert "unchanged romeo-test-recovery" in out and "0 written, 0 updated, 1 unchanged" in out


def test_an_entry_the_record_already_states_keeps_its_own_note():
    place = {"street": "40 Example Street", "city": "Brockton", "zip": "02301"}
    old = {"name": "X", "locations": [dict(place, note="Street per the provider's contact page.")]}
    same = merge(old, {"name": "X", "locations": [dict(place, note="Imported from location 'A'; verify.")]},
                 {"url": SOURCE, "accessed": TEST_TODAY})
    assert same.adds_nothing and same.data["locations"] == old["locations"]
    moved = dict(place, street="41 Example Street", note="Imported; verify.")
    result = merge(old, {"name": "X", "locations": [moved]}, {"url": SOURCE, "accessed": TEST_TODAY})
    assert result.changed == [("locations", old["locations"], [moved])]


def test_an_export_already_cited_is_renewed_not_repeated():
    old = {"name": "X", "phone": "1", "sources": [{"url": SOURCE, "accessed": "2026-01-01", "title": "Own"}]}
    result = merge(old, {"name": "X", "phone": "2", "insurance": None},
                   {"url": SOURCE, "accessed": TEST_TODAY, "title": "Imported"})
    assert result.changed == [("phone", "1", "2")] and result.kept == []
    assert result.data["sources"] == [{"url": SOURCE, "accessed": TEST_TODAY, "title": "Own"}]
    assert old["sources"][0]["accessed"] == "2026-01-01"  # the record read from disk is not changed in place


def test_source_url_is_required_and_checked(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["import", str(IMPORT / "hsds.json"), "--providers", str(tmp_path)])
    assert exit_info.value.code == 2
    code, _, err = run(capsys, "import", str(IMPORT / "hsds.json"), "--source-url", "ftp://x", "--providers",
                       str(tmp_path))
    assert code == 2 and "--source-url" in err
    assert list(tmp_path.iterdir()) == []


def test_bad_input_is_one_line_not_a_traceback(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _, err = run(capsys, "import", str(broken), "--source-url", SOURCE, "--providers", str(out_dir))
    assert code == 1 and "not readable JSON" in err and "Traceback" not in err
    code, _, err = run(capsys, "import", str(tmp_path / "missing.json"), "--source-url", SOURCE)
    assert code == 2 and "no such file" in err
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(plain), "--source-url", SOURCE, "--providers", str(out_dir))
    assert code == 1 and "name1" in err
    shutil.rmtree(out_dir)


@pytest.mark.parametrize("content, said", [
    ("name1,city\nLatin Caf\xe9,Boston\n".encode("latin-1"), "is not UTF-8 text"),
    (b"name1,street1,city,state,zip,phone\nOak Street Recovery, LLC,5 Oak St,Fall River,MA,02720,508-555-0123\n",
     "row 2 has more values than the header has columns"),
])
def test_an_unreadable_csv_is_one_clear_line(capsys, tmp_path, content, said):
    source = tmp_path / "export.csv"
    source.write_bytes(content)
    out_folder = tmp_path / "providers"
    out_folder.mkdir()
    code, out, err = run(capsys, "import", str(source), "--source-url", SOURCE, "--providers", str(out_folder))
    assert code == 1 and said in err and "Traceback" not in err + out
    assert list(out_folder.iterdir()) == []


def test_json_read_as_findtreatment_csv_is_one_clear_line(capsys, tmp_path):
    out_folder = tmp_path / "providers"
    out_folder.mkdir()
    source = next(IMPORT.glob("*.json"))
    code, out, err = run(capsys, "import", str(source), "--format", "findtreatment-csv", "--source-url", SOURCE,
                         "--providers", str(out_folder))
    assert code == 1 and "Traceback" not in err + out and "failed: " not in err, err


def test_findtreatment_rows_without_a_state_are_kept_only_when_in_massachusetts(capsys, tmp_path):
    source = tmp_path / "export.csv"
    source.write_text("name1,street1,city,state,zip,phone\n"
                      "Tango Test Clinic,1 Example St,Fall River,,02720,508-555-0123\n"
                      "Uniform Test Clinic,2 Example St,Nashua,,03060,603-555-0123\n", encoding="utf-8")
    out_folder = tmp_path / "providers"
    out_folder.mkdir()
    code, out, err = run(capsys, "import", str(source), "--source-url", SOURCE, "--providers", str(out_folder),
                         "--today", TEST_TODAY)
    assert code == 0, err
    assert sorted(p.name for p in out_folder.iterdir()) == ["tango-test-clinic.yaml"]
    assert "Uniform Test Clinic" in out + err and "neither its city nor its ZIP is in Massachusetts" in out + err


def test_an_overlong_description_is_reported_not_dropped_silently(capsys, tmp_path):
    import json

    data = json.loads((IMPORT / "hsds.json").read_text(encoding="utf-8"))
    organizations = data if isinstance(data, list) else data.get("organizations") or data.get("organization")
    assert organizations, "the fixture's shape changed"
    first = organizations[0]
    first["description"] = "x " * 1500
    source = tmp_path / "hsds.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    out_folder = tmp_path / "providers"
    out_folder.mkdir()
    code, out, err = run(capsys, "import", str(source), "--source-url", SOURCE, "--providers", str(out_folder),
                         "--today", TEST_TODAY)
    assert code == 0 and "description of 2999 characters (at most 2000) not mapped" in out + err


def test_json_nested_too_deep_is_bad_input_not_a_fault_of_iop(capsys, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (tmp_path / "providers").mkdir()
    code, out, err = run(capsys, "import", str(deep), "--format", "hsds-json", "--source-url", SOURCE,
                         "--providers", str(tmp_path / "providers"), "--today", TEST_TODAY)
    assert code == 1 and "nested too deeply" in err
    assert "fault of iop" not in err and "Traceback" not in err
    assert list((tmp_path / "providers").iterdir()) == []
