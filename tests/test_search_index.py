"""The search data the generator writes: lunr index fields, the compact document store and the place table."""

import json

import pytest
from lunr.index import Index

from conftest import FIXTURE_PROVIDERS
from iop_directory import search_index
from iop_directory.places import load_places
from iop_directory.records import RecordValidator
from iop_directory.vocab import load_vocabularies

CARD_KEYS = {"id", "name", "url", "towns", "locations", "statewide", "phone", "verified", "levels", "modes",
             "schedule_names", "hours"}


@pytest.fixture(scope="module")
def data(fixture_site):
    folder = fixture_site / "search" / "data"
    return {name: json.loads((folder / ("%s.json" % name)).read_text(encoding="utf-8"))
            for name in ("index", "docs", "places")}


@pytest.fixture(scope="module")
def index(data):
    return Index.load(data["index"])


def ids(hits):
    return sorted(hit["ref"] for hit in hits)


def test_index_has_every_field_and_document(data):
    fields = data["index"]["fields"]
    assert fields == [name for name, _ in search_index.INDEX_FIELDS]
    assert {"name", "town", "programs", "modalities", "focus", "populations", "insurance", "languages",
            "description"} <= set(fields)
    refs = {ref.split("/")[1] for ref, _ in data["index"]["fieldVectors"]}
    assert refs == {p.stem for p in FIXTURE_PROVIDERS.glob("*.yaml")}


def test_doc_store_keys(data):
    docs = data["docs"]["docs"]
    assert data["docs"]["version"] == 1
    assert [d["id"] for d in docs] == sorted(p.stem for p in FIXTURE_PROVIDERS.glob("*.yaml"))
    for doc in docs:
        assert CARD_KEYS <= set(doc)
        assert set(doc) - CARD_KEYS <= set(search_index.FILTER_PARAMS)
        assert "description" not in doc  # the store holds only what a card and the filters need
    by_id = {d["id"]: d for d in docs}
    alpha = by_id["alpha-worcester"]
    assert alpha["locations"] == [[42.2624, -71.8003, 0, "Worcester"]]
    assert alpha["schedule"] == ["evening"] and alpha["mode"] == ["in-person"]
    assert {"masshealth", "medicaid", "bcbsma", "private"} == set(alpha["insurance"])  # payers and their categories
    assert by_id["delta-virtual"]["statewide"] is True and by_id["delta-virtual"]["locations"] == []
    assert by_id["foxtrot-shrewsbury"]["locations"][0][2] == 1  # town centre only: approximate
    echo = by_id["echo-unknown"]
    for unknown in ("insurance", "population", "focus", "modality", "language"):
        assert unknown not in echo  # missing key = not yet confirmed, never "none"
    assert echo["locations"] == []


def test_places_data_covers_zips_and_towns(data):
    places = load_places()
    assert set(data["places"]["zips"]) == set(places.zips)
    assert data["places"]["zips"]["01608"][2] == "Worcester"
    names = {p[0] for p in data["places"]["places"]}
    assert {"Worcester", "Boston", "Shrewsbury", "Manchester-by-the-Sea"} <= names
    assert {"Marlboro", "Westboro", "Southboro"} <= names  # typed as on many addresses: the browser knows them too
    marlboro = next(p for p in data["places"]["places"] if p[0] == "Marlboro")
    assert marlboro[1:] == [places.place("Marlborough").lat, places.place("Marlborough").lon]


@pytest.mark.parametrize("query, expected", [
    ("worcester", {"alpha-worcester"}),
    ("worcestr~1", {"alpha-worcester"}),  # a typo still finds the town
    ("dial*", {"alpha-worcester", "bravo-boston"}),  # prefix of "dialectical" (DBT's name)
    ("dbt", {"alpha-worcester", "bravo-boston"}),
    ("masshealth", {"alpha-worcester", "charlie-springfield", "delta-virtual"}),
    ("portuguese", {"delta-virtual"}),
    ("adolescent", {"bravo-boston"}),
])
def test_lunr_py_searches_the_built_index(index, query, expected):
    assert set(ids(index.search(query))) == expected


def test_builder_is_deterministic_and_adds_translated_names():
    vocab, places = load_vocabularies(), load_places()
    records, problems = RecordValidator(vocab, places, today=None).load_many(
        [FIXTURE_PROVIDERS], root=FIXTURE_PROVIDERS.parent)
    assert not [p for p in problems if p.is_error]
    alpha = next(r for r in records if r.id == "alpha-worcester")
    doc = search_index.index_document(alpha, vocab, places)
    assert doc["town"] == "Worcester"
    assert "MassHealth" in doc["insurance"] and "dbt" in doc["modalities"].lower()
    assert search_index.build_index([doc]) == search_index.build_index([doc])
    values = search_index.filter_values(alpha, vocab)
    assert values["level"] == ["iop"] and values["language"] == ["en", "es"]


def test_a_payer_filter_means_that_payer_and_its_category_any_plan_of_it():
    """?insurance=medicare is Original Medicare (its checkbox, /insurance/medicare/); "any Medicare plan" is its own
    value. A Medicare Advantage-only program matched the "Medicare" checkbox when the two shared a slug."""
    from types import SimpleNamespace

    vocab = load_vocabularies()
    advantage = SimpleNamespace(id="x", data={"name": "X", "insurance": ["medicare-advantage"]})
    original = SimpleNamespace(id="y", data={"name": "Y", "insurance": ["medicare"]})
    assert search_index.filter_values(advantage, vocab)["insurance"] == ["any-medicare", "medicare-advantage"]
    assert search_index.filter_values(original, vocab)["insurance"] == ["any-medicare", "medicare"]
    assert "medicare" in vocab.payer_categories  # the vocabulary keeps the category named in the record format
    for category in vocab.payer_categories:  # a search value is a payer's slug only when it means that payer alone
        members = [t.slug for t in vocab["insurance"].terms if t.extra.get("category") == category]
        value = vocab.category_value(category)
        assert value not in vocab["insurance"] or members == [value], category


def test_the_providers_own_accented_words_are_found_without_accents():
    from types import SimpleNamespace

    vocab, places = load_vocabularies(), load_places()
    record = SimpleNamespace(id="centro", data={"name": "Centro Ação Familiar", "programs": ["Programa Intensivo"],
                                                "description": "Atenção em português", "locations": None})
    document = search_index.index_document(record, vocab, places)
    index = Index.load(search_index.build_index([document]))
    for query in ("acao", "ação", "atencao", "portugues"):
        assert ids(index.search(query)) == ["centro"], query


def test_a_term_files_postings_are_updated_in_its_text_as_a_full_encoding_would_write_them():
    """update_term_file (a one-record patch, patch_build.py) edits only the changed terms' postings in the text;
    the result must be what encoding the changed postings from scratch gives, for changes, removals, new docs
    before, between and after the others, terms that come and terms that go."""
    import json
    import random

    from iop_directory.search_shards import encode_shard, update_term_file

    rng = random.Random(7)
    for _ in range(300):
        terms = {t: {} for t in rng.sample(["care", "carry", "cat", "ca", "c\u00e3o", "ca<b"], rng.randint(0, 4))}
        for postings in terms.values():
            for doc in rng.sample(range(30), rng.randint(1, 6)):
                postings[doc] = rng.randint(1, 900)
        text = encode_shard({t: sorted(p.items()) for t, p in terms.items()}) if terms else ""
        updates = {}
        for term in rng.sample(["care", "carry", "cat", "ca", "c\u00e3o", "ca<b", "cab"], rng.randint(1, 3)):
            for doc in rng.sample(range(30), rng.randint(1, 3)):
                score = None if rng.random() < 0.4 else rng.randint(1, 900)
                updates.setdefault(term, []).append((doc, score))
                postings = terms.setdefault(term, {})
                if score is None:
                    postings.pop(doc, None)
                else:
                    postings[doc] = score
        left = {t: sorted(p.items()) for t, p in terms.items() if p}
        expected = encode_shard(left) if left else None
        assert update_term_file(text, updates) == expected, (text, updates)
        if expected:
            json.loads(expected)


def test_a_term_that_comes_or_goes_is_put_in_or_cut_out_of_the_text(monkeypatch):
    """Without decoding the whole file (close to 1 MB for common first letters at national size)."""
    from iop_directory import search_shards

    def decoded(*_args):
        raise AssertionError("the whole file was decoded")

    text = search_shards.encode_shard({"caa": [(1, 10)], "cab": [(2, 20), (5, 7)], "cad": [(3, 30)]})
    monkeypatch.setattr(search_shards, "_rewritten_term_file", decoded)
    for updates, expected in [
        ({"cac": [(4, 40)]}, {"caa": [(1, 10)], "cab": [(2, 20), (5, 7)], "cac": [(4, 40)], "cad": [(3, 30)]}),
        ({"c": [(4, 40)], "cz": [(0, 5)]},
         {"c": [(4, 40)], "caa": [(1, 10)], "cab": [(2, 20), (5, 7)], "cad": [(3, 30)], "cz": [(0, 5)]}),
        ({"caa": [(1, None)], "cad": [(3, None)]}, {"cab": [(2, 20), (5, 7)]}),
        ({"cab": [(2, None), (5, None)], "cae": [(9, 90)]}, {"caa": [(1, 10)], "cad": [(3, 30)], "cae": [(9, 90)]}),
    ]:
        assert search_shards.update_term_file(text, updates) == search_shards.encode_shard(expected), updates
    assert search_shards.update_term_file('{"caa":[1,10]}', {"caa": [(1, None)]}) is None
