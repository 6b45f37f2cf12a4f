"""A real Pelican build of the fixture records, with assertions on the written pages."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, REPO, build
from iop_directory import shared_work

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


# -- incremental builds (issue 8) ------------------------------------------------------------------------------------

def _files(site: Path):
    return {p.relative_to(site): p for p in site.rglob("*") if p.is_file()}


def _assert_same_site(built: Path, full: Path):
    got, expected = _files(built), _files(full)
    assert sorted(got) == sorted(expected)
    for relative in expected:
        assert got[relative].read_bytes() == expected[relative].read_bytes(), relative


def _full_build(providers: Path, output: Path, monkeypatch, tmp_path: Path):
    with monkeypatch.context() as patch:  # an empty build cache: no manifest, no record cache
        patch.setenv("IOP_BUILD_CACHE", str(tmp_path / ("cache-" + output.name)))
        return build(providers, output)


def test_incremental_rebuild_after_changing_one_record_equals_a_full_build(tmp_path, records_copy, monkeypatch):
    site = build(records_copy, tmp_path / "output")
    unchanged = site / "providers" / "bravo-boston" / "index.html"
    inode = unchanged.stat().st_ino
    unchanged_es = site / "es" / "providers" / "bravo-boston" / "index.html"  # each edition's pages are recorded
    inode_es = unchanged_es.stat().st_ino
    record = records_copy / "alpha-worcester.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "Synthetic record used by the tests.", "Changed, evening groups now also on Fridays."), encoding="utf-8")
    build(records_copy, tmp_path / "output")
    assert "also on Fridays" in read(site, "providers/alpha-worcester/index.html")
    assert "also on Fridays" in read(site, "es/providers/alpha-worcester/index.html")
    assert unchanged.stat().st_ino == inode  # reused, not rendered again
    assert unchanged_es.stat().st_ino == inode_es
    _assert_same_site(site, _full_build(records_copy, tmp_path / "full", monkeypatch, tmp_path))


def test_incremental_rebuild_after_deleting_and_adding_records_equals_a_full_build(tmp_path, records_copy,
                                                                                   monkeypatch):
    site = build(records_copy, tmp_path / "output")
    (records_copy / "charlie-springfield.yaml").unlink()
    text = (records_copy / "alpha-worcester.yaml").read_text(encoding="utf-8")
    (records_copy / "golf-worcester.yaml").write_text(
        text.replace("Alpha Test Clinic Worcester", "Golf Test Clinic Worcester")
        .replace("alpha.test-provider", "golf.test-provider"), encoding="utf-8")
    build(records_copy, tmp_path / "output")
    assert not (site / "providers" / "charlie-springfield").exists()
    assert "Golf Test Clinic Worcester" in read(site, "providers/golf-worcester/index.html")
    _assert_same_site(site, _full_build(records_copy, tmp_path / "full", monkeypatch, tmp_path))


def test_a_page_whose_description_counts_programs_is_rendered_again_when_one_is_added(tmp_path, records_copy,
                                                                                      monkeypatch):
    """The search page's meta description counts the programs: after one is added, the rebuilt page says so and
    the site equals a full build."""
    site = build(records_copy, tmp_path / "output")
    assert "schedule and therapy — 6 programs\"" in read(site, "search/index.html")
    text = (records_copy / "alpha-worcester.yaml").read_text(encoding="utf-8")
    (records_copy / "golf-worcester.yaml").write_text(
        text.replace("Alpha Test Clinic Worcester", "Golf Test Clinic Worcester")
        .replace("alpha.test-provider", "golf.test-provider"), encoding="utf-8")
    build(records_copy, tmp_path / "output")
    assert "schedule and therapy — 7 programs\"" in read(site, "search/index.html")
    _assert_same_site(site, _full_build(records_copy, tmp_path / "full", monkeypatch, tmp_path))


def test_page_keys_cover_what_the_seo_context_is_made_from(tmp_path, monkeypatch):
    """A page is keyed before its SEO context (descriptions, JSON-LD) is made, so that a reused page never has it
    made: the values it is made from are part of the key even when the template does not read them."""
    from jinja2 import DictLoader, Environment

    from iop_directory import incremental

    monkeypatch.setenv("IOP_BUILD_CACHE", str(tmp_path / "cache"))
    env = Environment(loader=DictLoader({"search": "<meta content=\"{{ meta_description }}\">"}))
    session = incremental.Session(tmp_path / "output", "a build key")
    template = env.get_template("search")

    def key(views):
        return session.page_key(env, template, "search/index.html", {}, {}, {}, {"views": views})

    one, two = [{"id": "a", "name": "A"}], [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
    assert key(one) != key(two)
    assert key(one) == key([{"id": "a", "name": "A"}])  # equal values, other objects: the same key


def test_failed_incremental_build_leaves_previous_output_untouched(tmp_path, records_copy, monkeypatch):
    from iop_directory.errors import RecordsInvalid

    site = build(records_copy, tmp_path / "output")
    before = {p: (p.stat().st_ino, p.read_bytes()) for p in site.rglob("*") if p.is_file()}
    record = records_copy / "alpha-worcester.yaml"
    good = record.read_text(encoding="utf-8")
    record.write_text(good.replace("Synthetic record used by the tests.", "Changed."), encoding="utf-8")
    (records_copy / "bravo-boston.yaml").write_text("name: [broken\n", encoding="utf-8")
    with pytest.raises(RecordsInvalid):
        build(records_copy, tmp_path / "output")
    assert {p: (p.stat().st_ino, p.read_bytes()) for p in site.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "output", "providers"]

    # A failure while rendering, after pages were already linked from the previous output.
    (records_copy / "bravo-boston.yaml").write_bytes((FIXTURE_PROVIDERS / "bravo-boston.yaml").read_bytes())
    from iop_directory import feed

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    with monkeypatch.context() as patch:
        patch.setattr(feed, "atom_feed", boom)
        with pytest.raises(RuntimeError):
            build(records_copy, tmp_path / "output")
    assert {p: (p.stat().st_ino, p.read_bytes()) for p in site.rglob("*") if p.is_file()} == before
    build(records_copy, tmp_path / "output")
    _assert_same_site(site, _full_build(records_copy, tmp_path / "full", monkeypatch, tmp_path))


def test_a_changed_template_renders_every_page_again(tmp_path, records_copy, monkeypatch):
    from iop_directory import incremental

    site = build(records_copy, tmp_path / "output")
    page = site / "providers" / "bravo-boston" / "index.html"
    inode = page.stat().st_ino
    with monkeypatch.context() as patch:
        patch.setattr(incremental, "build_key", lambda *args: "another theme")
        build(records_copy, tmp_path / "output")
    assert page.stat().st_ino != inode
    # A page edited by hand in the output is not trusted either.
    page.write_text("edited", encoding="utf-8")
    build(records_copy, tmp_path / "output")
    assert page.read_text(encoding="utf-8") != "edited"


# -- two processes (issue 8) ---------------------------------------------------------------------------------------

def test_two_process_build_equals_one_process_build(tmp_path, monkeypatch):

    with monkeypatch.context() as patch:
        patch.setattr(shared_work, "can_fork", lambda: False)
        alone = build(FIXTURE_PROVIDERS, tmp_path / "alone")
    with monkeypatch.context() as patch:  # every page set shared, in chunks of one, so both processes render
        patch.setattr(shared_work, "MIN_ITEMS", 1)
        patch.setattr(shared_work, "CHUNK", 1)
        shared = build(FIXTURE_PROVIDERS, tmp_path / "shared", IOP_CONCURRENT_EDITIONS_MAX_RECORDS=0)
    _assert_same_site(shared, alone)


@pytest.mark.skipif(not shared_work.can_fork(), reason="needs fork and two cores")
def test_pages_rendered_by_either_process_are_reused_by_the_next_build(tmp_path, records_copy, monkeypatch):
    """The second rendering process records the pages it wrote in the page manifest too (sent back at its end)."""
    monkeypatch.setattr(shared_work, "MIN_ITEMS", 1)
    monkeypatch.setattr(shared_work, "CHUNK", 1)
    site = build(records_copy, tmp_path / "output", IOP_CONCURRENT_EDITIONS_MAX_RECORDS=0)
    pages = {p: p.stat().st_ino for p in site.rglob("*.html")  # the directory's own pages, not Pelican's
             if {"providers", "towns", "insurance"} & set(p.relative_to(site).parts)}
    build(records_copy, tmp_path / "output", IOP_CONCURRENT_EDITIONS_MAX_RECORDS=0)
    assert len(pages) > 50
    assert {p: p.stat().st_ino for p in pages} == pages  # every page hard-linked from the first build


@pytest.mark.skipif(not shared_work.can_fork(), reason="needs fork and two cores")
def test_editions_built_side_by_side_equal_editions_built_in_turn(tmp_path, monkeypatch):
    from iop_directory import build as build_module

    calls, open_data_made = [], []
    real = build_module._build_editions
    monkeypatch.setattr(build_module, "_build_editions",
                        lambda runs, session, concurrent, alongside=None:
                        calls.append((concurrent, alongside is not None)) or real(runs, session, concurrent, alongside))
    real_open_data = build_module.shared_open_data
    monkeypatch.setattr(build_module, "shared_open_data",
                        lambda *args: open_data_made.append(args[2]) or real_open_data(*args))
    # Side by side, the parent makes the open data every edition fills in, and writes the split search's shared
    # files
    for sharded in (False, True):
        threshold = {"IOP_SEARCH_SHARD_THRESHOLD": 0} if sharded else {}
        in_turn = build(FIXTURE_PROVIDERS, tmp_path / ("in-turn-%s" % sharded), IOP_CONCURRENT_EDITIONS_MAX_RECORDS=0,
                        **threshold)
        side_by_side = build(FIXTURE_PROVIDERS, tmp_path / ("side-by-side-%s" % sharded), **threshold)
        _assert_same_site(side_by_side, in_turn)
    assert calls == [(False, False), (True, True), (False, False), (True, True)]
    assert len(open_data_made) == 2  # once per build side by side, in this (the parent) process


def test_an_error_while_the_editions_render_side_by_side_fails_the_build_and_keeps_the_site(tmp_path, monkeypatch):
    from iop_directory import search_shards

    site = build(FIXTURE_PROVIDERS, tmp_path / "output", IOP_SEARCH_SHARD_THRESHOLD=0)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}

    def fails(*args, **kwargs):
        raise OSError("simulated: disk full while writing the shared search files")

    monkeypatch.setattr(search_shards, "shared_search_files", fails)
    with pytest.raises(OSError, match="disk full"):
        build(FIXTURE_PROVIDERS, tmp_path / "output", IOP_SEARCH_SHARD_THRESHOLD=0)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["output"]  # no staging folder left behind


def test_an_error_in_one_of_the_editions_built_side_by_side_fails_the_build(tmp_path, monkeypatch):
    from iop_directory import generator

    real = generator.ProviderGenerator.generate_output

    def fails_in_spanish(self, writer):
        if self.lang == "es":
            raise ValueError("simulated failure in the Spanish edition")
        return real(self, writer)

    site = build(FIXTURE_PROVIDERS, tmp_path / "output")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    monkeypatch.setattr(generator.ProviderGenerator, "generate_output", fails_in_spanish)
    with pytest.raises(ValueError, match="Spanish edition"):
        build(FIXTURE_PROVIDERS, tmp_path / "output")
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]  # no staging folder left behind


needs_two_cores = pytest.mark.skipif(not shared_work.can_fork(), reason="needs fork and two cores")


def _record_pid(folder: Path):
    import os

    def render(item):
        (folder / str(item)).write_text(str(os.getpid()), encoding="utf-8")
    return render


@needs_two_cores
def test_shared_work_renders_every_item_once_on_two_processes(tmp_path, monkeypatch):
    import os


    monkeypatch.setattr(shared_work, "MIN_ITEMS", 1)
    monkeypatch.setattr(shared_work, "CHUNK", 1)
    done = []
    jobs = [lambda n=n: (tmp_path / ("job-%d" % n)).write_text(str(os.getpid()), encoding="utf-8") for n in range(3)]
    late = [lambda n=n: (tmp_path / ("late-%d" % n)).write_text(  # taken once every item has been taken
        str(len([p for p in tmp_path.iterdir() if p.name.isdigit()]) >= 200 - 2), encoding="utf-8") for n in range(2)]
    shared_work.run(list(range(200)), _record_pid(tmp_path), lambda: done.append(os.getpid()), jobs=jobs,
                    late_jobs=late)
    assert done == [os.getpid()]  # the own work ran once, here
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("job-")) == ["job-0", "job-1", "job-2"]
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if p.name.startswith("late-")} == \
        {"late-0": "True", "late-1": "True"}
    for p in tmp_path.glob("late-*"):
        p.unlink()
    assert sorted(int(p.name) for p in tmp_path.iterdir() if not p.name.startswith("job-")) == list(range(200))
    writers = {p.read_text(encoding="utf-8") for p in tmp_path.iterdir()}
    assert str(os.getpid()) in writers and len(writers) == 2


@needs_two_cores
def test_shared_work_fails_when_either_process_fails(tmp_path, monkeypatch, capfd):
    import os


    monkeypatch.setattr(shared_work, "MIN_ITEMS", 1)
    parent = os.getpid()

    def fails_in_child(item):
        if os.getpid() != parent:
            raise ValueError("simulated failure")

    def own_work_slowly():
        import time
        time.sleep(0.5)  # the child takes every item meanwhile

    # The child's own error is raised here (printed by the CLI as one line), not a vague one after its traceback.
    with pytest.raises(ValueError, match="simulated failure"):
        shared_work.run(list(range(50)), fails_in_child, own_work_slowly)
    assert "Traceback" not in capfd.readouterr().err

    class Unpicklable(Exception):
        def __reduce__(self):
            raise TypeError("cannot be pickled")

    def fails_unpicklably_in_child(item):
        if os.getpid() != parent:
            raise Unpicklable("simulated odd failure")

    with pytest.raises(RuntimeError, match="Unpicklable: simulated odd failure"):
        shared_work.run(list(range(50)), fails_unpicklably_in_child, own_work_slowly)

    def fails_here():
        raise ValueError("simulated failure")

    with pytest.raises(ValueError, match="simulated"):
        shared_work.run(list(range(50)), lambda item: None, fails_here)


@needs_two_cores
def test_a_large_retired_site_is_removed_in_the_background(tmp_path, monkeypatch):
    import time

    from iop_directory import build as build_module

    monkeypatch.setattr(build_module, "BACKGROUND_REMOVAL_PAGES", 0)
    site = build(FIXTURE_PROVIDERS, tmp_path / "output")
    first = _files(site)
    build(FIXTURE_PROVIDERS, tmp_path / "output")
    deadline = time.monotonic() + 30
    while any(p.name.startswith(".output.old-") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]
    assert sorted(_files(site)) == sorted(first)


@needs_two_cores
def test_the_background_removal_does_not_hold_the_callers_output(tmp_path):
    """Whoever reads `iop build`'s output (make, CI, the bench) gets end of file when the build returns, not when the
    detached removal of the old site ends: here the removal waits for a file written only after the caller is done."""
    import subprocess
    import sys
    import time

    retired, release = tmp_path / "retired", tmp_path / "release"
    (retired / "page").mkdir(parents=True)
    script = (
        "import os, shutil, sys, time\n"
        "sys.path.insert(0, %r)\n"
        "from iop_directory import build\n"
        "real = shutil.rmtree\n"
        "def slow(folder, **kw):\n"
        "    while not os.path.exists(%r): time.sleep(0.05)\n"
        "    real(folder, **kw)\n"
        "build.shutil.rmtree = slow\n"
        "build._remove(build.Path(%r), background=True)\n"
        "print('returned')\n" % (str(REPO / "plugins"), str(release), str(retired)))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "returned" and retired.exists()
    release.touch()
    deadline = time.monotonic() + 30
    while retired.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not retired.exists()


@needs_two_cores
def test_records_validated_on_two_processes_build_the_same_site(tmp_path, monkeypatch):
    from iop_directory import build_cache

    one = _full_build(FIXTURE_PROVIDERS, tmp_path / "one", monkeypatch, tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(build_cache, "PARALLEL_MIN_FILES", 1)  # the pool of two validators, as above 400 records
        two = _full_build(FIXTURE_PROVIDERS, tmp_path / "two", monkeypatch, tmp_path)
    _assert_same_site(two, one)


def test_where_tells_no_location_apart_from_an_unknown_one(fixture_site):
    def where(provider_id):
        page = read(fixture_site, "providers/%s/index.html" % provider_id)
        return page.split('id="where-h"', 1)[1].split("</section>", 1)[0]

    # locations: [] on a virtual program for all of Massachusetts: no physical location, which is not "unknown"
    assert "anywhere in Massachusetts" in where("delta-virtual") and "Not yet confirmed" not in where("delta-virtual")
    assert "Not yet confirmed" in where("echo-unknown")  # null


def test_page_keys_read_the_variables_of_the_whole_template_chain(tmp_path):
    """What a page's key hashes: every variable its template, the templates it extends or includes and their
    includes read (each file parsed once); a template named at render time makes its pages always rendered."""
    from jinja2 import DictLoader, Environment

    from iop_directory.incremental import Session

    env = Environment(loader=DictLoader({
        "base.html": "{{ SITENAME }}{% include '_part.html' %}{% block body %}{% endblock %}",
        "_part.html": "{{ crisis_line }}",
        "page.html": "{% extends 'base.html' %}{% block body %}{{ view.name }}{% endblock %}",
        "other.html": "{% extends 'base.html' %}{% block body %}{{ town }}{% endblock %}",
        "dynamic.html": "{% include chosen %}",
    }))
    session = Session(tmp_path / "output", "a build key")
    assert session.template_names(env, "page.html") == ["SITENAME", "crisis_line", "view"]
    assert session.template_names(env, "other.html") == ["SITENAME", "crisis_line", "town"]
    assert session.template_names(env, "dynamic.html") is None
