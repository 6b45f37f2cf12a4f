"""Issue 24 on a phone (390 x 844) and in tables: the first result on the first screen, the crisis lines compact
and tappable there, a "Filters" control, readable level-of-care and compare tables; axe-core on the new states."""

import pytest

from conftest import build, serve
from test_accessibility import run_axe, settle
from test_search_unconfirmed import MIGHT_FIT

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.errors = errors
    yield tab
    context.close()


@pytest.fixture
def phone_axe(browser):
    context = browser.new_context(viewport=PHONE, bypass_csp=True)  # axe is injected, which the CSP forbids
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="module")
def might_fit_server(tmp_path_factory):
    site = build(MIGHT_FIT, tmp_path_factory.mktemp("phone-might-fit") / "output")
    server, url = serve(site)
    yield url
    server.shutdown()


def open_search(tab, base, query):
    tab.goto(base + "/search/" + query)
    tab.wait_for_selector('#results[data-state="ready"] [data-provider-id]')


def in_first_screen(tab, selector):
    return tab.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect();"
                                          " return r.top >= 0 && r.bottom <= innerHeight && r.width > 0; }")


@pytest.mark.parametrize("query", ["?near=Worcester", "?near=Worcester&insurance=masshealth&schedule=evening"])
def test_the_first_result_and_the_crisis_lines_are_on_the_first_screen(phone, fixture_server, query):
    open_search(phone, fixture_server, query)
    assert phone.evaluate("document.documentElement.scrollTop") == 0
    first = phone.eval_on_selector("#results [data-provider-id] .card-title", "e => e.getBoundingClientRect().bottom")
    assert 0 < first <= PHONE["height"]  # the first result starts, its name readable, on the first screen
    for number, href in (("988", "tel:988"), ("833-773-2445", "tel:+18337732445")):
        link = phone.locator('.crisis a[href="%s"]' % href)
        assert number in link.inner_text() and link.is_visible()
        assert in_first_screen(phone, '.crisis a[href="%s"]' % href)
        box = link.bounding_box()
        assert box["height"] >= 20 and box["width"] >= 24  # big enough to tap
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not phone.errors


def test_the_search_folds_into_a_summary_with_change_search_and_filters(phone, fixture_server):
    open_search(phone, fixture_server, "?near=Worcester&insurance=masshealth&schedule=evening")
    assert phone.text_content("#search-summary") == "Near Worcester"
    toggle = phone.locator("#filters-toggle")
    assert toggle.inner_text().split() == ["Filters", "(2", "on)"]
    assert toggle.get_attribute("aria-expanded") == "false" and not phone.locator("#filter-groups").is_visible()
    assert not phone.locator("#q").is_visible()
    toggle.focus()
    phone.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and phone.locator("#filter-groups").is_visible()
    assert phone.locator("#f-insurance-masshealth").is_checked()
    phone.locator("#f-schedule-evening").uncheck()  # a filter changed in the open groups applies at once
    phone.wait_for_url("**/search/?near=Worcester&insurance=masshealth")
    phone.wait_for_function("document.getElementById('filters-on').textContent === '(1 on)'")
    toggle.click()
    assert not phone.locator("#filter-groups").is_visible()
    edit = phone.locator("#edit-search")
    edit.click()
    assert edit.get_attribute("aria-expanded") == "true" and phone.locator("#q").is_visible()
    assert phone.evaluate("document.activeElement.id") == "q"
    phone.fill("#q", "evening")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**q=evening**")
    assert not phone.locator("#q").is_visible()  # folded back into the summary
    phone.wait_for_function("document.getElementById('search-summary').textContent.includes('evening')")


def test_an_empty_search_page_shows_its_fields_on_a_phone(phone, fixture_server):
    phone.goto(fixture_server + "/search/")
    phone.wait_for_selector('#results[data-state="ready"]')
    assert phone.locator("#q").is_visible() and phone.locator("#near").is_visible()
    assert not phone.locator("#edit-search").is_visible() and phone.locator("#filters-toggle").is_visible()


def test_every_card_with_a_known_phone_number_can_call_it(phone, fixture_server):
    open_search(phone, fixture_server, "?near=Worcester")
    link = phone.locator('[data-provider-id="alpha-worcester"] a[href^="tel:"]')
    assert link.count() == 1 and link.get_attribute("href") == "tel:+15085550101"
    phone.goto(fixture_server + "/providers/")  # the listings' cards too
    assert phone.locator('article[data-provider-id="alpha-worcester"] a[href="tel:+15085550101"]').count() == 1
    echo = phone.locator('article[data-provider-id="echo-unknown"]')
    assert echo.locator('a[href^="tel:"]').count() == 0 and "Phone\nNot yet confirmed" in echo.inner_text()


@pytest.mark.parametrize("state", ["filters closed", "filters open", "fields open"])
def test_the_phone_search_states_have_no_axe_violations(phone_axe, might_fit_server, state):
    phone_axe.goto(might_fit_server + "/search/?near=Worcester&insurance=masshealth")
    phone_axe.wait_for_selector('[data-group="unconfirmed"] [data-provider-id]')
    if state == "filters open":
        phone_axe.click("#filters-toggle")
    if state == "fields open":
        phone_axe.click("#edit-search")
    settle(phone_axe)
    assert run_axe(phone_axe) == []


def test_the_unconfirmed_group_on_a_wide_screen_has_no_axe_violations(axe_page, might_fit_server):
    axe_page.goto(might_fit_server + "/search/?near=Worcester&insurance=masshealth&schedule=evening")
    axe_page.wait_for_selector('[data-group="unconfirmed"] [data-provider-id]')
    settle(axe_page)
    assert run_axe(axe_page) == []


def test_the_levels_table_reads_at_1280_px_without_a_scroll_box(page, fixture_server):
    page.goto(fixture_server + "/levels-of-care/")
    widths = page.eval_on_selector_all(".levels-table tbody th", "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and min(widths) >= 100
    table = page.locator(".levels-table")
    assert table.is_visible()
    scrollers = table.evaluate("""t => { const out = []; for (let e = t; e; e = e.parentElement) {
        const s = getComputedStyle(e); if (['auto', 'scroll'].includes(s.overflowX) || ['auto', 'scroll'].includes(s.overflowY)
        || e.scrollWidth > e.clientWidth + 1) { out.push(e.tagName + '.' + e.className); } } return out; }""")
    assert scrollers == [] or scrollers == ["HTML."]
    assert table.evaluate("t => t.getBoundingClientRect().right") <= page.viewport_size["width"]


@pytest.mark.parametrize("width", [390, 320])
def test_the_levels_page_on_a_phone_needs_no_sideways_scrolling(browser, fixture_server, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(fixture_server + "/levels-of-care/")
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        assert tab.locator(".level-card").first.is_visible()
    finally:
        context.close()
