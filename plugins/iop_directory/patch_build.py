"""A one-record rebuild in about a second at national size (issue 8): patch the built site in place.

A full build of a large directory (split search) records what a later patch needs: each record's placement
(every field except those that move it nowhere), its place in result order, the listing pages that show its
card, every listing page's members and sitemap rule, each record's verification date, the feed's members, and
the records themselves (a small SQLite store). When `iop build` then finds that only PAGE_LOCAL_FIELDS and
DATED_FIELDS of a few records changed, and nothing else the site is made from (code, theme, settings, content,
vocabularies, date), it rewrites only what shows those records:

- their provider pages (rendered from the settings alone: provider.html reads no site-wide context), their
  compare and search documents, and the term files of their old and new words (scores are per document:
  search_shards.document_scores);
- their cards, replaced on every listing page that shows them (found there exactly once, or no patch);
- their rows of the open data (spliced between the unchanged bytes), and its newest verification date;
- the sitemap's <lastmod> of every page whose date changed (the rules of structured_data.page_lastmod), and
  the Atom feed when it shows, or now should show, one of them.

The result is byte-identical to a full build (tested). Anything else (a record added, removed, renamed or moved
in a listing, a filter or the search order; rows or cards not found exactly once; any doubt) returns False and
the full build runs, as it always did. Files change through a journal of renames (patch_files.py).
"""

import hashlib
import json
import logging
import os
import pickle
import re
import sqlite3
from pathlib import Path

from . import build_cache, patch_files, shared_work

logger = logging.getLogger(__name__)

STATE_FORMAT = 3
MAX_CHANGED = 20  # more changed records than this: the full build, whose page reuse is then worth it
# What only a record's own pages and its rows in the data files show: a change to anything else can move it in a
# listing, a filter or the search order, which a patch does not redo (its card is compared, not assumed).
PAGE_LOCAL_FIELDS = frozenset({"description", "phone", "phone_note", "website", "notes", "insurance_notes",
                               "accreditation", "accepting_new_patients", "programs", "sources",
                               "program_length_weeks"})
# Shown beyond the record's own pages only as dates: on its card, as the <lastmod> of the pages that list it, in
# the feed's choice and order, as the open data's newest date; a patch redoes each of them.
DATED_FIELDS = frozenset({"last_verified"})
PAGE_LIST = "patch-pages.json"  # written by the generator into the build's shared work folder


# -- what a full build records ----------------------------------------------------------------------------------

def write_page_list(folder, pages):
    """Keep [save_as, template, ids of the cards it shows or None] of the root edition's pages but provider
    pages (generator.py, from the very pages it renders): record_state reads it after the build."""
    listed = [[save_as, template, [view["id"] for view in extra["page_members"]] if "page_members" in extra else None]
              for save_as, template, extra in pages if template != "provider"]
    (Path(folder) / PAGE_LIST).write_text(json.dumps(listed), encoding="utf-8")


def _files(output: Path):
    name = hashlib.sha256(str(Path(output).resolve()).encode()).hexdigest()[:24]
    folder = build_cache.cache_dir() / "patch"
    return folder / ("%s.pickle" % name), folder / ("%s.sqlite" % name), folder / ("%s.journal" % name)


def placement(record) -> str:
    """A hash of everything about a record that can move it: all but PAGE_LOCAL_FIELDS and DATED_FIELDS."""
    kept = {k: v for k, v in record.data.items() if k not in PAGE_LOCAL_FIELDS and k not in DATED_FIELDS}
    return hashlib.sha256(json.dumps([record.id, kept], sort_keys=True, default=str).encode()).hexdigest()


def inputs_digest(settings) -> str:
    """The inputs besides code, theme and settings file (incremental's build key) and the records: content pages,
    vocabularies, schema and the date."""
    from .generator import build_date
    from .paths import CONTENT_DIR, SCHEMA_PATH, VOCABULARY_DIR

    digest = hashlib.sha256(build_date(settings).isoformat().encode())
    for folder in (Path(settings.get("PATH") or CONTENT_DIR), Path(VOCABULARY_DIR)):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    digest.update(Path(SCHEMA_PATH).read_bytes())
    return digest.hexdigest()


def _provider_files(folder: Path):
    """{file name: (size, mtime_ns)} of the records directly in `folder`, or None when it holds a subfolder other
    than vocabulary/ (whose records the full build reports)."""
    found = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                if entry.name != "vocabulary":
                    return None
                continue
            if entry.name.lower().endswith((".yaml", ".yml")):
                st = entry.stat()
                found[entry.name] = (st.st_size, st.st_mtime_ns)
    return found


def _feed_ids(verified: dict, limit: int):
    """The ids the Atom feed shows, in its order (feed.atom_feed: newest verification first, then by id)."""
    ordered = sorted(verified)
    ordered.sort(key=verified.__getitem__, reverse=True)
    return ordered[:limit]


def record_state(output: Path, build_key: str, settings: dict, records, folder: Path, shared_dir: Path):
    """After a full build of a split-search site swapped into `output`: keep what a patch needs (see above).

    The site is built whatever happens here: a state that cannot be kept only makes the next rebuild a full one.
    """
    try:
        _record_state(output, build_key, settings, records, folder, shared_dir)
    except (OSError, ValueError, sqlite3.Error) as exc:
        logger.warning("could not keep what a one-record rebuild needs (%s): the next build is a full one", exc)
        forget(output)


def _record_state(output, build_key, settings, records, folder, shared_dir):
    from .feed import MAX_ENTRIES
    from .search_shards import _ordered

    db_file = _files(output)[1]
    pages = {save_as: (template, members) for save_as, template, members in
             json.loads((Path(shared_dir) / PAGE_LIST).read_text(encoding="utf-8"))}
    listing = {r.id: [] for r in records}
    for save_as, (_template, members) in pages.items():
        for rid in members or ():
            listing[rid].append(save_as)
    files = _provider_files(folder) or {}
    verified = {r.id: r.data["last_verified"] for r in records}
    state = {
        "format": STATE_FORMAT, "build_key": build_key, "inputs": inputs_digest(settings),
        "output_inode": os.stat(output).st_ino, "providers": str(Path(folder).resolve()),
        "files": {name: (*files[name], hashlib.sha256((folder / name).read_bytes()).hexdigest()) for name in files},
        "verified": verified, "feed": _feed_ids(verified, settings.get("IOP_FEED_MAX_ENTRIES", MAX_ENTRIES)),
        "generation": os.urandom(8).hex(),
    }
    # What only a full build changes goes into the SQLite store beside the records, where a patch reads the rows of
    # the changed records and of their listing pages only (loading all of it took 0.1 s at 20,000 records).
    order = {r.id: n for n, r in enumerate(_ordered(records))}
    db_file.parent.mkdir(parents=True, exist_ok=True)
    temp_db = db_file.with_suffix(".sqlite-new")
    temp_db.unlink(missing_ok=True)
    with sqlite3.connect(temp_db) as db:
        db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, record BLOB, placement TEXT, position INTEGER, "
                   "listing TEXT)")
        db.execute("CREATE TABLE pages (save_as TEXT PRIMARY KEY, template TEXT, members TEXT)")
        db.execute("CREATE INDEX pages_by_template ON pages (template)")
        db.execute("CREATE TABLE build (generation TEXT)")
        db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)",
                       ((r.id, pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL), placement(r), order[r.id],
                         json.dumps(listing[r.id])) for r in records))
        db.executemany("INSERT INTO pages VALUES (?, ?, ?)",
                       ((save_as, template, None if members is None else json.dumps(members))
                        for save_as, (template, members) in pages.items()))
        db.execute("INSERT INTO build VALUES (?)", (state["generation"],))
    db.close()
    os.replace(temp_db, db_file)
    _save_state(output, state)


def _save_state(output, state):
    """Write the part of the state a patch changes (what the SQLite store holds stays as the full build wrote it)."""
    _write_pickle(_files(output)[0], {k: v for k, v in state.items() if k not in FROM_STORE})


FROM_STORE = ("order", "listing", "pages")  # read from the store for the changed records (_read_changed)


def _write_pickle(path, value):
    temp = path.with_suffix(".pickle-new")
    with open(temp, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temp, path)


def forget(output: Path):
    """Drop the recorded state (a build that is not split search, or one about to change the output)."""
    for path in _files(output)[:2]:
        path.unlink(missing_ok=True)


def finish_journal(output: Path):
    """Make the renames of a patch cut short (a machine stopped) before anything else reads the output."""
    from .build import _remove

    patch_files.finish_journal(output, _files(output)[2], lambda folder: _remove(folder, background=True))


# -- deciding ----------------------------------------------------------------------------------------------------

class NotPatchable(Exception):
    """Why this rebuild needs the full build (logged, never shown as an error)."""


class LookAhead:
    """Which record files changed since the build recorded in an output, found by a second process (look_ahead)."""

    def __init__(self, started):
        self._started = started

    def take(self, state_file_id):
        """(changed file names, {name: (size, mtime_ns, digest)} of files touched but unchanged) if the second
        process read the state file this process loaded (`state_file_id`), else None; NotPatchable as it found."""
        started, self._started = self._started, None
        if started is None:
            return None
        try:
            found_in, changed, touched = shared_work.finish(started)
        except NotPatchable:
            raise
        except Exception:  # noqa: BLE001 - no state there, or another one: this process looks itself
            return None
        return (changed, touched) if found_in == state_file_id else None

    def close(self):
        """Stop the second process if its answer was not taken (the patch was given up before)."""
        if self._started is not None:
            shared_work.abandon(self._started)
            self._started = None


def look_ahead(output: Path):
    """Start finding which record files changed since the build recorded in `output`, in a second process, while
    this one imports what a build needs (half a second): a stat of every record file, 0.15 s at 20,000 records.
    Returns a LookAhead for try_patch, or None."""
    state_file = _files(Path(output).resolve())[0]
    if not shared_work.can_fork() or not state_file.exists():
        return None

    def find():
        with open(state_file, "rb") as handle:
            state = pickle.load(handle)
            found_in = _file_id(handle)
        if state.get("format") != STATE_FORMAT:
            raise ValueError("another state format")
        return (found_in, *_compare_files(state["files"], Path(state["providers"])))

    return LookAhead(shared_work.start(find))


def _file_id(handle):
    st = os.fstat(handle.fileno())
    return st.st_ino, st.st_mtime_ns, st.st_size


def try_patch(settings_file: Path, output: Path, overrides: dict, build_key: str, ahead=None) -> bool:
    """Patch `output` for the records changed since the build recorded there; False when a full build is needed.
    `ahead`: a LookAhead started for this output (build_site closes it)."""
    changes = patch_files.Changes(output)
    try:
        _patch(Path(settings_file), Path(output), overrides, build_key, changes, ahead)
    except (NotPatchable, patch_files.Unpatchable) as reason:
        changes.discard()
        logger.info("rebuild of %s: a full build, because %s", output, reason)
        return False
    except BaseException:
        changes.discard()
        raise
    return True


def _load_state(output: Path, build_key: str):
    try:
        with open(_files(output)[0], "rb") as handle:
            state = pickle.load(handle)
            state_file_id = _file_id(handle)
        if state.get("format") != STATE_FORMAT or state.get("build_key") != build_key:
            raise NotPatchable("the code, theme or settings changed")
        with sqlite3.connect(_files(output)[1]) as db:
            generation = db.execute("SELECT generation FROM build").fetchone()
        db.close()
    except NotPatchable:
        raise
    except Exception:  # noqa: BLE001 - no state, or one from another version
        raise NotPatchable("no patch state was recorded for this output") from None
    if generation is None or generation[0] != state.get("generation"):
        raise NotPatchable("the patch state is from two different builds")
    state.update({"order": {}, "listing": {}})  # filled for the changed records (_read_changed)
    return state, state_file_id


def _changed_files(state, state_file_id, folder: Path, ahead):
    """The names of the record files whose bytes changed since the state was recorded, and whether `ahead` found
    them (else this process did); files touched but unchanged are known by their new size and time from now on."""
    found = ahead.take(state_file_id) if ahead is not None else None
    changed, touched = found or _compare_files(state["files"], folder)
    state["files"].update(touched)
    return changed, found is not None


def _compare_files(recorded, folder: Path):
    """(names of the files in `folder` whose bytes differ from `recorded`, {name: (size, mtime_ns, digest)} of
    those touched with the same bytes); NotPatchable when files came or went, or too many changed."""
    files = _provider_files(folder)
    if files is None or set(files) != set(recorded):
        raise NotPatchable("records were added, removed or moved")
    changed, touched = [], {}
    for name, (size, mtime) in files.items():
        old_size, old_mtime, digest = recorded[name]
        if (size, mtime) == (old_size, old_mtime):
            continue
        raw = (folder / name).read_bytes()
        if hashlib.sha256(raw).hexdigest() != digest:
            changed.append(name)
            if len(changed) > MAX_CHANGED:
                raise NotPatchable("more than %d records changed" % MAX_CHANGED)
        else:
            touched[name] = (size, mtime, digest)
    return changed, touched


def _patch(settings_file, output, overrides, build_key, changes, ahead=None):
    from pelican.settings import read_settings

    from .generator import providers_path

    state, state_file_id = _load_state(output, build_key)
    base = read_settings(str(settings_file), override=dict(overrides or {}))
    folder = providers_path(base).resolve()
    if str(folder) != state["providers"]:
        raise NotPatchable("the providers folder is another one")
    try:
        if os.stat(output).st_ino != state["output_inode"]:
            raise NotPatchable("the output folder is not the one the last build made")
    except FileNotFoundError:
        raise NotPatchable("the output folder is gone") from None
    changed, found_ahead = _changed_files(state, state_file_id, folder, ahead)
    if state["inputs"] != inputs_digest(base):
        raise NotPatchable("content pages, vocabularies or the date changed")
    if not changed:  # a rebuild without a change checks every page again (incremental.py), as it always did
        raise NotPatchable("no record changed")
    db_file = _files(output)[1]
    pairs = _read_changed(base, state, folder, changed, db_file)
    site = _SiteChange(base, state, pairs, db_file)
    from .build import _editions

    def patch_editions(editions, into):
        for edition_overrides, edition_output in editions:
            settings = read_settings(str(settings_file), override={**(overrides or {}), **edition_overrides,
                                                                   "OUTPUT_PATH": str(edition_output)})
            _patch_edition(settings, Path(edition_output), state, site, into,
                           root=edition_overrides.get("IOP_EDITION_PATH") == "")

    editions = list(_editions(base, output))
    # The other language editions are patched by a second process meanwhile (a third of the patch's time at
    # 20,000 records): its new files join this process's changes, which are committed together.
    helper = _start_helper(output, lambda into: patch_editions(editions[1:], into)) if len(editions) > 1 else None
    try:
        _patch_terms(output, base, state, pairs, changes)
        patch_editions(editions[:1] if helper else editions, changes)
    finally:
        if helper is not None:
            changes.moves += shared_work.finish(helper)  # its error, if any, is raised here, its files discarded
    changes.commit(_files(output)[2], lambda retired: _remove_later(retired))
    with sqlite3.connect(db_file) as db:  # the records as the site now shows them
        db.executemany("UPDATE records SET record = ? WHERE id = ?",
                       ((pickle.dumps(new, protocol=pickle.HIGHEST_PROTOCOL), new.id) for _old, new in pairs))
    db.close()
    for name in changed:
        raw = (folder / name).read_bytes()
        st = os.stat(folder / name)
        state["files"][name] = (st.st_size, st.st_mtime_ns, hashlib.sha256(raw).hexdigest())
    state["verified"], state["feed"] = site.verified, site.feed
    _save_state(output, state)
    logger.info("rebuild of %s: patched %d record(s) in place%s", output, len(changed),
                " (found by a second process)" if found_ahead else "")


def _start_helper(output, work):
    """Run work(changes) in a forked process when there is a second core (shared_work.start); its finish() returns
    the new files it wrote, or raises its error once it has removed them. None: no second process."""
    if not shared_work.can_fork():
        return None

    def in_child():
        changes = patch_files.Changes(output)
        try:
            work(changes)
        except BaseException:
            changes.discard()
            raise
        return changes.moves

    return shared_work.start(in_child)


def _remove_later(folder):
    from .build import _remove

    _remove(folder, background=True)


def _read_changed(base, state, folder, changed, db_file):
    """[(record as the site shows it, record as it is now)] of the changed files; NotPatchable when one has errors
    or moved."""
    from .generator import build_date
    from .places import load_places
    from .records import RecordValidator, _display
    from .vocab import load_vocabularies

    validator = RecordValidator(load_vocabularies(), load_places(), today=build_date(base), compiled=False)
    pairs = []
    with sqlite3.connect(db_file) as db:
        for name in sorted(changed):
            record, problems = validator.load(folder / name, _display(folder / name, Path.cwd().resolve()))
            if record is None or any(p.is_error for p in problems):
                raise NotPatchable("%s has errors, which the full build reports" % name)
            for problem in problems:
                logger.warning("%s", problem.format())
            row = db.execute("SELECT record, placement, position, listing FROM records WHERE id = ?",
                             (record.id,)).fetchone()
            if row is None:
                raise NotPatchable("%s is not in the patch state" % record.id)
            if placement(record) != row[1]:
                raise NotPatchable("%s changed more than its own pages and dates show" % record.id)
            state["order"][record.id] = row[2]
            state["listing"][record.id] = json.loads(row[3])
            pairs.append((pickle.loads(row[0]), record))
    db.close()
    return pairs


class _SiteChange:
    """What the changed records change beyond their own files: dates of pages, the feed, the newest date."""

    def __init__(self, base, state, pairs, db_file):
        from .feed import MAX_ENTRIES

        self.pairs, self.db_file = pairs, db_file
        self.verified = dict(state["verified"])
        for _old, new in pairs:
            self.verified[new.id] = new.data["last_verified"]
        self.newest_before = max(state["verified"].values())
        self.newest = max(self.verified.values())
        self.feed = _feed_ids(self.verified, base.get("IOP_FEED_MAX_ENTRIES", MAX_ENTRIES))
        ids = {new.id for _old, new in pairs}
        self.feed_changed = self.feed != state["feed"] or bool(ids & set(self.feed))
        self.page_dates = self._page_dates(state, ids)

    def _page_dates(self, state, ids):
        """{save_as: (old lastmod, new lastmod)} of the pages whose sitemap date changes (page_lastmod's rules)."""
        from .structured_data import LISTINGS, page_lastmod

        def lastmod(save_as, verified, newest):
            template, members = state["pages"][save_as]
            if template in LISTINGS or members is None:
                return page_lastmod(template, {}, [{"last_verified": newest}])
            dated = [{"last_verified": verified[m]} for m in members]
            return page_lastmod(template, {"page_members": dated, template: {"providers": dated}}, [])

        pages = {save_as for rid in ids for save_as in state["listing"][rid]}
        state["pages"] = self._recorded_pages(pages, LISTINGS if self.newest != self.newest_before else ())
        pages |= set(state["pages"])  # site-wide listings date from the newest record
        dates = {}
        for save_as in pages:
            before = lastmod(save_as, state["verified"], self.newest_before)
            after = lastmod(save_as, self.verified, self.newest)
            if before != after:
                dates[save_as] = (before, after)
        for old, new in self.pairs:  # a provider page's date is its record's
            if old.data["last_verified"] != new.data["last_verified"]:
                dates["providers/%s/index.html" % new.id] = (old.data["last_verified"], new.data["last_verified"])
        return dates

    def _recorded_pages(self, pages, templates):
        """{save_as: (template, ids of its cards or None)} of `pages` and of every page made from `templates`."""
        with sqlite3.connect(self.db_file) as db:
            rows = db.execute("SELECT save_as, template, members FROM pages WHERE template IN (%s)"
                              % ",".join("?" * len(templates)), tuple(templates)).fetchall()
            rows += [db.execute("SELECT save_as, template, members FROM pages WHERE save_as = ?", (page,)).fetchone()
                     for page in pages]
        db.close()
        return {save_as: (template, None if members is None else json.loads(members))
                for save_as, template, members in rows}

    def records(self, ids):
        """{id: record as the site now shows it} of `ids` (the changed ones as they are now)."""
        now = {new.id: new for _old, new in self.pairs}
        with sqlite3.connect(self.db_file) as db:
            found = {rid: now.get(rid) or pickle.loads(db.execute("SELECT record FROM records WHERE id = ?",
                                                                  (rid,)).fetchone()[0]) for rid in ids}
        db.close()
        return found


# -- patching ----------------------------------------------------------------------------------------------------

def _patch_terms(output, base, state, pairs, changes):
    """Rewrite the term files of the changed records' old and new words in every edition."""
    from . import search_index, search_shards
    from .build import _editions
    from .jsontext import json_dumps
    from .places import load_places
    from .vocab import load_vocabularies

    vocab, places = load_vocabularies(), load_places()
    wanted = {}  # term file key -> {term: [(doc, new score or None)]}
    for old, new in pairs:
        n = state["order"][new.id]
        before = search_shards.document_scores(search_index.index_document(old, vocab, places))
        after = search_shards.document_scores(search_index.index_document(new, vocab, places))
        for term in set(before) | set(after):
            if before.get(term) != after.get(term):
                wanted.setdefault(search_shards.term_key(term), {}).setdefault(term, []).append((n, after.get(term)))
    if not wanted:
        return
    folders = [Path(edition_output) for _o, edition_output in _editions(base, output)]
    terms_dir = folders[0] / "search" / "data" / "terms"
    manifest = json.loads((folders[0] / "search" / "data" / "manifest.json").read_text(encoding="utf-8"))
    keys = set(manifest["terms"])
    for key, updates in wanted.items():
        old_text = (terms_dir / ("%s.json" % key)).read_text(encoding="utf-8") if key in keys else ""
        text = search_shards.update_term_file(old_text, updates)
        targets = [edition / "search" / "data" / "terms" / ("%s.json" % key) for edition in folders]
        if text is not None:
            changes.write_each(targets, text)  # the same file in every edition: written once, linked
        elif key in keys:
            for target in targets:
                changes.remove(target)
        keys = keys | {key} if text is not None else keys - {key}
    if keys != set(manifest["terms"]):
        for edition in folders:
            path = edition / "search" / "data" / "manifest.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            data["terms"] = sorted(keys)
            changes.write(path, json_dumps(data))


class _Edition:
    """One language edition's means of rendering what a patch rewrites: its Pelican settings, generator (for the
    theme's Jinja environment), labels and writer."""

    def __init__(self, settings, edition_output, build_key):
        from pelican.writers import Writer

        from . import register, seo
        from .generator import ProviderGenerator, build_date, labels_for
        from .places import load_places
        from .vocab import load_vocabularies

        register()  # the generator's Jinja environment gets the plugin's gettext and macros (generator_init)
        self.lang = settings.get("DEFAULT_LANG", "en")
        self.settings = dict(settings, JINJA_ENVIRONMENT={**settings.get("JINJA_ENVIRONMENT", {}),
                                                          "bytecode_cache": build_cache.template_cache(build_key,
                                                                                                       self.lang)})
        self.output = Path(edition_output)
        self.site_base = seo.site_base(self.settings)
        self.context = dict(self.settings)
        self.context["CANONICAL_SITEURL"] = self.site_base if self.settings.get("SITEURL") else ""
        self.generator = ProviderGenerator(context=self.context, settings=self.settings, path=self.settings["PATH"],
                                           theme=self.settings["THEME"], output_path=str(self.output))
        self.labels = labels_for(self.lang)
        self.today = build_date(self.settings)
        self.vocab, self.places = load_vocabularies(), load_places()
        self.relative = self.settings.get("RELATIVE_URLS", False)
        self.writer = Writer(str(self.output), settings=self.settings)

    def view(self, record):
        from . import views

        return views.provider_view(record, self.vocab, self.places, self.labels, self.today)

    def card(self, view, page):
        """The HTML of a provider's card as the listing page `page` (save_as) prints it."""
        from pelican.utils import get_relative_path, path_to_url

        here = path_to_url(get_relative_path(page)) if self.relative else self.settings.get("SITEURL", "")
        return self.generator.env.globals["card"](view, "h2", here)

    def write_provider_page(self, view, changes):
        from . import seo, structured_data

        save_as = "providers/%s/index.html" % view["id"]
        extra = {"provider": view, "page_name": save_as[: -len("index.html")].rstrip("/"),
                 "page_path": seo.url_path(save_as)}
        extra.update(structured_data.page_extras("provider", save_as, extra, self.site_base, self.labels, []))
        self.writer.write_file(save_as + patch_files.SUFFIX, self.generator.get_template("provider"), self.context,
                               relative_urls=self.relative, **extra)
        changes.add(self.output / (save_as + patch_files.SUFFIX), self.output / save_as)


def _patch_edition(settings, edition_output, state, site, changes, root):
    """Rewrite one edition's files that show the changed records; the root edition's sitemap too."""
    from . import compare_data, search_index
    from .jsontext import json_dumps

    edition = _Edition(settings, edition_output, state["build_key"])
    listing_pages = {}  # listing page -> [(old card, new card)]
    data_splices = {}  # data file -> [(old text, new text)] of every changed record
    for old, new in site.pairs:
        old_view, view = edition.view(old), edition.view(new)
        edition.write_provider_page(view, changes)
        for page in state["listing"][new.id]:
            old_card, new_card = edition.card(old_view, page), edition.card(view, page)
            if old_card != new_card:
                listing_pages.setdefault(page, []).append((old_card, new_card))
        compare_path, compare_text = compare_data.compare_file(view)
        changes.write(edition.output / compare_path, compare_text)
        changes.write(edition.output / "search" / "data" / "docs" / ("%d.json" % state["order"][new.id]),
                      json_dumps([search_index.store_document(new, view, edition.vocab)]))
        _open_data_splices(edition, old, old_view, new, view, data_splices)
    if site.newest != site.newest_before:
        data_splices.setdefault("providers.json", []).append(
            ('"last_verified_newest":%s' % json_dumps(site.newest_before),
             '"last_verified_newest":%s' % json_dumps(site.newest)))
    for page, cards in listing_pages.items():
        patch_files.splice(edition.output / page, cards, changes)
    for name, replacements in data_splices.items():
        patch_files.splice(edition.output / "data" / name, replacements, changes, json_members=name.endswith(".json"))
    if site.feed_changed:
        _patch_feed(edition, site, changes)
    if root and site.page_dates:
        _patch_sitemap(edition, site.page_dates, changes)


_FEED_ENTRY = re.compile(r"<entry>.*?</entry>", re.S)
_FEED_ENTRY_ID = re.compile(r"<id>[^<]*/providers/([^/<]+)/</id>")
_FEED_UPDATED = re.compile(r"<updated>[^<]*</updated>")


def _patch_feed(edition, site, changes):
    """Write the Atom feed with the entries it now shows, in its order: an unchanged record's entry is kept as it is
    (an entry is a function of its record and the edition), the others made by feed.atom_feed itself."""
    from . import feed

    path = edition.output / feed.FEED_PATH
    text = path.read_text(encoding="utf-8")
    entries = list(_FEED_ENTRY.finditer(text))
    if not entries:
        raise NotPatchable("the feed has no entries to keep")
    kept = {_FEED_ENTRY_ID.search(m.group(0)).group(1): m.group(0) for m in entries}
    changed = {new.id for _old, new in site.pairs}
    wanted = [rid for rid in site.feed if rid in changed or rid not in kept]
    for rid, record in site.records(wanted).items():
        alone = feed.atom_feed([edition.view(record)], edition.site_base, edition.settings["SITENAME"],
                               edition.labels, edition.lang, 1)
        kept[rid] = _FEED_ENTRY.search(alone).group(0)
    header = text[: entries[0].start()]
    header = _FEED_UPDATED.sub(lambda _m: "<updated>%s</updated>" % feed.stamp(site.verified[site.feed[0]]),
                               header, count=1)
    changes.write(path, header + "\n  ".join(kept[rid] for rid in site.feed) + text[entries[-1].end():])


def _patch_sitemap(edition, page_dates, changes):
    """Set the changed pages' <lastmod> in the root sitemap, which lists them once per language edition."""
    from . import seo
    from .generator import edition_bases

    dates = {}
    for save_as, (before, after) in page_dates.items():
        if before is None or after is None:
            raise NotPatchable("%s would gain or lose its date in the sitemap" % save_as)
        for _lang, base in edition_bases(edition.settings, edition.site_base):
            dates[seo.absolute(base, seo.url_path(save_as))] = (before, after)
    sitemap = edition.output / "sitemap.xml"
    with open(sitemap, "rb") as handle:
        is_index = b"<sitemapindex" in handle.read(200)
    paths = sorted(edition.output.glob("sitemap-*.xml"), key=lambda p: int(p.stem.split("-")[1])) if is_index \
        else [sitemap]
    patch_files.replace_sitemap_dates(paths, dates, changes)


def _open_data_pieces(edition, record, view):
    """{data file: (the record's text in it, its number of rows)} (its object, its CSV rows, its HSDS rows)."""
    from . import open_data
    from .jsontext import json_dumps

    base = edition.site_base
    csv_text = open_data.providers_csv([record], [view], base)
    pieces = {"providers.json": (json_dumps(open_data.provider_record(record, view, edition.places, base)), 1),
              "providers.csv": (csv_text[csv_text.index("\r\n") + 2:], 1)}
    for table, rows in open_data.hsds_tables([record], [view], edition.vocab, base).items():
        pieces["hsds/%s.json" % table] = (",".join(rows.texts), len(rows))
    return pieces


def _open_data_splices(edition, old, old_view, new, view, splices):
    """Add to `splices` ({data file: [(old text, new text)]}) what one record changes in the data files."""
    before = _open_data_pieces(edition, old, old_view)
    after = _open_data_pieces(edition, new, view)
    for name, (old_text, old_rows) in before.items():
        new_text, new_rows = after[name]
        if new_text == old_text:
            continue
        if not old_text or old_rows != new_rows:  # hsds/index.json counts the rows
            raise NotPatchable("%s has another number of rows in %s" % (new.id, name))
        splices.setdefault(name, []).append((old_text, new_text))
