"""Issue 22: how complete the directory is (/coverage/ and `iop report`, one computation), listings that need
confirming, linked level-of-care sources and the repository address of the report links."""

import datetime
import re
from types import SimpleNamespace

import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, REPO, TEST_TODAY, build
from iop_directory import cli, coverage, derive

TODAY = datetime.date.fromisoformat(TEST_TODAY)


def fixture_data():
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(FIXTURE_PROVIDERS.glob("*.yaml"))}


def counted(condition):
    """How many fixture records `condition(data)` is true of, worked out here from the YAML, not by the code."""
    return sum(1 for data in fixture_data().values() if condition(data))


EXPECTED = {  # what "confirmed" means for each fact, said plainly
    "insurance": lambda d: d.get("insurance") is not None,
    "phone": lambda d: bool(d.get("phone")),
    "address": lambda d: any((loc or {}).get("street") for loc in d.get("locations") or ()),
    "schedule": lambda d: any(t.get("days") and t.get("start") and t.get("end") for t in d.get("tracks") or ()),
    "populations": lambda d: d.get("populations") is not None,
    "languages": lambda d: d.get("languages") is not None,
    "virtual": lambda d: d.get("virtual") is not None,
    "zip": lambda d: any((loc or {}).get("zip") for loc in d.get("locations") or ()),
    "website": lambda d: bool(d.get("website")),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(FIXTURE_PROVIDERS, tmp_path_factory.mktemp("coverage") / "output",
                 IOP_REPOSITORY_URL="https://github.com/example-owner/example-directory")


def page_text(site, path):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (site / path).read_text(encoding="utf-8")))


def test_the_coverage_page_states_every_count(site):
    html = (site / "coverage" / "index.html").read_text(encoding="utf-8")
    total = len(fixture_data())
    assert re.search(r'data-coverage="programs"><dt>[^<]+</dt><dd>%d</dd>' % total, html)
    for key, condition in EXPECTED.items():
        row = re.search(r'<tr data-coverage-fact="%s">(.*?)</tr>' % key, html).group(1)
        n = counted(condition)
        assert "%d of %d" % (n, total) in row and "%d%%" % round(100 * n / total) in row, key
    recent = counted(lambda d: (TODAY - datetime.date.fromisoformat(str(d["last_verified"]))).days <= 180)
    assert re.search(r'data-coverage="verified-recently">.*?<dd>%d of %d</dd>' % (recent, total), html)
    assert re.search(r'data-coverage="needs-confirming">.*?<dd>1 of %d</dd>' % total, html)  # echo-unknown


def test_programs_are_listed_most_unknown_first_each_with_a_link_to_update_it(site):
    html = (site / "coverage" / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<li data-provider-id="([^"]+)">', html)
    assert sorted(listed) == sorted(fixture_data())
    unknown = {rid: sum(1 for condition in EXPECTED.values() if not condition(data))
               for rid, data in fixture_data().items()}
    assert [unknown[rid] for rid in listed] == sorted(unknown.values(), reverse=True)
    assert listed[0] == "echo-unknown"
    for rid in listed:
        assert "example-directory/issues/new?template=outdated-information.yml" in html.split(
            'data-provider-id="%s"' % rid, 1)[1].split("</li>", 1)[0]


def test_iop_report_prints_the_numbers_of_the_page(site, capsys):
    assert cli.main(["report", str(FIXTURE_PROVIDERS), "--today", TEST_TODAY]) == 0
    out = capsys.readouterr().out
    total = len(fixture_data())
    for key, condition in EXPECTED.items():
        label = {"insurance": "insurance accepted", "address": "street address", "schedule": "schedule (days and times)",
                 "populations": "who it serves", "virtual": "virtual option", "zip": "ZIP code"}.get(key, key)
        assert re.search(r"(?m)^%s\s+%d\s+%d\s" % (re.escape(label), counted(condition), total), out), key
    assert "listings that need confirming (an IOP stated only by a directory, a blog or old news): 1 of %d" % total in out
    page = page_text(site, "coverage/index.html")
    assert "Listings that need confirming 1 of %d" % total in page


def test_the_spanish_and_portuguese_coverage_pages_are_built(site):
    for lang in ("es", "pt"):
        html = (site / lang / "coverage" / "index.html").read_text(encoding="utf-8")
        assert '<html lang="%s">' % lang in html and "data-coverage-fact=\"insurance\"" in html
        assert "How complete is this directory?" not in html


def test_the_footer_and_home_page_link_to_the_coverage_page(site):
    assert 'href="../coverage/"' in (site / "providers" / "index.html").read_text(encoding="utf-8")
    home = (site / "index.html").read_text(encoding="utf-8")
    honest = home.split('id="honest-h"', 1)[1].split("</section>", 1)[0]
    assert 'href="./coverage/"' in honest or 'href="coverage/"' in honest


@pytest.mark.parametrize("evidence, today, needed", [
    (None, "2026-12-06", False),
    ({"kind": "own-page"}, "2026-12-06", False),
    ({"kind": "third-party-directory"}, "2026-12-06", True),
    ({"kind": "provider-blog"}, "2026-12-06", True),
    ({"kind": "news", "dated": "2025-01-10"}, "2026-12-06", False),  # less than two years old
    ({"kind": "news", "dated": "2024-12-05"}, "2026-12-06", True),  # more than two years old
    ({"kind": "news", "dated": "2024-12-05"}, "2026-11-24", False),  # the same item, checked a week earlier
    ({"kind": "news"}, "2026-12-06", True),  # undated news says nothing about today
])
def test_a_listing_needs_confirming_when_its_only_evidence_is_weak(evidence, today, needed):
    data = {"name": "X"} if evidence is None else {"name": "X", "iop_evidence": evidence}
    assert derive.needs_confirmation(data, datetime.date.fromisoformat(today)) is needed
    record = SimpleNamespace(id="x", data={**data, "last_verified": "2026-11-01"})
    assert coverage.coverage([record], datetime.date.fromisoformat(today)).needs_confirming == (1 if needed else 0)


def test_a_listing_that_needs_confirming_says_so_on_its_page_its_cards_and_in_search(site):
    page = page_text(site, "providers/echo-unknown/index.html")
    assert "This listing needs confirming." in page and "third-party directory" in page
    assert "Only a directory listing (synthetic) says it runs an IOP." in page
    assert "This listing needs confirming." not in page_text(site, "providers/alpha-worcester/index.html")
    directory = (site / "providers" / "index.html").read_text(encoding="utf-8")
    echo_card = directory.split('data-provider-id="echo-unknown"', 1)[1].split("</article>", 1)[0]
    assert "Listing needs confirming" in echo_card
    alpha_card = directory.split('data-provider-id="alpha-worcester"', 1)[1].split("</article>", 1)[0]
    assert "Listing needs confirming" not in alpha_card
    import json

    docs = {d["id"]: d for d in json.loads((site / "search" / "data" / "docs.json").read_text())["docs"]}
    assert docs["echo-unknown"]["listing_check"] is True and docs["alpha-worcester"]["listing_check"] is False


def test_every_level_of_care_source_with_a_known_address_is_linked_in_every_edition(site):
    sources = yaml.safe_load((REPO / "content" / "levels-of-care.yaml").read_text(encoding="utf-8"))["sources"]
    linked = {key: s["url"] for key, s in sources.items() if s.get("url")}
    assert len(linked) >= 6
    assert set(sources) - set(linked) <= {"findtreatment-gov", "provider-articles"}  # no stored copy; not evidence
    for edition in ("", "es/", "pt/"):
        html = (site / edition / "levels-of-care" / "index.html").read_text(encoding="utf-8")
        for key, url in linked.items():
            item = html.split('id="source-%s"' % key, 1)[1].split("</li>", 1)[0]
            assert 'href="%s"' % url in item, (edition, key)


def test_without_a_known_repository_the_report_links_are_left_out_and_the_build_says_so_once(tmp_path, monkeypatch):
    from iop_directory import site_data

    monkeypatch.setattr(site_data.subprocess, "run", lambda *a, **k: SimpleNamespace(stdout="/srv/git/directory.git"))
    said = []  # the logger itself: Pelican's log filter drops a message it has printed before in this process
    monkeypatch.setattr(site_data.logger, "warning", lambda message, *args: said.append(message % args))
    output = build(FIXTURE_PROVIDERS, tmp_path / "output")
    assert len([m for m in said if "no repository address" in m]) == 1
    for page in ("providers/alpha-worcester/index.html", "coverage/index.html", "es/coverage/index.html"):
        assert "issues/new" not in (output / page).read_text(encoding="utf-8"), page


@pytest.mark.parametrize("remote, expected", [
    ("https://github.com/owner/repo.git", "https://github.com/owner/repo"),
    ("git@github.com:owner/repo.git", "https://github.com/owner/repo"),
    ("https://gitlab.com/owner/repo.git", None),
    ("/home/me/clones/repo", None),
])
def test_the_repository_address_comes_from_a_github_remote_only(monkeypatch, remote, expected):
    from iop_directory import site_data

    monkeypatch.setattr(site_data.subprocess, "run", lambda *a, **k: SimpleNamespace(stdout=remote + "\n"))
    assert site_data.repository_address({}) == expected
    assert site_data.repository_address({"IOP_REPOSITORY_URL": "https://github.com/set/by-pages/"}) == \
        "https://github.com/set/by-pages"


def test_the_pages_workflow_passes_the_repository_address():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    env = next(s for s in steps if "make publish" in s.get("run", ""))["env"]
    assert env["IOP_REPOSITORY_URL"] == "${{ github.server_url }}/${{ github.repository }}"
