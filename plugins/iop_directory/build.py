"""Build the site with Pelican into a temporary folder and swap it into place only when it succeeded.

A failed build therefore never leaves a half-written output folder: the previous site stays as it was.
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

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
    try:
        settings = read_settings(str(settings_file), override={
            **(overrides or {}),
            "OUTPUT_PATH": str(staging),
            "DELETE_OUTPUT_DIRECTORY": False,
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
        })
        Pelican(settings).run()
        _swap_into_place(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return output


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
