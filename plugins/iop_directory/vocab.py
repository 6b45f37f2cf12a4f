"""The controlled vocabularies (payers, levels, focus, ...) read from providers/vocabulary/."""

import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from .paths import VOCABULARY_DIR

VOCABULARY_NAMES = ("insurance", "levels", "focus", "populations", "modalities", "languages")
# Vocabularies of derived facts rather than record fields: search words for schedule buckets and modes.
DERIVED_VOCABULARY_NAMES = ("schedule",)


@dataclass(frozen=True)
class Term:
    """One vocabulary term: its slug, display name and the other words people use for it."""

    slug: str
    name: str
    aliases: tuple = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


@dataclass(frozen=True)
class Vocabulary:
    """Terms of one vocabulary in file order, with lookups by slug and by alias."""

    name: str
    terms: tuple

    @cached_property
    def _by_slug(self):
        # looked up for every vocabulary value of every record (300,000 times at 20,000 records)
        return {term.slug: term for term in self.terms}

    def __contains__(self, slug):
        try:
            return slug in self._by_slug
        except TypeError:  # an unhashable value in a record (a list where a slug belongs) is no slug
            return False

    def __getitem__(self, slug) -> Term:
        try:
            return self._by_slug[slug]
        except (KeyError, TypeError):
            raise KeyError(slug) from None

    def slugs(self):
        return [t.slug for t in self.terms]

    def suggest(self, word: str):
        """Return the slug a mistyped or aliased term most likely meant, or None."""
        wanted = _normal(word)
        for term in self.terms:
            # the name without its bracketed short form too: "intensive-outpatient" is iop, not "outpatient"
            bare = _normal(re.sub(r"\([^)]*\)", "", term.name))
            if wanted in {_normal(term.slug), _normal(term.name), bare} | {_normal(a) for a in term.aliases}:
                return term.slug
        close = difflib.get_close_matches(str(word).lower(), self.slugs(), n=1, cutoff=0.6)
        if close:
            return close[0]
        if len(wanted) >= 4:  # a word of the name, such as "dialectical" for dbt
            for term in self.terms:
                words = " ".join([_normal(term.name)] + [_normal(a) for a in term.aliases]).split()
                if any(w.startswith(wanted) for w in words):
                    return term.slug
        names = {_normal(t.name): t.slug for t in self.terms}
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.6)
        return names[close[0]] if close else None


# libyaml when PyYAML has it: the vocabularies are read in every build and every one-record patch (0.6 s in pure
# Python on a slow machine, most of a patch's budget); both loaders read these plain files the same way.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path):
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER) or {}


@dataclass(frozen=True)
class Vocabularies:
    """All vocabularies plus the payer categories."""

    by_name: dict
    payer_categories: dict  # slug -> display name

    def __getitem__(self, name) -> Vocabulary:
        return self.by_name[name]

    def category_value(self, category: str) -> str:
        """The ?insurance= value of a payer category: its slug, unless a payer has that slug and the category holds
        other payers too. Then ?insurance=medicare stays the payer Medicare (its checkbox, /insurance/medicare/)
        and "any Medicare plan" is any-medicare: sharing the value made the checkbox "Medicare" find Medicare
        Advantage-only programs."""
        payers = self.by_name["insurance"]
        if category in payers and [t.slug for t in payers.terms if t.extra.get("category") == category] != [category]:
            return "any-" + category
        return category


@lru_cache(maxsize=4)
def load_vocabularies(directory: Path = VOCABULARY_DIR) -> Vocabularies:
    """Return the vocabularies in `directory` (cached: they are read once per process)."""
    by_name = {}
    for name in VOCABULARY_NAMES + DERIVED_VOCABULARY_NAMES:
        terms = []
        for slug, entry in _read(Path(directory) / f"{name}.yaml").items():
            if not isinstance(slug, str):  # YAML reads a bare no, on or yes as true/false: Norwegian was "False"
                raise ValueError("providers/vocabulary/%s.yaml: the key %r is not text; quote it" % (name, slug))
            entry = entry or {}
            extra = {k: v for k, v in entry.items() if k not in ("name", "aliases")}
            terms.append(Term(str(slug), entry.get("name", slug), tuple(entry.get("aliases") or ()), extra))
        by_name[name] = Vocabulary(name, tuple(terms))
    categories = {str(k): v["name"] for k, v in _read(Path(directory) / "payer-categories.yaml").items()}
    return Vocabularies(by_name, categories)
