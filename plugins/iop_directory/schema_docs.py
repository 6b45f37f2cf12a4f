"""Render the record format documentation (docs/record-format.md) from providers/schema.json.

The schema is the one declaration of the record shape; this page is derived from it, and a test fails when
the committed page differs from what this module renders.
"""

from .records import load_schema
from .vocab import VOCABULARY_NAMES, load_vocabularies

HEADER = """# Provider record format

<!-- Generated from providers/schema.json by `iop schema-docs`; do not edit by hand. -->

One YAML file per provider: `providers/<id>.yaml`, where `<id>` is the kebab-case file name. The JSON Schema
`providers/schema.json` declares the format; `iop validate` checks it, and editors that understand
`# yaml-language-server: $schema=schema.json` (the first line of every record) show these descriptions as hints.

**Unknown is not none.** `null` or an omitted field means *unknown*: the site says "Not yet confirmed — ask the
program". An empty list `[]` means the sources confirm there is *none*.
"""


def _type(spec, schema):
    if "$ref" in spec:
        return "`%s` (see below)" % spec["$ref"].split("/")[-1]
    if "oneOf" in spec:
        return " or ".join(_type(option, schema) for option in spec["oneOf"])
    if "enum" in spec:
        return "one of " + ", ".join("`%s`" % ("null" if v is None else v) for v in spec["enum"])
    kinds = spec.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    words = []
    for kind in kinds:
        if kind == "array":
            items = spec.get("items", {})
            if "x-vocabulary" in items:
                words.append("list of `%s` terms" % items["x-vocabulary"])
            elif "enum" in items:
                words.append("list of " + ", ".join("`%s`" % v for v in items["enum"]))
            elif "$ref" in items:
                words.append("list of `%s`" % items["$ref"].split("/")[-1])
            else:
                words.append("list of text")
        elif kind == "null":
            words.append("`null`")
        elif kind == "string" and "x-vocabulary" in spec:
            words.append("a `%s` term" % spec["x-vocabulary"])
        else:
            words.append({"string": "text", "boolean": "`true`/`false`", "number": "number", "object": "mapping"}.get(kind, kind))
    return " or ".join(words)


def _table(properties, required, schema):
    lines = ["| field | required | type | meaning |", "|---|---|---|---|"]
    for name, spec in properties.items():
        description = spec.get("description", "").replace("|", "\\|")
        lines.append("| `%s` | %s | %s | %s |" % (name, "yes" if name in required else "", _type(spec, schema), description))
    return "\n".join(lines)


def render() -> str:
    """Return the Markdown documentation of the record format."""
    schema = load_schema()
    parts = [HEADER, "## Fields\n", _table(schema["properties"], schema.get("required", []), schema), ""]
    for name, definition in schema["$defs"].items():
        if "properties" not in definition:
            continue
        parts += ["## `%s`\n" % name]
        if definition.get("description"):
            parts.append(definition["description"] + "\n")
        parts += [_table(definition["properties"], definition.get("required", []), schema), ""]
    vocabularies = load_vocabularies()
    parts.append("## Vocabularies\n\nTerms are slugs from `providers/vocabulary/<name>.yaml`. They are public: search URLs use them.\n")
    for name in VOCABULARY_NAMES:
        terms = vocabularies[name].terms
        if name == "languages":
            parts.append("- `languages`: ISO 639-1 codes (%d known), e.g. `en`, `es`, `pt`." % len(terms))
        else:
            parts.append("- `%s`: %s" % (name, ", ".join("`%s`" % t.slug for t in terms)))
    parts.append("- insurance categories: %s; as `?insurance=` values: %s" % (
        ", ".join("`%s`" % k for k in vocabularies.payer_categories),
        ", ".join("`%s`" % vocabularies.category_value(k) for k in vocabularies.payer_categories)))
    return "\n".join(parts) + "\n"
