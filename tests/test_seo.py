"""Issue 6: sitemap.xml, robots.txt, canonical URLs, unique titles and descriptions, Open Graph, 404 page."""

import re
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, build

BASE = "https://ma-iop-directory.github.io"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self.meta, self.links, self._in_title = "", {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in_title = True
        elif tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta[attrs.get("name") or attrs.get("property")] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def head(path):
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return build(FIXTURE_PROVIDERS, tmp_path_factory.mktemp("seo-pub") / "output", settings="publishconf.py",
                 SITEURL=BASE)


def html_pages(site):
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html" and "theme" not in p.relative_to(site).parts)


def page_url(site, path):
    rel = path.relative_to(site).as_posix()
    return BASE + "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def sitemap(site):
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == "{%s}urlset" % NS["sm"]
    return {u.findtext("sm:loc", namespaces=NS): u.findtext("sm:lastmod", namespaces=NS)
            for u in root.findall("sm:url", NS)}


def test_sitemap_lists_every_html_page_with_absolute_urls(published):
    entries = sitemap(published)
    expected = {page_url(published, p) for p in html_pages(published)}
    assert set(entries) == expected
    for must in ("/", "/providers/", "/towns/", "/insurance/", "/search/", "/levels-of-care/", "/compare/", "/data/",
                 "/about/", "/towns/worcester/", "/insurance/masshealth/", "/providers/alpha-worcester/"):
        assert BASE + must in entries
    assert BASE + "/404.html" not in entries


def test_sitemap_lastmod_comes_from_last_verified(published):
    entries = sitemap(published)
    verified = {p.stem: str(yaml.safe_load(p.read_text(encoding="utf-8"))["last_verified"])
                for p in FIXTURE_PROVIDERS.glob("*.yaml")}
    for pid, date in verified.items():
        assert entries["%s/providers/%s/" % (BASE, pid)] == date
    assert entries[BASE + "/providers/"] == max(verified.values())
    assert entries[BASE + "/towns/worcester/"] == verified["alpha-worcester"]
    for lastmod in entries.values():
        assert lastmod is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmod)


def test_dev_build_sitemap_uses_localhost_and_pages_link_nothing_absolute(fixture_site):
    entries = sitemap(fixture_site)
    assert entries and all(loc.startswith("http://localhost:8000/") for loc in entries)
    html = (fixture_site / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
    assert 'rel="canonical"' not in html and "og:url" not in html


def test_robots_allows_all_and_points_to_sitemap(published):
    text = (published / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in text and "Allow: /" in text and "Disallow: /\n" not in text
    assert "Sitemap: %s/sitemap.xml" % BASE in text


def test_every_page_has_canonical_open_graph_and_unique_title_and_description(published):
    titles, descriptions = {}, {}
    for path in html_pages(published):
        parsed = head(path)
        # Each language edition (/es/, /pt/: issue 9) has its own feed; titles are unique within an edition.
        edition = path.relative_to(published).parts[0] if path.relative_to(published).parts[0] in ("es", "pt") else ""
        edition_base = BASE + ("/" + edition if edition else "")
        canonical = [link["href"] for link in parsed.links if link.get("rel") == "canonical"]
        assert canonical == [page_url(published, path)], path
        assert parsed.meta["og:url"] == canonical[0]
        assert parsed.meta["og:title"] == parsed.title.strip()
        assert parsed.meta["og:description"] == parsed.meta["description"]
        assert parsed.meta["og:type"] == "website" and parsed.meta["og:site_name"]
        feeds = [link for link in parsed.links if link.get("type") == "application/atom+xml"]
        assert feeds and feeds[0]["href"] == edition_base + "/feeds/providers.atom.xml"
        assert (edition, parsed.title.strip()) not in titles, (path, titles.get((edition, parsed.title.strip())))
        titles[(edition, parsed.title.strip())] = path
        descriptions.setdefault((edition, parsed.meta["description"]), []).append(path)
    shared = {d: p for d, p in descriptions.items() if len(p) > 1}
    assert not shared


def test_town_description_summarises_programs_and_options(published):
    parsed = head(published / "towns" / "worcester" / "index.html")
    assert parsed.meta["description"] == "Intensive outpatient programs in Worcester, MA — 1 program, evening options"
    assert "1 program" in parsed.meta["description"]
    provider = head(published / "providers" / "delta-virtual" / "index.html")
    assert "virtual" in provider.meta["description"] and "2026-11-10" in provider.meta["description"]


def test_404_is_noindex_and_its_links_work_from_any_depth(published, fixture_site):
    for site in (published, fixture_site):
        html = (site / "404.html").read_text(encoding="utf-8")
        assert '<meta name="robots" content="noindex">' in html
        assert 'rel="canonical"' not in html
        hrefs = re.findall(r'(?:href|src)="([^"]+)"', html)
        local = [h for h in hrefs if not h.startswith(("http://", "https://", "#", "tel:", "mailto:"))]
        assert all(h.startswith("/") for h in local), local
        for href in hrefs:
            if href.startswith(BASE) or href.startswith("/"):
                target = href[len(BASE):] if href.startswith(BASE) else href
                path = site / target.lstrip("/")
                assert path.exists() or (path / "index.html").exists(), href


def test_a_sitemap_over_the_protocol_limit_becomes_an_index_of_parts(monkeypatch):
    """sitemaps.org allows 50,000 URLs a file; a national directory in three editions passes that (issue 8)."""
    from iop_directory import seo

    monkeypatch.setattr(seo, "MAX_SITEMAP_URLS", 4)
    editions = [("en", BASE), ("es", BASE + "/es")]
    entries = [(BASE + "/providers/p%d/" % i, "2026-11-0%d" % (1 + i)) for i in range(5)]
    files = seo.sitemap_files(entries, editions, BASE)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == "{%s}sitemapindex" % NS["sm"]
    assert [s.findtext("sm:loc", namespaces=NS) for s in index.findall("sm:sitemap", NS)] == [
        BASE + "/sitemap-%d.xml" % n for n in (1, 2, 3)]
    listed = []
    for n in (1, 2, 3):
        part = ET.fromstring(files["sitemap-%d.xml" % n])
        urls = part.findall("sm:url", NS)
        assert 1 <= len(urls) <= 4
        listed += [u.findtext("sm:loc", namespaces=NS) for u in urls]
    assert sorted(listed) == sorted([loc for loc, _ in entries] + [BASE + "/es" + loc[len(BASE):] for loc, _ in entries])

    monkeypatch.setattr(seo, "MAX_SITEMAP_URLS", 10)  # at the limit: one plain sitemap, as for Massachusetts
    assert sorted(seo.sitemap_files(entries, editions, BASE)) == ["sitemap.xml"]
