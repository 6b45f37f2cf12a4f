"""Spanish and Portuguese editions (issue 9): catalogs, the built editions, the language switcher, search in
each language, and the accessibility and privacy checks run on /es/ and /pt/."""

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import FIXTURE_PROVIDERS, REPO
from test_accessibility import PAGE_TYPES, run_axe, settle
from test_search_browser import open_search

EDITIONS = ("es", "pt")
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%|\{\w*\}")
RECORDS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(FIXTURE_PROVIDERS.glob("*.yaml"))}
# Words of the base template that an edition must never show in English.
ENGLISH_INTERFACE = ["Skip to main content", "All programs", "Search programs", "In crisis or thinking about suicide?",
                     "Levels of care", "Which level might fit?", "This directory is information, not medical advice",
                     "Near (town or ZIP)", "Suicide &amp; Crisis Lifeline", "Emergency"]


@pytest.fixture(scope="module")
def extracted():
    """Every msgid the templates, the Python code and the YAML data use, extracted as `make translations` does."""
    import sys

    sys.path.insert(0, str(REPO / "plugins"))
    with open(REPO / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {message for _f, _l, message, _c, _x in extract_from_dir(str(REPO), method_map, options_map)
            if isinstance(message, str)}


def catalog(lang):
    with open(REPO / "theme" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def test_extraction_finds_templates_python_and_yaml(extracted):
    assert "Skip to main content" in extracted  # base.html
    assert "%(n)s programs" in extracted  # seo.py
    assert "Mon" in extracted  # views.Labels
    assert "Trauma and PTSD" in extracted  # providers/vocabulary/focus.yaml
    assert "Who it usually suits" in extracted  # content/levels-of-care.yaml
    assert "Massachusetts IOP Directory" in extracted and any(m.startswith("A free, independent") for m in extracted)


@pytest.mark.parametrize("lang", EDITIONS)
def test_catalog_translates_every_string_the_site_uses(extracted, lang):
    po = catalog(lang)
    missing = sorted(m for m in extracted if m not in po or not po[m].string)
    assert missing == [], "%s catalog lacks %d string(s), run `make translations` and translate: %s" % (
        lang, len(missing), missing[:10])
    changed = [m for m in extracted if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(po[m].string))]
    assert changed == [], "placeholders differ: %s" % changed[:5]


@pytest.mark.parametrize("lang", EDITIONS)
def test_phone_numbers_and_figures_survive_translation(lang):
    po = catalog(lang)
    for message in po:
        if not message.id:
            continue
        numbers = sorted(re.findall(r"\d+(?:[.-]\d+)*", message.id))
        assert numbers == sorted(re.findall(r"\d+(?:[.-]\d+)*", message.string)), (message.id, message.string)


def test_script_strings_come_from_templates_through_gettext():
    """The theme's JavaScript takes every visible word from <template id="*-strings"> data attributes."""
    for path in (REPO / "theme" / "templates").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r'<template id="[\w-]+-strings"(.*?)>', text, re.S):
            for name, value in re.findall(r'(data-[\w-]+)="([^"]*)"', block):
                assert value.startswith("{{ _(") or not re.search(r"[A-Za-z]{2}", value), (path.name, name, value)
    for path in (REPO / "theme" / "static" / "js").glob("*.js"):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.S)
        for literal in re.findall(r'"([^"\\]*)"', code):
            words = re.findall(r"[A-Z][a-z]+ [a-z]+", literal)
            assert not words, (path.name, literal)


def _html_files(root: Path):
    return sorted(p for p in root.rglob("*.html") if "theme" not in p.relative_to(root).parts)


@pytest.mark.parametrize("lang", EDITIONS)
def test_edition_builds_with_its_language_on_every_page(fixture_site, lang):
    edition = fixture_site / lang
    english = {p.relative_to(fixture_site) for p in _html_files(fixture_site) if p.relative_to(fixture_site).parts[0]
               not in EDITIONS}
    pages = {p.relative_to(edition) for p in _html_files(edition)}
    assert pages == english, "the %s edition has different pages: %s" % (lang, sorted(pages ^ english)[:5])
    for path in _html_files(edition):
        html = path.read_text(encoding="utf-8")
        assert '<html lang="%s">' % lang in html, path
        # Content pages (content/<lang>/pages) are translated too; they keep an official service name in English
        # when its translation follows in parentheses: "988 Suicide & Crisis Lifeline (Línea de Prevención ...)".
        interface = re.sub(r"Suicide &amp; Crisis Lifeline \(", "", html)
        shown = [s for s in ENGLISH_INTERFACE if s in interface]
        assert shown == [], "%s shows English interface text: %s" % (path, shown)
        assert 'tel:988' in html and 'tel:911' in html and 'tel:+18337732445' in html
    for path in _html_files(fixture_site):
        if path.relative_to(fixture_site).parts[0] not in EDITIONS:
            assert '<html lang="en">' in path.read_text(encoding="utf-8"), path


def test_vocabulary_is_translated_and_record_text_is_not(fixture_site):
    es = (fixture_site / "es" / "providers" / "bravo-boston" / "index.html").read_text(encoding="utf-8")
    pt = (fixture_site / "pt" / "providers" / "bravo-boston" / "index.html").read_text(encoding="utf-8")
    assert "Terapia familiar" in es and "Terapia familiar" in pt and "Family therapy" not in es
    assert "Adolescentes" in es and "Salud mental" in es and "Saúde mental" in pt
    assert RECORDS["bravo-boston"]["name"] in es and RECORDS["bravo-boston"]["name"] in pt
    alpha = (fixture_site / "es" / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
    assert "español" in alpha  # the language list uses CLDR names
    # the record's own (English) words are marked as English in the other editions, and only there (WCAG 3.1.2)
    description = RECORDS["alpha-worcester"]["description"]
    for lang in ("es", "pt"):
        page = (fixture_site / lang / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
        assert '<p class="lead" lang="en">%s</p>' % description in page, lang
        assert re.search(r'<h3 lang="en">[^<]*IOP</h3>', page), lang
    english = (fixture_site / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
    assert '<p class="lead">%s</p>' % description in english


def _alternates(html):
    return dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]*)">', html))


def _switcher(html):
    return dict((lang, href) for href, lang in re.findall(r'<a href="([^"]*)" lang="(\w+)" hreflang="\w+"[^>]*data-edition', html))


def test_switcher_and_hreflang_round_trip(fixture_site):
    """en provider page -> es -> pt -> en lands on the same provider, following the links in the pages."""
    path = "/providers/alpha-worcester/"
    url = "http://site" + path
    for lang, expected in (("es", "/es" + path), ("pt", "/pt" + path), ("en", path)):
        current = urlsplit(url).path
        html = (fixture_site / current.strip("/") / "index.html").read_text(encoding="utf-8")
        alternates = _alternates(html)
        assert set(alternates) == {"en", "es", "pt", "x-default"}, alternates
        assert urlsplit(urljoin(url, alternates[lang])).path == expected
        url = urljoin(url, _switcher(html)[lang])
        assert urlsplit(url).path == expected
    home = (fixture_site / "es" / "index.html").read_text(encoding="utf-8")
    assert urlsplit(urljoin("http://site/es/", _switcher(home)["en"])).path == "/"
    about = (fixture_site / "pt" / "about" / "index.html").read_text(encoding="utf-8")
    assert urlsplit(urljoin("http://site/pt/about/", _switcher(about)["es"])).path == "/es/about/"


def test_published_editions_use_absolute_alternates(tmp_path):
    from conftest import build

    site = build(FIXTURE_PROVIDERS, tmp_path / "out", settings="publishconf.py")
    html = (site / "es" / "towns" / "worcester" / "index.html").read_text(encoding="utf-8")
    base = "https://ma-iop-directory.github.io"
    assert _alternates(html) == {"en": base + "/towns/worcester/", "es": base + "/es/towns/worcester/",
                                 "pt": base + "/pt/towns/worcester/", "x-default": base + "/towns/worcester/"}
    assert '<link rel="canonical" href="%s/es/towns/worcester/">' % base in html


def test_index_has_spanish_and_portuguese_words_without_accents_too():
    import sys

    sys.path.insert(0, str(REPO / "plugins"))
    from iop_directory.search_index import _names
    from iop_directory.vocab import load_vocabularies

    vocab = load_vocabularies()
    text = _names(["anxiety", "depression"], vocab["focus"])
    for word in ("ansiedad", "ansiedade", "depresión", "depressão", "depresion", "depressao"):
        assert word in text.split(), word
    assert "terapia familiar" in _names(["family-therapy"], vocab["modalities"])
    assert "dependência química" in _names(["substance-use"], vocab["focus"])


# ---- in a real browser ----

def ids(page):
    return page.eval_on_selector_all("[data-provider-id]", "els => els.map(e => e.dataset.providerId)")


@pytest.mark.browser
@pytest.mark.parametrize("query", ["?near=01608&insurance=masshealth", "?insurance=masshealth&schedule=evening",
                                   "?q=dbt", "?level=iop&near=Worcester"])
@pytest.mark.parametrize("lang", EDITIONS)
def test_edition_search_url_returns_the_same_ids_as_english(page, fixture_server, lang, query):
    open_search(page, fixture_server, query)
    english = ids(page)
    open_search(page, fixture_server + "/" + lang, query)
    assert ids(page) == english
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.watch.errors == []


def _having(key, slug):
    return sorted(rid for rid, r in RECORDS.items() if slug in (r.get(key) or []))


@pytest.mark.browser
@pytest.mark.parametrize("edition", ["", "/es", "/pt"])
@pytest.mark.parametrize("words, key, slug", [
    ("terapia familiar", "modalities", "family-therapy"),
    ("adicción", "focus", "substance-use"),
    ("dependência química", "focus", "substance-use"),
    ("adolescentes", "populations", "adolescents"),
    ("trauma", "focus", "trauma"),
    ("saúde mental", "focus", "mental-health"),
    ("adiccion", "focus", "substance-use"),
])
def test_spanish_and_portuguese_words_find_programs(page, fixture_server, edition, words, key, slug):
    open_search(page, fixture_server + edition, "?q=" + words)
    assert sorted(ids(page)) == _having(key, slug), words


@pytest.mark.browser
def test_switching_language_on_search_keeps_parameters(page, fixture_server):
    query = "?insurance=masshealth&schedule=evening"
    open_search(page, fixture_server, query)
    english = ids(page)
    page.click('.language-switcher a[data-edition="es"]')
    page.wait_for_selector('#results[data-state="ready"]')
    assert urlsplit(page.url).path == "/es/search/" and urlsplit(page.url).query == query[1:]
    assert ids(page) == english
    page.click('.language-switcher a[data-edition="pt"]')
    page.wait_for_selector('#results[data-state="ready"]')
    assert urlsplit(page.url).path == "/pt/search/" and urlsplit(page.url).query == query[1:]
    page.click('.language-switcher a[data-edition="en"]')
    page.wait_for_selector('#results[data-state="ready"]')
    assert urlsplit(page.url).path == "/search/" and urlsplit(page.url).query == query[1:]
    assert ids(page) == english


EDITION_PAGES = ["home", "search with results", "provider", "levels of care", "compare"]


@pytest.mark.browser
@pytest.mark.parametrize("name", EDITION_PAGES)
@pytest.mark.parametrize("lang", EDITIONS)
def test_edition_page_has_no_axe_violations(axe_page, fixture_server, lang, name):
    axe_page.goto("%s/%s/%s" % (fixture_server, lang, PAGE_TYPES[name]))
    settle(axe_page)
    assert run_axe(axe_page) == []


@pytest.mark.browser
@pytest.mark.parametrize("name", EDITION_PAGES)
@pytest.mark.parametrize("lang", EDITIONS)
def test_edition_page_makes_no_third_party_requests(page, fixture_server, lang, name):
    page.goto("%s/%s/%s" % (fixture_server, lang, PAGE_TYPES[name]))
    page.wait_for_load_state("networkidle")
    assert page.watch.requests and page.watch.foreign == [] and page.watch.errors == []


def test_sitemap_lists_every_edition_with_hreflang_alternates(fixture_site):
    import xml.etree.ElementTree as ET

    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = ET.parse(fixture_site / "sitemap.xml").getroot().findall("sm:url", ns)
    by_loc = {u.findtext("sm:loc", namespaces=ns): {l.get("hreflang"): l.get("href") for l in u.findall("x:link", ns)}
              for u in urls}
    base = "http://localhost:8000"
    alternates = {"en": base + "/providers/alpha-worcester/", "es": base + "/es/providers/alpha-worcester/",
                  "pt": base + "/pt/providers/alpha-worcester/", "x-default": base + "/providers/alpha-worcester/"}
    for loc in ("en", "es", "pt"):
        assert by_loc[alternates[loc]] == alternates
    assert not (fixture_site / "es" / "sitemap.xml").exists()


def _with_schedule_or_mode(slug):
    from iop_directory import derive

    found = []
    for rid, record in RECORDS.items():
        buckets = {b for t in record.get("tracks") or () for b in derive.track_buckets(t)}
        if slug in buckets or slug in derive.provider_modes(record):
            found.append(rid)
    return sorted(found)


@pytest.mark.browser
@pytest.mark.parametrize("edition", ["/es", "/pt"])
@pytest.mark.parametrize("words, slug", [
    ("noche", "evening"), ("noite", "evening"), ("fin de semana", "weekend"), ("fim de semana", "weekend"),
    ("mañana", "morning"), ("manhã", "morning"), ("presencial", "in-person"), ("en línea", "virtual"),
])
def test_schedule_and_mode_words_find_programs(page, fixture_server, edition, words, slug):
    expected = _with_schedule_or_mode(slug)
    assert expected, slug
    open_search(page, fixture_server + edition, "?q=" + words)
    assert sorted(ids(page)) == expected, words
