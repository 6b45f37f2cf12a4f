"""The one way data files and inline JSON are serialised: deterministic, compact and safe inside HTML."""

import json
import logging
import os

logger = logging.getLogger(__name__)


def json_dumps(data) -> str:
    """Serialise data deterministically and safe to embed in HTML (no raw <, >, & or line separators)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def write_files(folder, files):
    """Write {path: data} or (path, data) pairs under `folder`: text as it is, anything else as JSON (json_dumps),
    one file at a time."""
    made_dirs = set()
    folder = os.fspath(folder)
    for relative_path, data in (sorted(files.items()) if isinstance(files, dict) else files):
        path = os.path.join(folder, relative_path)  # strings, not pathlib: thousands of small files an edition
        parent = os.path.dirname(path)
        if parent not in made_dirs:  # thousands of files share a few folders: one mkdir each
            os.makedirs(parent, exist_ok=True)
            made_dirs.add(parent)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(data if isinstance(data, str) else json_dumps(data))
        logger.info('Writing "%s"', path)
        del data  # not held while the next file is made
