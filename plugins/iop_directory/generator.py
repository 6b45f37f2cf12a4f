"""Pelican glue: a generator that writes the directory's pages and data files for one language edition.

Reading and validation live in `records` (through `site_data`), display data in `views`, the search data in
`search_index` / `search_shards`; this module only connects them to Pelican: settings, the theme's Jinja
environment, and the writer (pages) or jsontext.write_files (data files).
"""

import logging

from pelican import signals
from pelican.generators import Generator

from . import compare_data, coverage, feed, open_data, qr_codes, search_index, search_shards, seo, state_map
from . import structured_data, views
from .constant_gettext import ConstantGettext
from .jsontext import json_dumps, write_files
from .site_data import SiteData, providers_path
from .translations import translations_for

logger = logging.getLogger(__name__)

# Cards per page of a listing (all programs, a town, an insurance): at national size "all programs" was one 12 MB
# page. Far above a Massachusetts-size directory, whose listings stay single pages.
LIST_PAGE_SIZE = 250


def in_name_order(provider_views):
    """The order of every list of providers: by name, then id."""
    return sorted(provider_views, key=lambda v: (v["name"].lower(), v["id"]))


class ProviderGenerator(Generator):
    """Writes provider, directory, town, insurance, search and information pages plus their data files."""

    site = None  # the build's SiteData (for_site); a plain `pelican` run reads the records itself

    @classmethod
    def for_site(cls, site: SiteData):
        """This generator for one edition of a build whose shared data is `site` (made once for every edition)."""
        return type(cls.__name__, (cls,), {"site": site})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        providers_path(self.settings)  # a wrong PROVIDERS_PATH fails here, when Pelican sets up its generators
        self.lang = self.settings.get("DEFAULT_LANG", "en")
        self.views = []

    def generate_context(self):
        if self.site is None:
            self.site = SiteData(self.settings)
        site = self.site
        labels = views.labels_for(self.lang)
        self.labels, self.site_base = labels, seo.site_base(self.settings)
        self.context["CANONICAL_SITEURL"] = self.site_base if self.settings.get("SITEURL") else ""
        self.views = in_name_order(views.provider_view(r, site.vocab, site.places, labels, site.today)
                                   for r in site.records)
        self.context.update({
            "providers": self.views,
            "towns": views.group_by_town(self.views),
            "payers": views.group_by_payer(self.views, site.records, site.vocab, labels),
            "payer_categories": [{"slug": k, "name": labels._(v)} for k, v in site.vocab.payer_categories.items()],
            "facets": views.search_facets(site.records, site.vocab, labels),
            "levels_of_care": views.levels_view(site.levels_of_care),
            "crisis": site.levels_of_care["crisis"],
            "today": site.today.isoformat(),
            "search_sharded": site.search_is_split,
            "IOP_REPOSITORY_URL": site.repository_url,
            "state_map": state_map.projection(),
        })

    def generate_output(self, writer):
        pages = list(self._pages())
        for save_as, template, extra in pages:
            self._write_page(writer, save_as, template, extra)
        site, out = self.site, self.output_path
        write_files(out, site.search_files)
        write_files(out, {state_map.MAP_PATH: site.map_svg})
        edition_files = search_shards if site.search_is_split else search_index
        write_files(out, edition_files.edition_search_files(site.records, self.views, site.filter_documents))
        write_files(out, compare_data.build_compare_files(self.views))
        write_files(out, open_data.open_data_files(site.records, self.views, site.vocab, site.places, self.site_base,
                                                   self.lang))
        write_files(out, self._seo_files(pages))

    def _pages(self):
        """Yield (save_as, template name, extra context) of every page the directory writes."""
        size = self.settings.get("IOP_LIST_PAGE_SIZE", LIST_PAGE_SIZE)

        def listing(base_path, template, members, **extra):
            """A list of provider cards, on pages of IOP_LIST_PAGE_SIZE (one page at Massachusetts size)."""
            for save_as, on_page, pagination in views.list_pages(base_path, members, size):
                yield save_as, template, dict(page_members=on_page, pagination=pagination, **extra)

        yield "index.html", "home", {}
        yield from listing("providers/", "directory", self.views)
        for view in self.views:
            address = seo.absolute(self.site_base, view["url"])
            yield "providers/%s/index.html" % view["id"], "provider", {
                "provider": view, "page_address": address, "qr": qr_codes.qr_svg(address)}
        yield "towns/index.html", "towns", {}
        for town in self.context["towns"]:
            for save_as, template, extra in listing("towns/%s/" % town["slug"], "town", town["providers"], town=town):
                first = (extra["pagination"] or {}).get("first", 1)
                yield save_as, template, dict(extra, map=views.town_map(town, extra["page_members"], self.site.places,
                                                                        first))
        yield "insurance/index.html", "payers", {}
        for payer in self.context["payers"]:
            yield from listing("insurance/%s/" % payer["slug"], "payer", payer["providers"], payer=payer)
        yield "search/index.html", "search", {}
        yield "levels-of-care/index.html", "levels", {}
        yield "coverage/index.html", "coverage", {"coverage": views.coverage_view(
            coverage.coverage(self.site.records, self.site.today), self.views, self.labels)}
        yield "compare/index.html", "compare", {}
        yield "404.html", "404", {}
        yield "data/index.html", "data", {"open_data_tables": open_data.HSDS_TABLES,
                                          "csv_columns": open_data.CSV_COLUMNS}

    def _write_page(self, writer, save_as, template, extra):
        extra = dict(extra, page_name=save_as[: -len("index.html")].rstrip("/") or "index",
                     page_path=seo.url_path(save_as))
        relative_urls = self.settings.get("RELATIVE_URLS", False) and save_as != "404.html"
        # The 404 page is served at any depth, so its links must not be relative to where it was written.
        if save_as == "404.html" and not self.settings.get("SITEURL"):
            extra["SITEURL"] = self.settings.get("IOP_EDITION_PATH", "")  # /es/404.html links within /es/
        extra.update(structured_data.page_extras(template, save_as, extra, self.site_base, self.labels, self.views))
        writer.write_file(save_as, self.get_template(template), self.context, relative_urls=relative_urls, **extra)

    def _seo_files(self, pages):
        """Yield (path, data) for sitemap.xml, robots.txt and the Atom feed (issue 6)."""
        yield feed.FEED_PATH, feed.atom_feed(self.views, self.site_base, self.settings["SITENAME"], self.labels,
                                             self.lang, self.settings.get("IOP_FEED_MAX_ENTRIES", feed.MAX_ENTRIES))
        if self.settings.get("IOP_EDITION_PATH"):
            return
        # The root sitemap lists every edition's pages (issue 9).
        entries = [(seo.absolute(self.site_base, seo.url_path(save_as)),
                    structured_data.page_lastmod(template, extra, self.views))
                   for save_as, template, extra in pages if save_as != "404.html"]
        entries += [(seo.absolute(self.site_base, p.url), None) for p in self.context.get("pages", ())]
        yield from seo.sitemap_files(entries, edition_bases(self.settings, self.site_base), self.site_base).items()
        yield "robots.txt", seo.robots_txt(self.site_base)


def edition_bases(settings, site_base):
    """Return [(lang, absolute base URL)] of the language editions, the site root's first (`site_base`: the
    edition's own, seo.site_base)."""
    edition_path = settings.get("IOP_EDITION_PATH", "")
    root = site_base[: -len(edition_path)] if edition_path else site_base
    editions = settings.get("IOP_EDITIONS") or [settings.get("DEFAULT_LANG", "en")]
    return [(lang, root if i == 0 else "%s/%s" % (root, lang)) for i, lang in enumerate(editions)]


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
    env.filters.setdefault("tojson_safe", json_dumps)


def get_generators(pelican):
    """The directory's generator; bound to the build's shared data when build.py runs this edition."""
    site = getattr(pelican, "iop_site", None)
    return ProviderGenerator if site is None else ProviderGenerator.for_site(site)


def connect_signals():
    signals.generator_init.connect(install_translations)
    signals.get_generators.connect(get_generators)
