"""Files made once for every language edition (shared_files.py) are exactly what each edition would make."""

import json

import pytest

from iop_directory import shared_files
from iop_directory.jsontext import EncodedList, json_chunks, json_dumps

TRAPS = ["\\u0000iop-base\\u0000", "\\\\u0000iop-lang\\\\u0000", "iop-base", "a,b \"quoted\" <b>&amp;</b>"]


def make(base, lang):
    """A stand-in for open_data.open_data_files: JSON (plain and with encoded rows) and CSV, with text that looks
    like the marks but is record text (backslashes and all)."""
    yield "data/index.json", {"language": lang, "schema": base + "/data/schema.json", "traps": TRAPS}
    yield "data/rows.json", {"rows": EncodedList({"url": "%s/providers/p%d/" % (base, i), "text": TRAPS[i % 4]}
                                                 for i in range(50)), "language": lang}
    yield "data/rows.csv", "".join("%s/providers/p%d/,%s\r\n" % (base, i, TRAPS[i % 4].replace('"', '""'))
                                   for i in range(50))


def expected(base, lang):
    return {path: data if isinstance(data, str) else "".join(json_chunks(data)) for path, data in make(base, lang)}


def written(folder, base, lang):
    return {path: "".join(text.pieces) for path, text in shared_files.edition_files(folder, "t", make, base, lang)}


def test_every_edition_gets_what_it_would_have_made(tmp_path):
    editions = [("https://iop.example.org", "en"), ("https://iop.example.org/es", "es"),
                ("http://localhost:8000/pt", "pt")]
    for base, lang in editions:  # the first makes and keeps them, the others read them
        assert written(tmp_path, base, lang) == expected(base, lang)
    assert [p.name for p in tmp_path.iterdir()] == ["t.marshal"]
    assert json.loads(written(tmp_path, *editions[1])["data/index.json"])["traps"] == TRAPS


def test_a_failure_while_making_keeps_nothing(tmp_path):
    def broken(base, lang):
        yield "data/a.json", {"a": base}
        raise ValueError("simulated")

    with pytest.raises(ValueError):
        list(shared_files.edition_files(tmp_path, "t", broken, "https://x.org", "en"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("base, lang, shared", [
    ("https://iop.example.org/es", "es", True),
    ("http://localhost:8000", "pt-BR", True),
    ("https://iop.example.org/a,b", "en", False),  # a comma: CSV would quote the cell
    ('https://iop.example.org/"x"', "en", False),
    ("https://iop.example.org/a b", "en", False),
    ("/relative", "en", False),
    ("https://iop.example.org", "e\"n", False),
])
def test_only_plain_base_urls_and_language_codes_are_shared(base, lang, shared):
    assert shared_files.can_share(base, lang) is shared


def test_marks_cannot_come_from_record_text():
    # JSON writes a NUL as \u0000 and doubles every backslash: record text never encodes to the JSON mark
    assert json_dumps(shared_files.BASE)[1:-1] not in json_dumps(TRAPS)
    assert "\x00" not in "".join(TRAPS)
