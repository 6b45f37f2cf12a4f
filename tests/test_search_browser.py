"""The search page in real headless Chromium against the fixture site.

Expected orders and distances are computed here in Python from the fixture YAML and the `zipcodes`
package (and the place table for town-only records), independently of the page's JavaScript.
"""

import math
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
import zipcodes

from conftest import FIXTURE_PROVIDERS, serve
from iop_directory.places import load_places

RECORDS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(FIXTURE_PROVIDERS.glob("*.yaml"))}


def miles(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 3958.8 * math.asin(math.sqrt(h))


def zip_point(code):
    row = zipcodes.matching(code)[0]
    return float(row["lat"]), float(row["long"])


def record_points(record):
    points = []
    for loc in record.get("locations") or []:
        if loc.get("zip"):
            points.append(zip_point(loc["zip"]))
        elif loc.get("city"):
            place = load_places().place(loc["city"])
            points.append((place.lat, place.lon))
    return points


def statewide(record):
    return record.get("virtual") is True and not record.get("locations")


def expected(origin, keep=lambda r: True, radius=None):
    """Return ([(id, miles)] located by distance, [statewide ids], [unknown ids]) for records `keep` accepts."""
    located, virtual, unknown = [], [], []
    for rid, record in RECORDS.items():
        if not keep(record):
            continue
        points = record_points(record)
        if statewide(record):
            virtual.append(rid)
        elif points:
            distance = min(miles(origin, p) for p in points)
            if radius is None or distance <= radius:
                located.append((distance, record["name"].lower(), rid))
        else:
            unknown.append(rid)
    by_name = lambda rid: RECORDS[rid]["name"].lower()  # noqa: E731
    return ([(rid, d) for d, _, rid in sorted(located)], sorted(virtual, key=by_name), sorted(unknown, key=by_name))


def evening(record):
    return any((t.get("end") or "") >= "19:00" for t in record.get("tracks") or [])


def accepts(*slugs):
    return lambda record: bool(set(record.get("insurance") or []) & set(slugs))


@pytest.fixture(scope="session", params=["one lunr index", "split search data"])
def fixture_server(request, fixture_server):
    """Every search test runs on both search paths: the one lunr index of a Massachusetts-size directory and the
    split data (term, filter and document files read by a Web Worker) of a national one (issue 8)."""
    if request.param == "one lunr index":
        yield fixture_server
        return
    server, url = serve(request.getfixturevalue("split_fixture_site"))
    yield url
    server.shutdown()


def open_search(page, base, query=""):
    page.goto(base + "/search/" + query)
    page.wait_for_selector('#results[data-state="ready"]')


def results(page):
    return page.eval_on_selector_all(
        "[data-provider-id]", "els => els.map(e => [e.dataset.providerId, e.dataset.distanceMiles || null,"
        " e.closest('[data-group]').dataset.group])")


def wait_ids(page, ids):
    page.wait_for_function(
        "ids => document.querySelector('#results').dataset.state === 'ready' && JSON.stringify("
        "[...document.querySelectorAll('[data-provider-id]')].map(e => e.dataset.providerId)) === JSON.stringify(ids)",
        arg=ids)


def assert_clean(page):
    assert page.watch.foreign == []
    assert page.watch.errors == []
    assert page.watch.dialogs == []


def assert_distance_order(page, origin, keep=lambda r: True, radius=None):
    located, virtual, unknown = expected(origin, keep, radius)
    shown = results(page)
    assert [r[0] for r in shown] == [rid for rid, _ in located] + virtual + unknown
    for (rid, distance), (shown_id, shown_miles, group) in zip(located, shown):
        assert group == "nearby"
        assert re.fullmatch(r"\d+\.\d", shown_miles)
        assert abs(float(shown_miles) - distance) <= 0.051, (rid, shown_miles, distance)
    tail = shown[len(located):]
    assert [g for _, m, g in tail] == ["statewide"] * len(virtual) + ["unknown"] * len(unknown)
    assert all(m is None for _, m, _ in tail)
    return shown


def test_the_done_when_search(page, fixture_server):
    open_search(page, fixture_server, "?near=01608&insurance=masshealth&schedule=evening")
    shown = assert_distance_order(page, zip_point("01608"), lambda r: accepts("masshealth")(r) and evening(r))
    assert [r[0] for r in shown] == ["alpha-worcester", "delta-virtual"]
    assert page.is_checked("#f-insurance-masshealth") and page.is_checked("#f-schedule-evening")
    assert page.input_value("#near") == "01608"
    assert page.text_content("#result-status") == "2 programs found"
    headings = page.eval_on_selector_all(".result-group > h3", "els => els.map(e => e.textContent)")
    assert headings[1] == "Virtual programs serving all of Massachusetts"
    card = page.locator('[data-provider-id="alpha-worcester"]')
    assert card.locator("a", has_text="Alpha Test Clinic Worcester").get_attribute("href").endswith(
        "/providers/alpha-worcester/")
    assert card.locator('[data-compare-id="alpha-worcester"]').count() == 1
    assert "MassHealth" in card.inner_text() and "Evening" in card.inner_text()
    assert_clean(page)


@pytest.mark.parametrize("near", ["Worcester", "worcester, ma", "WORCESTER"])
def test_town_name_sorts_all_by_distance_with_groups(page, fixture_server, near):
    open_search(page, fixture_server, "?near=" + near)
    town = load_places().place("Worcester")
    shown = assert_distance_order(page, (town.lat, town.lon))
    assert shown[-1] == ["echo-unknown", None, "unknown"]
    assert "approximate" in page.locator('[data-provider-id="foxtrot-shrewsbury"] .distance').inner_text()
    assert "approximate" not in page.locator('[data-provider-id="alpha-worcester"] .distance').inner_text()
    assert_clean(page)


def test_zip_plus_four_and_radius(page, fixture_server):
    open_search(page, fixture_server, "?near=01608-1234&radius=10")
    shown = assert_distance_order(page, zip_point("01608"), radius=10)
    assert "bravo-boston" not in [r[0] for r in shown]
    assert "delta-virtual" in [r[0] for r in shown]  # statewide virtual is kept whatever the radius
    assert page.input_value("#radius") == "10"
    assert_clean(page)


@pytest.mark.parametrize("query, ids", [
    ("?q=worcestr", ["alpha-worcester"]),  # typo
    ("?q=dial", ["alpha-worcester", "bravo-boston"]),  # prefix of "dialectical"
    ("?q=Worcester%20evening", ["alpha-worcester"]),
    ("?q=dbt&insurance=bcbsma&population=adolescents", ["bravo-boston"]),  # text and filters combined
    ("?insurance=medicaid", ["alpha-worcester", "charlie-springfield", "delta-virtual"]),  # a payer category
    ("?insurance=medicare,masshealth&mode=in-person",
     ["alpha-worcester", "charlie-springfield", "foxtrot-shrewsbury"]),  # OR within, AND across; hybrid counts
    ("?insurance=medicare&insurance=masshealth&mode=hybrid", ["charlie-springfield"]),
    ("?schedule=weekend,morning&focus=substance-use", ["foxtrot-shrewsbury"]),
    ("?language=pt", ["delta-virtual"]),
    ("?q=%3A~*%5E%2B-", sorted(RECORDS, key=lambda rid: RECORDS[rid]["name"].lower())),  # lunr syntax is inert
])
def test_text_and_filters(page, fixture_server, query, ids):
    open_search(page, fixture_server, query)
    shown = [r[0] for r in results(page)]
    # Without a place, keyword results come in relevance order and filter-only results by name.
    assert (sorted(shown) if "q=" in query else shown) == (sorted(ids) if "q=" in query else ids)
    assert_clean(page)


@pytest.mark.parametrize("typed, meant", [("clinci", "clinic"), ("%C3%A9vening", "evening"), ("cl%C3%ADnic", "clinic")])
def test_a_swapped_pair_or_a_stray_accent_finds_what_the_word_finds(page, fixture_server, typed, meant):
    open_search(page, fixture_server, "?q=" + meant)
    wanted = sorted(r[0] for r in results(page))
    open_search(page, fixture_server, "?q=" + typed)
    assert wanted and sorted(r[0] for r in results(page)) == wanted


def test_combined_filters_match_python(page, fixture_server):
    open_search(page, fixture_server, "?near=Boston&insurance=masshealth,bcbsma&level=iop")
    boston = load_places().place("Boston")
    assert_distance_order(page, (boston.lat, boston.lon),
                          lambda r: accepts("masshealth", "bcbsma")(r) and "iop" in (r.get("levels_of_care") or []))
    assert_clean(page)


def test_counts_beside_options(page, fixture_server):
    open_search(page, fixture_server, "?insurance=masshealth")

    def count(key):
        return page.text_content('[data-count-for="%s"]' % key)

    assert count("insurance:masshealth") == "(3)"
    assert count("insurance:bcbsma") == "(2)"  # own group: other insurance options are OR-ed, so not narrowed
    assert count("schedule:evening") == "(2)"  # alpha and delta accept MassHealth and meet in the evening
    assert count("schedule:morning") == "(0)"  # bravo meets in the morning but does not confirm MassHealth
    assert count("language:pt") == "(1)"
    assert_clean(page)


def test_no_results_suggests_filters_to_remove(page, fixture_server):
    open_search(page, fixture_server, "?insurance=tricare&schedule=weekend")
    assert page.text_content("#result-status") == "0 programs found"
    assert "No programs match" in page.inner_text("#results")
    relax = page.locator(".relax-filter")
    assert relax.count() == 2
    page.click('.relax-filter[data-remove-value="tricare"]')
    wait_ids(page, ["foxtrot-shrewsbury"])
    assert parse_qs(urlsplit(page.url).query) == {"schedule": ["weekend"]}
    assert_clean(page)


def test_unknown_place_gets_a_message_not_a_crash(page, fixture_server):
    open_search(page, fixture_server, "?near=Atlantis")
    assert "Atlantis" in page.text_content("#near-status")
    assert page.get_attribute("#near", "aria-invalid") == "true"
    assert len(results(page)) == len(RECORDS)
    assert all(m is None for _, m, _ in results(page))
    open_search(page, fixture_server, "?near=Worcestr")
    assert "Worcester" in page.text_content("#near-status")  # suggests the likely town
    assert_clean(page)


def test_typing_updates_the_url_and_back_restores(page, fixture_server):
    open_search(page, fixture_server)
    page.fill("#q", "")
    page.locator("#q").press_sequentially("worcester", delay=20)
    page.wait_for_url(re.compile(r"q=worcester"))
    wait_ids(page, ["alpha-worcester"])
    page.locator("#near").press_sequentially("01103", delay=20)
    page.wait_for_url(re.compile(r"near=01103"))
    page.fill("#q", "")
    page.locator("#q").press_sequentially("iop", delay=20)
    page.wait_for_url(re.compile(r"q=iop"))
    page.check("#f-insurance-masshealth")
    page.wait_for_url(re.compile(r"insurance=masshealth"))
    shown = assert_distance_order(page, zip_point("01103"), accepts("masshealth"))
    assert shown[0][0] == "charlie-springfield"
    page.go_back()
    page.wait_for_function("() => !location.search.includes('insurance')")
    located, virtual, unknown = expected(zip_point("01103"))
    wait_ids(page, [rid for rid, _ in located] + virtual + unknown)  # every fixture is an IOP
    assert not page.is_checked("#f-insurance-masshealth")
    assert page.input_value("#q") == "iop" and page.input_value("#near") == "01103"
    page.go_forward()
    page.wait_for_url(re.compile(r"insurance=masshealth"))
    wait_ids(page, ["charlie-springfield", "alpha-worcester", "delta-virtual"])
    assert page.is_checked("#f-insurance-masshealth")
    assert_clean(page)


def test_shared_link_gives_the_same_page(page, browser, fixture_server):
    open_search(page, fixture_server)
    page.fill("#near", "Worcester")
    page.check("#f-schedule-evening")
    page.wait_for_url(re.compile(r"schedule=evening"))
    wait_ids(page, ["alpha-worcester", "delta-virtual"])
    first = results(page)
    other = browser.new_context().new_page()
    try:
        other.goto(page.url)
        other.wait_for_selector('#results[data-state="ready"]')
        assert results(other) == first
    finally:
        other.context.close()


def test_keyboard_only(page, fixture_server):
    open_search(page, fixture_server)
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
    wait_ids(page, ["alpha-worcester", "delta-virtual"])
    assert parse_qs(urlsplit(page.url).query) == {"q": ["evening"], "near": ["01608"], "insurance": ["masshealth"]}
    link = page.locator('[data-provider-id="alpha-worcester"] .card-title a')
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/providers/alpha-worcester/$"))
    assert_clean(page)


def test_use_my_location_stays_in_the_browser(browser, fixture_server):
    worcester = zip_point("01608")
    context = browser.new_context(geolocation={"latitude": worcester[0], "longitude": worcester[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        open_search(page, fixture_server)
        page.click("#use-location")
        page.wait_for_function("() => document.querySelector('[data-distance-miles]') !== null")
        page.wait_for_selector('#results[data-state="ready"]')
        assert_distance_order(page, worcester)
        assert "your location" in page.text_content(".result-group > h3")
        assert "near" not in page.url and "42." not in page.url
        assert not [u for u in requests if "42.2" in u or "71.8" in u]
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    finally:
        context.close()


def test_index_loads_only_on_search_page(page, fixture_server):
    page.goto(fixture_server + "/")
    page.wait_for_load_state("load")
    assert not [u for u in page.watch.requests if "/search/data/" in u or "lunr" in u]
    assert page.locator('form[role="search"] input[name="q"]').count() >= 1
    page.goto(fixture_server + "/providers/")
    assert page.locator('header form[action$="/search/"] input[name="near"]').count() == 1
    assert not [u for u in page.watch.requests if "/search/data/" in u]


def test_without_javascript_the_static_pages_cover_everything(browser, fixture_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(fixture_server + "/search/?near=01608&insurance=masshealth")
        notice = page.locator("noscript .notice, .notice").first
        hrefs = page.eval_on_selector_all(".search-page a", "els => els.map(a => a.getAttribute('href'))")
        for target in ("/providers/", "/towns/", "/insurance/"):
            assert any(h.endswith(target) for h in hrefs), target
        assert notice.is_visible()
        assert page.locator("#f-insurance-masshealth").count() == 1  # the full form is server-rendered

        def linked_ids(url):
            page.goto(url)
            return {m.group(1) for h in page.eval_on_selector_all("main a", "els => els.map(a => a.href)")
                    for m in [re.search(r"/providers/([a-z0-9-]+)/$", h)] if m}

        assert linked_ids(fixture_server + "/providers/") == set(RECORDS)
        page.goto(fixture_server + "/towns/")
        town_pages = sorted({h for h in page.eval_on_selector_all("main a", "els => els.map(a => a.href)")
                             if re.search(r"/towns/[a-z0-9-]+/$", h)})
        in_towns = set().union(*(linked_ids(u) for u in town_pages))
        assert in_towns == {rid for rid, r in RECORDS.items() if record_points(r)}
        page.goto(fixture_server + "/insurance/")
        payer_pages = sorted({h for h in page.eval_on_selector_all("main a", "els => els.map(a => a.href)")
                              if re.search(r"/insurance/[a-z0-9-]+/$", h)})
        in_payers = set().union(*(linked_ids(u) for u in payer_pages))
        assert in_payers == {rid for rid, r in RECORDS.items() if r.get("insurance")}
    finally:
        context.close()


@pytest.mark.parametrize("typed, meant", [("?near=01608&radius=7", "?near=01608"),
                                          ("?insurance=MassHealth", "?insurance=masshealth")])
def test_the_form_shows_the_search_that_is_applied(page, fixture_server, typed, meant):
    """The URL is the state: a distance the form does not offer is not applied behind an "Any distance" select,
    and a value in other letter case is the same filter, shown ticked."""
    open_search(page, fixture_server, meant)
    wanted = [r[0] for r in results(page)]
    form = page.evaluate("() => [document.getElementById('radius').value, Array.from("
                         "document.querySelectorAll('input[type=checkbox]:checked')).map(b => b.value)]")
    open_search(page, fixture_server, typed)
    assert [r[0] for r in results(page)] == wanted
    assert page.evaluate("() => [document.getElementById('radius').value, Array.from("
                         "document.querySelectorAll('input[type=checkbox]:checked')).map(b => b.value)]") == form


@pytest.mark.parametrize("query", ["?q=test", "?near=01608"])
def test_result_headings_never_skip_a_level(page, fixture_server, query):
    """WCAG 1.3.1: card titles are h3 right under "Results" (h2), h4 under a group heading (h3)."""
    open_search(page, fixture_server, query)
    levels = page.evaluate("() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
                           ".map(h => Number(h.tagName[1]))")
    assert page.locator("#results .card-title").count() > 0
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_new_results_with_the_same_count_are_announced_too(page, fixture_server):
    """A live region speaks when its text changes; a filter that keeps the count must still be heard."""
    open_search(page, fixture_server, "?q=worcester")
    before = page.text_content("#result-status")
    page.check("#f-insurance-masshealth")  # Alpha accepts MassHealth: still one program
    page.wait_for_url(re.compile(r"insurance=masshealth"))
    after = before
    for _ in range(100):  # the new results are rendered after the address changes
        after = page.text_content("#result-status")
        if after != before:
            break
        page.wait_for_timeout(20)
    assert after != before and after.replace("\xa0", "") == before.replace("\xa0", "") == "1 program found"


def test_a_towns_postal_spelling_is_the_town(page, fixture_server):
    open_search(page, fixture_server, "?near=Marlborough")
    wanted = results(page)
    assert wanted and all(r[1] is not None for r in wanted if r[2] == "located")
    open_search(page, fixture_server, "?near=Marlboro")
    assert results(page) == wanted
