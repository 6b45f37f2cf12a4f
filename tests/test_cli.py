"""The `iop` command: exit codes and one-line messages, never a traceback."""

import subprocess
import sys
from pathlib import Path

from iop_directory import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
IOP = Path(sys.executable).with_name("iop")


def test_validate_real_providers_exits_zero(capsys):
    assert cli.main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "record(s) valid" in out


def test_validate_broken_folder_lists_every_problem_and_exits_one(capsys):
    assert cli.main(["validate", str(FIXTURES / "broken")]) == 1
    err = capsys.readouterr().err
    lines = [l for l in err.splitlines() if ":" in l and not l.startswith(tuple("0123456789"))]
    files = {l.split(":")[0] for l in lines}
    assert len(files) == len(list((FIXTURES / "broken").glob("*.yaml")))
    for line in lines:
        path, line_no, col, rest = line.split(":", 3)
        assert path.endswith(".yaml") and int(line_no) >= 1 and int(col) >= 1 and rest.strip()
    assert "did you mean 'bcbsma'?" in err
    assert "duplicate key" in err
    assert "Traceback" not in err


def test_validate_as_a_program_prints_no_traceback():
    result = subprocess.run([str(IOP), "validate", str(FIXTURES / "broken")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "error(s) in" in result.stderr


def test_validate_missing_path_exits_two(capsys):
    assert cli.main(["validate", "no/such/folder"]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_build_refuses_broken_records_and_keeps_output(tmp_path, capsys):
    output = tmp_path / "output"
    output.mkdir()
    (output / "keep.html").write_text("previous site")
    (output / ".iop-build").write_text("made by a build")
    code = cli.main(["build", "--providers", str(FIXTURES / "broken"), "--output", str(output)])
    assert code == 1
    err = capsys.readouterr().err
    assert "build stopped" in err and "was not changed" in err
    # each problem names a file that exists from here, as iop validate does
    named = {line.split(":", 1)[0] for line in err.splitlines() if ".yaml:" in line}
    assert named and all(Path(name).is_file() for name in named), named
    assert sorted(p.name for p in output.iterdir()) == [".iop-build", "keep.html"]
    assert not [p for p in tmp_path.iterdir() if p.name != "output"], "staging folder left behind"


def test_build_writes_the_site(tmp_path, capsys):
    output = tmp_path / "site"
    assert cli.main(["build", "--providers", str(FIXTURES / "providers"), "--output", str(output)]) == 0
    assert (output / "providers" / "alpha-worcester" / "index.html").exists()
    assert "built" in capsys.readouterr().out


def test_no_command_shows_usage():
    result = subprocess.run([str(IOP)], capture_output=True, text=True)
    assert result.returncode == 2 and "usage: iop" in result.stderr


def _tree(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_build_never_replaces_a_folder_it_did_not_make(tmp_path, capsys):
    """The build swaps a whole site into its output folder: a folder of other files, one holding the records, or a
    file is refused (exit 2) and left exactly as it was."""
    providers = tmp_path / "project" / "providers"
    providers.mkdir(parents=True)
    (providers / "alpha-worcester.yaml").write_bytes((FIXTURES / "providers" / "alpha-worcester.yaml").read_bytes())
    (tmp_path / "project" / "notes.txt").write_text("mine")
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "thesis.txt").write_text("mine too")
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    before = _tree(tmp_path)
    for output, said in [(tmp_path / "project", "which the build reads"),
                         (providers / "site", "which the build reads"),
                         (documents, "so `iop build` did not make it"),
                         (a_file, "is a file")]:
        assert cli.main(["build", "--providers", str(providers), "--output", str(output)]) == 2
        err = capsys.readouterr().err
        assert "build refused" in err and said in err and "Traceback" not in err
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "documents", "project"]  # no staging left


def test_build_replaces_its_own_output_and_an_empty_folder(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["build", "--providers", str(FIXTURES / "providers"), "--output", str(empty)]) == 0
    assert (empty / ".iop-build").is_file()
    (empty / "providers" / "alpha-worcester" / "index.html").write_text("edited by hand")
    assert cli.main(["build", "--providers", str(FIXTURES / "providers"), "--output", str(empty)]) == 0
    assert "edited by hand" not in (empty / "providers" / "alpha-worcester" / "index.html").read_text()
    # without the stamp, a folder holding what a site holds is not taken for a site (a user's files may be in it)
    (empty / ".iop-build").unlink()
    assert cli.main(["build", "--providers", str(FIXTURES / "providers"), "--output", str(empty)]) == 2
