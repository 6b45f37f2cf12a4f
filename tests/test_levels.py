"""Issue 4: the levels-of-care page, its sourced data, the hour thresholds and the provider-page hours scale."""

import re
from html.parser import HTMLParser

import pytest
import yaml

from conftest import REPO

from iop_directory import derive, views

LEVELS = ("inpatient", "residential", "php", "iop", "outpatient")
ROWS = ("asam_level", "hours_per_week", "days_per_week", "lives_at_home", "supervision", "typical_length", "suits",
        "typical_day", "coverage")


@pytest.fixture(scope="module")
def loc():
    with open(REPO / "content" / "levels-of-care.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def levels_html(fixture_site):
    return (fixture_site / "levels-of-care" / "index.html").read_text(encoding="utf-8")


class Cells(HTMLParser):
    """Collects the levels table's <td data-level data-row> cells: their text and the citation links in them."""

    def __init__(self):
        super().__init__()
        self.cells, self.ids, self._cell, self._cite = {}, set(), None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "td" and "data-level" in attrs and self._cell is None:
            self._cell = {"level": attrs["data-level"], "row": attrs["data-row"], "text": "", "cites": []}
        elif tag == "a" and self._cell is not None and "cite" in (attrs.get("class") or "").split():
            self._cite = {"href": attrs["href"], "text": ""}

    def handle_data(self, data):
        if self._cite is not None:
            self._cite["text"] += data
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._cite is not None:
            self._cell["cites"].append(self._cite)
            self._cite = None
        elif tag == "td" and self._cell is not None:
            self.cells[(self._cell["level"], self._cell["row"])] = self._cell
            self._cell = None


def test_data_file_has_five_levels_and_every_figure_cites_a_known_source(loc):
    assert [level["slug"] for level in loc["levels"]] == list(LEVELS)
    assert [row["key"] for row in loc["rows"]] == list(ROWS)
    for level in loc["levels"]:
        assert set(level["cells"]) == set(ROWS), level["slug"]
        for key, cell in level["cells"].items():
            if cell.get("varies"):
                assert "text" not in cell, (level["slug"], key)
            else:
                assert cell["text"].strip() and cell["sources"], (level["slug"], key)
                assert set(cell["sources"]) <= set(loc["sources"]), (level["slug"], key)
    for item in list(loc["thresholds"].values()) + loc["medicare_iop"]:
        assert item["sources"] and set(item["sources"]) <= set(loc["sources"])


def test_a_figure_from_provider_articles_is_not_cited_to_evidence_as_well(loc):
    """The reference says to cite the seed articles' figures (hours a day, program length) as provider articles,
    not as evidence: citing ASAM beside them made a marketing figure look ASAM-backed."""
    marketing = {key for key, source in loc["sources"].items() if source.get("kind") == "provider-articles"}
    for level in loc["levels"]:
        for key, cell in level["cells"].items():
            cited = set(cell.get("sources") or ())
            assert not (cited & marketing) or cited <= marketing, (level["slug"], key, sorted(cited))


def test_thresholds_in_code_match_the_sourced_data(loc):
    thresholds = {k: v["value"] for k, v in loc["thresholds"].items()}
    assert thresholds == {
        "iop_adult_min_hours": derive.IOP_ADULT_MIN_HOURS,
        "iop_adolescent_min_hours": derive.IOP_ADOLESCENT_MIN_HOURS,
        "iop_max_hours": derive.IOP_MAX_HOURS,
        "php_min_hours": derive.PHP_MIN_HOURS,
    }
    by_slug = {level["slug"]: level for level in loc["levels"]}
    assert by_slug["iop"]["hours_min"] == derive.IOP_ADULT_MIN_HOURS
    assert by_slug["iop"]["adolescent_hours_min"] == derive.IOP_ADOLESCENT_MIN_HOURS
    assert by_slug["iop"]["hours_max"] == derive.IOP_MAX_HOURS
    assert by_slug["php"]["hours_min"] == derive.PHP_MIN_HOURS


def test_levels_view_numbers_sources_by_their_position_in_the_file(loc):
    view = views.levels_view(loc)
    keys = list(loc["sources"])
    assert [(s["key"], s["n"]) for s in view["source_list"]] == [(k, i) for i, k in enumerate(keys, 1)]
    iop = next(level for level in view["levels"] if level["slug"] == "iop")
    assert [c["n"] for c in iop["cells"]["asam_level"]["cites"]] == sorted([keys.index("aetna-asam") + 1,
                                                                           keys.index("asam-illinois") + 1])
    assert view["thresholds"]["php_min_hours"]["cites"][1] == {"key": "ecfr-410-43", "n": keys.index("ecfr-410-43") + 1}


def test_levels_page_carries_all_five_levels_with_a_source_for_every_figure(levels_html, loc):
    parser = Cells()
    parser.feed(levels_html)
    keys = list(loc["sources"])
    for slug in LEVELS:
        assert 'id="level-%s"' % slug in levels_html
        assert 'href="../search/?level=%s"' % slug in levels_html, "each level links to the filtered directory"
        for row in ROWS:
            cell = parser.cells[(slug, row)]
            text = " ".join(cell["text"].split())
            source_keys = loc["levels"][LEVELS.index(slug)]["cells"][row].get("sources") or []
            if "Varies by program" in text:
                assert not cell["cites"], (slug, row)
                continue
            assert cell["cites"], "figure without a source: %s / %s" % (slug, row)
            # Citations are in source-number order.
            assert [c["text"] for c in cell["cites"]] == sorted((c["text"] for c in cell["cites"]), key=lambda t: int(t[1:-1]))
            for cite, key in zip(cell["cites"], sorted(source_keys, key=keys.index), strict=True):
                assert cite["href"] == "#source-" + key
                assert cite["text"] == "[%d]" % (keys.index(key) + 1)
                assert "source-" + key in parser.ids
        assert parser.cells[(slug, "sources")]["cites"], slug
    # Where the reference has no figure, the page says so.
    assert parser.cells[("php", "typical_length")]["text"].strip().startswith("Varies by program")
    # The numbered source list follows the file's order.
    items = re.findall(r'<li id="source-([a-z0-9-]+)" value="(\d+)"', levels_html)
    assert items == [(k, str(i)) for i, k in enumerate(keys, 1)]


def test_levels_page_shows_thresholds_medicare_and_links_the_explainer(levels_html):
    for key in ("iop_adult_min_hours", "iop_adolescent_min_hours", "iop_max_hours", "php_min_hours"):
        match = re.search(r'<li data-threshold="%s">(.*?)</li>' % key, levels_html, re.S)
        assert match and 'class="cite"' in match.group(1), key
    assert "Medicare has covered intensive outpatient care (IOP) since 1 January 2024." in levels_html
    assert 'href="../which-level-might-fit/"' in levels_html
    # Narrow screens get one card per level.
    assert levels_html.count('class="level-card"') == 5


def test_which_level_might_fit_renders_with_crisis_lines_first(fixture_site):
    html = (fixture_site / "which-level-might-fit" / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article"):]
    assert article.index("988") < article.index("not a diagnosis")
    assert "assessment by a clinician" in article


@pytest.mark.parametrize("hours, population, band", [
    ((3, 3), "adults", "outpatient"),
    ((12, 12), "adults", "iop"),
    ((7.5, 7.5), "adolescents", "iop"),
    ((7.5, 7.5), "adults", "outpatient"),
    ((25, 25), None, "php"),
    ((15, 25), None, "iop-php"),
    ((6, 12), "adults", "outpatient-iop"),
    ((9, None), "adults", "iop-php"),
    ((20, None), "adults", "php"),
    ((40, 40), "adults", "php"),
])
def test_hours_scale_bands(hours, population, band):
    scale = views.hours_scale(hours, population)
    assert scale["band"] == band
    assert 0 <= scale["low"] <= 98.5 and scale["low"] + scale["width"] <= 100.05
    assert scale["iop_min_hours"] == (6 if population == "adolescents" else 9)
    assert scale["php_min"] == pytest.approx(20 / 30 * 100, abs=0.1)
    assert scale["iop_width"] + scale["php_width"] + scale["iop_min"] == pytest.approx(100, abs=0.2)


def test_hours_scale_none_without_hours():
    assert views.hours_scale(None, "adults") is None


def test_provider_page_hours_scale_is_described_in_words(fixture_site):
    html = (fixture_site / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
    start = html.index('<figure class="hours-scale"')
    figure = html[start:html.index("</figure>", start)]
    assert 'data-band="iop"' in figure
    assert 'aria-hidden="true"' in figure.split("<svg", 1)[1].split(">", 1)[0]
    assert "12 hours a week: in the intensive outpatient (IOP) range." in figure
    assert "IOP starts at 9 hours a week for adults; PHP at 20 hours." in figure
    assert "style=" not in figure
    # An adolescent track is measured against the 6-hour threshold.
    bravo = (fixture_site / "providers" / "bravo-boston" / "index.html").read_text(encoding="utf-8")
    assert "IOP starts at 6 hours a week for adolescents" in bravo


def test_levels_page_readable_at_320px(fixture_server, browser):
    context = browser.new_context(viewport={"width": 320, "height": 700})
    try:
        tab = context.new_page()
        tab.goto(fixture_server + "/levels-of-care/")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 320
        assert tab.locator(".levels-cards").is_visible()
        assert tab.locator(".level-card").count() == 5
        assert not tab.locator(".levels-wide").is_visible()
        wide = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            tab2 = wide.new_page()
            tab2.goto(fixture_server + "/levels-of-care/")
            assert tab2.locator(".levels-wide").is_visible()
            assert not tab2.locator(".levels-cards").is_visible()
            # The whole table at the page's width: no scroll box to lose the headers in.
            assert tab2.eval_on_selector(".levels-table", "t => t.getBoundingClientRect().right <= innerWidth")
        finally:
            wide.close()
    finally:
        context.close()
