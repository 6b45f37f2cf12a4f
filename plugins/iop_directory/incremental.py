"""Incremental builds (issue 8): reuse a generated page of the previous output when its inputs are unchanged.

A page's key hashes the "build key" (theme, plugin code, settings file, resolved settings and overrides, package
versions), its output path, its template, and the value of every variable its template chain reads (found with
jinja2.meta: the page's own extras such as the provider view, and context values such as SITENAME). When the key
equals the one recorded for that path by the previous build into the same output, and the previous file is still
the very file that build wrote (same inode, size and mtime), the page is not rendered: the previous file is
hard-linked into the staging folder, which is swapped into place as for a full build. Nothing writes to a linked file
(each path is written once, into an empty staging folder), so the served output is never modified in place.

Any doubt means rendering: a template with a dynamic include, a variable whose value cannot be serialised,
a missing or foreign manifest. The manifest lives in the build cache (outside the output), one per output folder.
"""

import datetime
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from . import build_cache

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = 1
KEEP_MANIFESTS = 16
_MISSING = "\0missing"

# The active session of build_site (one build at a time per process); None outside build_site.
current = None


def _json_default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return ["\0date", value.isoformat()]
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError("not hashable for the page manifest: %r" % type(value))


def build_key(settings_file: Path, overrides: dict, settings: dict) -> str:
    """What every page and the patch state are keyed by: code, theme, settings file, overrides, versions, and
    the resolved `settings` (a file the settings file imports, such as pelicanconf.py under publishconf.py, is
    not hashed as a file)."""
    from importlib.metadata import version

    here = Path(__file__).resolve().parent
    theme = here.parents[1] / "theme"
    digest = hashlib.sha256(("%d|%s|%s|%s|" % (MANIFEST_FORMAT, version("pelican"), version("jinja2"),
                                               version("markupsafe"))).encode())
    digest.update(repr(sorted((k, repr(v)) for k, v in overrides.items())).encode())
    paths = [Path(settings_file), *sorted(here.glob("*.py"))]
    paths += sorted(p for p in theme.rglob("*") if p.is_file())
    for path in paths:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(_stable_text(settings).encode())
    return digest.hexdigest()


def _stable_text(value) -> str:
    """Text that is the same in every process for equal settings: sets and dicts in order, functions by name and
    code. An object shown by its address gives a different text in every process: no page is ever reused for
    it, which is slow but never stale."""
    if isinstance(value, dict):
        return "{%s}" % ",".join(sorted("%s:%s" % (_stable_text(k), _stable_text(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return "set(%s)" % ",".join(sorted(_stable_text(v) for v in value))
    if isinstance(value, (list, tuple)):
        return "[%s]" % ",".join(_stable_text(v) for v in value)
    code = getattr(value, "__code__", None)
    if code is not None:
        import marshal

        return "%s.%s#%s" % (getattr(value, "__module__", ""), getattr(value, "__qualname__", ""),
                             hashlib.sha256(marshal.dumps(code)).hexdigest())
    if isinstance(value, type):
        return "%s.%s" % (value.__module__, value.__qualname__)
    return repr(value)


class Session:
    """One build_site run: the previous build's manifest, and the one this build records."""

    def __init__(self, output: Path, key: str):
        """`key`: this build's build_key(), made once by build_site for the patch check and the pages."""
        self.output = Path(output)
        self.key = key
        name = hashlib.sha256(str(self.output).encode()).hexdigest()[:24]
        self.file = build_cache.cache_dir() / "pages" / ("%s.json" % name)
        self.previous = self._read()
        self.entries = {}  # relative path (from the output root) -> page key
        self.reused = self.rendered = 0
        self._names = {}
        self._files = {}  # template file name -> _file_names()
        self._value_hashes = {}
        self._known = {}  # id(value) -> (value, digest) for values whose digest is known without reading them
        self.shared = {}  # what the language editions of this build share (the records read once)

    def _read(self):
        try:
            stored = json.loads(self.file.read_text(encoding="utf-8"))
            if stored.get("key") == self.key and stored.get("output") == str(self.output):
                return stored["pages"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass
        return {}

    # -- keys ---------------------------------------------------------------------------------------------------

    def template_names(self, env, template_name):
        """Return the variables the template chain reads, or None when that cannot be known statically."""
        if template_name in self._names:
            return self._names[template_name]
        names, seen, todo = set(), set(), [template_name]
        try:
            while todo:
                name = todo.pop()
                if name in seen:
                    continue
                seen.add(name)
                read, referenced = self._file_names(env, name)
                names |= read
                todo.extend(referenced)
        except Exception as exc:  # noqa: BLE001 - unknown means always render
            logger.debug("incremental: %s is always rendered (%s)", template_name, exc)
            names = None
        result = self._names[template_name] = None if names is None else sorted(names)
        return result

    def _file_names(self, env, name):
        """(variables one template file reads, the templates it names), each file parsed once per process: every
        page template includes base.html and the macros, and parsing them again for each cost a second a build."""
        found = self._files.get(name)
        if found is None:
            from jinja2 import meta, nodes

            tree = env.parse(env.loader.get_source(env, name)[0])
            referenced = tuple(meta.find_referenced_templates(tree))
            if None in referenced:
                raise LookupError("dynamic template reference in %s" % name)
            # Every name the template loads: its context variables and its own (loop variables, macro arguments).
            # A few more than meta.find_undeclared_variables, which runs Jinja's code generator to tell them apart
            # (most of the time this took); an own name that is also a context variable only makes the key safer.
            loaded = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "load"}
            found = self._files[name] = (loaded, referenced)
        return found

    def new_edition(self):
        """Forget the hashed context values (they hold the previous edition's views)."""
        self._value_hashes = {}
        self._known = {}

    def known_digest(self, value, identity: str):
        """Declare that `value` is determined by `identity` (a provider view by its record's content key and the
        language), so hashing it, on its own page or in the lists of town and payer pages, costs nothing."""
        self._known[id(value)] = (value, "k" + hashlib.sha256(identity.encode()).hexdigest())

    def _digest(self, value, depth=0):
        """Return a hash of a JSON-like value; containers near the top are hashed once per edition (by identity),
        so the provider views listed on many town and payer pages are serialised once, not once per page."""
        if isinstance(value, str):
            return "s" + hashlib.sha256(value.encode()).hexdigest() if len(value) > 64 else "s" + value
        if not isinstance(value, (dict, list, tuple)):
            return json.dumps(value, sort_keys=True, default=_json_default)
        known = self._known.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        memo_key = (id(value), depth)
        cached = self._value_hashes.get(memo_key)
        if cached is not None and cached[0] is value:
            return cached[1]
        if depth >= 3:
            text = json.dumps(value, sort_keys=True, default=_json_default, ensure_ascii=False)
        elif isinstance(value, dict):
            text = json.dumps({str(k): self._digest(v, depth + 1) for k, v in value.items()}, sort_keys=True)
        else:
            text = json.dumps([self._digest(v, depth + 1) for v in value])
        digest = "h" + hashlib.sha256(text.encode()).hexdigest()
        if depth in (0, 1, 3):  # context values, a listing's group (on each of its pages), the views in groups
            self._value_hashes[memo_key] = (value, digest)
        return digest

    def page_key(self, env, template, save_as, context, extra, write_options, inputs=None):
        """Return the page's key, or None when it cannot be known. `inputs`: values the page's template does not
        read itself but what it prints is made from (the SEO context is made from them only when the page has to
        be rendered); every one of them is hashed."""
        names = self.template_names(env, template.name)
        if names is None:
            return None
        parts = [self.key, save_as, template.name, json.dumps(write_options, sort_keys=True)]
        try:
            for name in sorted(inputs or ()):
                parts.append("\0%s=%s" % (name, self._digest(inputs[name], 1)))
            for name in names:
                if name in extra:
                    parts.append(name + "=" + self._digest(extra[name], 1))
                elif name in context:
                    parts.append(name + "#" + self._digest(context[name]))
                else:
                    parts.append(name + _MISSING)
        except (TypeError, ValueError):
            return None
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    # -- reuse --------------------------------------------------------------------------------------------------

    def reuse(self, relative, key, staging_file: Path) -> bool:
        """Record `key` for `relative`; hard-link the previous file into staging if it is still valid."""
        if key is None:
            self.rendered += 1
            return False
        self.entries[relative] = key
        old = self.previous.get(relative)
        if old is None or old[0] != key:
            self.rendered += 1
            return False
        previous_file = self.output / relative
        try:
            st = os.stat(previous_file)
            if [st.st_ino, st.st_size, st.st_mtime_ns] != old[1:]:
                self.rendered += 1
                return False
            staging_file.parent.mkdir(parents=True, exist_ok=True)
            os.link(previous_file, staging_file)
        except OSError:
            self.rendered += 1
            return False
        self.reused += 1
        return True

    def start_forked(self):
        """In a forked process (an edition's, or an edition's second rendering process): record only the pages
        this process handles; the process it came from adds them to its own (add_forked_state)."""
        self.entries, self.reused, self.rendered = {}, 0, 0

    def forked_state(self):
        """What a forked process recorded since start_forked (sent back to add_forked_state)."""
        return self.entries, self.reused, self.rendered

    def add_forked_state(self, state):
        entries, reused, rendered = state
        self.entries.update(entries)
        self.reused += reused
        self.rendered += rendered

    def finish(self, staging: Path):
        """Stat every recorded page in the finished staging folder (inodes survive the swap's rename)."""
        pages = {}
        for relative, key in self.entries.items():
            try:
                st = os.stat(staging / relative)
            except OSError:
                continue
            pages[relative] = [key, st.st_ino, st.st_size, st.st_mtime_ns]
        self.pages = pages

    def forget(self):
        """Drop the manifest before the output changes, so a crash in between never leaves a wrong one."""
        try:
            self.file.unlink()
        except OSError:
            pass

    def _prune(self):
        """Keep the newest KEEP_MANIFESTS manifests (builds into temporary folders, e.g. the tests', add one each)."""
        found = []
        for path in self.file.parent.glob("*.json"):
            try:
                found.append((path.stat().st_mtime_ns, path))
            except OSError:
                continue
        for _, path in sorted(found, reverse=True)[KEEP_MANIFESTS:]:
            try:
                path.unlink()
            except OSError:
                pass

    def save(self):
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.file.parent, prefix=".pages-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"key": self.key, "output": str(self.output), "pages": self.pages}, handle)
            os.replace(temp, self.file)
            self._prune()
        except OSError as exc:
            logger.warning("could not write the page manifest %s: %s", self.file, exc)
        logger.info("incremental build: %d pages reused, %d rendered", self.reused, self.rendered)
