"""Build the site with Pelican into a temporary folder and swap it into place only when it succeeded.

A failed build therefore never leaves a half-written output folder: the previous site stays as it was.
The records are read and validated once; each language edition is then built in its own forked process (its
memory returned when it ends): side by side for a small directory, one after another for a large one, whose pages
are then rendered by two processes (shared_work.py). Pages whose inputs
did not change since the previous build into the same output are hard-linked from it instead of rendered
(incremental.py); the result is byte-identical to a full build.
"""

import gc
import glob
import logging
import os
import shutil
import tempfile
from pathlib import Path

from . import build_cache, incremental, output_folder, patch_build, search_shards, shared_work
from .errors import RecordsInvalid
from .generator import providers_path, search_is_split, shared_open_data, shared_records, shared_search_files
from .jsontext import write_files

logger = logging.getLogger(__name__)


def build_site(settings_file: Path, output: Path, overrides: dict | None = None, ahead=None) -> Path:
    """Build the site described by `settings_file` into `output`; return `output`. `ahead`: what
    patch_build.look_ahead started for `output`, if anything.

    Raises RecordsInvalid when provider records have errors, or whatever Pelican raised; in both cases
    `output` is untouched.
    """
    from pelican import Pelican
    from pelican.settings import read_settings

    output = Path(output).resolve()
    try:
        base = read_settings(str(settings_file), override=dict(overrides or {}))
        output_folder.check(output, _sources(base, settings_file))  # before anything is written
        patch_build.finish_journal(output)  # a patch cut short is finished first
        build_key = incremental.build_key(settings_file, overrides or {}, base)
        if output.exists() and patch_build.try_patch(settings_file, output, overrides or {}, build_key, ahead):
            return output  # only a few records' own pages changed: patched in place (patch_build.py)
    finally:
        if ahead is not None:
            ahead.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".%s.building-" % output.name, dir=output.parent))
    # What the editions make once and share (shared_files.py); never part of the site
    shared_dir = Path(tempfile.mkdtemp(prefix=".%s.shared-" % output.name, dir=output.parent))
    session = incremental.current = incremental.Session(output, build_key)
    try:
        editions = list(_editions(base, staging))
        records = shared_records(base)  # read and validated once, before anything is rendered
        gc.freeze()  # the records are kept, unchanged, by the edition processes forked from here: keep them shared
        limit = base.get("IOP_CONCURRENT_EDITIONS_MAX_RECORDS", CONCURRENT_EDITIONS_MAX_RECORDS)
        concurrent = len(editions) > 1 and len(records) <= limit and shared_work.can_fork()
        # Side by side, the search files every edition shares are made here while the editions render, and written
        # into each edition's folder; then the open data they share (alongside, below).
        shared_search = concurrent and search_is_split(base, records)
        runs = []
        for edition_overrides, edition_output in editions:
            settings = read_settings(str(settings_file), override={
                **(overrides or {}),
                **edition_overrides,
                "OUTPUT_PATH": str(edition_output),
                "DELETE_OUTPUT_DIRECTORY": False,
                "CACHE_CONTENT": False,
                "LOAD_CONTENT_CACHE": False,
                "IOP_SHARED_SEARCH_FILES_WRITTEN_BY_BUILD": shared_search,
                "IOP_OPEN_DATA_MADE_BY_BUILD": concurrent,
                "IOP_SHARED_WORK_DIR": str(shared_dir),
                # compiled templates kept for the next build and for one-record patches (patch_build.py)
                "JINJA_ENVIRONMENT": {**base.get("JINJA_ENVIRONMENT", {}), "bytecode_cache": build_cache.template_cache(
                    session.key, edition_overrides.get("DEFAULT_LANG", "en"))},
            })
            runs.append(lambda settings=settings: Pelican(settings).run())

        def alongside():
            """What this process does while the editions built side by side render (a core would otherwise wait
            for the files every edition shares, or one edition make them while the others have finished)."""
            if shared_search:
                files = shared_search_files(base, records)
                for _, edition_output in editions:
                    write_files(edition_output, files)
            shared_open_data(base, records, shared_dir)

        _build_editions(runs, session, concurrent, alongside=alongside if concurrent else None)
        output_folder.stamp(staging)
        session.finish(staging)
        session.forget()
        patch_build.forget(output)  # no state that could describe the site being replaced
        _swap_into_place(staging, output, pages=len(session.pages))
        session.save()
        if search_is_split(base, records):  # what a later patch needs (large directories only)
            patch_build.record_state(output, session.key, base, records, providers_path(base).resolve(), shared_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(shared_dir, ignore_errors=True)
        incremental.current = None
        gc.unfreeze()
    return output


def _sources(settings: dict, settings_file: Path):
    """The paths a build reads, which its output folder must never hold."""
    from .generator import providers_path
    from .paths import REPO_ROOT

    paths = [Path(settings_file), providers_path(settings), REPO_ROOT / "theme", REPO_ROOT / "plugins"]
    if settings.get("PATH"):
        paths.append(Path(settings["PATH"]))
    return paths


# Up to this many records the language editions are built at the same time, one process each (each renders its
# pages alone); above it one after another, each sharing its pages between two processes (shared_work.py). At
# small sizes an edition's serial steps (views, page keys, Pelican's own start) leave a core idle that another
# edition can use; at large sizes editions side by side would hold two editions' views and pages in memory.
CONCURRENT_EDITIONS_MAX_RECORDS = 3_000


def _build_editions(runs, session, concurrent=False, alongside=None):
    """Run each language edition's Pelican build in a forked process, so its memory is returned when it ends
    (issue 8); all at once when `concurrent` (then `alongside`, if given, runs here meanwhile), else one after
    another.

    Each edition's views, pages and data files are its own; only the records (read before) are shared. What the
    page manifest and later editions need comes back through a pipe: the pages the edition recorded and the
    search postings it computed (the same for every edition). An error in an edition is raised again here, once
    every edition process has ended.
    """
    if not shared_work.can_fork():
        for run in runs:
            run()
        return
    if not concurrent:
        for run in runs:
            _finish_edition(_start_edition(run, session, alone=False), session)
        return
    started = [_start_edition(run, session, alone=True) for run in runs]
    errors = []
    try:
        if alongside is not None:
            alongside()
    except BaseException as exc:  # noqa: BLE001 - raised once every edition process has ended
        errors.append(exc)
    for edition in started:
        try:
            _finish_edition(edition, session)
        except BaseException as exc:  # noqa: BLE001 - the others are waited for first
            errors.append(exc)
    if errors:
        raise errors[0]


def _start_edition(run, session, alone):
    """Fork the process that runs one edition (shared_work.start); return its handle.

    `alone`: the edition renders its pages in its own process only (the other cores build other editions).
    What the page manifest and later editions need comes back: the pages it recorded and the search postings.
    """
    def edition():
        session.start_forked()  # report this edition's pages only; the parent adds them up
        if alone:
            shared_work.use_one_process()
        run()
        return session.forked_state(), search_shards.shared_state()

    return shared_work.start(edition)


def _finish_edition(started, session):
    """Wait for an edition's process and take its result; raise its error."""
    pages, postings = shared_work.finish(started)
    session.add_forked_state(pages)
    search_shards.set_shared_state(postings)


def _editions(base: dict, staging: Path):
    """Yield (settings overrides, output folder) for each language edition (IOP_EDITIONS, issue 9).

    The first edition is the site root; every other one is a full build of the same site into <root>/<lang>/,
    with DEFAULT_LANG, SITEURL and its translated pages (content/<lang>/pages) set for it. All editions go into
    the same staging folder, so one swap publishes them together. `base`: the settings as read for the build.
    """
    editions = base.get("IOP_EDITIONS") or [base.get("DEFAULT_LANG", "en")]
    root_url = (base.get("SITEURL") or "").rstrip("/")
    common = {"IOP_EDITIONS": list(editions), "IOP_ROOT_SITEURL": root_url}
    for i, lang in enumerate(editions):
        if i == 0:
            yield {**common, "DEFAULT_LANG": lang, "IOP_EDITION_PATH": ""}, staging
            continue
        from .generator import translations_for

        translate = translations_for(lang).gettext  # SITENAME and SITE_DESCRIPTION are marked in pelicanconf.py
        edition = {**common, "DEFAULT_LANG": lang, "IOP_EDITION_PATH": "/" + lang,
                   "SITENAME": translate(base["SITENAME"]),
                   "SITE_DESCRIPTION": translate(base.get("SITE_DESCRIPTION", "")),
                   "SITEURL": "%s/%s" % (root_url, lang) if root_url else ""}
        translated = Path(base["PATH"]) / lang
        if translated.is_dir():
            edition["PATH"] = str(translated)
        yield edition, staging / lang


BACKGROUND_REMOVAL_PAGES = 10_000  # deleting a retired site of 60,000 files took ~8 s; the build need not wait


def _swap_into_place(staging: Path, output: Path, pages: int = 0):
    # Two renames on one file system: the old site is replaced in one step, never emptied first.
    os.chmod(staging, 0o755)
    for leftover in output.parent.glob(".%s.old-*" % glob.escape(output.name)):  # from a removal cut short (machine stopped)
        shutil.rmtree(leftover, ignore_errors=True)
    retired = None
    if output.exists():
        retired = Path(tempfile.mkdtemp(prefix=".%s.old-" % output.name, dir=output.parent))
        retired.rmdir()
        output.rename(retired)
    staging.rename(output)
    if retired:
        _remove(retired, background=pages >= BACKGROUND_REMOVAL_PAGES)


def _remove(folder: Path, background: bool):
    """Delete a retired site; for large sites in a detached process, so the build returns at once."""
    if background and shared_work.can_fork():
        child = shared_work.fork()
        if child == 0:  # fork again and leave: the grandchild is nobody's child to wait for
            try:
                if os.fork() == 0:
                    os.setsid()
                    # Let go of the caller's terminal and pipes: whoever reads `iop build`'s output (make, CI,
                    # the bench) would otherwise wait for the removal as if it were part of the build.
                    null = os.open(os.devnull, os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(null, fd)
                    shutil.rmtree(folder, ignore_errors=True)
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        return
    shutil.rmtree(folder, ignore_errors=True)


__all__ = ["build_site", "RecordsInvalid"]
