"""Privacy in real Chromium: no request leaves the local server, and location is used only on a click."""

import pytest

from test_accessibility import PAGE_TYPES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("name", sorted(PAGE_TYPES))
def test_page_makes_no_third_party_requests(page, fixture_server, name):
    page.goto("%s/%s" % (fixture_server, PAGE_TYPES[name]))
    page.wait_for_load_state("networkidle")
    assert page.watch.requests, "no request recorded"
    assert page.watch.foreign == []
    assert page.watch.errors == []


def test_a_search_session_makes_no_third_party_requests(page, fixture_server):
    page.goto(fixture_server + "/search/")
    page.wait_for_load_state("networkidle")
    page.fill("#near", "Worcester")
    page.fill("#q", "evening")
    page.check("#f-insurance-masshealth")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)
    assert page.locator("[data-provider-id]").count() >= 1
    assert page.watch.foreign == []
    # What was searched for never leaves the page except as the page's own URL.
    for url in page.watch.requests:
        assert "evening" not in url.split("?", 1)[-1] or url.startswith(fixture_server + "/search/?"), url


def test_content_security_policy_forbids_inline_script(page, fixture_server):
    page.goto(fixture_server + "/")
    csp = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    script_src = [d for d in csp.split(";") if d.strip().startswith("script-src")][0]
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "default-src 'self'" in csp
    assert page.get_attribute('meta[name="referrer"]', "content") == "no-referrer"
    # The policy really applies: an injected inline script does not run.
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
                             document.body.appendChild(s); }""")
    assert page.evaluate("window.__inline") is None


GEO_SPY = """
window.__geoCalls = 0;
const real = navigator.geolocation;
Object.defineProperty(navigator, 'geolocation', {value: {
  getCurrentPosition(ok, fail, opts) { window.__geoCalls++; ok({coords: {latitude: 42.2626, longitude: -71.8023, accuracy: 10}}); },
  watchPosition() { window.__geoCalls++; return 0; }, clearWatch() {}
}});
"""


def test_geolocation_runs_only_on_click_and_is_never_stored_or_sent(browser, fixture_server):
    context = browser.new_context()
    context.add_init_script(GEO_SPY)
    tab = context.new_page()
    requests = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(fixture_server + "/search/")
    tab.wait_for_load_state("networkidle")
    assert tab.evaluate("window.__geoCalls") == 0
    tab.click("#use-location")
    tab.wait_for_timeout(500)
    assert tab.evaluate("window.__geoCalls") == 1
    ids = tab.locator("[data-distance-miles]").evaluate_all("els => els.map(e => e.dataset.providerId)")
    assert ids and ids[0] == "alpha-worcester"
    for url in requests + [tab.url]:
        assert "42.26" not in url and "71.80" not in url, url
    stored = tab.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])")
    assert "42.26" not in stored and "71.80" not in stored
    context.close()
