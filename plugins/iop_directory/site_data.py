"""What every language edition of one build shares, made once: the records, read and validated, the vocabularies,
the place table, the level-of-care content and the search data that does not depend on the language.

build.py makes one SiteData before the editions and hands it to each (generator.ProviderGenerator.for_site); a
plain `pelican` run with the plugin makes its own in the generator.
"""

import datetime
import functools
import logging
import re
import subprocess
from pathlib import Path

import yaml

from .errors import ProviderError, RecordsInvalid, SettingError
from .paths import CONTENT_DIR, PROVIDERS_DIR, REPO_ROOT
from .places import load_places
from .records import RecordValidator, check_url
from .vocab import load_vocabularies

logger = logging.getLogger(__name__)

# Above this many providers the search data is split into files loaded on demand (search_shards.py); a
# Massachusetts-size directory (a few hundred) keeps one lunr index.
SEARCH_SHARD_THRESHOLD = 500


def providers_path(settings) -> Path:
    providers = settings.get("PROVIDERS_PATH") or str(PROVIDERS_DIR)
    if not Path(providers).is_dir():
        raise SettingError("iop_directory: PROVIDERS_PATH %r does not exist" % providers)
    return Path(providers)


def build_date(settings) -> datetime.date:
    today = settings.get("IOP_TODAY")
    try:
        return datetime.date.fromisoformat(today) if today else datetime.date.today()
    except (TypeError, ValueError):
        raise SettingError("iop_directory: IOP_TODAY %r is not a date (YYYY-MM-DD)" % (today,)) from None


_GITHUB_REMOTE = re.compile(r"^(?:https://|git@|ssh://git@)github\.com[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def repository_address(settings):
    """The web address of the repository the site is built from, for the report and update links, or None.

    IOP_REPOSITORY_URL when set (the Pages workflow sets it from github.server_url and github.repository), else
    this checkout's `origin` remote when it is a GitHub address. Never a guessed address: with none known, the
    links are left out.
    """
    configured = settings.get("IOP_REPOSITORY_URL")
    if configured:
        problem = check_url(configured)
        if problem:
            raise SettingError("iop_directory: IOP_REPOSITORY_URL %r %s" % (configured, problem))
        return configured.rstrip("/")
    try:
        remote = subprocess.run(["git", "-C", str(REPO_ROOT), "remote", "get-url", "origin"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    match = _GITHUB_REMOTE.match(remote)
    return "https://github.com/%s/%s" % match.groups() if match else None


def read_records(folder: Path, validator: RecordValidator):
    """Return the valid records in `folder`; raise RecordsInvalid listing every error. Warnings are logged."""
    # messages name files as iop validate does: relative to the current folder when inside it, else in full
    records, problems = validator.load_many([folder], root=Path.cwd())
    for problem in problems:
        if not problem.is_error:
            logger.warning("%s", problem.format())
    errors = [p for p in problems if p.is_error]
    if not errors and not records:
        errors = [ProviderError(str(folder), 1, 1, "", "no provider records (*.yaml) in this folder",
                                "add one with `iop new`, or point --providers at the folder that holds them")]
    if errors:
        raise RecordsInvalid(errors)
    return records


class SiteData:
    """The records and everything made from them that is the same in every language edition."""

    def __init__(self, settings):
        self.providers_folder = providers_path(settings)
        self.today = build_date(settings)
        self.vocab = load_vocabularies()
        self.places = load_places()
        self.records = read_records(self.providers_folder, RecordValidator(self.vocab, self.places, today=self.today))
        self.shard_threshold = settings.get("IOP_SEARCH_SHARD_THRESHOLD", SEARCH_SHARD_THRESHOLD)
        with open(CONTENT_DIR / "levels-of-care.yaml", encoding="utf-8") as handle:
            self.levels_of_care = yaml.safe_load(handle)
        self.repository_url = repository_address(settings)
        if self.repository_url is None:  # said once per build: this object is made once and shared
            logger.warning("no repository address: the 'Report outdated information' and update links are left "
                           "out (set IOP_REPOSITORY_URL, or build from a clone whose origin is on GitHub)")

    @property
    def search_is_split(self) -> bool:
        """Whether the search data is split into files loaded on demand (large directories only)."""
        return len(self.records) > self.shard_threshold

    @functools.cached_property
    def map_svg(self):
        """The base map of Massachusetts (state_map.map_svg), made once per build."""
        from . import state_map

        return state_map.map_svg()

    @functools.cached_property
    def filter_documents(self):
        """What the search's filters and distances read of each program, in result order (language-free; the
        lunr path's documents carry their term numbers too): search_index.filter_documents."""
        from . import search_index

        return search_index.filter_documents(self.records, self.vocab, self.places, not self.search_is_split)

    @functools.cached_property
    def search_files(self):
        """{output path: text} of the search data every edition writes the same: made once per build."""
        from . import search_index, search_shards

        if self.search_is_split:
            return search_shards.shared_search_files(self.records, self.vocab, self.places, self.filter_documents)
        return search_index.shared_search_files(self.records, self.vocab, self.places)
