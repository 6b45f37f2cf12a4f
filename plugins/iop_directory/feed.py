"""An Atom feed of providers added or re-verified, newest first, for clinicians who follow updates.

Deterministic: the feed's `updated` is the newest last_verified, never the build time; entries are ordered by
last_verified (newest first), then by provider id.
"""

from xml.etree import ElementTree as ET

from .seo import absolute

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_PATH = "feeds/providers.atom.xml"
# Feed readers fetch the whole file again and again: the newest changes, not the directory (at 20,000 providers
# a feed of everything was 15 MB). Far more than a Massachusetts-size directory changes between two reads.
MAX_ENTRIES = 100


def stamp(date: str) -> str:
    return "%sT00:00:00Z" % date


def _el(parent, tag, text=None, **attrs):
    element = ET.SubElement(parent, "{%s}%s" % (ATOM_NS, tag), attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(views, base: str, sitename: str, labels, lang="en", limit=MAX_ENTRIES) -> str:
    """Return the Atom XML of one entry per provider (views.provider_view dicts), the `limit` newest."""
    _ = labels._
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element("{%s}feed" % ATOM_NS, {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    feed_url = absolute(base, FEED_PATH)
    _el(feed, "id", feed_url)
    _el(feed, "title", _("%(site)s: programs added or re-verified") % {"site": sitename})
    _el(feed, "subtitle", _("Intensive outpatient programs in Massachusetts, newest changes first."))
    _el(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _el(feed, "link", rel="alternate", type="text/html", href=absolute(base, "providers/"))
    newest = max((v["last_verified"] for v in views), default="1970-01-01")
    _el(feed, "updated", stamp(newest))
    author = _el(feed, "author")
    _el(author, "name", sitename)
    _el(author, "uri", absolute(base, ""))
    ordered = sorted(views, key=lambda v: v["id"])
    ordered.sort(key=lambda v: v["last_verified"], reverse=True)
    for view in ordered[:limit]:
        page_url = absolute(base, view["url"])
        entry = _el(feed, "entry")
        if view["added"] == view["last_verified"]:
            title = _("%(name)s added") % {"name": view["name"]}
        else:
            title = _("%(name)s re-verified") % {"name": view["name"]}
        _el(entry, "title", title)
        _el(entry, "link", rel="alternate", type="text/html", href=page_url)
        _el(entry, "id", page_url)
        _el(entry, "published", stamp(min(view["added"], view["last_verified"])))
        _el(entry, "updated", stamp(view["last_verified"]))
        where = ", ".join(name for name, _slug in view["towns"]) or (
            _("Virtual, all of Massachusetts") if view["statewide"] else _("Location not yet confirmed"))
        summary = _("%(where)s. Last verified %(date)s.") % {"where": where, "date": view["last_verified"]}
        if view["description"]:
            summary = "%s %s" % (view["description"], summary)
        _el(entry, "summary", summary, type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


__all__ = ["atom_feed", "stamp", "FEED_PATH"]
