"""Maintainer commands: iop new, validate --changed, check, stale, report; and the provider page's report link.

Every record written here is synthetic and lives in tmp_path; nothing is written to providers/.
"""

import datetime
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, REPO, TEST_TODAY, build
from iop_directory import cli_maintain
from iop_directory.cli import main

IOP = str(Path(sys.executable).with_name("iop"))


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def new(capsys, folder, *extra, name="Zulu Test Recovery Center"):
    return run(capsys, "new", "--name", name, "--city", "Worcester", "--website", "https://zulu.test-provider.invalid",
               "--level", "iop", "--source", "https://zulu.test-provider.invalid/iop", "--providers", folder,
               "--today", TEST_TODAY, *extra)


def write(folder: Path, record_id: str, **fields):
    """Write a minimal synthetic record with `fields` over the defaults; return its path."""
    data = {"name": record_id.replace("-", " ").title(),
            "sources": [{"url": "https://%s.test-provider.invalid/" % record_id, "accessed": TEST_TODAY}],
            "last_verified": TEST_TODAY}
    data.update(fields)
    path = folder / ("%s.yaml" % record_id)
    path.write_text("# Synthetic test record (not a real provider).\n" + yaml.safe_dump(data, sort_keys=False),
                    encoding="utf-8")
    return path


# -- iop new ----------------------------------------------------------------------------------------------

def test_new_writes_a_commented_record_that_validates(capsys, tmp_path):
    code, out, err = new(capsys, tmp_path)
    assert code == 0, err
    path = tmp_path / "zulu-test-recovery-center.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=schema.json\n")
    schema = __import__("json").loads((REPO / "providers" / "schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load(text)
    for field in schema["properties"]:
        assert field in data, field  # every field present, unknown ones as null
    comments = " ".join(line[2:] for line in text.splitlines() if line.startswith("# "))
    for field in ("insurance", "tracks", "last_verified"):
        assert schema["properties"][field]["description"] in comments  # explained from the schema
    assert data["insurance"] is None and data["phone"] is None
    assert data["levels_of_care"] == ["iop"]
    assert data["locations"][0]["city"] == "Worcester"
    assert data["sources"] == [{"url": "https://zulu.test-provider.invalid/iop",
                                "accessed": datetime.date.fromisoformat(TEST_TODAY)}]
    assert str(data["last_verified"]) == TEST_TODAY
    assert "next steps" in out and "iop validate" in out and "insurance" in out
    # round trip: what iop new writes, iop validate accepts
    code, out, err = run(capsys, "validate", path)
    assert code == 0, err
    assert "1 record(s) valid" in out


def test_new_refuses_to_overwrite(capsys, tmp_path):
    assert new(capsys, tmp_path)[0] == 0
    before = (tmp_path / "zulu-test-recovery-center.yaml").read_text(encoding="utf-8")
    code, _, err = new(capsys, tmp_path)
    assert code == 1 and "already exists" in err
    assert (tmp_path / "zulu-test-recovery-center.yaml").read_text(encoding="utf-8") == before
    code, _, err = new(capsys, tmp_path, "--id", "zulu-test-worcester")
    assert code == 0 and (tmp_path / "zulu-test-worcester.yaml").exists()


def test_new_rejects_bad_values_and_writes_nothing(capsys, tmp_path):
    code, _, err = run(capsys, "new", "--name", "Yankee Test Clinic", "--city", "Wrocester", "--source",
                       "https://yankee.test-provider.invalid/", "--providers", tmp_path, "--today", TEST_TODAY)
    assert code == 1
    assert "Wrocester" in err and "did you mean 'Worcester'" in err and "was not written" in err
    assert list(tmp_path.iterdir()) == []


def test_new_without_required_options_is_a_usage_error(tmp_path):
    result = subprocess.run([IOP, "new", "--name", "Xray Test", "--providers", str(tmp_path)],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "missing --source" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- iop validate --changed -----------------------------------------------------------------------------

def git(repo, *argv):
    subprocess.run(["git", "-C", str(repo), *argv], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t.invalid", "PATH": "/usr/bin:/bin", "HOME": str(repo)})


def test_changed_lists_committed_modified_and_untracked_records_only(tmp_path):
    repo = tmp_path / "repo"
    providers = repo / "providers"
    providers.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write(providers, "alpha-old")
    write(providers, "bravo-old")
    write(providers, "charlie-gone")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "work")
    write(providers, "delta-committed")
    (providers / "charlie-gone.yaml").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    write(providers, "bravo-old", phone="(508) 555-0100")  # modified, not committed
    write(providers, "echo-untracked")
    (repo / "README.md").write_text("not a record\n")
    write(providers, "ünïcode-untracked")  # git quotes such names unless told not to
    (providers / "vocabulary").mkdir()
    (providers / "vocabulary" / "insurance.yaml").write_text("x: {name: X}\n")  # not a record
    (providers / "sub").mkdir()
    write(providers / "sub", "nested-untracked")
    found = cli_maintain.changed_record_paths("main", repo, providers)
    assert [p.relative_to(providers).as_posix() for p in found] == [
        "bravo-old.yaml", "delta-committed.yaml", "echo-untracked.yaml", "sub/nested-untracked.yaml",
        "ünïcode-untracked.yaml"]
    assert [p.path for p in cli_maintain.nested_changed(found, providers)] == [
        cli_maintain._shown(providers / "sub" / "nested-untracked.yaml")]
    with pytest.raises(RuntimeError, match="git diff failed"):
        cli_maintain.changed_record_paths("no-such-ref", repo, providers)


def test_validate_changed_cli(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_maintain, "changed_record_paths", lambda ref: [write(tmp_path, "foxtrot-changed")])
    code, out, _ = run(capsys, "validate", "--changed", "origin/main")
    assert code == 0 and "1 record(s) valid" in out
    monkeypatch.setattr(cli_maintain, "changed_record_paths", lambda ref: [])
    code, out, _ = run(capsys, "validate", "--changed", "origin/main")
    assert code == 0 and "no provider records changed" in out


def test_validate_changed_bad_ref_is_exit_2(tmp_path):
    result = subprocess.run([IOP, "validate", "--changed", "no-such-ref-anywhere"], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "no-such-ref-anywhere" in result.stderr and "Traceback" not in result.stderr


# -- iop check ----------------------------------------------------------------------------------------------

def check(capsys, folder, *extra):
    return run(capsys, "check", folder, "--today", TEST_TODAY, *extra)


@pytest.mark.parametrize("first, second, reason", [
    ({"phone": "(508) 555-0101"}, {"phone": "+1 508.555.0101"}, "same phone"),
    ({"website": "https://www.golf.test-provider.invalid/iop"}, {"website": "http://golf.test-provider.invalid"},
     "same website host golf.test-provider.invalid"),
    ({"locations": [{"street": "12 Main St.", "city": "Worcester"}]},
     {"locations": [{"street": "12 main street, Suite 4", "city": "Worcester"}]}, "same street address"),
    ({"name": "The Golf Test Recovery Center, Inc."}, {"name": "Golf Test Recovery Center"}, "near-identical name"),
])
def test_check_finds_probable_duplicates(capsys, tmp_path, first, second, reason):
    write(tmp_path, "golf-one", **first)
    write(tmp_path, "golf-two", **second)
    code, out, _ = check(capsys, tmp_path, "--min-completeness", "0")
    assert code == 0
    assert "golf-one.yaml:1:1: warning: probable duplicate of" in out and "golf-two.yaml" in out
    assert reason in out


@pytest.mark.parametrize("first, second", [
    ({"phone": "(508) 555-0101"}, {"phone": "(508) 555-0102"}),
    ({"locations": [{"street": "12 Main St", "city": "Worcester"}]},
     {"locations": [{"street": "12 Main St", "city": "Springfield"}]}),  # same street, other town
    ({"name": "Hotel Test Recovery Worcester"}, {"name": "India Test Behavioral Boston"}),
])
def test_check_does_not_flag_distinct_records(capsys, tmp_path, first, second):
    write(tmp_path, "hotel-one", **first)
    write(tmp_path, "hotel-two", **second)
    code, out, _ = check(capsys, tmp_path, "--min-completeness", "0")
    assert code == 0 and "duplicate" not in out
    assert "0 error(s), 0 warning(s)" in out


def test_check_warns_about_unreachable_locations_and_low_completeness(capsys, tmp_path):
    write(tmp_path, "juliet-nowhere", locations=[{"street": "1 Test Road", "city": None, "zip": None}])
    code, out, _ = check(capsys, tmp_path)
    assert code == 0
    assert "juliet-nowhere.yaml" in out and "locations[0]: location has neither city nor ZIP" in out
    assert "only 8% complete (below 25%)" in out  # the street is the one known field


def test_check_exits_1_on_validation_errors(capsys, tmp_path):
    write(tmp_path, "kilo-broken", phone="call us")
    code, out, err = check(capsys, tmp_path)
    assert code == 1
    assert "kilo-broken.yaml" in err and "phone" in err
    assert "1 error(s)" in out


def test_check_on_the_fixture_records(capsys):
    code, out, _ = run(capsys, "check", FIXTURE_PROVIDERS, "--today", TEST_TODAY)
    assert code == 0
    assert "echo-unknown.yaml:1:1: warning: only" in out


# -- iop stale and iop report -------------------------------------------------------------------------------

def test_stale_lists_oldest_first_with_unknown_fields(capsys, tmp_path):
    write(tmp_path, "lima-fresh", last_verified="2026-11-01")
    write(tmp_path, "mike-old", last_verified="2025-01-15", phone="(508) 555-0101")
    write(tmp_path, "november-older", last_verified="2024-03-01")
    code, out, _ = run(capsys, "stale", tmp_path, "--today", TEST_TODAY)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "last_verified", "age", "(days)", "unknown"]
    rows = [line.split()[0] for line in lines[2:] if line.strip() and not line.startswith(("2 of", "-"))]
    assert rows == ["november-older", "mike-old"]  # oldest first; the fresh one omitted
    mike = next(line for line in lines if line.startswith("mike-old"))
    assert "2025-01-15" in mike and " 678 " in mike and "website" in mike and "phone," not in mike
    assert "2 of 3 record(s) last verified 180 or more days ago" in out
    code, out, _ = run(capsys, "stale", tmp_path, "--days", "1000", "--today", TEST_TODAY)
    assert code == 0 and "no record is 1000 day(s) old" in out


def test_report_counts_known_fields(capsys, tmp_path):
    write(tmp_path, "oscar-full", phone="(508) 555-0101", website="https://oscar.test-provider.invalid",
          insurance=["masshealth"], languages=["en"], virtual=False, populations=["adults"],
          locations=[{"street": "1 Test Street", "city": "Worcester", "zip": "01608"}],
          tracks=[{"name": "Evening IOP", "days": ["mon", "tue", "wed"], "start": "17:00", "end": "20:00"}])
    write(tmp_path, "papa-empty")
    code, out, _ = run(capsys, "report", tmp_path, "--today", TEST_TODAY)
    assert code == 0
    for label in ("street address", "ZIP code", "phone", "website", "insurance accepted", "schedule (days and times)",
                  "who it serves", "languages", "virtual option"):
        assert re.search(r"(?m)^%s\s+1\s+2\s+50%%$" % re.escape(label), out), label
    assert "verified in the last 180 days: 2 of 2" in out
    assert "mean completeness:" in out and "over 2 record(s)" in out


def test_missing_paths_are_usage_errors(capsys, tmp_path):
    for command in ("check", "stale", "report"):
        code, _, err = run(capsys, command, tmp_path / "nope")
        assert code == 2 and "no such file or folder" in err


# -- the provider page: report link and stale warning ----------------------------------------------------------

def test_provider_page_links_to_prefilled_issue_and_warns_when_stale(tmp_path):
    providers = tmp_path / "providers"
    providers.mkdir()
    shutil.copy(FIXTURE_PROVIDERS / "alpha-worcester.yaml", providers)
    old = (FIXTURE_PROVIDERS / "bravo-boston.yaml").read_text(encoding="utf-8")
    verified = yaml.safe_load(old)["last_verified"]
    (providers / "bravo-boston.yaml").write_text(
        old.replace("last_verified: %s" % verified, "last_verified: 2026-01-02"), encoding="utf-8")
    repository = "https://github.com/example-owner/example-directory"
    output = build(providers, tmp_path / "output", IOP_TODAY=TEST_TODAY, IOP_REPOSITORY_URL=repository)  # bravo: 326 days old
    warning = "more than 180 days old"
    fresh = html.unescape((output / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8"))
    stale = html.unescape((output / "providers" / "bravo-boston" / "index.html").read_text(encoding="utf-8"))
    assert warning not in fresh and warning in stale
    assert "Last verified 2026-01-02" in stale
    link = "%s/issues/new?template=outdated-information.yml&title=" % repository
    assert link in fresh and "provider=alpha-worcester" in fresh
    assert link in stale and "provider=bravo-boston" in stale
    template = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "outdated-information.yml").read_text())
    assert "provider" in [item.get("id") for item in template["body"]]


def test_new_with_a_name_that_gives_no_file_name_asks_for_an_id(capsys, tmp_path):
    code, out, err = new(capsys, tmp_path, name="中文诊所")
    assert code == 2 and "pass one with --id" in err and ".yaml.yaml" not in err
    assert list(tmp_path.iterdir()) == []


def test_new_cancelled_at_a_prompt_writes_nothing(capsys, tmp_path, monkeypatch):
    def no_more_input(*args):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_more_input)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    code = main(["new", "--providers", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and "cancelled" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_stale_and_report_name_the_files_they_leave_out(capsys, tmp_path):
    write(tmp_path, "alpha-ok")
    (tmp_path / "bravo-broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    for command in ("stale", "report"):
        code, out, _ = run(capsys, command, str(tmp_path), "--today", TEST_TODAY)
        assert code == 0 and "1 file(s) with errors left out (" in out and "bravo-broken.yaml" in out, command
