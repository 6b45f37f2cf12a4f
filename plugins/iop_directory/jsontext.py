"""The one way data files and inline JSON are serialised: deterministic, compact and safe inside HTML."""

import json


def json_dumps(data) -> str:
    """Serialise data deterministically and safe to embed in HTML (no raw <, >, & or line separators)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
