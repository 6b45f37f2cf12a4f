"""How a patch (patch_build.py) changes files of a live site: new contents written next to their targets, then
renamed into place as a journal lists, so a patch cut short is finished by the next build; and the two kinds of
edit inside large files that a patch makes without reading them whole (text spliced, sitemap dates replaced).

Nothing here knows what the files mean: patch_build.py decides what changes, this module makes the change safely.
"""

import json
import mmap
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, unescape

SUFFIX = ".iop-patch"
BIG_FILE = 1 << 22  # replacing a file this large frees its blocks in the rename: done after the build instead


class Unpatchable(Exception):
    """A file is not as the patch expects (text not found exactly once, a sitemap entry missing)."""


class Changes:
    """New file contents, written next to their targets, then moved in through the journal."""

    def __init__(self, output: Path):
        self.output = Path(output)
        self.moves = []  # (temp path or None for a removal, target)
        self.committing = False

    def write(self, target: Path, text: str):
        temp = Path(str(target) + SUFFIX)
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        self.moves.append((str(temp), str(target)))

    def write_each(self, targets, text: str):
        """Write the same text to every target: once, hard-linked to the others (a patch replaces files by
        renaming, never writes into one, so the editions' copies never change together)."""
        self.write(targets[0], text)
        for target in targets[1:]:
            temp = self.temp_for(target)
            temp.unlink(missing_ok=True)
            os.link(self.temp_for(targets[0]), temp)
            self.add(temp, target)

    def temp_for(self, target: Path) -> Path:
        """Where to write the new content of `target` (then `add`)."""
        return Path(str(target) + SUFFIX)

    def add(self, temp: Path, target: Path):
        self.moves.append((str(temp), str(target)))

    def remove(self, target: Path):
        self.moves.append((None, str(target)))

    def discard(self):
        """Remove the new files of a patch that will not be made; once the journal is written they are the patch
        (finish_journal moves them in)."""
        if self.committing:
            return
        for temp, _target in self.moves:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)

    def commit(self, journal: Path, remove_later):
        """Write the journal, make its renames, remove it (remove_later: how replaced large files are deleted)."""
        journal.parent.mkdir(parents=True, exist_ok=True)
        temp_journal = journal.with_suffix(".journal-new")
        temp_journal.write_text(json.dumps(self.moves), encoding="utf-8")
        os.replace(temp_journal, journal)
        self.committing = True
        finish_journal(self.output, journal, remove_later)


def finish_journal(output: Path, journal: Path, remove_later):
    """Make the renames a patch's journal lists (also those of a patch cut short: a machine stopped)."""
    try:
        moves = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    retired = None
    for number, (temp, target) in enumerate(moves):
        if temp is None:
            Path(target).unlink(missing_ok=True)
            continue
        if not os.path.exists(temp):
            continue  # moved in before the patch was cut short
        try:
            # The data files (tens of MB each at national size): moved aside first, then deleted after the build.
            # Replacing one in the rename made the file system write the new one out at once (ext4's
            # auto_da_alloc) and free the old one's blocks: a quarter of a patch's time.
            if os.stat(target).st_size >= BIG_FILE:
                if retired is None:
                    retired = Path(tempfile.mkdtemp(prefix=".%s.old-" % Path(output).name, dir=Path(output).parent))
                os.rename(target, retired / ("%d-%s" % (number, Path(target).name)))
        except OSError:
            pass  # replaced in the rename, then
        os.replace(temp, target)
    journal.unlink(missing_ok=True)
    if retired is not None:
        remove_later(retired)


def splice(path: Path, replacements, changes: Changes, json_members=False):
    """Write `path` with each old text of [(old, new)] replaced by its new one.

    Each old text must be found exactly once. `json_members`: the old texts are whole members of a JSON array or
    object (a record's objects, a key and its value), which JSON's escaping keeps out of any string, so the first
    match standing between member boundaries is the only one; the rest of the file (tens of MB) is not searched.
    """
    with open(path, "rb") as source, mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
        found = []
        for old_text, new_text in replacements:
            old_bytes = old_text.encode("utf-8")
            at = data.find(old_bytes)
            if json_members:
                unique = at > 0 and data[at - 1: at] in (b"[", b"{", b",") and \
                    data[at + len(old_bytes): at + len(old_bytes) + 1] in (b"]", b"}", b",")
            else:
                unique = at >= 0 and data.find(old_bytes, at + 1) < 0
            if not unique:
                raise Unpatchable("a record's text is not found exactly once in %s" % path.name)
            found.append((at, len(old_bytes), new_text.encode("utf-8")))
    _write_replaced(path, found, changes)


def replace_sitemap_dates(paths, dates, changes: Changes):
    """Set the <lastmod> of the sitemap URLs in `dates` ({absolute URL: (old date, new date)}) in the sitemap
    files `paths`, whose URLs are in sorted order (seo.sitemap_files): each is found by bisection, not by reading
    the file (tens of MB at national size)."""
    wanted = dict(dates)
    for path in paths:
        found = []
        with open(path, "rb") as source, mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for url in sorted(wanted):
                end_of_loc = _find_loc(data, url)
                if end_of_loc is None:
                    continue
                old, new = wanted.pop(url)
                expected = ("\n    <lastmod>%s</lastmod>" % escape(old)).encode("utf-8")
                if data[end_of_loc: end_of_loc + len(expected)] != expected:
                    raise Unpatchable("the sitemap's date of %s is not %s" % (url, old))
                found.append((end_of_loc, len(expected),
                              ("\n    <lastmod>%s</lastmod>" % escape(new)).encode("utf-8")))
        if found:
            _write_replaced(path, found, changes)
    if wanted:
        raise Unpatchable("%d page(s) are not in the sitemap, e.g. %s" % (len(wanted), min(wanted)))


def _find_loc(data, url: str):
    """The offset just after </loc> of the sitemap entry of `url`, or None; entries are sorted by URL."""
    low, high = 0, len(data)
    while low < high:
        middle = (low + high) // 2
        start = data.find(b"<loc>", middle, high + 4)  # an entry starting before `high`, though it ends after
        if start < 0:
            high = middle
            continue
        end = data.find(b"</loc>", start)
        if end < 0:
            raise Unpatchable("a sitemap file ends inside an entry")
        loc = unescape(data[start + 5: end].decode("utf-8"))
        if loc == url:
            return end + len(b"</loc>")
        if loc < url:
            low = end
        else:
            high = middle
    return None


def _write_replaced(path: Path, found, changes: Changes):
    """Write a copy of `path` with the byte ranges [(offset, length, new bytes)] replaced, copying the bytes between
    them in the kernel where it can, and add it to `changes`."""
    found.sort()
    temp = changes.temp_for(path)
    with open(path, "rb") as source, open(temp, "wb") as target:
        size = os.fstat(source.fileno()).st_size
        position = 0
        for at, length, new_bytes in found:
            _copy_range(source, target, position, at - position)
            target.write(new_bytes)
            position = at + length
        _copy_range(source, target, position, size - position)
    changes.add(temp, path)


def _copy_range(source, target, offset, length):
    """Copy `length` bytes of `source` from `offset` to the end of `target`."""
    if hasattr(os, "copy_file_range"):
        target.flush()
        position = target.tell()
        done = 0
        try:
            while done < length:
                copied = os.copy_file_range(source.fileno(), target.fileno(), length - done, offset + done,
                                            position + done)
                if copied == 0:
                    break
                done += copied
        except OSError:
            pass  # a file system without it: the plain copy below
        target.seek(position + done)
        if done == length:
            return
        offset, length = offset + done, length - done
    source.seek(offset)
    while length > 0:
        block = source.read(min(length, 1 << 22))
        if not block:
            break
        target.write(block)
        length -= len(block)
