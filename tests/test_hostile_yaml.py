"""Hostile YAML gets one clear error within bounded time and memory: never a traceback, a hang or an object."""

import datetime
import resource
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iop_directory.records import RecordValidator

TODAY = datetime.date(2026, 11, 24)

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

HOSTILE = {
    "alias bomb": (BILLION_LAUGHS.encode(), "anchors (&a) are not allowed"),
    "deep nesting": (b"name: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting is deeper than"),
    "deep block nesting": ("".join("  " * i + "k%d:\n" % i for i in range(200)).encode(), "nesting is deeper than"),
    "huge file": (b"name: " + b"x" * (600 * 1024) + b"\n", "a provider record is at most"),
    "non-UTF-8 bytes": (b"name: Caf\xe9 Program\n", "not valid UTF-8"),
    "byte-order mark": (b"\xef\xbb\xbfname: Program\n", "byte-order mark"),
    "tab indentation": (b"name: Program\nlocations:\n\t- city: Worcester\n", "YAML syntax error"),
    "duplicate keys": (b"name: A\nname: B\n", "duplicate key 'name'"),
    "python object tag": (b"name: !!python/object/apply:os.system ['echo pwned']\n", "YAML tag"),
    "custom tag": (b"name: !secret Program\n", "YAML tag"),
    "merge key": (b"base: {a: 1}\nname:\n  <<: {b: 2}\n", "only plain field names"),
    "two documents": (b"name: A\n---\nname: B\n", "YAML syntax error"),
    "not a mapping": (b"- just\n- a list\n", "must be a mapping"),
    "empty file": (b"", "file is empty"),
    "only a comment": (b"# nothing here\n", "file is empty"),
}


@pytest.fixture(scope="module")
def validator():
    return RecordValidator(today=TODAY)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_yaml_gets_a_clear_error_quickly(validator, tmp_path, case):
    raw, expected = HOSTILE[case]
    path = tmp_path / "hostile.yaml"
    path.write_bytes(raw)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    record, problems = validator.load(path)
    elapsed = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    errors = [p for p in problems if p.is_error]
    assert errors, case
    assert any(expected in p.message for p in errors), [p.format() for p in errors]
    assert all(p.path.endswith("hostile.yaml") and p.line >= 1 for p in errors)
    # Generous bounds: they catch exponential blow-ups, not slow machines.
    assert elapsed < 5, elapsed
    assert grown_mb < 200, grown_mb


def test_tag_never_builds_an_object(validator, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "tag.yaml"
    path.write_text("name: !!python/object/apply:os.system ['touch %s']\n" % marker)
    validator.load(path)
    assert not marker.exists()


json_scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
field_names = st.sampled_from(["name", "website", "phone", "levels_of_care", "focus", "insurance", "locations", "tracks",
                               "sources", "last_verified", "zip", "city", "start", "end", "days", "url", "accessed",
                               "virtual", "notes", "bogus"])
records = st.recursive(json_scalars, lambda children: st.lists(children, max_size=4)
                       | st.dictionaries(field_names, children, max_size=6), max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records)
def test_random_records_only_ever_give_errors_or_a_valid_record(validator, tmp_path, data):
    import yaml

    path = tmp_path / "random-record.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    record, problems = validator.load(path)
    errors = [p for p in problems if p.is_error]
    if not errors:
        assert record is not None and isinstance(record.data, dict) and record.data.get("name")
    for problem in problems:
        assert problem.line >= 1 and problem.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_loader(validator, tmp_path, raw):
    path = tmp_path / "random-bytes.yaml"
    path.write_bytes(raw)
    record, problems = validator.load(path)
    assert record is not None or problems


def _nested(depth):
    """A record-like text whose mappings nest `depth` deep."""
    return "name: x\n" + "".join("  " * i + "k%d:\n" % i for i in range(depth - 1)) + "  " * (depth - 1) + "leaf: 1\n"


SAME_EITHER_WAY = [
    "name: A & B Clinic\nwebsite: https://a.example/?x=1&y=2\nnotes: '*starred*'\n",  # & and * that are not anchors
    "name: plain\nfocus: [anxiety, depression]\nlocations:\n  - city: Worcester\n    zip: 01608\n",
    "---\nname: explicit start\n",
    "name: a\n---\nname: b\n",  # two documents: refused the same way
    "name: &n anchored\nalias: *n\n",
    _nested(16), _nested(17), _nested(40),
]


@pytest.mark.parametrize("text", SAME_EITHER_WAY, ids=range(len(SAME_EITHER_WAY)))
def test_the_libyaml_shortcut_reads_what_the_careful_reader_reads(monkeypatch, text):
    """yaml_loader composes ordinary records with libyaml in one pass; whatever it lets through must come out as
    the careful Python reader makes it (data and every position), and what it may not judge goes to that reader."""
    import yaml

    from iop_directory import yaml_loader

    def outcome():
        try:
            return yaml_loader.parse(text)
        except (yaml_loader.YamlProblem, yaml_loader.YamlProblems) as problem:
            return type(problem).__name__, str(problem)

    fast = outcome()
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    assert fast == outcome()


def test_the_libyaml_shortcut_leaves_deep_and_anchored_texts_to_the_careful_reader():
    from iop_directory import yaml_loader

    assert yaml_loader._fast_compose(_nested(16)) is not None
    assert yaml_loader._fast_compose(_nested(17)) is None
    assert yaml_loader._fast_compose("name: &n x\nother: *n\n") is None
    assert yaml_loader._fast_compose("name: A & B\n") is not None  # checked by events, and ordinary
