"""Issue 6: the Atom feed of providers added or re-verified, parsed and checked against the records."""

import shutil
from xml.etree import ElementTree as ET

import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, build

A = "{http://www.w3.org/2005/Atom}"
BASE = "https://ma-iop-directory.github.io"


def parse(site):
    return ET.parse(site / "feeds" / "providers.atom.xml").getroot()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    providers = tmp_path_factory.mktemp("feed-providers") / "providers"
    shutil.copytree(FIXTURE_PROVIDERS, providers)
    path = providers / "bravo-boston.yaml"  # re-verified after it was added
    path.write_text(path.read_text(encoding="utf-8") + "added: 2026-01-05\n", encoding="utf-8")
    return build(providers, tmp_path_factory.mktemp("feed-pub") / "output", settings="publishconf.py", SITEURL=BASE)


def test_feed_is_atom_with_one_entry_per_provider_newest_first(published):
    feed = parse(published)
    assert feed.tag == A + "feed"
    records = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in FIXTURE_PROVIDERS.glob("*.yaml")}
    entries = feed.findall(A + "entry")
    assert len(entries) == len(records)
    expected = sorted(records, key=lambda pid: pid)
    expected.sort(key=lambda pid: str(records[pid]["last_verified"]), reverse=True)
    links = [e.find(A + "link").get("href") for e in entries]
    assert links == ["%s/providers/%s/" % (BASE, pid) for pid in expected]
    newest = max(str(r["last_verified"]) for r in records.values())
    assert feed.findtext(A + "updated") == newest + "T00:00:00Z"
    assert feed.findtext(A + "id") == BASE + "/feeds/providers.atom.xml"
    assert feed.find(A + "author").findtext(A + "name")
    for entry, pid in zip(entries, expected):
        assert entry.findtext(A + "id") == "%s/providers/%s/" % (BASE, pid)
        assert entry.findtext(A + "updated") == "%sT00:00:00Z" % records[pid]["last_verified"]
        assert entry.findtext(A + "title").startswith(records[pid]["name"])
        assert entry.findtext(A + "summary")


def test_feed_keeps_only_the_newest_changes(published, tmp_path):
    """A national-size feed lists the newest changes (feed.MAX_ENTRIES), not every provider."""
    everything = [e.findtext(A + "id") for e in parse(published).findall(A + "entry")]
    short = build(FIXTURE_PROVIDERS, tmp_path / "output", settings="publishconf.py", SITEURL=BASE,
                  IOP_FEED_MAX_ENTRIES=2)
    newest = [e.findtext(A + "id") for e in parse(short).findall(A + "entry")]
    assert len(everything) > 2 and newest == everything[:2]


def test_added_and_reverified_titles(published):
    entries = {e.findtext(A + "id").rsplit("/", 2)[-2]: e for e in parse(published).findall(A + "entry")}
    assert entries["bravo-boston"].findtext(A + "title") == "Bravo Test Program Boston re-verified"
    assert entries["bravo-boston"].findtext(A + "published") == "2026-01-05T00:00:00Z"
    assert entries["alpha-worcester"].findtext(A + "title") == "Alpha Test Clinic Worcester added"


def test_feed_is_deterministic_and_linked_from_pages(fixture_site, tmp_path):
    again = build(FIXTURE_PROVIDERS, tmp_path / "again")
    path = "feeds/providers.atom.xml"
    assert (again / path).read_bytes() == (fixture_site / path).read_bytes()
    html = (fixture_site / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml"' in html and "feeds/providers.atom.xml" in html
