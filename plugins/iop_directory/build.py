"""Build the site with Pelican into a temporary folder and swap it into place only when it succeeded.

A failed build therefore never leaves a half-written output folder: the previous site stays as it was.
Pages whose inputs did not change since the previous build into the same output are hard-linked from it
instead of rendered (incremental.py); the result is byte-identical to a full build.
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

from . import incremental
from .errors import RecordsInvalid

logger = logging.getLogger(__name__)


def build_site(settings_file: Path, output: Path, overrides: dict | None = None) -> Path:
    """Build the site described by `settings_file` into `output`; return `output`.

    Raises RecordsInvalid when provider records have errors, or whatever Pelican raised; in both cases
    `output` is untouched.
    """
    from pelican import Pelican
    from pelican.settings import read_settings

    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".%s.building-" % output.name, dir=output.parent))
    session = incremental.current = incremental.Session(settings_file, output, overrides or {})
    try:
        for edition_overrides, edition_output in _editions(settings_file, overrides or {}, staging):
            settings = read_settings(str(settings_file), override={
                **(overrides or {}),
                **edition_overrides,
                "OUTPUT_PATH": str(edition_output),
                "DELETE_OUTPUT_DIRECTORY": False,
                "CACHE_CONTENT": False,
                "LOAD_CONTENT_CACHE": False,
            })
            Pelican(settings).run()
        session.finish(staging)
        session.forget()
        _swap_into_place(staging, output)
        session.save()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        incremental.current = None
    return output


def _editions(settings_file: Path, overrides: dict, staging: Path):
    """Yield (settings overrides, output folder) for each language edition (IOP_EDITIONS, issue 9).

    The first edition is the site root; every other one is a full build of the same site into <root>/<lang>/,
    with DEFAULT_LANG, SITEURL and its translated pages (content/<lang>/pages) set for it. All editions go into
    the same staging folder, so one swap publishes them together.
    """
    from pelican.settings import read_settings

    base = read_settings(str(settings_file), override=dict(overrides))
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


def _swap_into_place(staging: Path, output: Path):
    # Two renames on one file system: the old site is replaced in one step, never emptied first.
    os.chmod(staging, 0o755)
    retired = None
    if output.exists():
        retired = Path(tempfile.mkdtemp(prefix=".%s.old-" % output.name, dir=output.parent))
        retired.rmdir()
        output.rename(retired)
    staging.rename(output)
    if retired:
        shutil.rmtree(retired, ignore_errors=True)


__all__ = ["build_site", "RecordsInvalid"]
