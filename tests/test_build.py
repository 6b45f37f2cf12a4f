"""A real Pelican build of the fixture records, with assertions on the written pages."""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, REPO, TEST_TODAY, build

FIXTURE_IDS = sorted(p.stem for p in FIXTURE_PROVIDERS.glob("*.yaml"))


def read(site: Path, relative: str) -> str:
    return (site / relative).read_text(encoding="utf-8")


def html_pages(site: Path):
    return sorted(site.rglob("*.html"))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_provider_town_and_payer_page_is_written(fixture_site):
    for provider_id in FIXTURE_IDS:
        assert (fixture_site / "providers" / provider_id / "index.html").exists()
    for town in ("worcester", "boston", "springfield", "shrewsbury"):
        assert (fixture_site / "towns" / town / "index.html").exists(), town
    payers = yaml.safe_load((REPO / "providers" / "vocabulary" / "insurance.yaml").read_text())
    for slug in payers:
        assert (fixture_site / "insurance" / slug / "index.html").exists(), slug
    for page in ("index.html", "providers/index.html", "towns/index.html", "insurance/index.html",
                 "search/index.html", "404.html", "about/index.html", "faq/index.html"):
        assert (fixture_site / page).exists(), page


def test_directory_lists_every_provider_without_javascript(fixture_site):
    html = read(fixture_site, "providers/index.html")
    ids = re.findall(r'<article class="card" data-provider-id="([^"]+)"', html)
    assert sorted(ids) == FIXTURE_IDS
    names = [yaml.safe_load((FIXTURE_PROVIDERS / (i + ".yaml")).read_text())["name"] for i in ids]
    assert names == sorted(names, key=str.lower)


def test_town_and_payer_pages_list_the_right_providers(fixture_site):
    worcester = read(fixture_site, "towns/worcester/index.html")
    assert re.findall(r'data-provider-id="([^"]+)"', worcester) == ["alpha-worcester"]
    masshealth = read(fixture_site, "insurance/masshealth/index.html")
    assert sorted(re.findall(r'data-provider-id="([^"]+)"', masshealth)) == ["alpha-worcester", "charlie-springfield", "delta-virtual"]
    tricare = text_of(read(fixture_site, "insurance/tricare/index.html"))
    assert "No listed program has a source that confirms it accepts TRICARE yet" in tricare


@pytest.fixture(scope="module")
def paged_site(tmp_path_factory):
    """The fixture records with two cards per listing page, as a national-size directory pages its listings."""
    return build(FIXTURE_PROVIDERS, tmp_path_factory.mktemp("paged") / "output", IOP_LIST_PAGE_SIZE=2,
                 SITEURL="https://iop.example.org", RELATIVE_URLS=False)


def _cards(html):
    return re.findall(r'<article class="card" data-provider-id="([^"]+)"', html)


def test_long_listings_are_split_into_linked_pages(paged_site, fixture_site):
    single = _cards(read(fixture_site, "providers/index.html"))
    assert len(single) == len(FIXTURE_IDS)
    paths = ["providers/index.html"] + ["providers/page/%d/index.html" % n for n in range(2, 4)]
    pages = [read(paged_site, path) for path in paths]
    assert [_cards(html) for html in pages] == [single[0:2], single[2:4], single[4:6]]  # same order, all of them
    assert not (paged_site / "providers" / "page" / "4").exists()
    titles = [re.search(r"<title>([^<]*)</title>", html).group(1) for html in pages]
    assert len(set(titles)) == 3 and "(page 2 of 3)" in titles[1]
    second = pages[1]
    assert '<ol class="results" start="3"' in second
    assert 'href="https://iop.example.org/providers/" rel="prev"' in second
    assert 'href="https://iop.example.org/providers/page/3/" rel="next"' in second
    assert 'href="https://iop.example.org/providers/page/2/" aria-current="page"' in second
    assert '<link rel="canonical" href="https://iop.example.org/providers/page/2/">' in second
    assert 'rel="prev"' not in pages[0] and 'rel="next"' not in pages[2]
    # Editions page the same way; the sitemap lists every page; short listings stay one page without a pager.
    assert _cards(read(paged_site, "es/providers/page/2/index.html")) == single[2:4]
    assert "https://iop.example.org/providers/page/3/" in read(paged_site, "sitemap.xml")
    assert "pagination" not in read(paged_site, "towns/worcester/index.html")
    assert "pagination" not in read(fixture_site, "providers/index.html")


def test_paged_insurance_listing_numbers_its_structured_data_across_pages(paged_site, fixture_site):
    import json

    whole = _cards(read(fixture_site, "insurance/masshealth/index.html"))
    first, second = (read(paged_site, p) for p in ("insurance/masshealth/index.html",
                                                   "insurance/masshealth/page/2/index.html"))
    assert _cards(first) + _cards(second) == whole
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', second, re.S).group(1))
    assert data["numberOfItems"] == len(whole)
    assert [item["position"] for item in data["itemListElement"]] == list(range(3, len(whole) + 1))


def test_provider_page_shows_facts_tracks_hours_and_sources(fixture_site):
    page = text_of(read(fixture_site, "providers/alpha-worcester/index.html"))
    for expected in ("Alpha Test Clinic Worcester", "(508) 555-0101", "1 Test Street", "Worcester", "01608",
                     "Evening IOP", "Mon–Thu", "5:30 PM – 8:30 PM", "12 hours a week", "MassHealth",
                     "Blue Cross Blue Shield of Massachusetts", "Last verified 2026-11-01", "4–6 weeks",
                     "https://alpha.test-provider.invalid/iop", "read 2026-11-01", "Spanish"):
        assert expected in page, expected


def test_unknown_facts_are_said_plainly(fixture_site):
    page = text_of(read(fixture_site, "providers/echo-unknown/index.html"))
    assert page.count("Not yet confirmed — ask the program") >= 8
    for label in ("phone", "insurance accepted", "schedule (days and times)", "languages"):
        assert label in page, label


def test_town_only_location_is_marked_approximate(fixture_site):
    page = text_of(read(fixture_site, "providers/foxtrot-shrewsbury/index.html"))
    assert "measured from the town centre (approximate)" in page
    assert "Street address not yet confirmed" in page


def test_crisis_resources_are_on_every_page(fixture_site):
    pages = html_pages(fixture_site)
    assert len(pages) > 40
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert 'href="tel:988"' in html and "833-773-2445" in html, path


def test_pages_load_nothing_from_other_hosts(fixture_site):
    pattern = re.compile(r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)="((?:https?:)?//[^"]*)"')
    for path in html_pages(fixture_site):
        html = path.read_text(encoding="utf-8")
        assert pattern.findall(html) == [], path
        assert "Content-Security-Policy" in html and 'content="no-referrer"' in html, path


EDITION_DIRS = ("es", "pt")
LINK = re.compile(r'<(a|link|script|img|form)\b([^>]*)>')


def _edition_of(relative_path: str) -> str:
    first = relative_path.lstrip("/").split("/", 1)[0]
    return first if first in EDITION_DIRS else ""


def test_every_internal_link_resolves_and_stays_in_its_language_edition(fixture_site):
    """Links work opened from files or under a sub-path (relative URLs; only 404.html, served at any depth, links
    from the root), lead to a page that exists, and keep a reader in their language: only the switcher and the
    hreflang alternates point to another edition."""
    from html import unescape
    from urllib.parse import urljoin, urlsplit

    checked = 0
    for path in html_pages(fixture_site):
        relative = path.relative_to(fixture_site).as_posix()
        if relative.split("/", 1)[0] == "theme" or "/theme/" in relative:
            continue
        edition = _edition_of(relative)
        for tag, attrs in LINK.findall(path.read_text(encoding="utf-8")):
            found = re.search(r'\b(?:href|src|action)="([^"]*)"', attrs)
            if not found:
                continue
            url = unescape(found.group(1))
            if re.match(r"[a-z][a-z0-9+.-]*:|#", url):  # tel:, https:, data:, a fragment: not a file of the site
                continue
            if path.name != "404.html":
                assert not url.startswith("/"), "%s links from the site root: %s" % (relative, url)
            target = urlsplit(urljoin("http://site/" + relative, url)).path
            file = fixture_site / target.lstrip("/")
            assert (file / "index.html" if target.endswith("/") else file).is_file(), "%s: %s is missing" % (relative, url)
            if tag in ("a", "form") and "hreflang=" not in attrs:
                assert _edition_of(target) == edition, "%s leaves its edition: %s" % (relative, url)
            checked += 1
    assert checked > 1000


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)


def test_element_ids_are_unique_on_every_page(fixture_site):
    for path in html_pages(fixture_site):
        parser = _Parser()
        parser.feed(path.read_text(encoding="utf-8"))
        duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
        assert not duplicates, (path, duplicates)


def test_stale_record_shows_a_warning(tmp_path):
    site = build(FIXTURE_PROVIDERS, tmp_path / "out", IOP_TODAY="2027-06-01")
    assert "more than 180 days old" in read(site, "providers/alpha-worcester/index.html")
    fresh = build(FIXTURE_PROVIDERS, tmp_path / "fresh")
    assert "more than 180 days old" not in read(fresh, "providers/alpha-worcester/index.html")


def test_two_builds_are_byte_identical(tmp_path):
    first = build(FIXTURE_PROVIDERS, tmp_path / "one")
    second = build(FIXTURE_PROVIDERS, tmp_path / "two")
    files_one = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    files_two = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert files_one == files_two
    for relative in files_one:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_failed_build_leaves_previous_output_untouched(tmp_path):
    from iop_directory.errors import RecordsInvalid

    site = build(FIXTURE_PROVIDERS, tmp_path / "output")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    with pytest.raises(RecordsInvalid):
        build(REPO / "tests" / "fixtures" / "broken", tmp_path / "output")
    after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert before == after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_real_providers_build(real_site):
    records = sorted(p.stem for p in (REPO / "providers").glob("*.yaml"))
    for provider_id in records:
        html = read(real_site, "providers/%s/index.html" % provider_id)
        assert 'data-provider-id="%s"' % provider_id in html
    assert len(re.findall(r'<article class="card"', read(real_site, "providers/index.html"))) == len(records)


# -- one build path: editions, staging, swap, leftovers (issue 23) -----------------------------------------------

def _files(site: Path):
    return {p.relative_to(site): p for p in site.rglob("*") if p.is_file()}


def _assert_same_site(built: Path, full: Path):
    got, expected = _files(built), _files(full)
    assert sorted(got) == sorted(expected)
    for relative in expected:
        assert got[relative].read_bytes() == expected[relative].read_bytes(), relative


def _snapshot(site: Path):
    return {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}


@pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork and two cores")
def test_editions_built_in_forked_processes_equal_editions_built_in_this_process(tmp_path, monkeypatch):
    for split in (False, True):
        threshold = {"IOP_SEARCH_SHARD_THRESHOLD": 0} if split else {}
        forked = build(FIXTURE_PROVIDERS, tmp_path / ("forked-%s" % split), **threshold)
        with monkeypatch.context() as patch:
            patch.setattr(os, "cpu_count", lambda: 1)
            here = build(FIXTURE_PROVIDERS, tmp_path / ("here-%s" % split), **threshold)
        _assert_same_site(forked, here)


def test_the_search_index_is_made_once_per_build(tmp_path, monkeypatch):
    from iop_directory import search_index

    made = []
    real = search_index.build_index
    monkeypatch.setattr(search_index, "build_index", lambda *args: made.append(1) or real(*args))
    build(FIXTURE_PROVIDERS, tmp_path / "output")
    assert len(made) == 2  # the programs' own words and the vocabulary's terms, for three editions


def test_an_error_in_one_edition_fails_the_build_and_keeps_the_site(tmp_path, monkeypatch):
    from iop_directory import generator

    real = generator.ProviderGenerator.generate_output

    def fails_in_spanish(self, writer):
        if self.lang == "es":
            raise ValueError("simulated failure in the Spanish edition")
        return real(self, writer)

    site = build(FIXTURE_PROVIDERS, tmp_path / "output")
    before = _snapshot(site)
    monkeypatch.setattr(generator.ProviderGenerator, "generate_output", fails_in_spanish)
    with pytest.raises(ValueError, match="Spanish edition"):
        build(FIXTURE_PROVIDERS, tmp_path / "output")
    assert _snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]  # no staging folder left behind


def _killed_build(output: Path, after: str):
    """Start `iop build` into `output` in a child process and kill it (SIGKILL) once `after` happened: "staged"
    (the staging folder holds pages) or "retired" (the old site was renamed aside, before the new one is renamed
    into place: the swap of a file system that cannot exchange two folders)."""
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import os, sys, time\n"
        "sys.path.insert(0, %r)\n"
        "from iop_directory import output_folder\n"
        "from iop_directory.build import build_site\n"
        "if %r == 'retired':\n"
        "    output_folder._exchange = lambda a, b: False\n"
        "    real = os.rename\n"
        "    def rename(a, b):\n"
        "        real(a, b)\n"
        "        if '.retiring-' in str(b):\n"
        "            print('retired', flush=True); time.sleep(60)\n"
        "    os.rename = rename\n"
        "else:\n"
        "    real = output_folder.Staging.publish\n"
        "    def publish(self):\n"
        "        print('staged', flush=True); time.sleep(60)\n"
        "    output_folder.Staging.publish = publish\n"
        "build_site(%r, %r, {'PROVIDERS_PATH': %r, 'IOP_TODAY': %r})\n"
        % (str(REPO / "plugins"), after, str(REPO / "pelicanconf.py"), str(output), str(FIXTURE_PROVIDERS),
           TEST_TODAY))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        for line in child.stdout:  # Pelican's own summary lines come first
            if line.strip() == after:
                break
        else:
            pytest.fail("the build ended before %s" % after)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    time.sleep(0.1)


def test_a_killed_build_is_cleaned_up_by_the_next_one(tmp_path):
    site = build(FIXTURE_PROVIDERS, tmp_path / "output")
    before = _snapshot(site)
    _killed_build(site, "staged")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "output"]
    assert leftovers and all(name.startswith(".output.building-") for name in leftovers)
    assert _snapshot(site) == before  # the live site is untouched by the killed build
    build(FIXTURE_PROVIDERS, tmp_path / "output")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_a_build_killed_between_the_two_renames_of_a_swap_leaves_the_site_to_the_next_build(tmp_path):
    from iop_directory.errors import RecordsInvalid

    site = build(FIXTURE_PROVIDERS, tmp_path / "output")
    _killed_build(site, "retired")
    assert not site.exists()  # the moment a two-rename swap cannot avoid (the exchange of two folders has none)
    with pytest.raises(RecordsInvalid):  # even a build that fails puts the site back first
        build(REPO / "tests" / "fixtures" / "broken", tmp_path / "output")
    assert (site / ".iop-build").is_file() and (site / "providers" / "alpha-worcester" / "index.html").is_file()
    build(FIXTURE_PROVIDERS, tmp_path / "output")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_the_swap_exchanges_the_two_folders_in_one_step(tmp_path):
    from iop_directory import output_folder

    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "a").write_text("old")
    (new / "a").write_text("new")
    if not output_folder._exchange(new, old):
        pytest.skip("this file system cannot exchange two folders (the two-rename swap is tested above)")
    assert (old / "a").read_text() == "new" and (new / "a").read_text() == "old"


def test_a_running_builds_staging_folder_is_left_alone(tmp_path):
    from iop_directory import output_folder

    staging = output_folder.Staging(tmp_path / "output")  # locked, as for a build that is running
    try:
        output_folder.clear_leftovers(tmp_path / "output")
        assert staging.path.is_dir()
    finally:
        staging.discard()
    assert not staging.path.exists()


@pytest.mark.parametrize("contents", [
    {"thesis.docx": "mine"},
    # what every site had before the .iop-build file existed: no longer taken as a sign of one
    {"index.html": "x", "sitemap.xml": "x", "data/providers.json": "x", "search/index.html": "x", "thesis.docx": "m"},
])
def test_a_folder_iop_did_not_make_is_refused_and_nothing_is_deleted(tmp_path, contents):
    from iop_directory.errors import OutputRefused

    folder = tmp_path / "mine"
    for name, text in contents.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    before = _snapshot(folder)
    with pytest.raises(OutputRefused, match=".iop-build"):
        build(FIXTURE_PROVIDERS, folder)
    assert _snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_where_tells_no_location_apart_from_an_unknown_one(fixture_site):
    def where(provider_id):
        page = read(fixture_site, "providers/%s/index.html" % provider_id)
        return page.split('id="where-h"', 1)[1].split("</section>", 1)[0]

    # locations: [] on a virtual program for all of Massachusetts: no physical location, which is not "unknown"
    assert "anywhere in Massachusetts" in where("delta-virtual") and "Not yet confirmed" not in where("delta-virtual")
    assert "Not yet confirmed" in where("echo-unknown")  # null
