"""schema.org JSON-LD for provider, town and insurance pages, built as Python dicts.

Templates print `script_text(data)` inside <script type="application/ld+json">: jsontext.json_dumps escapes
<, > and & so provider text cannot close the script element, and a JSON-LD data block is never executed.
Only facts the record states are included: unknown fields are left out, never guessed.
"""

from markupsafe import Markup

from .seo import absolute

CONTEXT = "https://schema.org"


def _postal_address(loc):
    address = {"@type": "PostalAddress", "addressRegion": "MA", "addressCountry": "US"}
    if loc.get("street"):
        address["streetAddress"] = loc["street"]
    if loc.get("city"):
        address["addressLocality"] = loc["city"]
    if loc.get("zip"):
        address["postalCode"] = loc["zip"]
    return address


def provider_jsonld(view, base: str) -> dict:
    """Return a MedicalClinic for one provider view (views.provider_view)."""
    page_url = absolute(base, view["url"])
    clinic = {
        "@context": CONTEXT,
        "@type": "MedicalClinic",
        "@id": page_url + "#clinic",
        "name": view["name"],
        "url": view["website"] or page_url,
        "mainEntityOfPage": page_url,
    }
    if view["website"]:
        clinic["sameAs"] = [view["website"]]
    if view["description"]:
        clinic["description"] = view["description"]
    if view["phone"]:
        clinic["telephone"] = view["phone_tel"]
    located = [loc for loc in view["locations"] or () if loc.get("city") or loc.get("zip")]
    if located:
        addresses = [_postal_address(loc) for loc in located]
        clinic["address"] = addresses[0] if len(addresses) == 1 else addresses
        with_coords = [loc for loc in located if loc.get("lat") is not None]
        if with_coords:
            first = with_coords[0]
            clinic["geo"] = {"@type": "GeoCoordinates", "latitude": first["lat"], "longitude": first["lon"]}
    if view["statewide"]:
        clinic["areaServed"] = {"@type": "State", "name": "Massachusetts"}
    if view["modalities"]:
        clinic["availableService"] = [{"@type": "PsychologicalTreatment", "name": m["name"]}
                                      for m in view["modalities"]]
    if view["languages"]:
        clinic["knowsLanguage"] = [lang["slug"] for lang in view["languages"]]
    if view["accepting_new_patients"] is not None:
        clinic["isAcceptingNewPatients"] = bool(view["accepting_new_patients"])
    clinic["medicalSpecialty"] = "Psychiatric"
    return clinic


def item_list_jsonld(name: str, page_path: str, providers, base: str, first: int = 1, total: int | None = None) -> dict:
    """Return an ItemList of provider pages (for a town or insurance page; of one of its pages when it has several:
    positions from `first`, and `total` items in the whole list)."""
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "name": name,
        "url": absolute(base, page_path),
        "numberOfItems": len(providers) if total is None else total,
        "itemListElement": [{"@type": "ListItem", "position": i, "name": p["name"], "url": absolute(base, p["url"])}
                            for i, p in enumerate(providers, start=first)],
    }


def script_text(data) -> Markup:
    """Return JSON-LD text safe to print inside <script type="application/ld+json"> unescaped."""
    from .jsontext import json_dumps

    return Markup(json_dumps(data))


LISTINGS = ("home", "directory", "towns", "payers", "search", "compare", "data", "coverage")


def page_lastmod(template, extra, views):
    """Return the newest verification date a page shows (its sitemap lastmod), or None."""
    from . import seo

    if template == "provider":
        return extra["provider"]["last_verified"]
    if template in ("town", "payer"):
        return seo.newest_verified(extra.get("page_members", extra[template]["providers"]))
    if template in LISTINGS:
        return seo.newest_verified(views)
    return None


def page_extras(template, save_as, extra, base, labels, views):
    """Return the SEO context of one generated page: canonical URL, meta description, JSON-LD and lastmod."""
    from . import seo

    out = {} if save_as == "404.html" else {"canonical_url": absolute(base, seo.url_path(save_as))}
    lastmod = page_lastmod(template, extra, views)
    if lastmod is not None or template in LISTINGS:
        out["lastmod"] = lastmod
    if template == "provider":
        view = extra["provider"]
        out.update(jsonld=script_text(provider_jsonld(view, base)), meta_description=seo.provider_description(view, labels))
    elif template in ("town", "payer"):
        group = extra[template]
        description = (seo.town_description if template == "town" else seo.payer_description)(group, labels)
        paged = extra.get("pagination") or {}
        members = extra.get("page_members", group["providers"])
        out.update(meta_description=description, jsonld=script_text(item_list_jsonld(
            description, seo.url_path(save_as), members, base, paged.get("first", 1), paged.get("total"))))
    elif template in LISTINGS:
        out["meta_description"] = seo.listing_description(template, views, labels)
    return out
__all__ = ["provider_jsonld", "item_list_jsonld", "script_text", "page_extras", "page_lastmod"]
