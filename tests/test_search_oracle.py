"""The rules the browser search tests expect (search_oracle.py), checked against answers worked out by hand from
the six fixtures (tests/fixtures/providers/*.yaml). The browser tests then hold the page to those rules on any
site, the fixtures' or a national-size one."""

import datetime

import pytest

from conftest import FIXTURE_PROVIDERS, TEST_TODAY
from search_oracle import Oracle, index_terms, one_edit, query_words, word_matches


@pytest.fixture(scope="module")
def oracle():
    return Oracle(FIXTURE_PROVIDERS, datetime.date.fromisoformat(TEST_TODAY))


@pytest.mark.parametrize("query, ids", [
    ("?q=worcestr", ["alpha-worcester"]),  # typo
    ("?q=dial", ["alpha-worcester", "bravo-boston"]),  # prefix of "dialectical"
    ("?q=Worcester%20evening", ["alpha-worcester"]),
    ("?q=dbt&insurance=bcbsma&population=adolescents", ["bravo-boston"]),  # text and filters combined
    ("?q=foxtrot&schedule=weekend", ["foxtrot-shrewsbury"]),
    ("?q=foxtrot&insurance=tricare&schedule=weekend", []),
    ("?q=alpha", ["alpha-worcester"]),
    ("?q=alpha&insurance=masshealth", ["alpha-worcester"]),
])
def test_text_matches_by_hand(oracle, query, ids):
    assert sorted(oracle.search(query).confirmed_ids) == ids


@pytest.mark.parametrize("query, ids", [
    ("?insurance=medicaid", ["alpha-worcester", "charlie-springfield", "delta-virtual"]),  # a payer category
    ("?insurance=medicare,masshealth&mode=in-person",
     ["alpha-worcester", "charlie-springfield", "foxtrot-shrewsbury"]),  # OR within, AND across; hybrid counts
    ("?insurance=medicare&insurance=masshealth&mode=hybrid", ["charlie-springfield"]),
    ("?schedule=weekend,morning&focus=substance-use", ["foxtrot-shrewsbury"]),
    ("?language=pt", ["delta-virtual"]),
    ("?insurance=MassHealth&schedule=evening", ["alpha-worcester", "delta-virtual"]),
    ("?q=%3A~*%5E%2B-", ["alpha-worcester", "bravo-boston", "charlie-springfield", "delta-virtual",
                         "echo-unknown", "foxtrot-shrewsbury"]),  # no words: every program, by name
])
def test_filters_and_order_by_name_by_hand(oracle, query, ids):
    expected = oracle.search(query)
    assert expected.ordered and expected.confirmed_ids == ids


@pytest.mark.parametrize("query, confirmed, might_fit", [
    # bravo and foxtrot name other insurers (a list may be partial); echo's insurance is unknown
    ("?insurance=masshealth", ["alpha-worcester", "charlie-springfield", "delta-virtual"],
     {"bravo-boston": ["insurance"], "echo-unknown": ["insurance"], "foxtrot-shrewsbury": ["insurance"]}),
    # bravo (mornings), charlie (afternoons) and foxtrot (weekend mornings) are ruled out by their known times
    ("?insurance=MassHealth&schedule=evening", ["alpha-worcester", "delta-virtual"],
     {"echo-unknown": ["insurance", "schedule"]}),
    ("?mode=virtual", ["charlie-springfield", "delta-virtual"],  # hybrid is virtual too; alpha: virtual: false
     {"bravo-boston": ["mode"], "echo-unknown": ["mode"], "foxtrot-shrewsbury": ["mode"]}),
    ("?schedule=evening", ["alpha-worcester", "delta-virtual"], {"echo-unknown": ["schedule"]}),
])
def test_programs_that_might_fit_by_hand(oracle, query, confirmed, might_fit):
    expected = oracle.search(query)
    assert expected.confirmed_ids == confirmed
    assert expected.unconfirmed_ids == sorted(might_fit) and expected.open == might_fit
    assert [key for key, _ in expected.groups][-1] == "unconfirmed"


def test_distances_and_groups_by_hand(oracle):
    expected = oracle.search("?near=01608&insurance=masshealth&schedule=evening")
    assert expected.groups == [("nearby", [("alpha-worcester", 0.0, False)]),
                               ("statewide", [("delta-virtual", None, False)]),
                               ("unconfirmed", [("echo-unknown", None, False)])]
    worcester = oracle.search("?near=Worcester")
    assert [key for key, _ in worcester.groups] == ["nearby", "statewide", "unknown"]
    nearby = dict((rid, (round(d, 1), approximate)) for rid, d, approximate in worcester.groups[0][1])
    assert nearby["foxtrot-shrewsbury"][1] is True  # town only: its centre, approximate
    assert nearby["alpha-worcester"][1] is False
    assert worcester.groups[2][1] == [("echo-unknown", None, False)]
    assert worcester.ids[: len(nearby)] == sorted(nearby, key=lambda rid: nearby[rid][0])
    ten_miles = oracle.search("?near=01608-1234&radius=10")
    assert "bravo-boston" not in ten_miles.ids and "delta-virtual" in ten_miles.ids  # statewide kept
    near_masshealth = oracle.search("?near=01608&insurance=masshealth")  # might fit: by distance, then unknown place
    assert near_masshealth.unconfirmed_ids == ["foxtrot-shrewsbury", "bravo-boston", "echo-unknown"]
    assert oracle.search("?near=01608&radius=7").ids == oracle.search("?near=01608").ids  # not an offered radius
    assert oracle.search("?near=Atlantis").ids == oracle.search("").ids  # an unknown place: no distances


def test_counts_by_hand(oracle):
    query = "?insurance=masshealth"
    assert oracle.count(query, "insurance", "masshealth") == 3
    assert oracle.count(query, "insurance", "bcbsma") == 2  # own group: other insurance options are OR-ed
    assert oracle.count(query, "schedule", "evening") == 2  # alpha and delta accept MassHealth, meet evenings
    assert oracle.count(query, "schedule", "morning") == 0  # bravo meets mornings, MassHealth not confirmed
    assert oracle.count(query, "language", "pt") == 1


def test_words_and_terms_as_lunr_makes_them():
    assert query_words("Worcester evening") == ["worcester", "evening"]
    assert query_words(":~*^+-") == [] and query_words("the and of") == []
    assert query_words("clínic") == ["clínic"]
    assert index_terms("The Worcester-area clinics (DBT)") == {"worcest", "area", "clinic", "dbt"}
    assert one_edit("clinci", "clinic") and one_edit("gruop", "group") and one_edit("worcestr", "worcest")
    assert not one_edit("clnci", "clinic") and not one_edit("abcd", "badc")
    assert word_matches("évening", "even") and word_matches("dial", "dialect")
    assert not word_matches("soringfield", "springfield") and word_matches("soringfield", "springfield", True)
