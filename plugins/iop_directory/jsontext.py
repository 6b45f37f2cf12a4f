"""The one way data files and inline JSON are serialised: deterministic, compact and safe inside HTML."""

import json


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


def json_chunks(data, depth=0):
    """Yield json_dumps(data) in pieces, the same text in the end: the outer dicts and lists item by item (so a
    large file is never one string in memory) and EncodedLists as their encoded items."""
    if isinstance(data, EncodedList):
        yield "["
        for i, text in enumerate(data.texts):
            yield "," + text if i else text
        yield "]"
    elif depth < 2 and isinstance(data, dict):
        yield "{"
        for i, key in enumerate(sorted(data)):
            yield ("," if i else "") + json_dumps(key) + ":"
            yield from json_chunks(data[key], depth + 1)
        yield "}"
    elif depth < 2 and isinstance(data, list):
        yield "["
        for i, item in enumerate(data):
            if i:
                yield ","
            yield from json_chunks(item, depth + 1)
        yield "]"
    else:
        yield json_dumps(data)
