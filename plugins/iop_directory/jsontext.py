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


class EncodedList:
    """A JSON array whose items are kept as their json_dumps text (a quarter of their memory as Python objects).

    For the national-size data files (20,000 providers: tens of MB each). Items are encoded when added, so they
    must be complete then. json_chunks writes it exactly as json_dumps would write the list.
    """

    __slots__ = ("texts",)

    def __init__(self, items=()):
        self.texts = [json_dumps(item) for item in items]

    def append(self, item):
        self.texts.append(json_dumps(item))

    def extend(self, items):
        self.texts.extend(json_dumps(item) for item in items)

    def __len__(self):
        return len(self.texts)


class EncodedText:
    """Text already encoded (JSON, CSV, XML), as an iterable of pieces: written as it comes (write_files)."""

    __slots__ = ("pieces",)

    def __init__(self, pieces):
        self.pieces = pieces


def json_chunks(data):
    """Yield json_dumps(data) in pieces, the same text in the end: EncodedLists as their encoded items, and the
    dicts and lists around them item by item (so a large file is never one string in memory); anything without an
    EncodedList inside is encoded whole (one C-encoder call, not one per value)."""
    if isinstance(data, EncodedList):
        yield "["
        for i, text in enumerate(data.texts):
            yield "," + text if i else text
        yield "]"
    elif not _holds_encoded(data):
        yield json_dumps(data)
    elif isinstance(data, dict):
        yield "{"
        for i, key in enumerate(sorted(data)):
            yield ("," if i else "") + json_dumps(key) + ":"
            yield from json_chunks(data[key])
        yield "}"
    else:
        yield "["
        for i, item in enumerate(data):
            if i:
                yield ","
            yield from json_chunks(item)
        yield "]"


def _holds_encoded(data, depth=0):
    """Whether an EncodedList is `data` or among its values down to two levels (where the data files keep them)."""
    if isinstance(data, EncodedList):
        return True
    if depth >= 2 or not isinstance(data, (dict, list, tuple)):
        return False
    values = data.values() if isinstance(data, dict) else data
    return any(_holds_encoded(value, depth + 1) for value in values
               if isinstance(value, (EncodedList, dict, list, tuple)))


def text_pieces(data):
    """The text of one data file in pieces: text as it is, an EncodedText's pieces, anything else as JSON."""
    if isinstance(data, str):
        return [data]
    return data.pieces if isinstance(data, EncodedText) else json_chunks(data)


def write_files(folder, files, made_dirs=None):
    """Write {path: data} or (path, data) pairs under `folder`: text, EncodedText, or else JSON in pieces
    (json_chunks). `made_dirs`: a set of folders known to exist, kept between calls."""
    made_dirs = set() if made_dirs is None else made_dirs
    folder = os.fspath(folder)
    for relative_path, data in (sorted(files.items()) if isinstance(files, dict) else files):
        path = os.path.join(folder, relative_path)  # strings, not pathlib: thousands of small files an edition
        parent = os.path.dirname(path)
        if parent not in made_dirs:  # thousands of files share a few folders: one mkdir each
            os.makedirs(parent, exist_ok=True)
            made_dirs.add(parent)
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(text_pieces(data))
        logger.info('Writing "%s"', path)
        del data  # not held while the next file is made
