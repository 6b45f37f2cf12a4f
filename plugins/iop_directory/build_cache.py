"""Speed for large directories: validated records cached by content hash, cache misses read on both cores.

The cache lives outside the output folder (IOP_BUILD_CACHE, default .cache/build/ in the repository, git-ignored).
An entry is keyed by the file's bytes and display path; the whole cache is keyed by everything else validation
depends on (schema, vocabularies and place aliases, the loader's own code, today's date), so a stale entry can
never be used. A missing, unreadable or foreign cache is simply ignored: the build then validates everything.
"""

import hashlib
import logging
import multiprocessing
import os
import pickle
import sys
import tempfile
from pathlib import Path

from .paths import REPO_ROOT, SCHEMA_PATH, VOCABULARY_DIR

logger = logging.getLogger(__name__)

CACHE_FORMAT = 3
PARALLEL_MIN_FILES = 400
_CODE = ("records.py", "fast_schema.py", "yaml_loader.py", "derive.py", "errors.py", "places.py", "vocab.py",
         "build_cache.py")


def cache_dir() -> Path:
    return Path(os.environ.get("IOP_BUILD_CACHE") or REPO_ROOT / ".cache" / "build")


def template_cache(build_key: str, lang: str):
    """A Jinja bytecode cache for one language edition's templates under one build key (incremental.build_key:
    code, theme and catalogs), shared by full builds and one-record patches: interface strings are translated
    into a template when it compiles (constant_gettext.py), so compiled templates are per language."""
    import shutil

    from jinja2 import FileSystemBytecodeCache

    import time

    folder = cache_dir() / "templates" / ("%s-%s" % (build_key[:16], lang))
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)
    # Those of code and themes since replaced, once nothing has used them for a day (a build with other code may
    # be using its own right now: tests, a second checkout).
    for older in folder.parent.iterdir():
        try:
            if older != folder and time.time() - older.stat().st_mtime > 86_400:
                shutil.rmtree(older, ignore_errors=True)
        except OSError:
            pass
    return FileSystemBytecodeCache(str(folder))


def _context_key(today) -> str:
    from importlib.metadata import version

    # zipcodes supplies the place table that coordinates and ZIP checks come from
    digest = hashlib.sha256(("%d|%s|%s" % (CACHE_FORMAT, today.isoformat(), version("zipcodes"))).encode())
    here = Path(__file__).resolve().parent
    for path in [SCHEMA_PATH, *sorted(Path(VOCABULARY_DIR).iterdir()), *(here / name for name in _CODE)]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_worker_validator = None


def _load_one(item):
    path, shown = item
    try:
        record, problems = _worker_validator.load(path, shown)
    except Exception as exc:  # the same rule as load_many: one broken file must not hide the others
        from .errors import ProviderError

        return None, [ProviderError(shown, 1, 1, "", "could not be read: %s" % exc)]
    if record is not None:
        record.positions = {}  # not sent back: most of a record's size, and _finish drops them anyway
    return record, problems


def _shared_strings(value):
    """The same data with its keys and short strings (slugs, days, times, towns) interned: one object per distinct
    text across all records, also in the cache file (pickle keeps the sharing). Halves the records' memory."""
    if isinstance(value, dict):
        return {sys.intern(k) if isinstance(k, str) else k: _shared_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shared_strings(v) for v in value]
    if isinstance(value, str) and len(value) <= 40:
        return sys.intern(value)
    return value


class CachedLoader:
    """A `load(path, shown)` for RecordValidator.load_many that reuses results for unchanged files."""

    def __init__(self, validator, today):
        self.validator = validator
        self.key = _context_key(today)
        self.file = cache_dir() / "records.pickle"
        self.entries = self._read()
        self.used = {}
        self.misses = 0
        self._keys = {}  # path -> entry key, so prefetch and load read and hash each file once

    def _read(self):
        try:
            with open(self.file, "rb") as handle:
                stored = pickle.load(handle)
            return stored["entries"] if stored.get("key") == self.key else {}
        except Exception:  # noqa: BLE001 - no cache, or one from another version: start empty
            return {}

    @staticmethod
    def _entry_key(raw, shown):
        return hashlib.sha256(shown.encode() + b"\0" + raw).hexdigest()

    def _finish(self, key, result):
        """Store a fresh result: without field positions (they only serve the messages already in `problems`,
        and are most of a record's size), and with the key that identifies what its display data derives from."""
        record = result[0]
        if record is not None:
            record.data = _shared_strings(record.data)
            record.positions = {}
            record.content_key = hashlib.sha256((self.key + key).encode()).hexdigest()
        self.entries[key] = result
        return result

    def prefetch(self, items):
        """Validate every uncached (path, shown) pair, on two processes when there are many."""
        global _worker_validator
        todo = []
        for path, shown in items:
            try:
                raw = Path(path).read_bytes()
            except OSError:
                continue  # load() reports it
            key = self._keys[path] = self._entry_key(raw, shown)
            if key not in self.entries:
                todo.append((key, path, shown))
        self.misses = len(todo)
        if not todo:
            return
        work = [(path, shown) for _, path, shown in todo]
        _worker_validator = self.validator
        try:
            if len(todo) >= PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1 and "fork" in \
                    multiprocessing.get_all_start_methods():
                with multiprocessing.get_context("fork").Pool(2) as pool:
                    # imap, not map: each result is finished (interned) as it arrives, not all held raw at once
                    for (key, _, _), result in zip(todo, pool.imap(_load_one, work, chunksize=64)):
                        self._finish(key, result)
            else:
                for (key, _, _), item in zip(todo, work):
                    self._finish(key, _load_one(item))
        finally:
            _worker_validator = None

    def load(self, path, shown):
        key = self._keys.get(path)
        if key is None:
            try:
                raw = Path(path).read_bytes()
            except OSError:
                return self.validator.load(path, shown)
            key = self._entry_key(raw, shown)
        result = self.entries.get(key)
        if result is None:
            result = self._finish(key, self.validator.load(path, shown))
        self.used[key] = result
        return result

    def save(self):
        """Keep the entries this build used (so the cache never grows without bound); atomic replace."""
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.file.parent, prefix=".records-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump({"key": self.key, "entries": self.used}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.file)
        except OSError as exc:
            logger.warning("could not write the build cache %s: %s", self.file, exc)
