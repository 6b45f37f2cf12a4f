"""Build the site: records -> views -> outputs -> pages, one Pelican run per language edition, into a staging
folder that replaces the output in one step only when every edition succeeded (output_folder.py).

The records are read and validated once, and what every edition shares (site_data.SiteData: the records, the
search data that does not depend on the language, the base map) is made once and handed to each edition's
generator. The editions are built in forked processes, all at once on a machine with two cores or more: each
edition's views and pages are its own, and its memory is returned when it ends. A failed build leaves the
previous site as it was.
"""

import logging
import os
import pickle
import sys
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

from . import output_folder
from .errors import RecordsInvalid
from .paths import REPO_ROOT
from .site_data import SiteData, providers_path
from .translations import translations_for

logger = logging.getLogger(__name__)


class Edition(Pelican):
    """One language edition's Pelican run, with the build's shared data for the directory's generator
    (generator.get_generators reads it)."""

    def __init__(self, settings, site: SiteData):
        self.iop_site = site
        super().__init__(settings)


def build_site(settings_file: Path, output: Path, overrides: dict | None = None) -> Path:
    """Build the site described by `settings_file` into `output`; return `output`.

    Raises OutputRefused (nothing written), RecordsInvalid when provider records have errors, or whatever
    Pelican raised; in every case `output` is as it was.
    """
    output = Path(output).resolve()
    overrides = dict(overrides or {})
    base = read_settings(str(settings_file), override=overrides)
    output_folder.clear_leftovers(output)  # what a killed build left; a missing output is restored first
    output_folder.check(output, _sources(base, settings_file))  # before anything is written
    site = SiteData(base)  # read and validated once, before anything is rendered
    site.search_files, site.filter_documents, site.map_svg  # noqa: B018 - made once here, not in each edition
    staging = output_folder.Staging(output)
    try:
        editions = [read_settings(str(settings_file), override={
            **overrides, **edition, "OUTPUT_PATH": str(folder), "DELETE_OUTPUT_DIRECTORY": False,
            "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False}) for edition, folder in _editions(base, staging.path)]
        run_all([lambda settings=settings: Edition(settings, site).run() for settings in editions])
        staging.publish()
    except BaseException:
        staging.discard()
        raise
    return output


def _sources(settings: dict, settings_file: Path):
    """The paths a build reads, which its output folder must never hold."""
    paths = [Path(settings_file), providers_path(settings), REPO_ROOT / "theme", REPO_ROOT / "plugins"]
    if settings.get("PATH"):
        paths.append(Path(settings["PATH"]))
    return paths


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
        translate = translations_for(lang).gettext  # SITENAME and SITE_DESCRIPTION are marked in pelicanconf.py
        edition = {**common, "DEFAULT_LANG": lang, "IOP_EDITION_PATH": "/" + lang,
                   "SITENAME": translate(base["SITENAME"]),
                   "SITE_DESCRIPTION": translate(base.get("SITE_DESCRIPTION", "")),
                   "SITEURL": "%s/%s" % (root_url, lang) if root_url else ""}
        translated = Path(base["PATH"]) / lang
        if translated.is_dir():
            edition["PATH"] = str(translated)
        yield edition, staging / lang


def run_all(jobs):
    """Call every job, each in a forked process and all at once, when the machine can fork and has two cores or
    more (three editions on two cores end sooner side by side than two then one: 1.86 s against 2.10 s at 400
    records). The first error is raised here once every process has ended, as one clear error (cli.py prints it
    as a line), never as a child's traceback."""
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork") or len(jobs) < 2:
        for job in jobs:
            job()
        return
    started = [_start(job) for job in jobs]
    errors = [error for process in started for error in _finish(process)]
    if errors:
        raise errors[0]


def _start(job):
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        try:
            job()
            payload = None
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            try:
                payload = pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled: its text will do
                payload = pickle.dumps(RuntimeError("%s: %s" % (type(exc).__name__, exc)))
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload or b"")
        finally:
            os._exit(0)
    os.close(write_end)
    return child, read_end


def _finish(started):
    """Wait for a process of _start; return [its error] or []."""
    child, read_end = started
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(child, 0)
    if payload:
        try:
            return [pickle.loads(payload)]
        except Exception:  # noqa: BLE001
            return [RuntimeError("a build process failed")]
    if status:
        return [RuntimeError("a build process ended without finishing its edition")]
    return []


__all__ = ["build_site", "RecordsInvalid", "run_all"]
