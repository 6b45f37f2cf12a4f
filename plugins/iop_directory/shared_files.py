"""Files that differ between the language editions only in the site's base URL and language code (the open data
under /data/: tens of megabytes at national size, about a tenth of an edition's build time): made once per build
with marks in place of both, kept in the build's shared work folder, and written for each edition with its own
base URL and language filled in. The result is byte for byte what the edition would have made itself.

The marks contain NUL, which no validated record can contain (records.py rejects control characters), so only the
places where the code put a base URL or a language code are replaced. JSON files hold the marks JSON-escaped, CSV
files as they are. An edition whose base URL JSON or CSV would write other than as it is (quotes, commas, spaces)
does not share: it makes its own files, as before.
"""

import contextlib
import marshal
import os
import re
import tempfile
from pathlib import Path

from .jsontext import EncodedText, json_dumps, text_pieces

BASE, LANG = "\x00iop-base\x00", "\x00iop-lang\x00"
_PLAIN_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~:/?#@!$()*+;=%\[\]-]*")
_PLAIN_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_END = None  # after the last piece of a file in the kept stream


def can_share(base: str, lang: str) -> bool:
    return bool(_PLAIN_URL.fullmatch(base) and _PLAIN_LANG.fullmatch(lang))


def edition_files(folder, name, make, base, lang):
    """Yield (path, EncodedText) of the files `make(BASE, LANG)` yields, with `base` and `lang` filled in.

    The first edition to ask makes them and keeps them in `folder` (as `name`); the others read them from there.
    Two editions asking at once both make them (each into its own temporary file, renamed when complete).
    """
    kept = Path(folder) / ("%s.marshal" % name)
    source = _read(kept) if kept.exists() else _make_and_keep(kept, make)
    json_marks = [(json_dumps(BASE)[1:-1], json_dumps(base)[1:-1]), (json_dumps(LANG)[1:-1], json_dumps(lang)[1:-1])]
    raw_marks = [(BASE, base), (LANG, lang)]
    for path, pieces in source:
        marks = raw_marks if path.endswith(".csv") else json_marks
        yield path, EncodedText(_filled(pieces, marks))


def keep(folder, name, make):
    """Make the files of `make(BASE, LANG)` and keep them in `folder` as `name`, for edition_files to fill in."""
    kept = Path(folder) / ("%s.marshal" % name)
    if not kept.exists():
        for _path, pieces in _make_and_keep(kept, make):
            for _ in pieces:
                pass


def _filled(pieces, marks):
    for piece in pieces:
        for mark, value in marks:
            if mark in piece:
                piece = piece.replace(mark, value)
        yield piece


def _read(kept):
    with open(kept, "rb") as handle:
        while True:
            try:
                path = marshal.load(handle)
            except EOFError:
                return
            pieces = _read_pieces(handle)
            yield path, pieces
            for _ in pieces:  # if the reader stopped early, move on to the next file all the same
                pass


def _read_pieces(handle):
    while True:
        piece = marshal.load(handle)
        if piece is _END:
            return
        yield piece


def _make_and_keep(kept, make):
    fd, temp = tempfile.mkstemp(dir=kept.parent, prefix=".making-")
    try:
        with os.fdopen(fd, "wb") as handle:
            for path, data in make(BASE, LANG):
                marshal.dump(path, handle)
                pieces = _keep_pieces(handle, text_pieces(data))
                yield path, pieces
                for _ in pieces:  # keep the whole file even if the reader stopped early
                    pass
        os.replace(temp, kept)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _keep_pieces(handle, pieces):
    for piece in pieces:
        marshal.dump(piece, handle)
        yield piece
    marshal.dump(_END, handle)
