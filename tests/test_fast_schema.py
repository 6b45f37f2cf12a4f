"""The compiled schema check (fast_schema.py) never accepts what jsonschema rejects, and does accept valid records.

It only says "valid?"; jsonschema explains every record it does not accept. If the compiled check ever accepted an
invalid record, that record would reach the site unexplained, so this is checked on every record file the tests
have (real, fixtures, broken, hostile), on generated records, and on random changes to valid ones.
"""

import copy
import datetime
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from iop_directory import yaml_loader
from iop_directory.records import RecordValidator

sys.path.insert(0, str(REPO / "bench"))
import synthetic  # noqa: E402


@pytest.fixture(scope="module")
def validator():
    return RecordValidator(today=datetime.date(2026, 11, 24))


def _verdicts(validator, data):
    """(compiled check says valid, jsonschema finds no error)."""
    return validator._is_valid(data), not any(True for _ in validator._validator.iter_errors(data))


def _parsed(path: Path):
    try:
        data = yaml_loader.parse(yaml_loader.decode(path.read_bytes()))[0]
    except (yaml_loader.YamlProblem, yaml_loader.YamlProblems):
        return None
    return data if isinstance(data, dict) else None


def _record_files(tmp_path):
    synthetic.write_records(tmp_path, 150, seed=7)
    folders = [REPO / "providers", tmp_path, *(p for p in FIXTURES.iterdir() if p.is_dir())]
    return [p for folder in folders for p in sorted(folder.rglob("*.yaml")) if p.name != "schema.yaml"]


def test_compiled_check_agrees_with_jsonschema_on_every_record_file(validator, tmp_path):
    files = _record_files(tmp_path)
    valid = invalid = 0
    for path in files:
        data = _parsed(path)
        if data is None:
            continue
        fast, full = _verdicts(validator, data)
        assert fast == full, "%s: compiled check says %s, jsonschema %s" % (path, fast, full)
        valid, invalid = valid + full, invalid + (not full)
    assert valid >= 150 and invalid >= 5  # both kinds were seen


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=False, width=32),
    st.sampled_from(["", " ", "iop", "php", "masshealth", "dbt", "adults", "Worcester", "Boston", "Springfeld",
                     "01608", "02101", "99999", "2026-02-30", "2026-01-05", "2027-01-01", "evening",
                     "https://example.org/x", "http://localhost", "javascript:alert(1)", "https://a b.org",
                     "mon", "tue", "09:00", "25:00", "in_person", "virtual", "hybrid", "x" * 2000]),
    st.text(max_size=20), st.lists(st.sampled_from(["iop", "php", "dbt", "adults", "mon", "masshealth", 3]),
                                   max_size=3),
    st.dictionaries(st.sampled_from(["city", "zip", "street", "url", "name", "level", "extra"]),
                    st.sampled_from(["Worcester", "01608", "x", "https://example.org", None, 1]), max_size=3),
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


@pytest.fixture(scope="module")
def valid_records(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records")
    synthetic.write_records(folder, 40, seed=11)
    records = [_parsed(p) for p in sorted(folder.glob("*.yaml"))]
    records += [_parsed(p) for p in sorted((FIXTURES / "providers").glob("*.yaml"))]
    return [r for r in records if r is not None]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_compiled_check_never_accepts_a_change_jsonschema_rejects(validator, valid_records, data):
    record = copy.deepcopy(data.draw(st.sampled_from(valid_records)))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(record) if p]
        path = data.draw(st.sampled_from(paths))
        parent = record
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["extra", "notes", "phone", "zip", "city", "name"]))] = data.draw(VALUES)
        else:
            parent[path[-1]] = data.draw(VALUES)
    fast, full = _verdicts(validator, record)
    assert full or not fast, "the compiled check accepted a record jsonschema rejects: %r" % (record,)
