"""Which folders a build may replace.

A build swaps a whole new site into its output folder (build.py), so whatever else that folder held would be
gone: `iop build --output .` in a repository would replace the repository. A folder is replaced only when it is
new, empty, or marked as made by a build (STAMP, written into every site; sites built before the stamp existed
are recognised by the files every build writes), and never when it holds the build's own sources.
"""

from pathlib import Path

from .errors import OutputRefused

STAMP = ".iop-build"
STAMP_TEXT = ("This folder is made by `iop build` and replaced as a whole by each build:\n"
              "keep nothing else in it.\n")
# What every site built before the stamp existed has (any edition, any size)
_EARLIER_SITE = ("index.html", "sitemap.xml", "data/providers.json", "search/index.html")


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
    if (output / STAMP).is_file() or all((output / name).is_file() for name in _EARLIER_SITE):
        return
    if any(output.iterdir()):
        raise OutputRefused("%s is not empty and was not made by `iop build`; the build replaces the whole folder, "
                            "so choose a new or empty folder" % output)


def stamp(site: Path) -> None:
    """Mark a finished site (in its staging folder) as one a later build may replace."""
    (Path(site) / STAMP).write_text(STAMP_TEXT, encoding="utf-8")
