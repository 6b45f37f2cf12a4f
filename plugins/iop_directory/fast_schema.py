"""A compiled yes/no schema check (fastjsonschema) in front of jsonschema, for large directories (issue 8).

jsonschema takes about 0.6 ms per record, half of validating a cold 20,000-record build. fastjsonschema turns the
same schema into Python code that answers "valid?" about ten times faster; jsonschema still runs on every record
it does not accept, and only jsonschema's errors are ever shown. So the compiled check only has to agree with
jsonschema on what is valid: it may reject more (then jsonschema decides), never less. The tests compare the
two on every fixture, real and broken, and on generated variants of valid records.

The schema's own keywords (x-vocabulary, x-url, ...) and its formats become one custom format per node that runs
the very checks jsonschema runs (records.custom_keyword_checks, and jsonschema's own format checker).
"""

import logging

logger = logging.getLogger(__name__)

_SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")


def compile_check(schema: dict, checks: dict, format_checker):
    """Return is_valid(data) -> bool for `schema` with the custom keyword `checks`; a check that always says
    False (so jsonschema decides everything) if fastjsonschema is missing or cannot compile the schema."""
    try:
        import fastjsonschema
    except ImportError:
        return lambda data: False
    formats = {}
    try:
        validate = fastjsonschema.compile(_converted(schema, checks, format_checker, formats), formats=formats,
                                          use_default=False)
    except Exception as exc:  # noqa: BLE001 - an unsupported schema only costs speed
        logger.debug("fastjsonschema cannot compile the schema (%s); jsonschema checks every record", exc)
        return lambda data: False

    def is_valid(data) -> bool:
        try:
            validate(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


def _converted(node, checks, format_checker, formats, schema_map=False):
    """`node` with custom keywords and formats folded into one named format per schema node (draft 7 wording,
    which fastjsonschema speaks; the schema uses nothing draft 2020-12 changed)."""
    if isinstance(node, list):
        return [_converted(v, checks, format_checker, formats) for v in node]
    if not isinstance(node, dict):
        return node
    if schema_map:  # property names -> schemas: the names are data, not keywords
        return {name: _converted(v, checks, format_checker, formats) for name, v in node.items()}
    out = {}
    own = []
    for key, value in node.items():
        if key in ("$schema", "$id"):
            continue
        if key in checks:
            own.append((checks[key], value))
        elif key == "format":
            own.append((lambda instance, name: None if format_checker.conforms(instance, name) else "format", value))
        else:
            out[key] = _converted(value, checks, format_checker, formats, schema_map=key in _SCHEMA_MAPS)
    if own:
        name = "check-%d" % len(formats)
        # fastjsonschema calls a format only for strings; every check here ignores anything else too
        formats[name] = lambda instance, own=tuple(own): not any(check(instance, value) for check, value in own)
        out["format"] = name
    return out

