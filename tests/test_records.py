"""The record loader and validator on good and bad records: every rejection names its file, line and fix."""

import datetime
import textwrap
from pathlib import Path

import pytest

from iop_directory.records import RecordValidator

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 11, 24)

GOOD = """\
name: Test Program
website: https://program.test-provider.invalid
phone: (508) 555-0100
levels_of_care: [iop]
focus: [mental-health]
populations: [adults]
modalities: [cbt]
insurance: [masshealth]
languages: [en]
virtual: false
locations:
  - street: 1 Main Street
    city: Worcester
    zip: "01608"
tracks:
  - name: Evening IOP
    level: iop
    days: [mon, tue, wed]
    start: "17:00"
    end: "20:00"
    mode: in-person
sources:
  - url: https://program.test-provider.invalid/iop
    accessed: 2026-11-20
last_verified: 2026-11-20
"""


@pytest.fixture
def validator():
    return RecordValidator(today=TODAY)


def write(tmp_path, text, name="test-program.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(validator, tmp_path, text, name="test-program.yaml"):
    record, problems = validator.load(write(tmp_path, text, name))
    return record, problems


def only_error(problems):
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1, [p.format() for p in problems]
    return errors[0]


def test_good_record_loads_with_no_problems(validator, tmp_path):
    record, problems = problems_of(validator, tmp_path, GOOD)
    assert problems == []
    assert record.id == "test-program"
    assert record.data["locations"][0]["zip"] == "01608"
    assert record.data["last_verified"] == "2026-11-20"


def test_every_real_provider_record_is_valid():
    records, problems = RecordValidator().load_many([REPO / "providers"])
    assert [p.format() for p in problems if p.is_error] == []
    assert len(records) == len(list((REPO / "providers").glob("*.yaml")))
    for record in records:
        assert record.data["sources"], record.id


def test_unquoted_zip_keeps_its_leading_zero(validator, tmp_path):
    record, problems = problems_of(validator, tmp_path, GOOD.replace('zip: "01608"', "zip: 01605"))
    assert [p for p in problems if p.is_error] == []
    assert record.data["locations"][0]["zip"] == "01605"


def test_syntax_error_reports_its_line(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace("focus: [mental-health]", "focus: [mental-health"))
    error = only_error(problems)
    assert "YAML syntax error" in error.message
    assert error.line == 5 and error.path.endswith("test-program.yaml")  # the line of the unclosed [


def test_duplicate_key_is_rejected_with_both_lines(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD + "name: Other Name\n")
    error = only_error(problems)
    assert "duplicate key 'name' (first at line 1)" in error.message
    assert error.line == GOOD.count("\n") + 1
    assert "loses data" in error.hint


def test_unknown_field_suggests_the_right_name(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace("website:", "webiste:"))
    error = only_error(problems)
    assert (error.line, error.field) == (2, "webiste")
    assert "unknown field 'webiste'" in error.message and "did you mean 'website'?" in error.hint


def test_unknown_vocabulary_term_suggests_the_slug(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace("insurance: [masshealth]", "insurance: [masshealth, BCBS]"))
    error = only_error(problems)
    assert error.field == "insurance[1]" and error.line == 8
    assert "did you mean 'bcbsma'?" in error.hint


def test_bad_urls_are_rejected(validator, tmp_path):
    for bad in ("javascript:alert(1)", "ftp://files.example-host.invalid/x", "https://", "https://a b.com",
                "https://example..org", "https://-.-", "https://example.org:99999/iop", "https://exa_mple.org",
                "https://example.-org", "https://999.1.1.1/"):
        _, problems = problems_of(validator, tmp_path, GOOD.replace("https://program.test-provider.invalid\n", "'%s'\n" % bad))
        error = only_error(problems)
        assert (error.field, error.line) == ("website", 2), bad


def test_non_massachusetts_zip_and_town_are_rejected(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace('zip: "01608"', 'zip: "03298"'))
    error = only_error(problems)
    assert (error.field, error.line) == ("locations[0].zip", 14)
    assert "not a Massachusetts ZIP" in error.message
    _, problems = problems_of(validator, tmp_path, GOOD.replace("city: Worcester", "city: Worcestr"))
    error = only_error(problems)
    assert (error.field, error.line) == ("locations[0].city", 13)
    assert "Worcester" in error.hint


def test_postal_place_names_and_aliases_are_accepted(validator, tmp_path):
    for place in ("Hyannis", "Yarmouth", "Manchester-by-the-Sea", "Tyngsborough", "Vineyard Haven"):
        text = GOOD.replace("city: Worcester", "city: %s" % place).replace('zip: "01608"', "zip: null")
        _, problems = problems_of(validator, tmp_path, text)
        assert problems == [], (place, [p.format() for p in problems])


def test_zip_in_another_town_is_only_a_warning(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace('zip: "01608"', 'zip: "02118"'))
    assert [p.severity for p in problems] == ["warning"]
    assert "02118 is in Boston, not Worcester" in problems[0].message


def test_end_before_start_is_rejected(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace('end: "20:00"', 'end: "08:00"'))
    error = only_error(problems)
    assert (error.field, error.line) == ("tracks[0].end", 20)
    assert "not after start" in error.message


def test_malformed_time_gets_a_format_hint(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace('start: "17:00"', "start: 5pm"))
    error = only_error(problems)
    assert error.field == "tracks[0].start" and '"17:30"' in error.hint


def test_missing_sources_and_last_verified_are_rejected(validator, tmp_path):
    text = GOOD.split("sources:")[0]
    _, problems = problems_of(validator, tmp_path, text)
    fields = sorted(p.field for p in problems if p.is_error)
    assert fields == ["last_verified", "sources"]
    _, problems = problems_of(validator, tmp_path, text + "sources: []\nlast_verified: 2026-11-20\n")
    assert "at least one source" in only_error(problems).message


def test_bad_and_future_dates_are_rejected(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, GOOD.replace("last_verified: 2026-11-20", "last_verified: 2026-13-40"))
    assert "YYYY-MM-DD" in only_error(problems).hint
    _, problems = problems_of(validator, tmp_path, GOOD.replace("last_verified: 2026-11-20", "last_verified: 2027-01-01"))
    assert "in the future" in only_error(problems).message


def test_id_must_match_file_name_and_be_kebab_case(validator, tmp_path):
    _, problems = problems_of(validator, tmp_path, "id: other-id\n" + GOOD)
    error = only_error(problems)
    assert (error.field, error.line) == ("id", 1)
    _, problems = problems_of(validator, tmp_path, GOOD, name="Test_Program.yaml")
    error = only_error(problems)
    assert "kebab-case" in error.message and "test-program.yaml" in error.hint
    # The hint names the id `iop new` would give the same name: accents folded, not dropped.
    _, problems = problems_of(validator, tmp_path, GOOD, name="Café_Program.yaml")
    assert "rename to cafe-program.yaml" in only_error(problems).hint


def test_duplicate_ids_across_folders_are_rejected(validator, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", GOOD)
    write(tmp_path / "b", GOOD)
    records, problems = validator.load_many([tmp_path / "a", tmp_path / "b"], root=tmp_path)
    assert len(records) == 1
    assert "duplicate id 'test-program'" in only_error(problems).message


def test_stale_record_and_thin_track_are_warnings(validator, tmp_path):
    text = (GOOD.replace("last_verified: 2026-11-20", "last_verified: 2026-01-02")
            .replace("days: [mon, tue, wed]", "days: [mon]"))
    _, problems = problems_of(validator, tmp_path, text)
    assert all(not p.is_error for p in problems)
    messages = " | ".join(p.message for p in problems)
    assert "not verified for 326 days" in messages
    assert "3 hours a week is below the IOP threshold of 9 hours" in messages


def test_adolescent_threshold_is_six_hours(validator, tmp_path):
    text = GOOD.replace("days: [mon, tue, wed]", "days: [mon, wed]").replace("    mode: in-person", "    mode: in-person\n    population: adolescents")
    _, problems = problems_of(validator, tmp_path, text)
    assert problems == [], [p.format() for p in problems]


def test_every_problem_in_every_file_is_reported(validator, tmp_path):
    write(tmp_path, GOOD.replace("webiste", "x").replace("website:", "webiste:").replace("insurance: [masshealth]", "insurance: [bcbs]"), "one.yaml")
    write(tmp_path, GOOD.replace('end: "20:00"', 'end: "16:00"'), "two.yaml")
    write(tmp_path, "name: [unclosed\n", "three.yaml")
    records, problems = validator.load_many([tmp_path], root=tmp_path)
    by_file = {}
    for problem in problems:
        by_file.setdefault(problem.path, []).append(problem.field)
    assert sorted(by_file) == ["one.yaml", "three.yaml", "two.yaml"]
    assert sorted(by_file["one.yaml"]) == ["insurance[0]", "webiste"]
    assert records == []


def test_direction_overrides_and_control_characters_are_rejected(validator, tmp_path):
    for char in ("\u202e", "\u2066", "\x07"):
        _, problems = problems_of(validator, tmp_path, GOOD.replace("name: Test Program", 'name: "Test %s Program"' % repr(char)[1:-1]))
        error = only_error(problems)
        assert (error.field, error.line) == ("name", 1)
        assert "U+%04X" % ord(char) in error.message


def test_numbers_that_are_not_numbers_are_rejected(validator, tmp_path):
    text = GOOD.replace("    mode: in-person\n", "    mode: in-person\n    hours_per_week: {min: .nan, max: .inf}\n")
    _, problems = problems_of(validator, tmp_path, text + "program_length_weeks: {min: .NaN}\n")
    errors = sorted((p.field, p.message) for p in problems if p.is_error)
    assert errors == [("program_length_weeks.min", "nan is not a number"),
                      ("tracks[0].hours_per_week.max", "inf is not a number"),
                      ("tracks[0].hours_per_week.min", "nan is not a number")]


def test_a_wrong_range_says_what_a_range_looks_like(validator, tmp_path):
    for value, field, said in [('"4-6"', "program_length_weeks", "expected object"),
                               ("{max: 12}", "program_length_weeks.min", "required field 'min'"),
                               ("{min: -1}", "program_length_weeks.min", "less than the minimum of 0"),
                               ("{min: 9, typical: 10}", "program_length_weeks.typical", "unknown field 'typical'")]:
        _, problems = problems_of(validator, tmp_path, GOOD + "program_length_weeks: %s\n" % value)
        error = only_error(problems)
        assert (error.field, error.line) == (field, GOOD.count("\n") + 1), value
        assert said in error.message and "null" not in error.message, error.format()


def test_blank_and_overlong_texts_are_rejected_with_the_limit(validator, tmp_path):
    error = only_error(problems_of(validator, tmp_path, GOOD.replace("name: Test Program", 'name: "   "'))[1])
    assert (error.field, error.line) == ("name", 1) and "not only spaces" in error.hint
    error = only_error(problems_of(validator, tmp_path, GOOD + "notes: %s\n" % ("x" * 3100))[1])
    assert error.message == "is 3100 characters long; at most 3000 are allowed"
    assert "xxxx" not in error.format()  # the text itself is not echoed back


def test_values_yaml_cannot_read_are_errors_of_their_field(validator, tmp_path):
    text = GOOD.replace("virtual: false", "virtual: !!bool maybe") + "notes: 0x_\n"
    _, problems = problems_of(validator, tmp_path, text)
    errors = sorted((p.field, p.line, p.message) for p in problems if p.is_error)
    assert errors == [("notes", GOOD.count("\n") + 1, "'0x_' cannot be read as an int"),
                      ("virtual", 10, "'maybe' cannot be read as a bool")]


def test_a_duplicate_key_does_not_hide_the_other_problems(validator, tmp_path):
    text = GOOD.replace("insurance: [masshealth]", "insurance: [bcbs]") + "phone: (508) 555-0199\n"
    _, problems = problems_of(validator, tmp_path, text)
    assert sorted(p.field for p in problems if p.is_error) == ["insurance[0]", "phone"]


def test_an_unclosed_quote_or_list_is_reported_where_it_opens(validator, tmp_path):
    error = only_error(problems_of(validator, tmp_path, GOOD + 'notes: "never closed\n')[1])
    assert (error.line, error.column) == (GOOD.count("\n") + 1, 8)  # not the line after the end of the file
    assert "quoted text opened here is not closed" in error.message
    error = only_error(problems_of(validator, tmp_path, GOOD.replace("focus: [mental-health]", "focus: [mental-health"))[1])
    assert (error.line, error.column) == (5, 8) and "[ list opened here is not closed" in error.message


def test_language_codes_yaml_reads_as_booleans_are_languages(validator, tmp_path):
    # a bare `no:` key in languages.yaml was read as False: Norwegian was refused and "False" accepted
    _, problems = problems_of(validator, tmp_path, GOOD.replace("languages: [en]", 'languages: [en, "no", "on"]'))
    assert [p.field for p in problems if p.is_error] == ["languages[2]"]
    _, problems = problems_of(validator, tmp_path, GOOD.replace("languages: [en]", 'languages: ["False"]'))
    assert [p.field for p in problems if p.is_error] == ["languages[0]"]


def test_what_a_folder_holds_is_read_once_and_nothing_is_skipped_silently(validator, tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD, "Upper-Case.YAML")  # was ignored without a word, by validation and by the build
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", GOOD, "nested-program.yaml")  # the build reads the folder's own files only
    (tmp_path / "vocabulary").mkdir()
    write(tmp_path / "vocabulary", "x: {name: X}\n", "insurance.yaml")  # vocabularies live there: not records
    records, problems = validator.load_many([tmp_path, tmp_path / "test-program.yaml",
                                             tmp_path / "." / "test-program.yaml"], root=tmp_path)
    assert [r.id for r in records] == ["test-program"]  # named three times, read once: no duplicate id
    assert sorted((p.path, p.message) for p in problems if p.is_error) == [
        ("Upper-Case.YAML", "file name 'Upper-Case' is not a kebab-case id"),
        ("Upper-Case.YAML", "record files end in .yaml"),
        ("sub/nested-program.yaml", "is in a subfolder, which the build does not read")]


def test_an_empty_folder_is_not_a_passing_check(tmp_path, capsys):
    from iop_directory import cli

    empty = tmp_path / "providers"
    empty.mkdir()
    assert cli.main(["validate", str(empty)]) == 1
    assert "no provider records" in capsys.readouterr().err
    assert cli.main(["build", "--providers", str(empty), "--output", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert "no provider records" in err and "Traceback" not in err and "ZeroDivisionError" not in err
    assert not (tmp_path / "site").exists()


def test_ordinary_urls_are_accepted(validator, tmp_path):
    for good in ("https://www.example-provider.org/iop?x=1#y", "http://192.168.10.20/", "https://bücher.example/",
                 "https://example.org:8443/path", "https://xn--bcher-kva.example/"):
        _, problems = problems_of(validator, tmp_path, GOOD.replace("https://program.test-provider.invalid\n",
                                                                    "'%s'\n" % good))
        assert [p.format() for p in problems if p.is_error] == [], good


def test_a_level_written_out_suggests_its_slug(validator, tmp_path):
    for written, slug in (("intensive-outpatient", "iop"), ("partial-hospitalization", "php")):
        error = only_error(problems_of(validator, tmp_path, GOOD.replace("levels_of_care: [iop]",
                                                                         "levels_of_care: [%s]" % written))[1])
        assert "did you mean '%s'?" % slug in error.hint, error.format()


def test_a_record_file_is_checked_to_be_a_regular_file_of_record_size_before_it_is_read(tmp_path):
    """F4: a FIFO named as a record hung `iop validate`; a 1 GB file was read whole (2 GB of memory)."""
    import os
    import subprocess
    import sys
    import tracemalloc

    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(1 << 30)  # sparse: no disk used
    tracemalloc.start()
    records, problems = RecordValidator().load_many([huge], root=tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert records == [] and "a provider record is at most" in problems[0].message
    assert peak < 20 << 20  # nothing near the file's size was read
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    validate = subprocess.run([sys.executable, "-m", "iop_directory.cli", "validate", str(fifo)], capture_output=True,
                              text=True, timeout=60, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "plugins")})
    assert validate.returncode == 1 and "is not a regular file" in validate.stderr
