"""Issue 25: an offline map of Massachusetts (search results, program and town pages) and printed referral sheets
that lead back to the site (a QR code decoded here from Chromium's own PDF)."""

import io
import math
import re

import pytest

from conftest import FIXTURE_PROVIDERS, TEST_TODAY, build, serve
from search_oracle import Oracle, miles

pytestmark = pytest.mark.browser

# The map's projection as the record of it in plugins/iop_directory/state_map.py says: equirectangular at the
# middle latitude of the drawn box, 1,000 units wide. Worked out here again, from those four numbers.
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = -73.56, -69.88, 41.20, 42.92
COS = math.cos(math.radians((LAT_MIN + LAT_MAX) / 2))
K = 1000 / ((LON_MAX - LON_MIN) * COS)


def expected_xy(lat, lon):
    return (lon - LON_MIN) * COS * K, (LAT_MAX - lat) * K


def drawn_at(page, selector):
    """{marker id: (x, y)} of the dots a page drew (their transform)."""
    found = page.eval_on_selector_all(selector, "els => els.map(e => [e.dataset.mapMarker, e.getAttribute('transform')])")
    out = {}
    for marker, transform in found:
        x, y = map(float, re.match(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", transform).groups())
        out.setdefault(marker, []).append((x, y))
    return out


@pytest.fixture(scope="module")
def oracle():
    import datetime

    return Oracle(FIXTURE_PROVIDERS, datetime.date.fromisoformat(TEST_TODAY))


def open_search(page, base, query):
    page.goto(base + "/search/" + query)
    page.wait_for_selector('#results[data-state="ready"] [data-provider-id]')


def test_the_search_map_draws_a_dot_for_every_located_result_at_its_place(page, fixture_server, oracle):
    open_search(page, fixture_server, "?near=Worcester")
    expected = oracle.search(page.url)
    origin = oracle.origin("Worcester")
    located = [rid for key, hits in expected.groups for rid, distance, _a in hits if distance is not None]
    dots = drawn_at(page, "#results-map [data-map-marker]")
    assert sorted(dots) == sorted(located) and all(len(v) == 1 for v in dots.values())
    for rid, [(x, y)] in dots.items():
        point = min(oracle.programs[rid].points, key=lambda p: miles(origin, p[:2]))  # its nearest place
        ex, ey = expected_xy(*point[:2])
        assert abs(x - ex) < 0.2 and abs(y - ey) < 0.2, rid
    ox, oy = expected_xy(*origin)
    drawn_origin = page.get_attribute("#results-map [data-map-origin]", "transform")
    assert [round(float(v), 0) for v in re.findall(r"[-\d.]+", drawn_origin)] == [round(ox, 0), round(oy, 0)]
    # numbered as the list: the card with the same number is the dot's program
    for rid in located:
        number = page.text_content('#results [data-provider-id="%s"] .map-number' % rid)
        assert page.text_content('#results-map [data-map-marker="%s"] text' % rid) == number
    note = page.text_content("#map-note")
    assert "Virtual programs for all of Massachusetts are not drawn as a place: 1." in note  # delta-virtual
    assert "not drawn: 1." in note  # echo-unknown has no known place
    assert page.locator('#results-map [data-map-marker="delta-virtual"]').count() == 0
    assert page.watch.foreign == [] and page.watch.errors == []


def test_the_map_follows_the_filters_and_tells_might_fit_apart(page, tmp_path_factory):
    from test_search_unconfirmed import MIGHT_FIT

    site = build(MIGHT_FIT, tmp_path_factory.mktemp("map-might-fit") / "output")
    server, url = serve(site)
    try:
        open_search(page, url, "?near=Worcester&insurance=masshealth")
        classes = dict(page.eval_on_selector_all("#results-map [data-map-marker]",
                                                 "els => els.map(e => [e.dataset.mapMarker, e.getAttribute('class')])"))
        assert classes == {"kilo-confirmed": "map-dot confirmed", "lima-unknown": "map-dot unconfirmed",
                           "november-contradictory": "map-dot unconfirmed"}
        page.check("#f-schedule-evening")  # lima's times are unknown, mike's are mornings
        page.wait_for_url(re.compile("schedule=evening"))
        page.wait_for_function("document.querySelectorAll('#results-map [data-map-marker]').length === 3")
        page.uncheck("#f-insurance-masshealth")
        page.wait_for_function("document.querySelector('#results-map [data-map-marker=\"november-contradictory\"]')"
                               ".getAttribute('class') === 'map-dot confirmed'")
    finally:
        server.shutdown()


def test_a_dot_and_its_card_lead_to_each_other_by_keyboard(page, fixture_server):
    open_search(page, fixture_server, "?near=Worcester")
    dot = page.locator('#results-map [data-map-marker="alpha-worcester"]')
    for _ in range(300):  # reach the dot with the Tab key, past every filter
        if page.evaluate("document.activeElement.dataset && document.activeElement.dataset.mapMarker") == "alpha-worcester":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.mapMarker") == "alpha-worcester"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.closest('[data-provider-id]') &&"
                           " document.activeElement.closest('[data-provider-id]').dataset.providerId === 'alpha-worcester'")
    card = page.locator('#results [data-provider-id="alpha-worcester"]').bounding_box()
    assert 0 <= card["y"] < page.viewport_size["height"]
    show = page.locator('#results [data-provider-id="foxtrot-shrewsbury"] [data-show-on-map]')
    show.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.dataset && document.activeElement.dataset.mapMarker === 'foxtrot-shrewsbury'")
    assert "selected" in page.get_attribute('#results-map [data-map-marker="foxtrot-shrewsbury"]', "class")
    box = page.locator('#results-map [data-map-marker="foxtrot-shrewsbury"]').bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]


def test_on_a_phone_the_map_waits_until_asked(browser, fixture_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        open_search(tab, fixture_server, "?near=Worcester")
        assert not tab.locator("#results-map").is_visible()
        tab.click("#map-toggle")
        assert tab.get_attribute("#map-toggle", "aria-expanded") == "true" and tab.locator("#results-map").is_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_in_high_contrast_the_dots_stand_out_from_the_state(page, fixture_server):
    page.emulate_media(forced_colors="active")
    open_search(page, fixture_server, "?near=Worcester")
    fills = page.evaluate("""() => [getComputedStyle(document.querySelector('#results-map [data-map-marker] circle')).fill,
                                     getComputedStyle(document.querySelector('#results-map .map-state')).fill]""")
    assert fills[0] != fills[1]


def test_program_and_town_pages_show_their_map(fixture_site, oracle):
    page = (fixture_site / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
    dots = re.findall(r'data-map-marker="alpha-worcester" transform="translate\(([-\d.]+) ([-\d.]+)\)"', page)
    (lat, lon, _a), = oracle.programs["alpha-worcester"].points
    ex, ey = expected_xy(lat, lon)
    assert len(dots) == 1 and abs(float(dots[0][0]) - ex) < 0.2 and abs(float(dots[0][1]) - ey) < 0.2
    assert 'href="../../map/massachusetts.svg#state"' in page
    virtual = (fixture_site / "providers" / "delta-virtual" / "index.html").read_text(encoding="utf-8")
    assert "data-map-marker" not in virtual and "not drawn on a map" in virtual.lower()
    town = (fixture_site / "towns" / "worcester" / "index.html").read_text(encoding="utf-8")
    assert "data-map-origin" in town and 'data-map-marker="alpha-worcester"' in town
    assert (fixture_site / "map" / "massachusetts.svg").read_text(encoding="utf-8").count("<path") == 2


def _pdf(page):
    return page.pdf(format="Letter", prefer_css_page_size=True, print_background=False)


def _qr_texts(pdf):
    """The QR codes on every page of a PDF, rendered at 200 dpi (pypdfium2) and read (zxing-cpp)."""
    import pypdfium2
    import zxingcpp

    texts = []
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    for number in range(len(document)):
        image = document[number].render(scale=200 / 72).to_pil()
        texts += [code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode]
    return len(document), texts


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The fixture site with a public address for its absolute links (its pages link each other relatively, so
    that it can be served here)."""
    site = build(FIXTURE_PROVIDERS, tmp_path_factory.mktemp("published") / "output",
                 CANONICAL_SITEURL="https://directory.example.org")
    server, url = serve(site)
    yield url
    server.shutdown()


@pytest.mark.parametrize("program", ["alpha-worcester", "echo-unknown"])
def test_a_printed_program_page_is_one_page_whose_code_opens_its_page(page, published, program):
    page.goto("%s/providers/%s/" % (published, program))
    pages, codes = _qr_texts(_pdf(page))
    assert pages == 1
    assert codes == ["https://directory.example.org/providers/%s/" % program]
    page.emulate_media(media="print")
    printed = page.inner_text("main")
    for words in ("Phone", "Where", "Schedule", "Insurance", "Last verified"):
        assert words in printed, words
    assert page.locator(".crisis a[href='tel:988']").is_visible()  # the crisis lines stay on the sheet


def test_a_printed_comparison_fits_and_its_code_opens_the_comparison(page, fixture_server):
    query = "?ids=alpha-worcester,bravo-boston,charlie-springfield"
    page.goto(fixture_server + "/compare/" + query)
    page.wait_for_selector(".compare-table")
    pages, codes = _qr_texts(_pdf(page))
    assert pages <= 2
    assert codes == [page.url] and page.url.endswith("/compare/" + query)
    page.goto(fixture_server + "/compare/?ids=alpha-worcester,bravo-boston,charlie-springfield,delta-virtual")
    page.wait_for_selector(".compare-table")
    pages, codes = _qr_texts(_pdf(page))
    assert pages <= 2 and codes == [page.url]
