"""Pelican glue: a generator that reads provider records and writes the directory's pages and data files.

Reading and validation live in `records`, display data in `views`, the search index in `search_index`;
this module only connects them to Pelican (settings, the theme's Jinja environment, the writer).
"""

import datetime
import functools
import gc
import gettext
import hashlib
import io
import os
import logging
from pathlib import Path

import yaml
from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals
from pelican.generators import Generator

from . import build_cache, compare_data, search_index, search_shards, views
from . import feed, incremental, open_data, seo, shared_files, shared_work, structured_data
from .constant_gettext import ConstantGettext
from .errors import ProviderError, RecordsInvalid, SettingError
from .jsontext import json_dumps, write_files
from .paths import CONTENT_DIR, PROVIDERS_DIR
from .places import load_places
from .records import RecordValidator
from .vocab import load_vocabularies

logger = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "theme" / "translations"
# Cards per page of a listing (all programs, a town, an insurance): at national size "all programs" was one 12 MB
# page. Far above a Massachusetts-size directory, whose listings stay single pages.
LIST_PAGE_SIZE = 250


@functools.lru_cache(maxsize=8)
def translations_for(lang):
    """Return gettext translations for `lang` from theme/translations (English uses the msgids).

    The .po catalog is the source: it is compiled in memory, so a build never uses a stale or missing .mo.
    """
    if lang == "en":
        return gettext.NullTranslations()
    po = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.translation("messages", str(TRANSLATIONS_DIR), languages=[lang], fallback=True)
    source = po.read_bytes()
    # Compiled once per catalog text and Babel version, in the build cache: parsing a .po takes 50 ms or more, and
    # a one-record patch of a large site runs in a second or two.
    from importlib.metadata import version

    key = hashlib.sha256(source + version("babel").encode()).hexdigest()[:24]
    kept = build_cache.cache_dir() / "catalogs" / ("%s-%s.mo" % (lang, key))
    try:
        compiled = kept.read_bytes()
    except OSError:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        buffer = io.BytesIO()
        write_mo(buffer, read_po(io.BytesIO(source), locale=lang))
        compiled = buffer.getvalue()
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            temp = kept.with_suffix(".mo-%d" % os.getpid())
            temp.write_bytes(compiled)
            os.replace(temp, kept)
        except OSError:
            pass  # not kept: compiled again next time
    return gettext.GNUTranslations(io.BytesIO(compiled))


def providers_path(settings) -> Path:
    providers = settings.get("PROVIDERS_PATH") or str(PROVIDERS_DIR)
    if not Path(providers).is_dir():
        raise SettingError("iop_directory: PROVIDERS_PATH %r does not exist" % providers)
    return Path(providers)


def build_date(settings) -> datetime.date:
    today = settings.get("IOP_TODAY")
    return datetime.date.fromisoformat(today) if today else datetime.date.today()


def shared_records(settings):
    """Return the valid provider records `settings` names; raise RecordsInvalid listing every error.

    Within build_site the records are read once and shared by the language editions (build.py reads them before
    the first edition, so warnings are printed once and an invalid record stops the build before any rendering).
    """
    folder, today = providers_path(settings), build_date(settings)
    session = incremental.current
    shared_key = (str(folder.resolve()), today)
    if session is not None and shared_key in session.shared:
        return session.shared[shared_key]
    validator = RecordValidator(load_vocabularies(), load_places(), today=today)
    loader = build_cache.CachedLoader(validator, today)
    # messages name files as iop validate does: relative to the current folder when inside it, else in full
    records, problems = validator.load_many([folder], root=Path.cwd(), loader=loader)
    loader.save()
    del loader
    for problem in problems:
        if not problem.is_error:
            logger.warning("%s", problem.format())
    errors = [p for p in problems if p.is_error]
    if not errors and not records:
        errors = [ProviderError(str(folder), 1, 1, "", "no provider records (*.yaml) in this folder",
                                "add one with `iop new`, or point --providers at the folder that holds them")]
    if errors:
        raise RecordsInvalid(errors)
    if session is not None:
        session.shared = {shared_key: records}
    return records


def search_is_split(settings, records) -> bool:
    """Whether the search data is split into files loaded on demand (issue 8; large directories only)."""
    return len(records) > settings.get("IOP_SEARCH_SHARD_THRESHOLD", search_shards.DEFAULT_THRESHOLD)


def shared_search_files(settings, records):
    """The search files every edition shares (search_shards.shared_search_files) as (path, text) pairs, or []
    when the search is one lunr index; for build.py, which writes them once for editions built side by side."""
    if not search_is_split(settings, records):
        return []
    return [(path, data if isinstance(data, str) else json_dumps(data))
            for path, data in search_shards.shared_search_files(records, load_vocabularies(), load_places())]


def labels_for(lang):
    """The display labels (views.Labels) of one language: every edition, the shared open data and a patch."""
    return views.Labels(translations_for(lang).gettext, lang)


def in_name_order(provider_views):
    """The order of every list of providers: by name, then id."""
    return sorted(provider_views, key=lambda v: (v["name"].lower(), v["id"]))


def shared_open_data(settings, records, folder):
    """Make the /data/ files every edition shares (shared_files.py) and keep them in `folder`, from views in the
    first edition's language (open data uses only their language-free parts: slugs, URLs, town names).

    For build.py, whose process has nothing else to do while editions built side by side render: made there, the
    editions only fill in their base URL and language, and none of them has a second's more work than the others.
    """
    lang = (settings.get("IOP_EDITIONS") or [settings.get("DEFAULT_LANG", "en")])[0]
    vocab, places, today = load_vocabularies(), load_places(), build_date(settings)
    labels = labels_for(lang)
    made = in_name_order(views.provider_view(r, vocab, places, labels, today) for r in records)
    shared_files.keep(folder, OPEN_DATA_KEPT_AS,
                      lambda base, lang: open_data.open_data_files(records, made, vocab, places, base, lang))


OPEN_DATA_KEPT_AS = "open-data"


class ProviderGenerator(Generator):
    """Writes provider, directory, town, insurance, search and information pages plus their data files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        providers_path(self.settings)  # a wrong PROVIDERS_PATH fails here, when Pelican sets up its generators
        self.lang = self.settings.get("DEFAULT_LANG", "en")
        self.today = build_date(self.settings)
        self.vocab = load_vocabularies()
        self.places = load_places()
        self.records = []
        self.views = []
        self._made_dirs = set()

    def generate_context(self):
        self.records = records = shared_records(self.settings)
        gc.collect()  # the previous edition's generators and views, held in reference cycles
        labels = labels_for(self.lang)
        self.labels, self.site_base = labels, seo.site_base(self.settings)
        self.context["CANONICAL_SITEURL"] = self.site_base if self.settings.get("SITEURL") else ""
        pairs = [(r, views.provider_view(r, self.vocab, self.places, labels, self.today)) for r in records]
        if incremental.current is not None:
            incremental.current.new_edition()
            for record, view in pairs:
                if record.content_key:  # a view is a function of its record, the vocabularies and the language
                    incremental.current.known_digest(view, record.content_key + "|" + self.lang)
        self.views = in_name_order(view for _, view in pairs)
        del pairs
        with open(CONTENT_DIR / "levels-of-care.yaml", encoding="utf-8") as handle:
            levels_of_care = yaml.safe_load(handle)
        self.context.update({
            "providers": self.views,
            "towns": views.group_by_town(self.views),
            "payers": views.group_by_payer(self.views, self.vocab, labels),
            "payer_categories": [{"slug": k, "name": labels._(v)} for k, v in self.vocab.payer_categories.items()],
            "facets": self._facets(labels),
            "levels_of_care": views.levels_view(levels_of_care),
            "crisis": levels_of_care["crisis"],
            "today": self.today.isoformat(),
            "search_sharded": self.sharded_search(),
        })

    def _facets(self, labels):
        """Return the search filter groups with every option, for the form rendered without JavaScript."""
        def options(name):
            return [{"slug": t.slug, "name": labels.term(t)} for t in self.vocab[name].terms]

        used_languages = sorted({lang for r in self.records for lang in r.data.get("languages") or []})
        return [
            {"param": "insurance", "label": labels._("Insurance"), "options": options("insurance")
             + [{"slug": self.vocab.category_value(k), "name": labels._(v)}
                for k, v in self.vocab.payer_categories.items()
                if self.vocab.category_value(k) not in self.vocab["insurance"]]},
            {"param": "mode", "label": labels._("How it is delivered"),
             "options": [{"slug": k, "name": v} for k, v in labels.modes.items()]},
            {"param": "schedule", "label": labels._("Schedule"),
             "options": [{"slug": k, "name": v} for k, v in labels.buckets.items()]},
            {"param": "level", "label": labels._("Level of care"), "options": options("levels")},
            {"param": "population", "label": labels._("Who it serves"), "options": options("populations")},
            {"param": "focus", "label": labels._("Focus"), "options": options("focus")},
            {"param": "modality", "label": labels._("Therapies"), "options": options("modalities")},
            {"param": "language", "label": labels._("Language"),
             "options": [{"slug": c, "name": labels.term(self.vocab["languages"][c])}
                         for c in sorted(set(used_languages) | {"en", "es", "pt"})]},
        ]

    def generate_output(self, writer):
        relative = self.settings.get("RELATIVE_URLS", False)

        written = []

        session = incremental.current
        edition_dir = self.settings.get("IOP_EDITION_PATH", "").strip("/")

        def page(save_as, template, **extra):
            written.append((save_as, structured_data.page_lastmod(template, extra, self.views)))
            # The 404 page is served at any depth, so its links must not be relative to where it was written.
            if save_as == "404.html" and not self.settings.get("SITEURL"):
                extra["SITEURL"] = self.settings.get("IOP_EDITION_PATH", "")  # /es/404.html links within /es/
            extra.update(page_name=save_as[: -len("index.html")].rstrip("/") or "index",
                         page_path=seo.url_path(save_as))
            pages.append((save_as, template, extra))

        pages = []  # (save_as, template name, extra), in order; keyed and rendered (or reused) by render()

        def render(item):
            """Write one page, or hard-link the previous build's when its key is unchanged (incremental.py).

            Keys and the SEO context (JSON-LD, descriptions) are made here, by whichever of the two processes
            takes the page, not for every page before they start; the SEO context only for pages rendered.
            """
            save_as, template, extra = item
            jinja_template = self.get_template(template)
            relative_urls = relative and save_as != "404.html"
            if session is not None:
                # keyed by what the SEO context is made from, so a reused page never has it made
                inputs = structured_data.page_extras_inputs(template, extra, self.views)
                inputs["base and language"] = [self.site_base, self.lang]
                key = session.page_key(self.env, jinja_template, save_as, self.context, extra,
                                       {"relative_urls": relative_urls}, inputs)
                relative_path = "%s/%s" % (edition_dir, save_as) if edition_dir else save_as
                if session.reuse(relative_path, key, Path(self.output_path) / save_as):
                    return
            extra = {**extra, **structured_data.page_extras(template, save_as, extra, self.site_base, self.labels,
                                                            self.views)}
            writer.write_file(save_as, jinja_template, self.context, relative_urls=relative_urls, **extra)

        def search_files():  # here, not in the helper process: its shared postings serve the next edition
            self._write_data(self._search_files())

        # Data files that need every page listed (the sitemap lists them), first in the queue: when few pages
        # are left to render (a rebuild), the helper process writes them while this one writes the search files.
        data_jobs = [lambda: self._write_data(self._seo_files(written)),
                     lambda: self._write_data(compare_data.build_compare_files(self.views))]
        open_data_job = lambda: self._write_data(self._open_data())  # noqa: E731
        # The edition that makes the files every edition shares (shared_files.py) does so first; the others last,
        # when it has most likely finished. Editions built side by side all take them last: build.py makes them.
        early = not self.settings.get("IOP_EDITION_PATH") and not self.settings.get("IOP_OPEN_DATA_MADE_BY_BUILD")

        def listing(base_path, template, members, **extra):
            """A list of provider cards, on pages of IOP_LIST_PAGE_SIZE (one page at Massachusetts size)."""
            size = self.settings.get("IOP_LIST_PAGE_SIZE", LIST_PAGE_SIZE)
            for save_as, on_page, pagination in views.list_pages(base_path, members, size):
                page(save_as, template, page_members=on_page, pagination=pagination, **extra)

        page("index.html", "home")
        listing("providers/", "directory", self.views)
        for view in self.views:
            page("providers/%s/index.html" % view["id"], "provider", provider=view)
        page("towns/index.html", "towns")
        for town in self.context["towns"]:
            listing("towns/%s/" % town["slug"], "town", town["providers"], town=town)
        page("insurance/index.html", "payers")
        for payer in self.context["payers"]:
            listing("insurance/%s/" % payer["slug"], "payer", payer["providers"], payer=payer)
        page("search/index.html", "search")
        page("levels-of-care/index.html", "levels")
        page("compare/index.html", "compare")
        page("404.html", "404")
        page("data/index.html", "data", open_data_tables=open_data.HSDS_TABLES, csv_columns=open_data.CSV_COLUMNS)
        folder = self.settings.get("IOP_SHARED_WORK_DIR")
        if folder and not edition_dir and self.sharded_search():  # what a later patch of a large site needs
            from . import patch_build

            patch_build.write_page_list(folder, pages)
        shared_work.run(pages, render, search_files, jobs=[open_data_job] + data_jobs if early else data_jobs,
                        late_jobs=[] if early else [open_data_job],
                        worth_sharing=len(pages) + len(self.views) >= shared_work.MIN_ITEMS,
                        **(dict(in_child=session.start_forked, report=session.forked_state,
                                merge=session.add_forked_state) if session is not None else {}))
        if session is not None:
            session.new_edition()

    def sharded_search(self):
        return search_is_split(self.settings, self.records)

    def _search_files(self):
        if self.sharded_search():
            if self.settings.get("IOP_SHARED_SEARCH_FILES_WRITTEN_BY_BUILD"):  # build.py writes them (once)
                return search_shards.edition_search_files(self.records, self.views, self.vocab, self.places)
            return search_shards.build_sharded_search_files(self.records, self.views, self.vocab, self.places)
        return search_index.build_search_files(self.records, self.views, self.vocab, self.places)

    def _open_data(self):
        """Yield (path, data) for the /data/ files (issue 6); made once for all editions when they can share."""
        def make(base, lang):
            return open_data.open_data_files(self.records, self.views, self.vocab, self.places, base, lang)

        folder = self.settings.get("IOP_SHARED_WORK_DIR")
        if folder and shared_files.can_share(self.site_base, self.lang):
            return shared_files.edition_files(folder, OPEN_DATA_KEPT_AS, make, self.site_base, self.lang)
        return make(self.site_base, self.lang)

    def _seo_files(self, written):
        """Yield (path, data) for sitemap.xml, robots.txt and the Atom feed (issue 6)."""
        yield feed.FEED_PATH, feed.atom_feed(self.views, self.site_base, self.settings["SITENAME"], self.labels,
                                             self.lang, self.settings.get("IOP_FEED_MAX_ENTRIES", feed.MAX_ENTRIES))
        if not self.settings.get("IOP_EDITION_PATH"):  # the root sitemap lists every edition's pages (issue 9)
            entries = [(seo.absolute(self.site_base, seo.url_path(s)), lastmod)
                       for s, lastmod in written if s != "404.html"]
            entries += [(seo.absolute(self.site_base, p.url), None) for p in self.context.get("pages", ())]
            yield from seo.sitemap_files(entries, self._edition_bases(), self.site_base).items()
            yield "robots.txt", seo.robots_txt(self.site_base)

    def _edition_bases(self):
        return edition_bases(self.settings, self.site_base)

    def _write_data(self, files):
        """Write {path: data} or (path, data) pairs into the edition's output (jsontext.write_files)."""
        write_files(self.output_path, files, self._made_dirs)


def edition_bases(settings, site_base):
    """Return [(lang, absolute base URL)] of the language editions, the site root's first (`site_base`: the
    edition's own, seo.site_base)."""
    edition_path = settings.get("IOP_EDITION_PATH", "")
    root = site_base[: -len(edition_path)] if edition_path else site_base
    editions = settings.get("IOP_EDITIONS") or [settings.get("DEFAULT_LANG", "en")]
    return [(lang, root if i == 0 else "%s/%s" % (root, lang)) for i, lang in enumerate(editions)]


def _fast_gettext(translations):
    """Jinja's newstyle gettext, with the result for strings without variables kept (same output, less work).

    Pages call _() thousands of times per page set; jinja2.ext's version re-translates, wraps in Markup and
    %-formats every time.
    """
    cache = {}

    @pass_context
    def gettext(__context, __string, **variables):
        autoescape = __context.eval_ctx.autoescape
        if variables:
            text = translations.gettext(__string)
            return (Markup(text) if autoescape else text) % variables
        key = (__string, autoescape)
        found = cache.get(key)
        if found is None:
            text = translations.gettext(__string)
            found = cache[key] = (Markup(text) if autoescape else text) % {}
        return found

    return gettext


def _rendered_once(env, template, name):
    """Return macro `name` of `template`, keeping what it returns for each (first argument, other arguments).

    A provider's result card is printed on the directory, its town pages and every insurance page that lists it:
    at national size that is the same card five or more times per edition; most tracks' hours scales are one of a
    few dozen. What such a macro prints is a function of its arguments (it is imported without the page's
    context), and its first argument (a provider view, an hours scale) is an object nothing changes once made
    and that the edition keeps, so the first rendering serves every later call with the same objects.
    """
    macro, kept = None, {}

    def call(first, *args):
        nonlocal macro
        key = (id(first), args)
        found = kept.get(key)
        if found is not None and found[0] is first:
            return found[1]
        if macro is None:
            macro = getattr(env.get_template(template).module, name)
        html = macro(first, *args)
        kept[key] = (first, html)
        return html

    return call


def _rendered_per_value(env, template, name):
    """Return macro `name` of `template`, keeping what it returns for each distinct tuple of arguments.

    For the parts of every page that are a function of the site's root URL alone (_chrome.html): an edition has
    a handful of distinct roots (one per folder depth with relative URLs), and thousands of pages.
    """
    macro, kept = None, {}

    def call(*args):
        nonlocal macro
        html = kept.get(args)
        if html is None:
            if macro is None:
                macro = getattr(env.get_template(template).module, name)
            html = kept[args] = macro(*args)
        return html

    return call


def install_translations(generator):
    """Give every Pelican generator's Jinja environment the gettext functions of the site's language."""
    env = getattr(generator, "env", None)
    if env is None:
        return
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    translations = translations_for(generator.settings.get("DEFAULT_LANG", "en"))
    env.install_gettext_translations(translations, newstyle=True)
    env.iop_gettext = translations.gettext  # for ConstantGettext: literals are translated when compiled
    env.add_extension(ConstantGettext)
    env.globals["gettext"] = env.globals["_"] = _fast_gettext(translations)  # "_" skips jinja2.ext's alias hop
    env.filters.setdefault("tojson_safe", json_dumps)
    env.globals["card"] = _rendered_once(env, "_macros.html", "card")
    env.globals["hours_scale"] = _rendered_once(env, "_hours_scale.html", "hours_scale")
    for part in ("head_links", "header_start", "header_search", "crisis", "page_end"):
        env.globals["chrome_" + part] = _rendered_per_value(env, "_chrome.html", part)


def get_generators(pelican):
    return ProviderGenerator


def connect_signals():
    signals.generator_init.connect(install_translations)
    signals.get_generators.connect(get_generators)
