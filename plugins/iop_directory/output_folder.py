"""Which folders a build may replace, and how a new site takes the place of the old one.

A build writes the whole site into a staging folder beside the output (`.<name>.building-<random>`), then swaps
it into place in one step, so a visitor or a failed build never sees half a site:

- only a folder `iop build` made is replaced: it holds the STAMP file (written into every site), or it is new or
  empty; never a folder that holds the build's own sources. Anything else is refused before a file is written,
  whatever it holds, so nothing of a user's is ever deleted;
- the staging folder is locked (flock) for as long as its build runs; the kernel lets go of the lock when the
  build ends in any way, even killed. The next build removes every unlocked leftover of ours, so a killed build
  leaves nothing behind once another one has run;
- the swap exchanges the two folders with renameat2(RENAME_EXCHANGE), so `output/` always exists. Where the file
  system cannot exchange, the old site is renamed aside first; if the build dies between the two renames, the
  next build puts the newest complete site back in place before anything else.
"""

import ctypes
import errno
import fcntl
import glob
import os
import shutil
import tempfile
from pathlib import Path

from .errors import OutputRefused

STAMP = ".iop-build"
STAMP_TEXT = ("This folder is made by `iop build` and replaced as a whole by each build:\n"
              "keep nothing else in it.\n")
# Our own folders beside an output: a staging folder, an old site renamed aside, and what builds before this
# module made (their shared-work and retired-site folders).
LEFTOVER_KINDS = ("building", "retiring", "shared", "old")


def check(output: Path, sources) -> None:
    """Raise OutputRefused when `output` must not be replaced by a build; `sources` are the paths the build reads
    (providers, content, theme, settings file)."""
    output = Path(output).resolve()
    for source in sources:
        source = Path(source).resolve()
        if source == output or output in source.parents:
            raise OutputRefused("%s holds %s, which the build reads; build into another folder (such as output/)"
                                % (output, source))
        if source.is_dir() and source in output.parents:
            raise OutputRefused("%s is inside %s, which the build reads; build into another folder (such as output/)"
                                % (output, source))
    if not output.exists():
        return
    if not output.is_dir():
        raise OutputRefused("%s is a file, not a folder; choose a folder for the site" % output)
    if (output / STAMP).is_file():
        return
    if any(output.iterdir()):
        raise OutputRefused("%s is not empty and has no %s file, so `iop build` did not make it; the build replaces "
                            "the whole folder, so choose a new or empty folder" % (output, STAMP))


def _leftovers(output: Path):
    """Our folders beside `output` (see LEFTOVER_KINDS), newest first."""
    found = []
    for kind in LEFTOVER_KINDS:
        for path in output.parent.glob(".%s.%s-*" % (glob.escape(output.name), kind)):
            try:
                if path.is_dir() and not path.is_symlink():
                    found.append((path.stat().st_mtime_ns, path))
            except OSError:
                continue
    return [path for _, path in sorted(found, reverse=True)]


def clear_leftovers(output: Path) -> None:
    """Remove what killed builds into `output` left beside it; put the newest complete site back first if a build
    died between the two renames of a swap (the output is then missing). Folders a running build holds are left."""
    output = Path(output)
    for path in _leftovers(output):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a build that is running now
            if not output.exists() and (path / STAMP).is_file():
                os.rename(path, output)
                continue
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)


class Staging:
    """The folder one build writes its site into, locked while the build lives; publish() swaps it into place."""

    def __init__(self, output: Path):
        self.output = Path(output)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=".%s.building-" % self.output.name, dir=self.output.parent))
        self._fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def publish(self) -> None:
        """Stamp the finished site and put it in place of the output in one step; remove the old site."""
        (self.path / STAMP).write_text(STAMP_TEXT, encoding="utf-8")
        os.chmod(self.path, 0o755)
        if not self.output.exists():
            os.rename(self.path, self.output)
        elif _exchange(self.path, self.output):
            pass  # self.path now holds the old site, removed below (the lock went with the new one's inode)
        else:
            retired = Path(tempfile.mkdtemp(prefix=".%s.retiring-" % self.output.name, dir=self.output.parent))
            os.rmdir(retired)
            os.rename(self.output, retired)
            os.rename(self.path, self.output)
            self.path = retired
        self.discard()

    def discard(self) -> None:
        """Remove the staging folder (a failed build's site, or after publish() the old site); release the lock."""
        try:
            if self.path.exists() and self.path != self.output:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False when this system or file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
