"""The search page in real headless Chromium.

In `make test` every test runs on the six fixtures, once on the one lunr index of a Massachusetts-size directory
and once on the split data of a national one (term, filter and document files loaded on demand). `make bench`
runs the same tests, unchanged, on a national-size site (the fixtures among 20,000 synthetic programs): set
IOP_SEARCH_SITE to a built site and IOP_SEARCH_PROVIDERS to the records it was built from.

What each search must show is computed in Python from the site's own records (search_oracle.py: distances from
the `zipcodes` package and the place table, text and filter matches by the documented rules), never written into
the test; test_search_oracle.py checks those rules against hand-worked answers on the fixtures. A long result
list shows its first FIRST_CHUNK cards and loads the rest when scrolled to, so the cards on the page are compared
with the head of the expected list and the count with its length.
"""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import FIXTURE_PROVIDERS, TEST_TODAY, serve
from search_oracle import Oracle, zip_point

FIRST_CHUNK = 40  # search.js: cards shown at once when the list loads the rest on scrolling
NATIONAL_SITE = os.environ.get("IOP_SEARCH_SITE")
PATHS = ["national site"] if NATIONAL_SITE else ["one lunr index", "split search data"]
HEADINGS = {"statewide": "Virtual programs serving all of Massachusetts", "unknown": "Location not yet confirmed",
            "unconfirmed": "Might also fit — not yet confirmed: ask the program"}
LEGENDS = {"insurance": "Insurance", "mode": "How it is delivered", "schedule": "Schedule", "level": "Level of care",
           "population": "Who it serves", "focus": "Focus", "modality": "Therapies", "language": "Language"}


class Site:
    def __init__(self, url, oracle):
        self.url, self.oracle = url, oracle


@pytest.fixture(scope="session")
def fixture_oracle():
    import datetime

    return Oracle(FIXTURE_PROVIDERS, datetime.date.fromisoformat(TEST_TODAY))


@pytest.fixture(scope="session", params=PATHS)
def site(request):
    import datetime

    if request.param == "national site":
        providers = os.environ.get("IOP_SEARCH_PROVIDERS")
        if not providers:
            pytest.fail("IOP_SEARCH_SITE needs IOP_SEARCH_PROVIDERS: the records the site was built from")
        today = datetime.date.fromisoformat(os.environ.get("IOP_SEARCH_TODAY", TEST_TODAY))
        server, url = serve(Path(NATIONAL_SITE))
        yield Site(url, Oracle(Path(providers), today))
        server.shutdown()
        return
    built = request.getfixturevalue("split_fixture_site" if request.param == "split search data" else "fixture_site")
    server, url = serve(built)
    yield Site(url, request.getfixturevalue("fixture_oracle"))
    server.shutdown()


def open_search(page, site, query=""):
    """Open the search page of `site` (a Site, or a base URL: test_i18n.py opens the editions') with `query`."""
    page.goto(getattr(site, "url", site) + "/search/" + query)
    page.wait_for_selector('#results[data-state="ready"]')


def results(page):
    """[(id, miles shown or None, group, approximate)] of the cards on the page."""
    return [tuple(r) for r in page.eval_on_selector_all(
        "[data-provider-id]", "els => els.map(e => [e.dataset.providerId, e.dataset.distanceMiles || null,"
        " e.closest('[data-group]').dataset.group, !!e.querySelector('.distance .approx')])")]


def count_text(expected):
    """The status line for a search.Expected (or a number of confirmed matches with none that might fit)."""
    n, m = (expected, 0) if isinstance(expected, int) else (expected.total, expected.might_fit)
    if not m:
        return "1 program found" if n == 1 else "%d programs found" % n
    return "%s · %d might fit" % ("1 program confirmed" if n == 1 else "%d programs confirmed" % n, m)


def expected_on_page(page, expected):
    """The ids the page shows at first: all of them, or the first FIRST_CHUNK where the rest load on scrolling."""
    lazy = page.get_attribute("#search-form", "data-index") == "split"
    return expected.ids[:FIRST_CHUNK] if lazy else expected.ids


def assert_shows(page, expected):
    """The page shows what `expected` (search_oracle.Expected) says: count, groups, cards, distances."""
    shown = results(page)
    head = expected_on_page(page, expected)
    assert page.text_content("#result-status").replace("\xa0", "") == count_text(expected)
    groups = page.eval_on_selector_all("#results [data-group]", "els => els.map(e => e.dataset.group)")
    assert groups == [key for key, _hits in expected.groups]
    headings = page.eval_on_selector_all(".result-group > h3", "els => els.map(e => e.textContent)")
    assert [HEADINGS[k] for k in groups if k in HEADINGS] == [h for h in headings if h in HEADINGS.values()]
    asked = {rid: page.eval_on_selector('[data-group="unconfirmed"] [data-provider-id="%s"]' % rid,
                                        "e => [...e.querySelectorAll('.to-ask li')].map(li => li.textContent)")
             for rid in (r[0] for r in shown if r[2] == "unconfirmed")}
    for rid, lines in asked.items():  # each card names the chosen filters its record leaves unconfirmed
        assert [line.split(":")[0] for line in lines] == [LEGENDS[name] for name in expected.open[rid]], rid
        assert all(": not yet confirmed — ask about " in line for line in lines), rid
    assert not page.locator('[data-group]:not([data-group="unconfirmed"]) .to-ask').count()
    if not expected.ordered:  # by relevance: the same programs, the confirmed ones first
        assert len(shown) == len(head)
        assert {r[0] for r in shown if r[2] != "unconfirmed"} <= set(expected.confirmed_ids)
        assert {r[0] for r in shown if r[2] == "unconfirmed"} <= set(expected.unconfirmed_ids)
        return shown
    assert [r[0] for r in shown] == head
    hits = {rid: (distance, approximate, key) for key, group in expected.groups for rid, distance, approximate in group}
    for rid, shown_miles, group, approximate in shown:
        distance, expected_approximate, key = hits[rid]
        assert group == key, rid
        if distance is None:
            assert shown_miles is None, rid
            continue
        assert re.fullmatch(r"\d+\.\d", shown_miles) and abs(float(shown_miles) - distance) <= 0.051, (rid, shown_miles)
        assert approximate == expected_approximate, rid
    return shown


def wait_for_search(page, site):
    """Wait until the page shows the results of the search in its address bar; return what it should show."""
    expected = site.oracle.search(page.url)
    page.wait_for_function(
        "([status, ids, ordered]) => document.querySelector('#results').dataset.state === 'ready' &&"
        " document.getElementById('result-status').textContent.replace('\\u00a0', '') === status && (() => {"
        " const shown = [...document.querySelectorAll('[data-provider-id]')].map(e => e.dataset.providerId);"
        " return ordered ? JSON.stringify(shown) === JSON.stringify(ids.slice(0, shown.length)) &&"
        " (shown.length > 0 || ids.length === 0) :"
        " shown.every(id => ids.includes(id)); })()",
        arg=[count_text(expected), expected.ids, expected.ordered])
    assert_shows(page, expected)
    return expected


def assert_clean(page):
    assert page.watch.foreign == []
    assert page.watch.errors == []
    assert page.watch.dialogs == []


def test_the_done_when_search(page, site):
    query = "?near=01608&insurance=masshealth&schedule=evening"
    open_search(page, site, query)
    expected = site.oracle.search(query)
    assert expected.total, "the fixtures have evening programs near Worcester that accept MassHealth"
    assert_shows(page, expected)
    assert page.is_checked("#f-insurance-masshealth") and page.is_checked("#f-schedule-evening")
    assert page.input_value("#near") == "01608"
    first = site.oracle.programs[expected.ids[0]]
    card = page.locator('[data-provider-id="%s"]' % first.id)
    assert card.locator("a", has_text=first.name).get_attribute("href").endswith("/providers/%s/" % first.id)
    assert card.locator('[data-compare-id="%s"]' % first.id).count() == 1
    assert "MassHealth" in card.inner_text() and "Evening" in card.inner_text()
    assert_clean(page)


@pytest.mark.parametrize("near", ["Worcester", "worcester, ma", "WORCESTER"])
def test_town_name_sorts_all_by_distance_with_groups(page, site, near):
    open_search(page, site, "?near=" + near)
    expected = site.oracle.search("?near=Worcester")
    assert [k for k, _ in expected.groups] == ["nearby", "statewide", "unknown"]  # all three kinds are there
    assert_shows(page, expected)
    assert_clean(page)


def test_zip_plus_four_and_radius(page, site):
    open_search(page, site, "?near=01608-1234&radius=10")
    expected = site.oracle.search("?near=01608&radius=10")
    assert expected.total < len(site.oracle), "the radius leaves programs out"
    assert "statewide" in [k for k, _ in expected.groups]  # statewide virtual is kept whatever the radius
    assert_shows(page, expected)
    assert page.input_value("#radius") == "10"
    assert_clean(page)


# Searches whose answers test_search_oracle.py works out by hand on the fixtures.
TEXT_AND_FILTER_QUERIES = [
    "?q=worcestr",  # typo
    "?q=dial",  # prefix of "dialectical"
    "?q=Worcester%20evening",
    "?q=dbt&insurance=bcbsma&population=adolescents",  # text and filters combined
    "?insurance=medicaid",  # a payer category
    "?insurance=medicare,masshealth&mode=in-person",  # OR within, AND across; hybrid counts
    "?insurance=medicare&insurance=masshealth&mode=hybrid",
    "?schedule=weekend,morning&focus=substance-use",
    "?language=pt",
    "?q=%3A~*%5E%2B-",  # lunr syntax is inert: no words, every program
]


@pytest.mark.parametrize("query", TEXT_AND_FILTER_QUERIES)
def test_text_and_filters(page, site, query):
    open_search(page, site, query)
    expected = site.oracle.search(query)
    assert expected.total
    # Both search paths find the same programs (one-edit matches within the word's first two letters only).
    q = site.oracle.parse(query)[0]
    assert site.oracle.text_matches(q) == site.oracle.text_matches(q, anywhere=True)
    assert_shows(page, expected)
    assert_clean(page)


@pytest.mark.parametrize("typed, meant", [("clinci", "clinic"), ("%C3%A9vening", "evening"), ("cl%C3%ADnic", "clinic")])
def test_a_swapped_pair_or_a_stray_accent_finds_what_the_word_finds(page, site, typed, meant):
    wanted = site.oracle.search("?q=" + meant)
    assert wanted.total and site.oracle.search("?q=" + typed).ids == wanted.ids
    open_search(page, site, "?q=" + typed)
    assert_shows(page, wanted)


def test_combined_filters_match_python(page, site):
    query = "?near=Boston&insurance=masshealth,bcbsma&level=iop"
    open_search(page, site, query)
    assert_shows(page, site.oracle.search(query))
    assert_clean(page)


def test_counts_beside_options(page, site):
    query = "?insurance=masshealth"
    open_search(page, site, query)
    counts = page.eval_on_selector_all("[data-count-for]", "els => els.map(e => [e.dataset.countFor, e.textContent])")
    for key, text in counts:
        group, value = key.split(":", 1)
        assert text == "(%d)" % site.oracle.count(query, group, value), key
    assert dict(counts)["insurance:masshealth"] != ""
    assert_clean(page)


def test_no_results_suggests_filters_to_remove(page, site):
    query = "?q=foxtrot&insurance=medicare&schedule=evening"  # its weekend mornings rule out the evening
    assert not site.oracle.search(query).total and not site.oracle.search(query).might_fit
    open_search(page, site, query)
    assert page.text_content("#result-status") == "0 programs found"
    assert "No programs match" in page.inner_text("#results")
    relax = page.locator(".relax-filter")
    assert relax.count() == 3  # one per filter value, and the words
    without = "?q=foxtrot&insurance=medicare"
    widened = site.oracle.search(without)
    assert widened.total
    button = page.locator('.relax-filter[data-remove-value="evening"]')
    assert "(%d found)" % widened.total in button.inner_text()
    button.click()
    page.wait_for_url(re.compile(r"insurance=medicare$"))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["foxtrot"], "insurance": ["medicare"]}
    wait_for_search(page, site)
    assert_clean(page)


def test_unknown_place_gets_a_message_not_a_crash(page, site):
    open_search(page, site, "?near=Atlantis")
    assert "Atlantis" in page.text_content("#near-status")
    assert page.get_attribute("#near", "aria-invalid") == "true"
    expected = site.oracle.search("?near=Atlantis")
    assert expected.total == len(site.oracle)  # no place: every program, by name
    assert_shows(page, expected)
    open_search(page, site, "?near=Worcestr")
    assert "Worcester" in page.text_content("#near-status")  # suggests the likely town
    assert_clean(page)


def test_typing_updates_the_url_and_back_restores(page, site):
    open_search(page, site)
    page.fill("#q", "")
    page.locator("#q").press_sequentially("worcester", delay=20)
    page.wait_for_url(re.compile(r"q=worcester"))
    wait_for_search(page, site)
    page.locator("#near").press_sequentially("01103", delay=20)
    page.wait_for_url(re.compile(r"near=01103"))
    page.fill("#q", "")
    page.locator("#q").press_sequentially("iop", delay=20)
    page.wait_for_url(re.compile(r"q=iop"))
    page.check("#f-insurance-masshealth")
    page.wait_for_url(re.compile(r"insurance=masshealth"))
    with_insurance = wait_for_search(page, site)
    page.go_back()
    page.wait_for_function("() => !location.search.includes('insurance')")
    assert wait_for_search(page, site).ids != with_insurance.ids
    assert not page.is_checked("#f-insurance-masshealth")
    assert page.input_value("#q") == "iop" and page.input_value("#near") == "01103"
    page.go_forward()
    page.wait_for_url(re.compile(r"insurance=masshealth"))
    assert wait_for_search(page, site).ids == with_insurance.ids
    assert page.is_checked("#f-insurance-masshealth")
    assert_clean(page)


def test_shared_link_gives_the_same_page(page, browser, site):
    open_search(page, site)
    page.fill("#near", "Worcester")
    page.check("#f-schedule-evening")
    page.wait_for_url(re.compile(r"schedule=evening"))
    wait_for_search(page, site)
    first = results(page)
    other = browser.new_context().new_page()
    try:
        other.goto(page.url)
        other.wait_for_selector('#results[data-state="ready"]')
        assert results(other) == first
    finally:
        other.context.close()


def test_keyboard_only(page, site):
    open_search(page, site)
    for _ in range(40):
        if page.evaluate("document.activeElement.id") == "q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("evening")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "near"
    page.keyboard.type("01608")
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "f-insurance-masshealth":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-insurance-masshealth"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"insurance=masshealth"))
    assert page.is_checked("#f-insurance-masshealth")
    assert parse_qs(urlsplit(page.url).query) == {"q": ["evening"], "near": ["01608"], "insurance": ["masshealth"]}
    nearest = wait_for_search(page, site).ids[0]
    link = page.locator('[data-provider-id="%s"] .card-title a' % nearest)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/providers/%s/$" % nearest))
    assert_clean(page)


def test_use_my_location_stays_in_the_browser(browser, site):
    worcester = zip_point("01608")
    context = browser.new_context(geolocation={"latitude": worcester[0], "longitude": worcester[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        open_search(page, site)
        page.click("#use-location")
        page.wait_for_function("() => document.querySelector('[data-distance-miles]') !== null")
        page.wait_for_selector('#results[data-state="ready"]')
        assert_shows(page, site.oracle.search("", geo_origin=worcester))
        assert "your location" in page.text_content(".result-group > h3")
        assert "near" not in page.url and "42." not in page.url
        assert not [u for u in requests if "42.2" in u or "71.8" in u]
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    finally:
        context.close()


def test_index_loads_only_on_search_page(page, site):
    page.goto(site.url + "/")
    page.wait_for_load_state("load")
    assert not [u for u in page.watch.requests if "/search/data/" in u or "lunr" in u]
    assert page.locator('form[role="search"] input[name="q"]').count() >= 1
    page.goto(site.url + "/providers/")
    assert page.locator('header form[action$="/search/"] input[name="near"]').count() == 1
    assert not [u for u in page.watch.requests if "/search/data/" in u]


def test_without_javascript_the_static_pages_cover_everything(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    programs = site.oracle.programs
    try:
        page.goto(site.url + "/search/?near=01608&insurance=masshealth")
        notice = page.locator("noscript .notice, .notice").first
        hrefs = page.eval_on_selector_all(".search-page a", "els => els.map(a => a.getAttribute('href'))")
        for target in ("/providers/", "/towns/", "/insurance/"):
            assert any(h.endswith(target) for h in hrefs), target
        assert notice.is_visible()
        assert page.locator("#f-insurance-masshealth").count() == 1  # the full form is server-rendered

        def linked_ids(url):
            """The providers a listing links to, on all its pages (a national directory's are paged)."""
            found = set()
            while url:
                page.goto(url)
                found |= {m.group(1) for h in page.eval_on_selector_all("main a", "els => els.map(a => a.href)")
                          for m in [re.search(r"/providers/([a-z0-9-]+)/$", h)] if m}
                following = page.locator('main a[rel="next"]')
                url = following.first.evaluate("a => a.href") if following.count() else None
            return found

        def listings(index):
            page.goto(site.url + index)
            return sorted({h for h in page.eval_on_selector_all("main a", "els => els.map(a => a.href)")
                           if re.search(r"%s[a-z0-9-]+/$" % index, h)})

        assert linked_ids(site.url + "/providers/") == set(programs)
        in_towns = set().union(*(linked_ids(u) for u in listings("/towns/")))
        assert in_towns == {rid for rid, p in programs.items() if p.points}
        in_payers = set().union(*(linked_ids(u) for u in listings("/insurance/")))
        assert in_payers == {rid for rid, p in programs.items() if p.data.get("insurance")}
    finally:
        context.close()


@pytest.mark.parametrize("typed, meant", [("?near=01608&radius=7", "?near=01608"),
                                          ("?insurance=MassHealth", "?insurance=masshealth")])
def test_the_form_shows_the_search_that_is_applied(page, site, typed, meant):
    """The URL is the state: a distance the form does not offer is not applied behind an "Any distance" select,
    and a value in other letter case is the same filter, shown ticked."""
    open_search(page, site, meant)
    wanted = [r[0] for r in results(page)]
    assert wanted == expected_on_page(page, site.oracle.search(meant))
    form = page.evaluate("() => [document.getElementById('radius').value, Array.from("
                         "document.querySelectorAll('input[type=checkbox]:checked')).map(b => b.value)]")
    open_search(page, site, typed)
    assert [r[0] for r in results(page)] == wanted
    assert page.evaluate("() => [document.getElementById('radius').value, Array.from("
                         "document.querySelectorAll('input[type=checkbox]:checked')).map(b => b.value)]") == form


@pytest.mark.parametrize("query", ["?q=test", "?near=01608"])
def test_result_headings_never_skip_a_level(page, site, query):
    """WCAG 1.3.1: card titles are h3 right under "Results" (h2), h4 under a group heading (h3)."""
    open_search(page, site, query)
    levels = page.evaluate("() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
                           ".map(h => Number(h.tagName[1]))")
    assert page.locator("#results .card-title").count() > 0
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_new_results_with_the_same_count_are_announced_too(page, site):
    """A live region speaks when its text changes; a filter that keeps the count must still be heard."""
    query, narrowed = "?q=alpha", "?q=alpha&insurance=masshealth"
    assert site.oracle.search(query).ids == site.oracle.search(narrowed).ids  # the filter keeps every result
    open_search(page, site, query)
    before = page.text_content("#result-status")
    page.check("#f-insurance-masshealth")
    page.wait_for_url(re.compile(r"insurance=masshealth"))
    after = before
    for _ in range(100):  # the new results are rendered after the address changes
        after = page.text_content("#result-status")
        if after != before:
            break
        page.wait_for_timeout(20)
    total = site.oracle.search(narrowed).total
    assert after != before and after.replace("\xa0", "") == before.replace("\xa0", "") == count_text(total)


def test_a_towns_postal_spelling_is_the_town(page, site):
    open_search(page, site, "?near=Marlborough")
    wanted = results(page)
    assert wanted and all(r[1] is not None for r in wanted if r[2] == "nearby")
    assert_shows(page, site.oracle.search("?near=Marlborough"))
    open_search(page, site, "?near=Marlboro")
    assert results(page) == wanted

