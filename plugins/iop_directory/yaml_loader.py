"""Parse one YAML record into plain Python data plus the line/column of every field.

PyYAML alone is not enough for records maintainers edit by hand: it silently keeps the last of two duplicate
keys, expands aliases without limit and builds arbitrary objects from tags. This loader composes the node tree
with those features refused, then builds the data itself so every value keeps its position.
"""

import re

import yaml

MAX_BYTES = 512 * 1024
MAX_DEPTH = 32

# Plain scalars under these keys keep their source text: an unquoted ZIP like 01605 would otherwise become
# the octal number 901 and a time like 9:30 the sexagesimal number 570.
RAW_TEXT_KEYS = frozenset({"zip", "start", "end", "phone"})

_STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


class YamlProblem(Exception):
    """A record that cannot be read as YAML; line and column are 1-based."""

    def __init__(self, message, line=1, column=1, hint="", path=()):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        self.path = path  # the field it is in, when known


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases and deep nesting while composing."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise YamlProblem(
                "aliases (*%s) are not allowed in provider records" % event.anchor,
                mark.line + 1, mark.column + 1, "write the value out in full")
        if getattr(event, "anchor", None):
            raise YamlProblem(
                "anchors (&%s) are not allowed in provider records" % event.anchor,
                mark.line + 1, mark.column + 1, "remove the anchor and write values out in full")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlProblem(
                "nesting is deeper than %d levels" % MAX_DEPTH, mark.line + 1, mark.column + 1,
                "a provider record is at most a few levels deep; check the indentation")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def too_large(size: int) -> "YamlProblem":
    return YamlProblem("file is %d bytes; a provider record is at most %d bytes" % (size, MAX_BYTES),
                       hint="a record holds one provider; move long text out or split the file")


def decode(raw: bytes) -> str:
    """Return the text of a record file, or raise YamlProblem for size, BOM or encoding trouble."""
    if len(raw) > MAX_BYTES:
        raise too_large(len(raw))
    if raw.startswith(b"\xef\xbb\xbf"):
        raise YamlProblem(
            "file starts with a byte-order mark (BOM)",
            hint="save the file as UTF-8 without BOM")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(
            "byte 0x%02x is not valid UTF-8" % raw[exc.start], line, column,
            "save the file as UTF-8") from None


_UNCLOSED = {"while scanning a quoted scalar": "the quoted text", "while parsing a flow sequence": "the [ list",
             "while parsing a flow mapping": "the { mapping", "while scanning a double-quoted": "the quoted text"}


def _syntax_problem(exc: yaml.YAMLError) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    hint = "check the indentation and quoting on this line"
    unclosed = next((what for start, what in _UNCLOSED.items() if context.startswith(start)), None)
    if getattr(exc, "context_mark", None) and unclosed and ("end of stream" in problem or "flow" in context):
        # found only where the file (or the next line) goes on without closing it: say where it was opened
        mark = exc.context_mark
        problem, hint = "%s opened here is not closed" % unclosed, "close it on this line"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if "\t" in problem or "'\\t'" in problem:
        hint = "indent with spaces, not tabs"
    elif "expected <document end>" in problem or "but found another document" in str(exc):
        hint = "a record is one YAML document; remove the extra '---'"
    return YamlProblem("YAML syntax error: %s" % problem, line, column, hint)


def _reader_problem(exc, text) -> YamlProblem:
    position = max(0, min(exc.position, len(text)))
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return YamlProblem("character U+%04X is not allowed in YAML" % exc.character, line, column,
                       "remove the control character; records are plain UTF-8 text")


def parse(text: str):
    """Return (data, positions, key_positions) for a YAML document.

    positions maps a field path (a tuple of keys and list indexes) to the (line, column) of its value;
    key_positions maps it to the position of its key. Raises YamlProblem, or the problems found while
    building the data (duplicate keys, tags) as a list in YamlProblems.
    """
    node = _fast_compose(text)
    if node is not None:
        return _build(node)
    try:
        loader = _BoundedLoader(text)
    except yaml.reader.ReaderError as exc:  # raised while the reader first scans the text
        raise _reader_problem(exc, text) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            raise _reader_problem(exc, text) from None
        except yaml.YAMLError as exc:
            raise _syntax_problem(exc) from None
        except RecursionError:
            raise YamlProblem("nesting is too deep", hint="check the indentation") from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlProblem("file is empty", hint="start from `iop new` or copy an existing record")
    return _build(node)


_FAST_MAX_DEPTH = 16


# Where an anchor or alias could be ("&name", "*name"), or an explicit document marker: such a text is composed
# by _checked_compose (events first); any other text cannot hold one, and is composed at once.
_MAYBE_ANCHOR = re.compile(r"[&*]\S")


def _fast_compose(text):
    """Return the node tree composed by libyaml (C), or None when the careful Python path must decide.

    Only an ordinary document takes this path: no anchors, aliases or characters the Python reader refuses,
    shallow nesting and no syntax error. Anything else goes through _BoundedLoader, which gives the exact
    messages; for ordinary documents both produce the same nodes (same resolver, same marks).
    """
    if not getattr(yaml, "__with_libyaml__", False) or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    if _MAYBE_ANCHOR.search(text) or text.startswith("---") or "\n---" in text:
        return _checked_compose(text)
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except Exception:  # noqa: BLE001 - the Python path reports the problem properly
        return None
    return None if node is not None and _deeper_than(node, _FAST_MAX_DEPTH) else node


def _checked_compose(text):
    """_fast_compose for a text that may hold anchors, aliases or document markers: libyaml's events are read
    first, and any of those sends the text to the careful path (twice the parsing; most records never come here)."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return None
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > _FAST_MAX_DEPTH:
                    return None
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent) and getattr(event, "explicit", False):
                return None
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except Exception:  # noqa: BLE001 - the Python path reports the problem properly
        return None


def _deeper_than(node, limit):
    """Whether mappings and sequences nest more than `limit` deep in a composed tree (keys included)."""
    todo = [(node, 1)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            continue
        if depth > limit:
            return True
        todo.extend((child, depth + 1) for child in children)
    return False


def _build(node):
    builder = _Builder()
    data = builder.build(node, ())
    if builder.problems:
        raise YamlProblems(builder.problems, (data, builder.positions, builder.key_positions))
    return data, builder.positions, builder.key_positions


class YamlProblems(Exception):
    """Several problems found while building data from a well-formed YAML tree."""

    def __init__(self, problems, parsed=None):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        # (data, positions, key_positions) built around the problems (the first of two duplicate keys kept, a
        # refused value as None), so the rest of the record can still be checked in the same run
        self.parsed = parsed


class _Builder:
    def __init__(self):
        self.positions = {}
        self.key_positions = {}
        self.problems = []
        self._scalars = yaml.SafeLoader("")

    def _where(self, node):
        return node.start_mark.line + 1, node.start_mark.column + 1

    def build(self, node, path):
        self.positions[path] = self._where(node)
        if node.tag not in _STANDARD_TAGS:
            line, column = self._where(node)
            self.problems.append(YamlProblem(
                "YAML tag %s is not allowed" % node.tag, line, column,
                "remove the tag; records hold plain text, numbers, lists and mappings", path))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node, path):
        result = {}
        first_seen = {}
        for key_node, value_node in node.value:
            line, column = self._where(key_node)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(YamlProblem(
                    "only plain field names are allowed as keys", line, column,
                    "write `field: value`; merge keys (<<) and complex keys are not supported"))
                continue
            key = key_node.value
            if key in first_seen:
                self.problems.append(YamlProblem(
                    "duplicate key '%s' (first at line %d)" % (key, first_seen[key]), line, column,
                    "YAML keeps only the last value, which silently loses data; merge the two into one", path + (key,)))
                continue
            first_seen[key] = line
            self.key_positions[path + (key,)] = (line, column)
            result[key] = self.build(value_node, path + (key,))
        return result

    def _scalar(self, node, path):
        if node.style is not None and node.style not in ("", None):
            return node.value  # quoted or block scalars are text as written
        if path and path[-1] in RAW_TEXT_KEYS and node.tag != "tag:yaml.org,2002:null":
            return node.value
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay ISO text; the schema checks their format
        try:
            return self._scalars.construct_object(node)
        except Exception:  # noqa: BLE001 - any value the constructor refuses (!!bool maybe, 0x_) is the record's fault
            line, column = self._where(node)
            kind = node.tag.rsplit(":", 1)[-1]
            self.problems.append(YamlProblem(
                "%r cannot be read as %s %s" % (node.value, "an" if kind[0] in "aeiou" else "a", kind), line, column,
                "if it is text, put it in quotes; remove any !!%s tag" % kind, path))
            return None
