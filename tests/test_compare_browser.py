"""Issue 4 in real Chromium: "Add to compare", the compare URL round trip, unknown ids and the printed sheet."""

import json
import re

import pytest
from playwright.sync_api import expect

COMPARE_LIMIT = 4


@pytest.fixture
def watched(page):
    """The page fixture, also recording console messages (a CSP violation is logged there)."""
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append(msg.text))
    yield page
    assert not page.watch.errors, page.watch.errors
    assert not page.watch.foreign, page.watch.foreign
    assert not [m for m in page.console_messages if "Content Security Policy" in m or "Refused" in m]


def stored_ids(page):
    return json.loads(page.evaluate("sessionStorage.getItem('iop-compare') || '[]'"))


def column_ids(page):
    return page.eval_on_selector_all(".compare-table thead th[data-provider-id]",
                                     "els => els.map(e => e.getAttribute('data-provider-id'))")


def open_compare(page, base, query):
    page.goto(base + "/compare/" + query)
    page.wait_for_selector("#compare-root[data-state]")


def _compare_entry(site, provider_id):
    return json.loads((site / "compare" / "data" / ("%s.json" % provider_id)).read_text(encoding="utf-8"))["provider"]


def test_compare_data_files_match_the_provider_views(fixture_site):
    assert sorted(p.stem for p in (fixture_site / "compare" / "data").glob("*.json")) == sorted(
        p.name for p in (fixture_site / "providers").iterdir() if p.is_dir())
    alpha = _compare_entry(fixture_site, "alpha-worcester")
    assert alpha["name"] == "Alpha Test Clinic Worcester"
    assert alpha["tracks"][0]["days"] == "Mon–Thu" and alpha["tracks"][0]["hours"] == "12 hours a week"
    assert alpha["phone"] == "(508) 555-0101"
    echo = _compare_entry(fixture_site, "echo-unknown")
    assert echo["insurance"] is None and echo["tracks"] is None and echo["locations"] is None
    assert echo["modes"] is None  # unknown delivery is "not yet confirmed" on the sheet, as on the page; not "none"
    page = (fixture_site / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
    assert alpha["tracks"][0]["time"] in page.replace("&nbsp;", " ")


def test_add_to_compare_from_provider_pages(watched, fixture_server):
    page = watched
    page.goto(fixture_server + "/providers/alpha-worcester/")
    button = page.locator("button[data-compare-id='alpha-worcester']")
    assert button.is_visible()
    assert button.get_attribute("aria-pressed") == "false"
    link = page.locator("#compare-tray-link")
    assert link.is_hidden()
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert link.is_visible() and link.inner_text() == "Compare (1)"
    expect(page.locator("#compare-tray-status")).to_contain_text("added")
    assert stored_ids(page) == ["alpha-worcester"]

    # Three more programs fill the selection; a fifth is refused with a clear message.
    for pid in ("bravo-boston", "charlie-springfield", "delta-virtual"):
        page.goto(fixture_server + "/providers/%s/" % pid)
        page.click("button[data-compare-id='%s']" % pid)
    assert page.locator("#compare-tray-link").inner_text() == "Compare (4)"
    page.goto(fixture_server + "/providers/echo-unknown/")
    page.click("button[data-compare-id='echo-unknown']")
    assert page.get_attribute("button[data-compare-id='echo-unknown']", "aria-pressed") == "false"
    expect(page.locator("#compare-tray-status")).to_contain_text("up to 4")
    assert len(stored_ids(page)) == COMPARE_LIMIT

    # Toggling off removes it again.
    page.goto(fixture_server + "/providers/delta-virtual/")
    page.click("button[data-compare-id='delta-virtual']")
    assert page.get_attribute("button[data-compare-id='delta-virtual']", "aria-pressed") == "false"
    assert stored_ids(page) == ["alpha-worcester", "bravo-boston", "charlie-springfield"]

    # The tray link opens the comparison with the selection in its address.
    page.click("#compare-tray-link")
    page.wait_for_selector("#compare-root[data-state='ready']")
    assert re.search(r"/compare/\?ids=alpha-worcester,bravo-boston,charlie-springfield$", page.url)
    assert column_ids(page) == ["alpha-worcester", "bravo-boston", "charlie-springfield"]


def test_buttons_added_later_are_wired(watched, fixture_server):
    """Search result cards are built by script after load: the tray handles them by delegation."""
    page = watched
    page.goto(fixture_server + "/providers/alpha-worcester/")
    page.evaluate("""() => {
        const b = document.createElement('button');
        b.type = 'button'; b.hidden = true; b.textContent = 'Add to compare';
        b.setAttribute('data-compare-id', 'foxtrot-shrewsbury');
        document.querySelector('main').appendChild(b);
    }""")
    late = page.locator("button[data-compare-id='foxtrot-shrewsbury']")
    late.wait_for(state="visible")
    late.click()
    assert late.get_attribute("aria-pressed") == "true"
    assert stored_ids(page) == ["foxtrot-shrewsbury"]


def test_compare_url_round_trip(watched, fixture_server):
    page = watched
    open_compare(page, fixture_server, "?ids=charlie-springfield,alpha-worcester,delta-virtual")
    assert column_ids(page) == ["charlie-springfield", "alpha-worcester", "delta-virtual"]
    # Every cell of a column carries its provider id.
    for pid in column_ids(page):
        assert page.locator(".compare-table tbody td[data-provider-id='%s']" % pid).count() == \
            page.locator(".compare-table tbody tr").count()
    # Rows that differ are marked with a class and with words; identical rows are not.
    insurance = page.locator(".compare-table tr[data-row='insurance']")
    assert "differs" in insurance.get_attribute("class")
    assert "(differs)" in insurance.locator("th").inner_text()
    levels = page.locator(".compare-table tr[data-row='levels']")
    assert "differs" in (levels.get_attribute("class") or "")  # Charlie also offers PHP
    populations = page.locator(".compare-table tr[data-row='populations']")
    assert "differs" in (populations.get_attribute("class") or "")
    # The table shows the same words as the provider page.
    alpha_tracks = page.locator(".compare-table tr[data-row='tracks'] td[data-provider-id='alpha-worcester']").inner_text()
    assert "Evening IOP" in alpha_tracks and "Mon–Thu" in alpha_tracks and "12 hours a week" in alpha_tracks
    assert "5:30 PM" in alpha_tracks
    assert stored_ids(page) == ["charlie-springfield", "alpha-worcester", "delta-virtual"]

    # Removing a column updates the address; reloading the address shows the same comparison.
    page.click("button[data-remove-id='alpha-worcester']")
    assert column_ids(page) == ["charlie-springfield", "delta-virtual"]
    assert page.url.endswith("/compare/?ids=charlie-springfield,delta-virtual")
    shared = page.url
    page.goto(fixture_server + "/")
    page.goto(shared)
    page.wait_for_selector("#compare-root[data-state='ready']")
    assert column_ids(page) == ["charlie-springfield", "delta-virtual"]

    # /compare/ without ids shows this tab's selection and writes it into the address.
    open_compare(page, fixture_server, "")
    assert column_ids(page) == ["charlie-springfield", "delta-virtual"]
    assert page.url.endswith("?ids=charlie-springfield,delta-virtual")

    # Unchanged rows are not marked: two identical columns differ nowhere.
    open_compare(page, fixture_server, "?ids=alpha-worcester")
    assert page.locator(".compare-table tr.differs").count() == 0


def test_compare_distance_from_a_place(watched, fixture_server):
    page = watched
    open_compare(page, fixture_server, "?ids=alpha-worcester,foxtrot-shrewsbury,delta-virtual&near=01608")
    row = page.locator(".compare-table tr[data-row='distance']")
    assert "01608" in row.locator("th").inner_text()
    assert row.locator("td[data-provider-id='alpha-worcester']").inner_text().startswith("0")
    assert "approximate" in row.locator("td[data-provider-id='foxtrot-shrewsbury']").inner_text()
    assert "miles" not in row.locator("td[data-provider-id='delta-virtual']").inner_text()
    open_compare(page, fixture_server, "?ids=alpha-worcester&near=Atlantis")
    assert "Atlantis" in page.locator(".compare-notices").inner_text()
    assert page.locator(".compare-table tr[data-row='distance']").count() == 0


@pytest.mark.parametrize("near", ["01608-1234", "worcester, ma", "Manchester-by-the-Sea", "Hyannis"])
def test_compare_understands_near_as_the_search_page_does(watched, fixture_server, near):
    # One place lookup (theme/js/places.js) serves both pages, so a shared search link's near= works here too.
    page = watched
    open_compare(page, fixture_server, "?ids=alpha-worcester,bravo-boston&near=" + near)
    assert page.locator(".compare-table tr[data-row='distance']").count() == 1
    assert page.locator(".compare-notices").inner_text().strip() == ""


def test_unknown_id_is_named_and_the_rest_compared(watched, fixture_server):
    page = watched
    open_compare(page, fixture_server, "?ids=alpha-worcester,no-such-program,bravo-boston")
    notice = page.locator(".compare-notices .unknown-ids")
    assert notice.is_visible()
    assert "no-such-program" in notice.inner_text()
    assert column_ids(page) == ["alpha-worcester", "bravo-boston"]
    # Hostile ids are shown as text, never as markup.
    open_compare(page, fixture_server, "?ids=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E,alpha-worcester")
    assert page.locator(".compare-notices img").count() == 0
    assert "<img" in page.locator(".compare-notices").inner_text()
    assert column_ids(page) == ["alpha-worcester"]
    assert not page.watch.dialogs
    # Only unknown ids: a notice and no table.
    open_compare(page, fixture_server, "?ids=nothing-here")
    assert "nothing-here" in page.locator(".compare-notices").inner_text()
    assert page.locator(".compare-table").count() == 0


def test_compare_downloads_only_the_programs_it_compares(watched, fixture_server):
    page = watched
    fetched = []
    page.on("request", lambda request: fetched.append(request.url.split("/compare/", 1)[-1]))
    open_compare(page, fixture_server, "?ids=bravo-boston,alpha-worcester")
    assert column_ids(page) == ["bravo-boston", "alpha-worcester"]
    assert sorted(u for u in fetched if u.startswith("data")) == ["data/alpha-worcester.json", "data/bravo-boston.json"]


def test_more_than_four_ids_shows_the_first_four(watched, fixture_server):
    page = watched
    ids = "alpha-worcester,bravo-boston,charlie-springfield,delta-virtual,echo-unknown"
    open_compare(page, fixture_server, "?ids=" + ids)
    assert column_ids(page) == ids.split(",")[:4]
    assert page.locator(".compare-notices .too-many").is_visible()


def test_print_layout_fits_one_letter_page(watched, fixture_server):
    page = watched
    open_compare(page, fixture_server, "?ids=alpha-worcester,bravo-boston,charlie-springfield")
    page.emulate_media(media="print")
    # Navigation and buttons are gone; crisis lines stay, small.
    assert page.locator(".site-header").is_hidden()
    assert page.locator("button[data-remove-id]").first.is_hidden()
    assert page.locator("#compare-print").is_hidden()
    crisis = page.locator(".crisis")
    assert crisis.is_visible() and "988" in crisis.inner_text()
    assert crisis.bounding_box()["height"] < 60
    # US Letter at 96 dpi is 816 px wide; with 0.45 in margins the printable box is about 730 px. Laid out
    # at that width, the table and the page must not overflow it.
    printable = int(816 - 2 * 0.45 * 96)
    page.set_viewport_size({"width": printable, "height": 1000})
    box = page.eval_on_selector(".compare-table", "e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; }")
    assert box[0] >= 0 and box[1] <= printable + 0.5, box
    assert page.evaluate("document.documentElement.scrollWidth") <= printable
    assert page.locator(".print-footer").is_visible()
    assert "/compare/?ids=alpha-worcester,bravo-boston,charlie-springfield" in page.locator("#compare-print-url").inner_text()
    pdf = page.pdf(format="Letter", prefer_css_page_size=True, print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 1, "the referral sheet printed on %d pages" % pages


def test_add_to_compare_from_search_results(watched, fixture_server):
    page = watched
    page.goto(fixture_server + "/search/?insurance=masshealth")
    button = page.locator('[data-provider-id="alpha-worcester"] button[data-compare-id="alpha-worcester"]')
    button.wait_for(state="visible")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    page.locator('[data-provider-id="charlie-springfield"] button[data-compare-id]').click()
    link = page.locator("#compare-tray-link")
    assert link.inner_text() == "Compare (2)"
    link.click()
    page.wait_for_selector("#compare-root[data-state='ready']")
    assert column_ids(page) == ["alpha-worcester", "charlie-springfield"]


@pytest.mark.parametrize("width", [390, 320])
def test_on_a_phone_each_features_values_are_stacked_under_it_with_the_program_names(watched, fixture_server, width):
    page = watched
    page.set_viewport_size({"width": width, "height": 844})
    ids = ["charlie-springfield", "alpha-worcester", "delta-virtual"]
    open_compare(page, fixture_server, "?ids=" + ",".join(ids))
    # nothing scrolls sideways: not the page, not the table
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("(() => { const s = document.querySelector('.compare-scroll');"
                         " return s.scrollWidth <= s.clientWidth; })()")
    boxes = page.eval_on_selector_all(".compare-table td, .compare-table th",
                                      "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().right)")
    assert boxes and max(boxes) <= width
    # each feature's values under it, each under its program's name, in the order of the address
    insurance = page.locator(".compare-table tr[data-row='insurance']")
    names = insurance.locator("td .cell-program")
    assert [n.inner_text() for n in names.all()] == [
        page.text_content(".compare-table thead th[data-provider-id='%s'] .compare-name" % rid) for rid in ids]
    assert all(n.is_visible() for n in names.all())
    header = insurance.locator("th").bounding_box()
    cells = [c.bounding_box() for c in insurance.locator("td").all()]
    assert all(c["y"] >= header["y"] + header["height"] - 1 for c in cells)  # below the feature's name
    assert [c["y"] for c in cells] == sorted(c["y"] for c in cells)  # one under another
    # on a wide screen the names are the column headers, and not repeated in the cells
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not page.locator(".compare-table td .cell-program").first.is_visible()


def _pdf_pages(page):
    pdf = page.pdf(format="Letter", prefer_css_page_size=True, print_background=False)
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _sheet_zoom(page, done, tries=50):
    """The compare sheet's zoom once `done(zoom)` (a media change is handled on the next frame), or the last."""
    for _ in range(tries):
        zoom = page.evaluate("() => document.querySelector('.compare-page').style.zoom")
        if done(zoom):
            return zoom
        page.wait_for_timeout(20)
    return zoom


def test_a_long_comparison_is_scaled_to_one_page(watched, fixture_server):
    page = watched
    page.set_viewport_size({"width": int(816 - 2 * 0.45 * 96), "height": 1000})
    open_compare(page, fixture_server, "?ids=alpha-worcester,bravo-boston,charlie-springfield&near=Worcester")
    # programs with many more tracks than the fixtures: the tracks row, ten times over
    page.evaluate("""() => { const row = document.querySelector(".compare-table tr[data-row='tracks']");
                             for (let i = 0; i < 10; i++) row.parentNode.appendChild(row.cloneNode(true)); }""")
    page.emulate_media(media="print")
    zoom = float(_sheet_zoom(page, lambda z: z != "") or 1)
    assert 0.8 <= zoom < 1
    assert _pdf_pages(page) == 1
    page.emulate_media(media="screen")  # back on screen, nothing is scaled
    assert _sheet_zoom(page, lambda z: z == "") == ""


def test_the_tray_never_hides_the_page_or_the_focused_link_on_a_phone(browser, fixture_server):
    """WCAG 2.4.11: with a program chosen, the fixed tray leaves room below the page's last links, keeps a link
    reached with Tab above it, and its message goes away after a while."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(fixture_server + "/providers/alpha-worcester/")
        page.click("button[data-compare-id='alpha-worcester']")
        expect(page.locator("#compare-tray-status")).to_contain_text("added")

        def covered(locator):
            box = locator.bounding_box()
            for part in ("#compare-tray-status", "#compare-tray-link"):
                tray = page.locator(part)
                if not tray.is_visible():
                    continue
                t = tray.bounding_box()
                if box["x"] < t["x"] + t["width"] and t["x"] < box["x"] + box["width"] and \
                        box["y"] < t["y"] + t["height"] and t["y"] < box["y"] + box["height"]:
                    return True
            return False

        footer_links = page.locator(".site-footer a")
        for i in range(footer_links.count()):  # each reached with Tab ends up visible, not behind the tray
            footer_links.nth(i).focus()
            assert not covered(footer_links.nth(i)), footer_links.nth(i).inner_text()
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        last = footer_links.nth(footer_links.count() - 1)
        assert not covered(last)
        expect(page.locator("#compare-tray-status")).to_have_text("", timeout=12000)
    finally:
        context.close()


def test_removing_a_column_keeps_focus_in_place_and_says_so(watched, fixture_server):
    page = watched
    open_compare(page, fixture_server, "?ids=charlie-springfield,alpha-worcester,delta-virtual")
    page.focus("button[data-remove-id='alpha-worcester']")
    page.keyboard.press("Enter")
    assert column_ids(page) == ["charlie-springfield", "delta-virtual"]
    # focus is on the column that took the removed one's place, not back on the first
    assert page.evaluate("document.activeElement.getAttribute('data-remove-id')") == "delta-virtual"
    expect(page.locator("#compare-notices .removed")).to_have_text(
        "Alpha Test Clinic Worcester removed from the comparison.")
    page.keyboard.press("Enter")  # the last column: focus moves to the one before it
    assert column_ids(page) == ["charlie-springfield"]
    assert page.evaluate("document.activeElement.getAttribute('data-remove-id')") == "charlie-springfield"
    assert page.locator("#compare-notices .removed").count() == 1
    # a column header is the program's name alone (the Remove button is not part of it)
    assert page.locator(".compare-table thead th[data-provider-id='charlie-springfield']").inner_text().strip() == \
        "Charlie Test Center Springfield"
