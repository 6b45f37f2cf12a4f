"""Babel extractor for words that live in YAML data rather than in templates or Python (issue 9).

Registered in babel.cfg. Extracts the display names of the vocabularies (providers/vocabulary/*.yaml; the
languages vocabulary is left out because it carries CLDR names as name_es/name_pt) and the texts of
content/levels-of-care.yaml that the levels page passes through gettext.
"""

from pathlib import Path

import yaml

VOCABULARY_SKIP = {"languages.yaml", "place-aliases.yaml"}


def _levels_of_care(data):
    for row in data.get("rows") or ():
        yield row["label"]
    for level in data.get("levels") or ():
        yield level["name"]
        if level.get("summary"):
            yield level["summary"]
        for cell in (level.get("cells") or {}).values():
            for key in ("text", "note"):
                if cell.get(key):
                    yield str(cell[key])
    for fact in data.get("medicare_iop") or ():
        yield fact["text"]
    for source in (data.get("sources") or {}).values():
        yield source["citation"]


def yaml_messages(path, data):
    """Return the translatable strings of one YAML file, in file order."""
    name = Path(path).name
    if name == "levels-of-care.yaml":
        return list(_levels_of_care(data))
    if name in VOCABULARY_SKIP or not isinstance(data, dict):
        return []
    return [entry["name"] for entry in data.values() if isinstance(entry, dict) and entry.get("name")]


def extract_yaml(fileobj, keywords, comment_tags, options):
    """Babel extraction method: yield (lineno, funcname, message, comments)."""
    text = fileobj.read().decode("utf-8")
    data = yaml.safe_load(text) or {}
    lines = text.splitlines()
    seen = set()
    for message in yaml_messages(getattr(fileobj, "name", ""), data):
        if message in seen:
            continue
        seen.add(message)
        lineno = next((i for i, line in enumerate(lines, 1) if message in line), 0)
        yield lineno, "_", message, []
