"""Write provider records as commented YAML: every schema field, in schema order, with its description.

The comments come from providers/schema.json (`description`), so the schema stays the one place the record
format is declared. Used by `iop new` and `iop import`.
"""

import datetime
import json
import re
import textwrap

import yaml

from .records import load_schema

SCHEMA_COMMENT = "# yaml-language-server: $schema=schema.json"
PLAIN = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # vocabulary slugs and ids need no quotes
WIDTH = 100


def scalar(value) -> str:
    """Return `value` as a YAML flow scalar or flow list that reads back as the same value."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[%s]" % ", ".join(scalar(v) for v in value)
    if isinstance(value, dict):
        return "{%s}" % ", ".join("%s: %s" % (k, scalar(v)) for k, v in value.items())
    text = str(value)
    if PLAIN.match(text) and text not in ("null", "true", "false", "yes", "no", "on", "off", "y", "n") \
            and not re.fullmatch(r"[0-9-]+", text):
        return text
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text  # dates stay plain, as in every hand-written record
    if _plain_safe(text):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def _plain_safe(text: str) -> bool:
    """Whether `text` reads back as itself when written without quotes, also inside a flow list."""
    if re.match(r"[0-9(+]", text):
        return False  # ZIPs, times and phone numbers are quoted, as the schema asks
    if not text or text != text.strip() or re.search(r"[,\[\]{}#\n\t\"]|: |:$", text):
        return False
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def _comment(text: str, indent: str = "") -> list:
    return [indent + "# " + line for line in textwrap.wrap(text, WIDTH - len(indent) - 2)] if text else []


def _item_lines(item: dict, item_schema: dict, indent: str) -> list:
    """Lines of one list item (a mapping) in block style, each field commented on first use."""
    properties = item_schema.get("properties", {})
    lines, first = [], True
    keys = [k for k in properties if k in item] + [k for k in item if k not in properties]
    for key in keys:
        prefix = indent + ("- " if first else "  ")
        description = properties.get(key, {}).get("description", "")
        comment = ("  # " + description) if description else ""
        lines.append("%s%s: %s%s" % (prefix, key, scalar(item[key]), comment))
        first = False
    return lines


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return schema["$defs"][ref[len("#/$defs/"):]]
    return node


def _items_schema(schema: dict, field_schema: dict):
    items = field_schema.get("items")
    return _resolve(schema, items) if isinstance(items, dict) else None


def render(data: dict, header=(), schema: dict | None = None) -> str:
    """Return the YAML text of a record: header lines, then every schema field (missing ones as null)."""
    schema = schema or load_schema()
    lines = [*header, SCHEMA_COMMENT]
    properties = schema["properties"]
    keys = list(properties) + [k for k in data if k not in properties]
    for key in keys:
        field_schema = properties.get(key, {})
        if key not in data and "null" not in _types(schema, field_schema):
            continue  # optional fields that cannot be null (id, added) are only written when given
        value = data.get(key)
        lines.append("")
        lines.extend(_comment(field_schema.get("description", "")))
        items = _items_schema(schema, field_schema)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and items is not None:
            lines.append("%s:" % key)
            for item in value:
                lines.extend(_item_lines(item, items, "  "))
        else:
            if value is None and items is not None and items.get("type") == "object":
                lines.extend(_example(items))
            lines.append("%s: %s" % (key, scalar(value)))
    return "\n".join(lines).lstrip("\n") + "\n"


def _types(schema, field_schema) -> set:
    found = set()
    for option in [field_schema, *field_schema.get("oneOf", []), *field_schema.get("anyOf", [])]:
        option = _resolve(schema, option)
        kind = option.get("type")
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
        if None in option.get("enum", []):
            found.add("null")
    return found


def _example(item_schema: dict) -> list:
    """Comment lines showing the fields of one list item, to copy when the facts are known."""
    lines = ["# To fill in, replace null with a list of entries with these fields:"]
    first = True
    for key, spec in item_schema.get("properties", {}).items():
        prefix = "#   - " if first else "#     "
        lines.append("%s%s: ...  # %s" % (prefix, key, spec.get("description", "")))
        first = False
    return lines
