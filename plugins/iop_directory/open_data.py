"""Open data under /data/: providers.json, providers.csv and an Open Referral HSDS 3.0 export.

* providers.json: every record with every field of providers/schema.json (unknown = null) plus a `derived`
  object with the facts the site computes (weekly hours, schedule buckets, coordinates, completeness, ...).
* providers.csv: one row per provider and track, for spreadsheets; cells that a spreadsheet would read as a
  formula are prefixed with a single quote.
* hsds/*.json: HSDS 3.0 tables as JSON arrays (organizations, services, locations, addresses,
  service_at_locations, schedules, languages, phones) with deterministic UUIDs (uuid5 of our provider id).
Everything is sorted and free of build timestamps, so the same records give byte-identical files.
"""

import csv
import io
import uuid

from . import derive
from .records import load_schema
from .seo import absolute

SCHEMA_VERSION = 1
LICENSE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/",
           "attribution": "Massachusetts IOP Directory; facts come from the public sources cited in each record"}
# Fixed namespace: HSDS ids stay the same across builds, hosts and SITEURLs.
HSDS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://ma-iop-directory.github.io/data/hsds/")
HSDS_VERSION = "3.0"
HSDS_TABLES = ("organizations", "services", "locations", "addresses", "service_at_locations", "schedules",
               "languages", "phones")
EASTERN_STANDARD = -5  # hours from UTC, for HSDS schedule.timezone
RRULE_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

EMPTY_LIST = "(none)"
CSV_COLUMNS = (
    "provider_id", "provider_name", "page_url", "website", "phone", "levels_of_care", "focus", "populations",
    "modalities", "insurance", "languages", "virtual", "serves_all_of_massachusetts", "accepting_new_patients",
    "locations", "towns", "last_verified", "added", "completeness",
    "track_name", "track_level", "track_days", "track_start", "track_end", "track_time_of_day", "track_mode",
    "track_population", "track_weekly_hours_min", "track_weekly_hours_max", "track_schedule",
)


def hsds_id(*parts) -> str:
    return str(uuid.uuid5(HSDS_NAMESPACE, "/".join(str(p) for p in parts)))


def derived_facts(record, view, places, base):
    """Return the facts the site derives from one record."""
    data = record.data
    tracks = []
    for track in data.get("tracks") or ():
        hours = derive.track_weekly_hours(track)
        tracks.append({"name": track["name"],
                       "weekly_hours": {"min": hours[0], "max": hours[1]} if hours else None,
                       "schedule": derive.track_buckets(track)})
    locations = []
    for loc in data.get("locations") or ():
        coords = derive.location_coordinates(loc, places)
        locations.append({"lat": coords.lat, "lon": coords.lon, "precision": coords.precision} if coords else None)
    return {
        "page_url": absolute(base, view["url"]),
        "tracks": tracks if data.get("tracks") is not None else None,
        "schedule": [b["slug"] for b in view["schedule"]],
        "locations": locations if data.get("locations") is not None else None,
        "towns": [slug for _name, slug in view["towns"]],
        "modes": [m["slug"] for m in view["modes"]],
        "statewide": view["statewide"],
        "completeness": view["completeness"],
        "known": derive.known_fields(data),
    }


def provider_record(record, view, places, base):
    """Return one record with every schema field (unknown = null) and its derived facts."""
    fields = load_schema()["properties"]
    out = {name: record.data.get(name) for name in fields}
    out["id"] = record.id
    out["added"] = record.data.get("added") or record.data["last_verified"]
    out["derived"] = derived_facts(record, view, places, base)
    return out


def published_schema(base):
    """The record format as published with the site: its $id is where it is served."""
    return {**load_schema(), "$id": absolute(base, "data/schema.json")}


def providers_file_schema(base):
    """A JSON Schema of providers.json itself: each provider is a record of the record format with every field
    present (unknown = null) plus `derived`, which the record format's own schema does not allow."""
    record = dict(load_schema())
    defs = record.pop("$defs", {})
    for key in ("$id", "$schema"):
        record.pop(key, None)
    record["properties"] = {**record["properties"], "id": {"type": "string"},
                            "derived": {"type": "object", "description": "What the site computes from the record: "
                                        "weekly hours and schedule per track, coordinates per location, towns, "
                                        "delivery modes, statewide service and completeness."}}
    record["required"] = sorted(set(record.get("required", [])) | {"id", "derived"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": absolute(base, "data/providers.schema.json"),
        "title": "providers.json of the Massachusetts IOP directory",
        "type": "object",
        "required": ["schema_version", "license", "count", "providers"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "generated_from": {"type": "string"}, "record_schema": {"type": "string"}, "schema": {"type": "string"},
            "license": {"type": "object"}, "language": {"type": "string"},
            "last_verified_newest": {"type": ["string", "null"]},
            "count": {"type": "integer", "minimum": 0},
            "providers": {"type": "array", "items": {"$ref": "#/$defs/provider"}},
        },
        "additionalProperties": False,
        "$defs": {**defs, "provider": record},
    }


def providers_json(records, views, places, base, lang="en"):
    view_by_id = {v["id"]: v for v in views}
    ordered = sorted(records, key=lambda r: r.id)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_from": "providers/*.yaml in the directory's repository (one YAML record per provider)",
        "record_schema": absolute(base, "data/schema.json"),
        "schema": absolute(base, "data/providers.schema.json"),
        "license": LICENSE,
        "language": lang,
        "last_verified_newest": max((r.data["last_verified"] for r in records), default=None),
        "count": len(ordered),
        "providers": [provider_record(r, view_by_id[r.id], places, base) for r in ordered],
    }


def csv_cell(value) -> str:
    """Return a spreadsheet-safe cell: lists joined with '; ' (an empty one as EMPTY_LIST), booleans as
    true/false, unknown as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        if not value:  # the sources confirm "none", which an empty cell (unknown) would not tell apart
            return EMPTY_LIST
        value = "; ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text
    return text


def _location_text(loc):
    parts = [loc.get("street"), loc.get("city"), " ".join(filter(None, ["MA", loc.get("zip")]))]
    return ", ".join(p for p in parts if p)


def csv_rows(records, views, base):
    """Yield one dict per provider and track (one row with empty track columns when there are no tracks)."""
    view_by_id = {v["id"]: v for v in views}
    for record in sorted(records, key=lambda r: r.id):
        data, view = record.data, view_by_id[record.id]
        common = {
            "provider_id": record.id, "provider_name": data["name"], "page_url": absolute(base, view["url"]),
            "website": data.get("website"), "phone": data.get("phone"),
            "levels_of_care": data.get("levels_of_care"), "focus": data.get("focus"),
            "populations": data.get("populations"), "modalities": data.get("modalities"),
            "insurance": data.get("insurance"), "languages": data.get("languages"), "virtual": data.get("virtual"),
            "serves_all_of_massachusetts": data.get("serves_all_of_massachusetts"),  # the field: unknown stays empty
            "accepting_new_patients": data.get("accepting_new_patients"),
            "locations": None if data.get("locations") is None else [_location_text(loc) for loc in data["locations"]],
            "towns": [name for name, _slug in view["towns"]],
            "last_verified": data["last_verified"], "added": data.get("added") or data["last_verified"],
            "completeness": view["completeness"],
        }
        tracks = data.get("tracks") or [None]
        for track in tracks:
            row = dict(common)
            if track is not None:
                hours = derive.track_weekly_hours(track)
                row.update({
                    "track_name": track["name"], "track_level": track.get("level"), "track_days": track.get("days"),
                    "track_start": track.get("start"), "track_end": track.get("end"),
                    "track_time_of_day": track.get("time_of_day"), "track_mode": track.get("mode"),
                    "track_population": track.get("population"),
                    "track_weekly_hours_min": hours[0] if hours else None,
                    "track_weekly_hours_max": hours[1] if hours else None,
                    "track_schedule": derive.track_buckets(track),
                })
            yield row


def providers_csv(records, views, base) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(records, views, base):
        writer.writerow([csv_cell(row.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()


def _put(target, key, value):
    """Set HSDS fields only when known: HSDS string fields are not nullable, so unknown is omitted."""
    if value is not None and value != "" and value != []:
        target[key] = value


def _phone_parts(phone):
    lower = phone.lower()
    for marker in ("ext.", "ext", "x"):
        if marker in lower:
            main, _sep, ext = lower.partition(marker)
            digits = "".join(c for c in ext if c.isdigit())
            return phone[: len(main)].strip(), int(digits) if digits else None
    return phone.strip(), None


def hsds_tables(records, views, vocab, base):
    """Return {table name: [rows]} of an HSDS 3.0 tabular export (as JSON) of all providers."""
    view_by_id = {v["id"]: v for v in views}
    tables = {name: [] for name in HSDS_TABLES}
    for record in sorted(records, key=lambda r: r.id):
        data, view, pid = record.data, view_by_id[record.id], record.id
        page_url = absolute(base, view["url"])
        org_id, service_id = hsds_id("organization", pid), hsds_id("service", pid)
        description = data.get("description") or "%s: intensive outpatient program listed in the Massachusetts IOP Directory (%s)." % (data["name"], page_url)
        organization = {"id": org_id, "name": data["name"], "description": description}
        _put(organization, "website", data.get("website"))
        _put(organization, "uri", page_url)
        tables["organizations"].append(organization)

        programs = data.get("programs") or []
        service = {"id": service_id, "organization_id": org_id, "status": "active",
                   "name": programs[0] if len(programs) == 1 else data["name"],
                   "description": description, "assured_date": data["last_verified"]}
        if len(programs) > 1:
            service["alternate_name"] = "; ".join(data["programs"])
        _put(service, "url", data.get("website"))
        _put(service, "accreditations", data.get("accreditation"))
        if data.get("populations"):
            service["eligibility_description"] = "Serves: " + ", ".join(vocab["populations"][p].name for p in data["populations"])
        if data.get("insurance") is not None:
            names = ", ".join(vocab["insurance"][s].name for s in data["insurance"]) or "none"
            text = "Insurance accepted per the cited sources: %s." % names
            if data.get("insurance_notes"):
                text += " " + data["insurance_notes"]
            service["fees_description"] = text
        tables["services"].append(service)

        locations = []
        for index, loc in enumerate(data.get("locations") or ()):
            if not (loc.get("city") or loc.get("zip") or loc.get("street")):
                continue
            shown = view["locations"][index]  # views.provider_view keeps the record's order
            location = {"id": hsds_id("location", pid, index), "location_type": "physical", "organization_id": org_id,
                        "name": "%s, %s" % (data["name"], loc.get("city") or loc.get("zip"))}
            _put(location, "description", loc.get("note"))
            if shown["lat"] is not None:
                location["latitude"], location["longitude"] = shown["lat"], shown["lon"]
            locations.append(location)
            if loc.get("street") and shown["city"] and loc.get("zip"):
                tables["addresses"].append({
                    "id": hsds_id("address", pid, index), "location_id": location["id"],
                    "address_1": loc["street"], "city": shown["city"], "state_province": "MA",
                    "postal_code": loc["zip"], "country": "US", "address_type": "physical"})
        if view["statewide"] or data.get("virtual") is True:
            location = {"id": hsds_id("location", pid, "virtual"), "location_type": "virtual",
                        "organization_id": org_id, "name": "%s (virtual)" % data["name"]}
            _put(location, "url", data.get("website"))
            if view["statewide"]:
                location["description"] = "Virtual program open to people anywhere in Massachusetts."
            locations.append(location)
        tables["locations"].extend(locations)
        for location in locations:
            tables["service_at_locations"].append({
                "id": hsds_id("service_at_location", pid, location["id"]), "service_id": service_id,
                "location_id": location["id"]})

        for index, track in enumerate(data.get("tracks") or ()):
            schedule = {"id": hsds_id("schedule", pid, index), "service_id": service_id}
            days = track.get("days")
            parts = [track["name"]]
            if track.get("start") and track.get("end"):
                # HSDS reads times without a timezone as UTC; its timezone is a fixed UTC offset, so Eastern
                # standard time is given (the description says Eastern time, which daylight saving moves an hour)
                schedule.update({"opens_at": track["start"], "closes_at": track["end"], "timezone": EASTERN_STANDARD})
            if days and track.get("start") and track.get("end"):
                schedule.update({"freq": "WEEKLY", "interval": 1,
                                 "byday": ",".join(RRULE_DAYS[d] for d in derive.DAYS if d in days)})
                parts.append("%s, %s–%s (Eastern time)" % (", ".join(d.capitalize() for d in derive.DAYS if d in days),
                                                           track["start"], track["end"]))
            else:
                buckets = derive.track_buckets(track)
                if track.get("start") and track.get("end"):
                    parts.append("%s–%s (Eastern time), days not yet confirmed" % (track["start"], track["end"]))
                if days:
                    parts.append("days: " + ", ".join(d.capitalize() for d in derive.DAYS if d in days))
                if buckets:
                    parts.append("part of day: " + ", ".join(buckets))
                if len(parts) == 1:
                    parts.append("days and times not yet confirmed")
            for key, label in (("level", "level of care"), ("population", "for")):
                if track.get(key):
                    vocabulary = vocab["levels" if key == "level" else "populations"]
                    parts.append("%s: %s" % (label, vocabulary[track[key]].name))
            if track.get("mode"):
                schedule["attending_type"] = track["mode"]
            schedule["description"] = "; ".join(parts)
            _put(schedule, "notes", track.get("notes"))
            tables["schedules"].append(schedule)

        for code in data.get("languages") or ():
            tables["languages"].append({"id": hsds_id("language", pid, code), "service_id": service_id,
                                        "name": vocab["languages"][code].name, "code": code})
        if data.get("phone"):
            number, extension = _phone_parts(data["phone"])
            phone = {"id": hsds_id("phone", pid), "organization_id": org_id, "service_id": service_id,
                     "number": number, "type": "voice"}
            if extension is not None:
                phone["extension"] = extension
            _put(phone, "description", data.get("phone_note"))
            tables["phones"].append(phone)
    return tables


def open_data_files(records, views, vocab, places, base, lang="en"):
    """Yield (output path, data) for everything under /data/, one file at a time, so that at national scale
    only one file's data is held at once."""
    yield "data/schema.json", published_schema(base)
    yield "data/providers.schema.json", providers_file_schema(base)
    yield "data/providers.json", providers_json(records, views, places, base, lang)
    yield "data/providers.csv", providers_csv(records, views, base)
    tables = hsds_tables(records, views, vocab, base)
    yield "data/hsds/index.json", {
        "hsds_version": HSDS_VERSION, "license": LICENSE,
        "tables": {name: {"path": "%s.json" % name, "count": len(tables[name])} for name in HSDS_TABLES},
    }
    for name in HSDS_TABLES:
        yield "data/hsds/%s.json" % name, tables.pop(name)


__all__ = ["open_data_files", "providers_json", "providers_csv", "hsds_tables", "csv_cell", "CSV_COLUMNS",
           "HSDS_TABLES", "SCHEMA_VERSION", "LICENSE"]
