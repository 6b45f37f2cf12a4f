"""The search data the generator writes: lunr index fields, the compact document store and the place table."""

import json

import pytest
from lunr.index import Index

from conftest import FIXTURE_PROVIDERS
from iop_directory import search_filters, search_index
from iop_directory.places import load_places
from iop_directory.records import RecordValidator
from iop_directory.vocab import load_vocabularies

CARD_KEYS = {"id", "name", "url", "towns", "locations", "statewide", "phone", "verified", "levels", "modes",
             "schedule_names", "hours", "terms", "listing_check", "phone_tel"}
FIXTURE_IDS = sorted(p.stem for p in FIXTURE_PROVIDERS.glob("*.yaml"))


@pytest.fixture(scope="module")
def data(fixture_site):
    folder = fixture_site / "search" / "data"
    return {name: json.loads((folder / ("%s.json" % name)).read_text(encoding="utf-8"))
            for name in ("index", "docs", "places")}


class Search:
    """What search.js does with the two lunr indexes, in lunr.py: a query finds the programs whose own words it
    finds, and the programs that have a vocabulary term it finds."""

    def __init__(self, data):
        self.records = Index.load(data["index"]["records"])
        self.terms = Index.load(data["index"]["terms"])
        self.docs = data["docs"]["docs"]

    def search(self, query):
        found = {self.docs[int(hit["ref"])]["id"] for hit in self.records.search(query)}
        terms = {int(hit["ref"]) for hit in self.terms.search(query)}
        return found | {doc["id"] for doc in self.docs if terms & set(doc["terms"])}


@pytest.fixture(scope="module")
def index(data):
    return Search(data)


def ids(hits):
    return sorted(hit["ref"] for hit in hits)


def test_index_has_every_field_and_document(data):
    assert data["index"]["version"] == search_index.INDEX_VERSION
    assert data["index"]["records"]["fields"] == ["name", "town", "programs", "description"]
    refs = {ref.split("/")[1] for ref, _ in data["index"]["records"]["fieldVectors"]}
    assert refs == {str(n) for n in range(len(FIXTURE_IDS))}  # programs by number, in result order
    used = set()  # the terms some fixture has: the others find nothing
    for doc in data["docs"]["docs"]:
        used.update(doc["terms"])
    assert len(data["index"]["term_boosts"]) == len(used) and used == set(range(len(used)))
    assert {ref.split("/")[1] for ref, _ in data["index"]["terms"]["fieldVectors"]} == {str(n) for n in used}


def test_doc_store_keys(data):
    docs = data["docs"]["docs"]
    assert data["docs"]["version"] == search_index.INDEX_VERSION
    names = {d["id"]: d["name"] for d in docs}
    assert sorted(names) == FIXTURE_IDS
    assert [d["id"] for d in docs] == sorted(names, key=lambda i: (names[i].lower(), i))  # result order
    for doc in docs:
        assert CARD_KEYS <= set(doc)
        assert set(doc) - CARD_KEYS == set(search_filters.PARAMS) | {"maybe"}
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
        assert echo[unknown] == [] and echo["maybe"][unknown] == "*"  # not yet confirmed, never "none"
    assert echo["locations"] == []
    assert alpha["maybe"]["insurance"] == "*"  # a list of payers may be partial
    assert "population" not in alpha["maybe"]  # who it serves is the whole answer


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
    assert index.search(query) == expected


def test_builder_is_deterministic_and_adds_translated_names():
    vocab, places = load_vocabularies(), load_places()
    records, problems = RecordValidator(vocab, places, today=None).load_many(
        [FIXTURE_PROVIDERS], root=FIXTURE_PROVIDERS.parent)
    assert not [p for p in problems if p.is_error]
    alpha = next(r for r in records if r.id == "alpha-worcester")
    doc = search_index.index_document(alpha, vocab, places)
    assert doc["town"] == "Worcester"
    assert "MassHealth" in doc["insurance"] and "dbt" in doc["modalities"].lower()
    fields = search_index.INDEX_FIELDS
    assert search_index.build_index([doc], fields) == search_index.build_index([doc], fields)
    facts = search_filters.record_facts(alpha.data, vocab)
    assert facts["level"].yes == ("iop",) and facts["language"].yes == ("en", "es")


def test_a_payer_filter_means_that_payer_and_its_category_any_plan_of_it():
    """?insurance=medicare is Original Medicare (its checkbox, /insurance/medicare/); "any Medicare plan" is its own
    value. A Medicare Advantage-only program matched the "Medicare" checkbox when the two shared a slug."""
    from types import SimpleNamespace

    vocab = load_vocabularies()
    advantage = SimpleNamespace(id="x", data={"name": "X", "insurance": ["medicare-advantage"]})
    original = SimpleNamespace(id="y", data={"name": "Y", "insurance": ["medicare"]})
    assert search_filters.insurance(advantage.data, vocab).yes == ("any-medicare", "medicare-advantage")
    assert search_filters.insurance(original.data, vocab).yes == ("any-medicare", "medicare")
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
    document = {"id": "centro", **search_index.record_words(record, places)}
    index = Index.load(search_index.build_index([document], search_index.RECORD_FIELDS))
    for query in ("acao", "ação", "atencao", "portugues"):
        assert ids(index.search(query)) == ["centro"], query


@pytest.mark.parametrize("data, param, value, state", [
    ({"insurance": None}, "insurance", "masshealth", 0),  # unknown
    ({"insurance": ["bcbsma"]}, "insurance", "masshealth", 0),  # a list of payers may be partial
    ({"insurance": ["masshealth"]}, "insurance", "medicaid", 1),  # its category: any MassHealth plan
    ({"insurance": []}, "insurance", "masshealth", -1),  # the sources say no insurance is accepted
    ({"virtual": False}, "mode", "virtual", -1),
    ({"virtual": None}, "mode", "virtual", 0),
    ({"virtual": True, "locations": []}, "mode", "in-person", -1),  # virtual, all of Massachusetts
    ({"tracks": [{"name": "t", "mode": "in-person"}]}, "mode", "hybrid", -1),  # every track's mode known
    ({"tracks": [{"name": "t", "mode": None}]}, "mode", "hybrid", 0),
    ({"tracks": None}, "schedule", "evening", 0),
    ({"tracks": [{"name": "t", "days": ["mon"], "start": "09:00", "end": "12:00"}]}, "schedule", "evening", -1),
    ({"tracks": [{"name": "t", "days": ["mon"], "start": "09:00", "end": "12:00"},
                 {"name": "u", "days": None, "start": None, "end": None}]}, "schedule", "evening", 0),
    ({"tracks": [{"name": "t", "time_of_day": ["evening"]}]}, "schedule", "evening", 1),
    ({"tracks": [{"name": "t", "time_of_day": ["evening"]}]}, "schedule", "morning", -1),  # the time is stated
    ({"tracks": [{"name": "t", "time_of_day": ["evening"]}]}, "schedule", "weekend", 0),  # the days are not
    ({"tracks": [{"name": "t", "days": ["mon", "sat"], "start": "09:00", "end": "12:00"}]}, "schedule", "weekend", 1),
    ({"populations": ["adults"]}, "population", "adolescents", -1),  # who it serves: the whole answer
    ({"populations": None}, "population", "adolescents", 0),
    ({"modalities": ["cbt"]}, "modality", "dbt", 0),  # a list of therapies may be partial
    ({"levels_of_care": ["iop"]}, "level", "php", -1),
    ({"levels_of_care": None}, "level", "php", 0),
])
def test_a_record_confirms_leaves_open_or_rules_out_each_filter_value(data, param, value, state):
    facts = search_filters.record_facts({"name": "X", **data}, load_vocabularies())
    assert facts[param].state(value) == state
