"""Merge an imported draft into the provider record that already exists (`iop import --update`).

An import knows less than a maintained record: a field the export leaves empty says "this export does not
know", not "nobody knows". So only what the import knows replaces the record's value; everything else, and
every source the record already cites, is kept. What changed is returned so the maintainer can check it.
"""

from dataclasses import dataclass, field

from .new_record import scalar

SHOWN = 70  # characters of an old or new value shown in a change line
LOOSE = ("note", "notes")  # an import's own remark on an entry ("Imported from ...; verify"), not a fact


def known(value) -> bool:
    return value is not None and value != [] and value != ""


@dataclass
class Merge:
    data: dict
    changed: list = field(default_factory=list)  # (field, old value, new value)
    kept: list = field(default_factory=list)  # fields the import leaves unknown and the record knows

    @property
    def adds_nothing(self) -> bool:
        return not self.changed


def merge(existing: dict, draft: dict, source: dict) -> Merge:
    """Return `existing` updated with what `draft` knows, citing `source` among the record's own sources.

    `last_verified` is not touched here: the caller dates the draft, which a maintainer must verify anyway.
    """
    data = dict(existing)
    result = Merge(data)
    for key in [*existing, *(k for k in draft if k not in existing)]:
        if key in ("sources", "last_verified"):
            continue
        value = _keeping_richer_items(draft.get(key), existing.get(key))
        if not known(value):
            if known(existing.get(key)):
                result.kept.append(key)
        elif existing.get(key) != value:
            result.changed.append((key, existing.get(key), value))
            data[key] = value
    data["sources"] = _with_source(existing.get("sources"), source)
    return result


def _keeping_richer_items(value, old):
    """A list of entries (locations, tracks) from the import, each replaced by the record's own entry when that
    one already states every fact the import gives: the record's entry may say more (a note citing its source,
    a level of care) that the export cannot."""
    if not isinstance(value, list) or not isinstance(old, list):
        return value
    return [next((o for o in old if _states_all(o, item)), item) if isinstance(item, dict) else item
            for item in value]


def _states_all(entry, item: dict) -> bool:
    return isinstance(entry, dict) and all(entry.get(k) == v for k, v in item.items()
                                           if known(v) and k not in LOOSE)


def _with_source(sources, source: dict) -> list:
    """The record's sources with `source` added, or its `accessed` date renewed if it is already cited."""
    merged = [dict(s) if isinstance(s, dict) else s for s in sources] if isinstance(sources, list) else []
    for entry in merged:
        if isinstance(entry, dict) and entry.get("url") == source["url"]:
            entry.update({k: v for k, v in source.items() if k == "accessed" or k not in entry})
            return merged
    return merged + [dict(source)]


def hand_comments(old_text: str, new_text: str) -> list:
    """Whole-line comments of `old_text` that `new_text` (the standard layout) does not write again, apart from
    the DRAFT line, which every import writes anew."""
    ours = {line.strip() for line in new_text.splitlines() if line.strip().startswith("#")}
    return [line.strip() for line in old_text.splitlines()
            if line.strip().startswith("#") and line.strip() not in ours and not line.startswith("# DRAFT")]


def shown(value) -> str:
    """A value as it reads in the record, cut to one short line."""
    return cut(scalar(value))


def cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN - 3] + "..."
