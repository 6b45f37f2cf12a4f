"""The one-record rebuild that patches a large directory's site in place (patch_build.py, issue 8).

Every test builds the fixtures with the split search of large directories (the threshold at 0), changes records,
builds again into the same output, and compares the result byte for byte with a full build of the changed records
into a fresh folder with an empty cache. Whether the rebuild patched or fell back to the full build is read from
the log; both must give the full build's site.
"""

import os
from pathlib import Path

import pytest

from conftest import build

SPLIT = {"IOP_SEARCH_SHARD_THRESHOLD": 0}


@pytest.fixture
def records(records_copy):
    return records_copy


def _files(site: Path):
    return {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _rebuild(records, output, monkeypatch, **overrides):
    """Build again into `output`; return "patched" or why it was a full build (NotPatchable's reason)."""
    from iop_directory import patch_build

    outcome, real = [], patch_build._patch

    def watched(*args):
        try:
            real(*args)
        except (patch_build.NotPatchable, patch_build.patch_files.Unpatchable) as reason:
            outcome.append(str(reason))
            raise
        outcome.append("patched")

    with monkeypatch.context() as patch:
        patch.setattr(patch_build, "_patch", watched)
        build(records, output, **SPLIT, **overrides)
    return outcome[0] if outcome else "not tried"


def _full(records, tmp_path, monkeypatch, name, **overrides):
    with monkeypatch.context() as patch:
        patch.setenv("IOP_BUILD_CACHE", str(tmp_path / ("cache-" + name)))
        return build(records, tmp_path / name, **SPLIT, **overrides)


def _edit(path: Path, old: str, new: str):
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# (file, old text, new text, how the rebuild must go)
EDITS = [
    ("alpha-worcester.yaml", "description: Synthetic record used by the tests.",
     "description: Synthetic record, now about dialectical behavior therapy and phone coaching (zxqv).", "patched"),
    ("alpha-worcester.yaml", "phone: (508) 555-0101", "phone: (508) 555-0199", "patched"),
    ("bravo-boston.yaml", "website: https://bravo.test-provider.invalid",
     "website: https://bravo.test-provider.invalid/iop", "patched"),
    ("alpha-worcester.yaml", "programs: [Evening Intensive Outpatient Program]",
     "programs: [Evening Intensive Outpatient Program, Qwerty Yoga Group]", "patched"),
    # re-verified: the newest date of all (every site-wide listing's sitemap date, the open data's newest date,
    # the feed's order), and a source added
    ("foxtrot-shrewsbury.yaml", "last_verified: 2026-06-01", "last_verified: 2026-11-20", "patched"),
    ("alpha-worcester.yaml", "    accessed: 2026-11-01\nlast_verified: 2026-11-01\n",
     "    accessed: 2026-11-01\n  - url: https://alpha.test-provider.invalid/insurance\n    accessed: 2026-11-21\n"
     "last_verified: 2026-11-21\n", "patched"),
    # a date moved back: the pages that dated from it take their next newest member's
    ("delta-virtual.yaml", "last_verified: 2026-11-10", "last_verified: 2026-07-01", "patched"),
    ("charlie-springfield.yaml", "name: Charlie Test Center Springfield", "name: Aardvark Test Center Springfield",
     "moves"),  # moves in every list
    ("bravo-boston.yaml", "insurance: [bcbsma, harvard-pilgrim]", "insurance: [bcbsma]", "moves"),
]


def _expect(outcome, expected):
    if expected == "moves":
        assert "changed more than its own pages and dates show" in outcome, outcome
    else:
        assert outcome == expected


@pytest.mark.parametrize("name, old, new, expected", EDITS, ids=[e[0] + ":" + e[3] + ":" + e[1][:14] for e in EDITS])
def test_a_rebuild_equals_a_full_build(tmp_path, records, monkeypatch, name, old, new, expected):
    site = build(records, tmp_path / "output", **SPLIT)
    _edit(records / name, old, new)
    _expect(_rebuild(records, site, monkeypatch), expected)
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full"))


# Listings of two cards a page (a record's card on page 2 or 3), a sitemap index of 20-URL files, a feed of the 3
# newest: what a national-size site has, on the fixtures.
NATIONAL_SHAPE = {"IOP_LIST_PAGE_SIZE": 2, "IOP_FEED_MAX_ENTRIES": 3}


@pytest.mark.parametrize("name, old, new", [
    ("echo-unknown.yaml", "last_verified: 2026-11-01", "last_verified: 2026-11-22"),  # joins the feed
    ("delta-virtual.yaml", "last_verified: 2026-11-10", "last_verified: 2026-06-02"),  # leaves it
    ("foxtrot-shrewsbury.yaml", "last_verified: 2026-06-01", "last_verified: 2026-06-05"),
], ids=["joins the feed", "leaves the feed", "card on a later page"])
def test_paged_listings_a_sitemap_index_and_a_short_feed(tmp_path, records, monkeypatch, name, old, new):
    from iop_directory import seo

    monkeypatch.setattr(seo, "MAX_SITEMAP_URLS", 20)
    site = build(records, tmp_path / "output", **SPLIT, **NATIONAL_SHAPE)
    assert (site / "sitemap-2.xml").exists() and (site / "providers" / "page" / "3" / "index.html").exists()
    _edit(records / name, old, new)
    assert _rebuild(records, site, monkeypatch, **NATIONAL_SHAPE) == "patched"
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full", **NATIONAL_SHAPE))


def test_several_patches_in_a_row(tmp_path, records, monkeypatch):
    """Each patch starts from the last one's state (records, dates, feed); two records at once."""
    site = build(records, tmp_path / "output", **SPLIT)
    for n in range(3):
        _edit(records / "delta-virtual.yaml", "name: Delta Test Virtual IOP",
              "name: Delta Test Virtual IOP\ndescription: Version %d of a changed description." % n)
        assert _rebuild(records, site, monkeypatch) == "patched"
        _edit(records / "delta-virtual.yaml", "\ndescription: Version %d of a changed description." % n, "")
        assert _rebuild(records, site, monkeypatch) == "patched"
    _edit(records / "echo-unknown.yaml", "last_verified: 2026-11-01", "last_verified: 2026-11-23")
    assert _rebuild(records, site, monkeypatch) == "patched"
    _edit(records / "echo-unknown.yaml", "last_verified: 2026-11-23", "last_verified: 2026-11-02")
    _edit(records / "foxtrot-shrewsbury.yaml", "name: Foxtrot Test Weekend Program",
          "name: Foxtrot Test Weekend Program\nnotes: Another note.")
    assert _rebuild(records, site, monkeypatch) == "patched"
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full"))


def test_what_a_patch_cannot_do_falls_back_to_the_full_build(tmp_path, records, monkeypatch):
    site = build(records, tmp_path / "output", **SPLIT)
    (records / "golf-new.yaml").write_text((records / "echo-unknown.yaml").read_text(encoding="utf-8")
                                           .replace("Echo Test Program", "Golf Test Program"), encoding="utf-8")
    assert _rebuild(records, site, monkeypatch) == "records were added, removed or moved"
    (records / "golf-new.yaml").unlink()
    assert _rebuild(records, site, monkeypatch) == "records were added, removed or moved"
    assert _rebuild(records, site, monkeypatch) == "no record changed"
    _edit(records / "alpha-worcester.yaml", "description: Synthetic record used by the tests.",
          "description: Changed while the build's theme changes too.")
    from iop_directory import incremental

    with monkeypatch.context() as patch:
        patch.setattr(incremental, "build_key", lambda *args: "another theme")
        assert _rebuild(records, site, monkeypatch) == "the code, theme or settings changed"
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full"))


def test_a_change_to_a_settings_file_the_settings_import_is_a_full_build(tmp_path, records, monkeypatch):
    """publishconf.py imports pelicanconf.py: a change there changes the resolved settings, not the file built."""
    import sys

    from conftest import REPO

    base = tmp_path / "iop_test_base_settings.py"
    base.write_text("import sys\nsys.path.insert(0, %r)\nfrom pelicanconf import *\n" % str(REPO), encoding="utf-8")
    top = tmp_path / "publish_like.py"
    top.write_text("import sys\nsys.path.insert(0, %r)\nfrom iop_test_base_settings import *\n" % str(tmp_path),
                   encoding="utf-8")
    monkeypatch.delitem(sys.modules, base.stem, raising=False)
    site = build(records, tmp_path / "output", settings=str(top), **SPLIT)
    base.write_text(base.read_text(encoding="utf-8") + "SITENAME = 'Renamed Test Directory'\n", encoding="utf-8")
    monkeypatch.delitem(sys.modules, base.stem)  # as a new `iop build` process would read it
    _edit(records / "alpha-worcester.yaml", "phone: (508) 555-0101", "phone: (508) 555-0199")
    assert _rebuild(records, site, monkeypatch, settings=str(top)) == "the code, theme or settings changed"
    assert "Renamed Test Directory" in (site / "providers" / "bravo-boston" / "index.html").read_text(encoding="utf-8")
    monkeypatch.delitem(sys.modules, base.stem)
    full = _full(records, tmp_path, monkeypatch, "full", settings=str(top))
    assert _files(site) == _files(full)


@pytest.mark.parametrize("edition, shown", [("", "Last verified 2026-11-01"), ("es", ": 2026-11-01")],
                         ids=["root edition", "another edition (patched by a second process)"])
def test_a_card_not_found_once_is_left_to_the_full_build(tmp_path, records, monkeypatch, edition, shown):
    """A listing page that does not hold a record's card exactly as it was (edited by hand, say) is not patched,
    and no file of the patch is left behind, whichever process found it."""
    site = build(records, tmp_path / "output", **SPLIT)
    page = site / edition / "towns" / "worcester" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert text.count(shown) == 1
    page.write_text(text.replace(shown, shown.replace("2026-11-01", "1999")), encoding="utf-8")
    _edit(records / "alpha-worcester.yaml", "last_verified: 2026-11-01", "last_verified: 2026-11-02")
    assert "not found exactly once in index.html" in _rebuild(records, site, monkeypatch)
    assert not list(site.rglob("*.iop-patch"))
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full"))


def test_an_invalid_record_is_reported_by_the_full_build_and_the_site_kept(tmp_path, records, monkeypatch):
    from iop_directory.errors import RecordsInvalid

    site = build(records, tmp_path / "output", **SPLIT)
    before = _files(site)
    _edit(records / "alpha-worcester.yaml", "phone: (508) 555-0101", "phone: not a phone")
    with pytest.raises(RecordsInvalid):
        build(records, site, **SPLIT)
    assert _files(site) == before


def test_a_patch_cut_short_is_finished_by_the_next_build(tmp_path, records, monkeypatch):
    """The new files are written next to their targets, then renamed as a journal lists: stopped between two
    renames, the next build finishes them before anything else."""
    from iop_directory import patch_build

    site = build(records, tmp_path / "output", **SPLIT)
    _edit(records / "alpha-worcester.yaml", "phone: (508) 555-0101", "phone: (508) 555-0142")
    real_replace, calls = os.replace, []

    def stops_after_three(source, target):
        if str(source).endswith(".iop-patch"):
            calls.append(target)
            if len(calls) == 4:
                raise KeyboardInterrupt("machine stopped")
        return real_replace(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", stops_after_three)
        with pytest.raises(KeyboardInterrupt):
            build(records, site, **SPLIT)
    assert patch_build._files(site)[2].exists()  # the journal is left, with the new files it lists
    assert list(site.rglob("*.iop-patch"))
    _rebuild(records, site, monkeypatch)  # finishes the renames first (then patches or builds: either is right)
    assert not list(site.rglob("*.iop-patch")) and not patch_build._files(site)[2].exists()
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full"))


def test_the_iop_program_patches_with_its_look_ahead(tmp_path, records, monkeypatch):
    """`iop build` (cli.run) finds the changed records in a second process started before its imports
    (patch_build.look_ahead); the answer is the one the build would find itself: a change patched, an added record
    the full build, both giving the full build's site."""
    import subprocess
    import sys

    from conftest import REPO, TEST_TODAY

    settings = tmp_path / "split_settings.py"
    settings.write_text("import sys\nsys.path.insert(0, %r)\nfrom pelicanconf import *\nIOP_TODAY = %r\n"
                        "IOP_SEARCH_SHARD_THRESHOLD = 0\n" % (str(REPO), TEST_TODAY), encoding="utf-8")
    site = tmp_path / "output"

    def iop_build():
        done = subprocess.run([str(Path(sys.executable).parent / "iop"), "-v", "build", "--settings", str(settings),
                               "--providers", str(records), "--output", str(site)],
                              capture_output=True, text=True, timeout=300, env=dict(os.environ))
        assert done.returncode == 0, done.stderr
        return done.stderr

    iop_build()
    _edit(records / "bravo-boston.yaml", "website: https://bravo.test-provider.invalid",
          "website: https://bravo.test-provider.invalid/iop")
    assert "patched 1 record(s) in place (found by a second process)" in iop_build()
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full"))
    (records / "golf-new.yaml").write_text((records / "echo-unknown.yaml").read_text(encoding="utf-8")
                                           .replace("Echo Test Program", "Golf Test Program"), encoding="utf-8")
    assert "a full build, because records were added, removed or moved" in iop_build()
    assert _files(site) == _files(_full(records, tmp_path, monkeypatch, "full-2"))
