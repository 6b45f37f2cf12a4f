"""Pelican settings for local builds (relative URLs). publishconf.py extends this for the published site."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "plugins"))


def _(text):
    """Mark a setting for the translation catalogs (babel.cfg); build.py translates it for each edition."""
    return text


SITENAME = _("Massachusetts IOP Directory")
SITEURL = ""
SITE_DESCRIPTION = _("A free, independent directory of intensive outpatient programs (IOPs) for mental health, "
                    "substance use and co-occurring care in Massachusetts, with sources for every fact.")
PATH = os.path.join(HERE, "content")
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = ["articles"]
# Pages are Markdown only; without the reStructuredText reader docutils does not warn about "pt".
READERS = {"rst": None}
STATIC_PATHS = []
TIMEZONE = "America/New_York"
DEFAULT_LANG = "en"
# Language editions (issue 9): the first is the site root, the others are built into /<lang>/ (build.py).
IOP_EDITIONS = ["en", "es", "pt"]
THEME = os.path.join(HERE, "theme")
RELATIVE_URLS = True

PLUGIN_PATHS = [os.path.join(HERE, "plugins")]
PLUGINS = ["iop_directory"]
PROVIDERS_PATH = os.path.join(HERE, "providers")
# Where "Report outdated information" and the coverage page's update links go (a prefilled issue): the repository
# the site is built from. The Pages workflow sets it; without it the build uses the clone's origin when that is a
# GitHub address, and leaves the links out otherwise (site_data.repository_address).
IOP_REPOSITORY_URL = os.environ.get("IOP_REPOSITORY_URL") or None

# Autoescape is off in Pelican by default; provider text is untrusted, so every template escapes.
# auto_reload off: a build never edits its templates, and checking each included template's file time on every
# page (base, crisis banner, compare tray) cost a stat call per include per page. `make serve` rebuilds afresh.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True, "auto_reload": False,
                     "extensions": ["jinja2.ext.i18n"]}

PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
# The directory has no blog: no articles, tags, categories, authors or archives.
DIRECT_TEMPLATES = []
ARTICLE_SAVE_AS = ""
ARTICLE_LANG_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
PAGE_LANG_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
DEFAULT_PAGINATION = False
SLUGIFY_SOURCE = "basename"
