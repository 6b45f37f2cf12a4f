"""Search-engine basics: absolute URLs, page summaries, sitemap.xml and robots.txt.

Absolute URLs use SITEURL (publishconf.py); local builds have no SITEURL and use DEV_SITEURL instead, so the
sitemap, canonical links and feeds are always valid absolute URLs. Everything here is deterministic.
"""

from xml.sax.saxutils import escape, quoteattr

DEV_SITEURL = "http://localhost:8000"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


def site_base(settings) -> str:
    """Return the absolute base URL of the site, without a trailing slash."""
    return (settings.get("CANONICAL_SITEURL") or settings.get("SITEURL")
            or DEV_SITEURL + settings.get("IOP_EDITION_PATH", "")).rstrip("/")


def absolute(base: str, path: str) -> str:
    """Return the absolute URL of a site path such as 'providers/x/' or '' (home)."""
    return "%s/%s" % (base, path.lstrip("/"))


def url_path(save_as: str) -> str:
    """Return the URL path a file is served at: 'towns/x/index.html' -> 'towns/x/', 'index.html' -> ''."""
    return save_as[: -len("index.html")] if save_as.endswith("index.html") else save_as


def newest_verified(views):
    """Return the newest last_verified date of the providers (ISO string), or None."""
    return max((v["last_verified"] for v in views), default=None)


def _join(items, _):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return _("%(list)s and %(last)s") % {"list": ", ".join(items[:-1]), "last": items[-1]}


def options_phrase(views, labels) -> str:
    """Return 'evening and virtual options' (schedules and delivery modes some listed program offers), or ''."""
    _ = labels._
    buckets = {b["slug"] for v in views for b in v["schedule"]}
    words = [labels.buckets[b].lower() for b in ("morning", "afternoon", "evening", "weekend") if b in buckets]
    if any(m["slug"] == "virtual" for v in views for m in v["modes"]):
        words.append(_("virtual"))
    if not words:
        return ""
    return _("%(options)s options") % {"options": _join(words, _)}


def count_phrase(n, labels) -> str:
    _ = labels._
    return _("1 program") if n == 1 else _("%(n)s programs") % {"n": n}


def _with_options(text, providers, labels) -> str:
    """Return text followed by the providers' schedule and virtual options, when they have any."""
    options = options_phrase(providers, labels)
    return "%s, %s" % (text, options) if options else text


def town_description(town, labels) -> str:
    """'Intensive outpatient programs in Worcester, MA — 4 programs, evening and virtual options'."""
    _ = labels._
    text = _("Intensive outpatient programs in %(town)s, MA — %(count)s") % {
        "town": town["name"], "count": count_phrase(len(town["providers"]), labels)}
    return _with_options(text, town["providers"], labels)


def payer_description(payer, labels) -> str:
    """'Massachusetts intensive outpatient programs that accept MassHealth — 3 programs, evening options'."""
    _ = labels._
    text = _("Massachusetts intensive outpatient programs that accept %(payer)s — %(count)s") % {
        "payer": payer["name"], "count": count_phrase(len(payer["providers"]), labels)}
    return _with_options(text, payer["providers"], labels)


def listing_description(template, views, labels):
    """Return the meta description of a site-wide listing page, or None to keep the site description."""
    _ = labels._
    count = count_phrase(len(views), labels)
    return {
        "towns": _("Massachusetts cities and towns with intensive outpatient programs — %(count)s in all") % {"count": count},
        "payers": _("Find Massachusetts intensive outpatient programs by the insurance they accept — %(count)s listed") % {"count": count},
        "search": _("Search Massachusetts intensive outpatient programs by town or ZIP, insurance, schedule and therapy — %(count)s") % {"count": count},
        "coverage": _("How complete this directory of Massachusetts intensive outpatient programs is: which facts are confirmed for how many of its %(count)s") % {"count": count},
    }.get(template)


def provider_description(view, labels) -> str:
    """A one-line summary of a provider: where, schedule options, verification date."""
    _ = labels._
    if view["statewide"]:
        where = _("virtual, for anyone in Massachusetts")
    elif view["towns"]:
        where = _("in %(towns)s, MA") % {"towns": _join([name for name, _slug in view["towns"]], _)}
    else:
        where = _("location not yet confirmed")
    text = _("%(name)s: intensive outpatient program %(where)s") % {"name": view["name"], "where": where}
    options = options_phrase([view], labels)
    if options:
        text = "%s — %s" % (text, options)
    return text + ". " + _("Schedule, insurance and sources, last verified %(date)s.") % {"date": view["last_verified"]}


MAX_SITEMAP_URLS = 50_000  # the sitemap protocol's limit per file (sitemaps.org)


def sitemap_files(entries, editions=None, base="") -> dict:
    """Return {path: XML} for [(absolute URL, lastmod or None)], sorted by URL.

    With `editions` ([(lang, base URL)], the first being the base of `entries`), every page is listed once per
    language edition, each with xhtml:link hreflang alternates to all editions and x-default (issue 9). Up to
    MAX_SITEMAP_URLS URLs that is one sitemap.xml; above (a national directory), sitemap.xml is a sitemap index
    of sitemap-1.xml, sitemap-2.xml, ... Written as text, not as an element tree: at 20,000 providers in three
    editions the tree held a few hundred thousand elements.
    """
    editions = editions or []
    listed = set(entries)
    if len(editions) > 1:
        first = editions[0][1]
        listed = {(edition_base + loc[len(first):], lastmod) for loc, lastmod in entries for _lang, edition_base in editions}
    alternates = editions + [("x-default", editions[0][1])] if len(editions) > 1 else []
    urls = []
    for loc, lastmod in sorted(listed):
        lines = ["  <url>", "    <loc>%s</loc>" % escape(loc)]
        if lastmod:
            lines.append("    <lastmod>%s</lastmod>" % escape(lastmod))
        if alternates:
            own = max((b for _lang, b in editions if loc.startswith(b + "/")), key=len)
            path = loc[len(own):]
            lines += ['    <xhtml:link rel="alternate" hreflang=%s href=%s />' % (quoteattr(lang), quoteattr(b + path))
                      for lang, b in alternates]
        lines.append("  </url>")
        urls.append("\n".join(lines))
    namespaces = 'xmlns="%s"%s' % (SITEMAP_NS, ' xmlns:xhtml="%s"' % XHTML_NS if alternates else "")
    if len(urls) <= MAX_SITEMAP_URLS:
        return {"sitemap.xml": _xml_document("urlset", namespaces, urls)}
    files, parts = {}, []
    for number, start in enumerate(range(0, len(urls), MAX_SITEMAP_URLS), 1):
        name = "sitemap-%d.xml" % number
        files[name] = _xml_document("urlset", namespaces, urls[start:start + MAX_SITEMAP_URLS])
        parts.append("  <sitemap>\n    <loc>%s</loc>\n  </sitemap>" % escape(absolute(base, name)))
    files["sitemap.xml"] = _xml_document("sitemapindex", 'xmlns="%s"' % SITEMAP_NS, parts)
    return files


def _xml_document(root, namespaces, children):
    body = "\n".join(children)
    return '<?xml version="1.0" encoding="UTF-8"?>\n<%s %s>%s</%s>\n' % (
        root, namespaces, "\n%s\n" % body if body else "", root)


def robots_txt(base: str) -> str:
    """Allow every crawler everywhere and point to the sitemap."""
    return "User-agent: *\nAllow: /\n\nSitemap: %s\n" % absolute(base, "sitemap.xml")


__all__ = ["DEV_SITEURL", "site_base", "absolute", "url_path", "newest_verified", "town_description",
           "payer_description", "provider_description", "sitemap_files", "robots_txt", "MAX_SITEMAP_URLS"]
