"""Docs stay honest: the record-format page matches the schema, and documented commands exist."""

import re
from pathlib import Path

from iop_directory import cli
from iop_directory.records import load_schema
from iop_directory.schema_docs import render

REPO = Path(__file__).resolve().parents[1]


def test_record_format_doc_is_generated_from_the_schema():
    committed = (REPO / "docs" / "record-format.md").read_text(encoding="utf-8")
    assert committed == render(), "run `iop schema-docs` and commit docs/record-format.md"


def test_every_schema_field_is_documented():
    schema = load_schema()
    doc = render()
    for name, spec in schema["properties"].items():
        assert spec.get("description"), name
        assert "| `%s` |" % name in doc, name
    for definition in schema["$defs"].values():
        for name, spec in definition.get("properties", {}).items():
            assert spec.get("description"), name


def test_readme_commands_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in set(re.findall(r"`make ([a-z-]+)`", readme)) | set(re.findall(r"^make ([a-z-]+)", readme, re.M)):
        assert re.search(r"^%s:" % re.escape(target), makefile, re.M), target
    parser = cli.build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    for options, command in set(re.findall(r"`iop ((?:-[a-z-]+ )*)([a-z][a-z-]*)", readme)):
        assert command in subcommands, command
        for option in options.split():  # options before the command are iop's own, such as -v
            assert option in parser._option_string_actions, option
    assert "make test" in (REPO / ".ci" / "run").read_text()
