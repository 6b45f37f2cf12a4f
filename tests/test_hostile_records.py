"""Hostile records: rejected by validation with a clear message, or rendered inert in a real browser."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO, build, serve
from iop_directory.records import RecordValidator

HOSTILE = REPO / "tests" / "fixtures" / "hostile"
EXPECTED_REJECTIONS = {
    "javascript-url.yaml": {"website"},
    "attribute-breakout-url.yaml": {"website", "sources[0].url"},
    "data-url.yaml": {"website", "sources[0].url"},
    "direction-override.yaml": {"name"},
    "script-in-phone.yaml": {"phone"},
}


def test_hostile_urls_and_characters_are_rejected_with_clear_messages():
    records, problems = RecordValidator().load_many([HOSTILE / "rejected"], root=HOSTILE / "rejected")
    assert records == []
    found = {}
    for problem in problems:
        assert problem.is_error and problem.line >= 1 and problem.hint, problem.format()
        found.setdefault(Path(problem.path).name, set()).add(problem.field)
    assert found == EXPECTED_REJECTIONS


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    return build(HOSTILE / "rendered", tmp_path_factory.mktemp("hostile") / "output")


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("iframe", "svg", "img", "object", "embed"):
            if not (tag == "svg" and "viewbox" in attrs):  # our own hours-scale charts
                self.bad.append((tag, attrs))
        if tag == "script" and not (attrs.get("src") or attrs.get("type") == "application/ld+json"):
            self.bad.append((tag, attrs))
        for name, value in attrs.items():
            if name.startswith("on"):
                self.bad.append((tag, name))
            if name in ("href", "src", "action") and value and value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                self.bad.append((tag, name, value))


def test_hostile_text_is_escaped_in_every_page(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 30
    for path in pages:
        html = path.read_text(encoding="utf-8")
        parser = _Elements()
        parser.feed(html)
        assert parser.bad == [], (path, parser.bad)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
            json.loads(block)  # the payload's </script> did not end the block early
    provider = (hostile_site / "providers" / "script-everywhere" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1;alert(&#39;name&#39;)&lt;/script&gt;" in provider
    assert "{{ 7*7 }}" in provider  # no template evaluation of record text


def test_hostile_text_survives_unchanged_in_the_search_data(hostile_site):
    docs = json.loads((hostile_site / "search" / "data" / "docs.json").read_text(encoding="utf-8"))
    names = [d["name"] for d in docs["docs"]]
    assert any(n.startswith("<script>window.__pwned=1") for n in names)


PAGES = [
    "providers/script-everywhere/",
    "providers/",
    "towns/worcester/",
    "insurance/masshealth/",
    "search/?q=worcester",
    "search/?near=01608&insurance=masshealth",
    "compare/?ids=script-everywhere,quiet-neighbour",
]


@pytest.fixture(scope="module")
def hostile_server(hostile_site):
    server, url = serve(hostile_site)
    yield url
    server.shutdown()


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_hostile_record_runs_no_script_in_the_browser(page, hostile_server, path):
    page.goto("%s/%s" % (hostile_server, path))
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert page.watch.dialogs == []
    assert page.evaluate("window.__pwned") is None
    injected = page.evaluate("""() => {
        const bad = [];
        for (const el of document.querySelectorAll('*')) {
            for (const attr of el.attributes) {
                if (attr.name.startsWith('on')) bad.push(el.tagName + ' ' + attr.name);
                if (['href', 'src'].includes(attr.name) && /^\\s*(javascript|data|vbscript):/i.test(attr.value)) bad.push(el.tagName + ' ' + attr.value);
            }
            if (['IFRAME', 'OBJECT', 'EMBED', 'IMG'].includes(el.tagName)) bad.push(el.tagName);
            if (el.tagName === 'SCRIPT' && !el.src && el.type !== 'application/ld+json') bad.push('inline script');
        }
        return bad;
    }""")
    assert injected == []
    assert page.watch.errors == []
    assert page.watch.foreign == []


@pytest.mark.browser
@pytest.mark.parametrize("path", ["providers/long-words/", "providers/", "towns/worcester/", "insurance/masshealth/",
                                  "search/?q=longwordtestprogramwithoutanyspacesatallxyz",
                                  "compare/?ids=long-words,quiet-neighbour"])
def test_long_words_wrap_at_320_px(browser, hostile_server, path):
    """WCAG 1.4.10 reflow: a word longer than the screen (a name without spaces, a pasted URL) wraps; the page
    never scrolls sideways (the compare table scrolls in its own region)."""
    context = browser.new_context(viewport={"width": 320, "height": 700})
    try:
        page = context.new_page()
        page.goto("%s/%s" % (hostile_server, path))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    finally:
        context.close()


@pytest.mark.parametrize("field, value", [
    ("name", "Clinic \u061c x"),  # Arabic letter mark: a direction mark like U+200E and U+200F (F6)
    ("name", "Clinic \u200f x"),
    ("website", "https://example.org/\u061c"),
])
def test_every_direction_mark_is_refused_in_text_and_addresses(tmp_path, field, value):
    text = (REPO / "tests" / "fixtures" / "providers" / "alpha-worcester.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^%s: .*$" % field, lambda _: "%s: %s" % (field, json.dumps(value)), text, count=1)
    record = tmp_path / "alpha-worcester.yaml"
    record.write_text(text, encoding="utf-8")
    records, problems = RecordValidator().load_many([record], root=tmp_path)
    assert records == [] and [p.field for p in problems if p.is_error] == [field]
