"""Turn other directories' exports into draft provider records (`iop import`).

Formats: Open Referral HSDS 3 as JSON (a list of services or organizations, or an object of tables) or as
the CSV data package (a folder or .zip of organizations.csv, services.csv, ...), and CSV files with
FindTreatment.gov-style columns (name1, street1, city, state, zip, phone, website, ...).

Only what maps unambiguously is kept (name, website, phone, Massachusetts street/city/ZIP, weekly schedules,
languages in our vocabulary); everything else stays null and is reported, so nothing is guessed.
"""

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .records import kebab
from .records import ID_PATTERN, check_url
from .derive import minutes

FORMATS = ("hsds-json", "hsds-csv", "findtreatment-csv")
MA_STATES = {"ma", "mass", "mass.", "massachusetts"}
BYDAY = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}
DAY_ORDER = list(BYDAY.values())
PHONE = re.compile(r"^\+?1?[ .-]?\(?[2-9][0-9]{2}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}( *(ext\.?|x) *[0-9]{1,6})?$")

TABLES = {  # HSDS table -> accepted CSV file names (HSDS 3 names first, then HSDS 2 names)
    "organization": ("organizations", "organization"),
    "service": ("services", "service"),
    "location": ("locations", "location"),
    "address": ("addresses", "address", "physical_addresses", "physical_address"),
    "phone": ("phones", "phone"),
    "schedule": ("schedules", "schedule", "regular_schedules"),
    "language": ("languages", "language"),
    "service_at_location": ("service_at_locations", "services_at_location", "service_at_location"),
}
# Fields of each table that the import uses; any other non-empty field is reported as not mapped.
MAPPED = {
    "organization": {"name", "website", "url", "description"},
    "service": {"name", "url", "status", "languages"},
    "location": {"name"},
    "address": {"address_1", "address_2", "city", "state_province", "postal_code", "country", "address_type"},
    "phone": {"number", "extension"},
    "schedule": {"freq", "byday", "opens_at", "closes_at", "description", "wkst"},
    "language": {"name", "code"},
    "service_at_location": set(),
}
FINDTREATMENT_MAPPED = {"name1", "street1", "street2", "city", "state", "zip", "zip4", "phone", "website",
                        "websiteurl"}


class ImportProblem(Exception):
    """The input cannot be read; the message says why in one line."""


@dataclass
class Draft:
    """One draft record made from the input, with what could not be mapped."""

    name: str
    data: dict
    unmapped: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    id: str = ""


@dataclass
class Skip:
    name: str
    reason: str


# -- reading --------------------------------------------------------------------------------------------

def detect_format(path: Path) -> str:
    if path.is_dir() or path.suffix.lower() == ".zip":
        return "hsds-csv"
    if path.suffix.lower() == ".json":
        return "hsds-json"
    if path.suffix.lower() == ".csv":
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle), [])
        except UnicodeDecodeError:
            raise ImportProblem(NOT_UTF8 % path) from None
        if "name1" in [h.strip().lower() for h in header]:
            return "findtreatment-csv"
        raise ImportProblem("%s: a single CSV without a name1 column; an HSDS CSV data package is a folder or .zip "
                            "of organizations.csv, services.csv, ..." % path)
    raise ImportProblem("%s: cannot tell the format; pass --format %s" % (path, "|".join(FORMATS)))


NOT_UTF8 = "%s is not UTF-8 text: save it as UTF-8 (in Excel: \"CSV UTF-8\") and import again"


def _csv_rows(text: str, shown=""):
    """The rows of a CSV text as {lower-case column: text}; ImportProblem for a row longer than the header."""
    rows = []
    try:
        for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            if None in row:  # DictReader keeps the surplus values under None
                raise ImportProblem("%s: row %d has more values than the header has columns (a comma inside a "
                                    "value that is not in quotes?); quote such values, or check --format"
                                    % (shown or "CSV", number))
            rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in row.items()})
    except csv.Error as exc:
        raise ImportProblem("%s: not a readable CSV: %s" % (shown or "CSV", exc)) from None
    return rows


def read_csv_package(path: Path) -> dict:
    """Return {table: [row]} from a folder or .zip of HSDS CSV files."""
    files = {}
    if path.is_dir():
        for item in path.iterdir():
            if item.suffix.lower() == ".csv":
                try:
                    files[item.stem.lower()] = item.read_text(encoding="utf-8-sig")
                except UnicodeDecodeError:
                    raise ImportProblem(NOT_UTF8 % item) from None
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    name = Path(info.filename)
                    if name.suffix.lower() == ".csv" and info.file_size < 50 * 1024 * 1024:
                        try:
                            files[name.stem.lower()] = archive.read(info).decode("utf-8-sig")
                        except UnicodeDecodeError:
                            raise ImportProblem(NOT_UTF8 % ("%s in %s" % (info.filename, path))) from None
        except zipfile.BadZipFile:
            raise ImportProblem("%s: not a valid .zip file" % path) from None
    tables = {}
    for table, names in TABLES.items():
        name = next((n for n in names if n in files), None)
        tables[table] = _csv_rows(files[name], "%s (%s.csv)" % (path, name)) if name else []
    if not tables["organization"] and not tables["service"]:
        raise ImportProblem("%s: no organizations.csv or services.csv found" % path)
    return tables


NESTED = {  # (parent table, key holding nested rows) -> (child table, foreign key set on the child)
    ("organization", "services"): ("service", "organization_id"),
    ("organization", "locations"): ("location", "organization_id"),
    ("organization", "phones"): ("phone", "organization_id"),
    ("service", "phones"): ("phone", "service_id"),
    ("service", "schedules"): ("schedule", "service_id"),
    ("service", "regular_schedules"): ("schedule", "service_id"),
    ("service", "languages"): ("language", "service_id"),
    ("service", "service_at_locations"): ("service_at_location", "service_id"),
    ("service_at_location", "phones"): ("phone", "service_at_location_id"),
    ("service_at_location", "schedules"): ("schedule", "service_at_location_id"),
    ("location", "addresses"): ("address", "location_id"),
    ("location", "physical_addresses"): ("address", "location_id"),
    ("location", "phones"): ("phone", "location_id"),
    ("location", "languages"): ("language", "location_id"),
}


class _Flattener:
    def __init__(self):
        self.tables = {t: [] for t in TABLES}
        self.count = 0

    def take(self, table, obj, parent_key=None, parent_id=None):
        if not isinstance(obj, dict):
            return None
        self.count += 1
        row = {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}
        row.setdefault("id", "_%s_%d" % (table, self.count))
        row["id"] = str(row["id"])
        if parent_key and not row.get(parent_key):
            row[parent_key] = parent_id
        if table == "service" and isinstance(obj.get("languages"), list):
            names = [v for v in obj["languages"] if isinstance(v, str)]
            if names:  # HSDS 2 style: a list of language names on the service
                row["languages"] = names
        for key, value in obj.items():
            if isinstance(value, dict):
                value = [value]
            if not isinstance(value, list):
                continue
            nested = NESTED.get((table, key))
            if nested:
                for child in value:
                    self.take(nested[0], child, nested[1], row["id"])
            elif table == "service" and key == "organization":
                org = self.take("organization", value[0])
                row["organization_id"] = org["id"] if org else None
            elif table == "service_at_location" and key == "location":
                loc = self.take("location", value[0])
                row["location_id"] = loc["id"] if loc else None
            elif table == "location" and key in ("physical_address", "address"):
                for child in value:
                    self.take("address", child, "location_id", row["id"])
        self.tables[table].append(row)
        return row


def read_hsds_json(path: Path) -> dict:
    """Return {table: [row]} from an HSDS JSON export: a list of services/organizations or an object of tables."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportProblem("%s: not readable JSON: %s" % (path, exc)) from None
    flat = _Flattener()
    if isinstance(data, dict) and "contents" in data and isinstance(data["contents"], list):
        data = data["contents"]  # an HSDS 3 API page
    if isinstance(data, list):
        for item in data:
            kind = "service" if isinstance(item, dict) and ("organization" in item or "organization_id" in item) \
                else "organization"
            flat.take(kind, item)
    elif isinstance(data, dict) and any(k in data for k in ("organizations", "services")):
        for table, names in TABLES.items():
            for name in names:
                for item in data.get(name) or []:
                    flat.take(table, item)
    else:
        raise ImportProblem("%s: expected a list of services or an object with organizations/services" % path)
    return flat.tables


# -- mapping --------------------------------------------------------------------------------------------

def _text(value):
    return str(value).strip() if value not in (None, "") else ""


def _unmapped(table, row):
    return ["%s.%s" % (table, k) for k, v in row.items()
            if v not in (None, "", []) and k not in MAPPED[table] and k != "id" and not k.endswith("_id")]


def _phone(number, extension=""):
    number = _text(number)
    if number and _text(extension):
        number = "%s ext. %s" % (number, _text(extension))
    return number if number and PHONE.match(number) else None


def _location(street, street2, city, postal, places, draft, label):
    location = {"street": None, "city": None, "zip": None,
                "note": "Imported from %s; verify." % label}
    street = ", ".join(p for p in (_text(street), _text(street2)) if p)
    if street:
        location["street"] = street
    city = _text(city)
    if city:
        place = places.place(city)
        if place:
            location["city"] = place.name
        else:
            draft.notes.append("city %r is not a Massachusetts place name; left null" % city)
    code = _text(postal)[:5]
    if code:
        if places.zip(code):
            location["zip"] = code
        else:
            draft.notes.append("ZIP %r is not a Massachusetts ZIP; left null" % _text(postal))
    return location


def _language(value, vocab, draft):
    languages = vocab["languages"]
    text = _text(value)
    if text.lower() in languages:
        return text.lower()
    for term in languages.terms:
        if term.name.lower() == text.lower():
            return term.slug
    if draft is not None and text:
        draft.notes.append("language %r is not in providers/vocabulary/languages.yaml; not mapped" % text)
    return None


def _track(name, schedule, draft):
    track = {"name": name if len(name) >= 2 else "Program schedule", "level": None, "days": None,
             "start": None, "end": None, "mode": None, "notes": _text(schedule.get("description")) or None}
    freq = _text(schedule.get("freq")).upper()
    byday = _text(schedule.get("byday")).upper()
    if byday and freq in ("", "WEEKLY"):
        days = [BYDAY.get(re.sub(r"^[+-]?\d+", "", d.strip())) for d in byday.split(",")]
        if all(days):
            track["days"] = sorted(set(days), key=DAY_ORDER.index)
        else:
            draft.notes.append("schedule byday %r not understood; days left null" % byday)
    elif byday:
        draft.notes.append("schedule freq %s is not weekly; days left null" % freq)
    start, end = _text(schedule.get("opens_at"))[:5], _text(schedule.get("closes_at"))[:5]
    if minutes(start) is not None and minutes(end) is not None and minutes(end) > minutes(start):
        track["start"], track["end"] = start, end
    elif start or end:
        draft.notes.append("schedule times %r-%r not usable; left null" % (start, end))
    if not any(track[k] for k in ("days", "start", "notes")):
        return None
    return track


def _state_ok(state):
    return not _text(state) or _text(state).lower() in MA_STATES


def hsds_drafts(tables, places, vocab):
    """Return ([Draft], [Skip]) for the organizations in HSDS tables."""
    drafts, skips = [], []
    orgs = list(tables["organization"])
    org_ids = {o["id"] for o in orgs}
    for service in tables["service"]:  # services without a known organization stand on their own
        if service.get("organization_id") not in org_ids:
            org = {"id": "_org_for_" + service["id"], "name": service.get("name")}
            service["organization_id"] = org["id"]
            orgs.append(org)
            org_ids.add(org["id"])
    for org in orgs:
        name = _text(org.get("name"))
        draft = Draft(name, {})
        if len(name) < 2:
            skips.append(Skip(name or "(no name)", "no organization name"))
            continue
        draft.unmapped += _unmapped("organization", org)
        services = [s for s in tables["service"] if s.get("organization_id") == org["id"]]
        inactive = [s for s in services if _text(s.get("status")).lower() in ("inactive", "defunct")]
        for service in inactive:
            draft.notes.append("service %r is %s; left out" % (service.get("name"), service.get("status")))
        services = [s for s in services if s not in inactive]
        service_ids = {s["id"] for s in services}
        for service in services:
            draft.unmapped += _unmapped("service", service)
        links = [l for l in tables["service_at_location"] if l.get("service_id") in service_ids]
        link_ids = {l["id"] for l in links}
        location_ids = {l.get("location_id") for l in links} | \
            {loc["id"] for loc in tables["location"] if loc.get("organization_id") == org["id"]}
        locations = [loc for loc in tables["location"] if loc["id"] in location_ids]
        addresses = [a for a in tables["address"] if a.get("location_id") in location_ids
                     and _text(a.get("address_type")).lower() in ("", "physical")]
        if addresses and not any(_state_ok(a.get("state_province")) for a in addresses):
            states = sorted({_text(a.get("state_province")) for a in addresses})
            skips.append(Skip(name, "outside Massachusetts (%s)" % ", ".join(states)))
            continue
        data = draft.data
        data["name"] = name[:200]
        data["programs"] = [_text(s.get("name")) for s in services if len(_text(s.get("name"))) >= 2] or None
        description = _text(org.get("description"))
        data["description"] = description if description and len(description) <= 2000 else None
        if description and data["description"] is None:
            draft.notes.append("description of %d characters (at most 2000) not mapped; summarise it from the "
                               "source" % len(description))
        websites = [org.get("website"), org.get("url")] + [s.get("url") for s in services]
        data["website"] = next((_text(w) for w in websites if _text(w) and not check_url(_text(w))), None)
        for bad in (w for w in websites if _text(w) and check_url(_text(w))):
            draft.notes.append("website %r is not a valid http(s) URL; not mapped" % bad)
        phones = [p for p in tables["phone"] if p.get("organization_id") == org["id"] or p.get("service_id") in
                  service_ids or p.get("service_at_location_id") in link_ids or p.get("location_id") in location_ids]
        phones.sort(key=lambda p: (not p.get("service_id"), not p.get("service_at_location_id")))
        for phone in phones:
            draft.unmapped += _unmapped("phone", phone)
        numbers = [_phone(p.get("number"), p.get("extension")) for p in phones]
        data["phone"] = next((n for n in numbers if n), None)
        if phones and not data["phone"]:
            draft.notes.append("phone %r not in a US format; not mapped" % phones[0].get("number"))
        elif len({n for n in numbers if n}) > 1:
            draft.notes.append("%d phone numbers; kept the first (%s)" % (len({n for n in numbers if n}), data["phone"]))
        mapped_locations = []
        for location in locations:
            draft.unmapped += _unmapped("location", location)
            for address in (a for a in addresses if a.get("location_id") == location["id"]):
                draft.unmapped += _unmapped("address", address)
                if not _state_ok(address.get("state_province")):
                    draft.notes.append("address in %s left out" % address.get("state_province"))
                    continue
                label = "location %r" % _text(location.get("name")) if _text(location.get("name")) else "the export"
                mapped_locations.append(_location(address.get("address_1"), address.get("address_2"),
                                                  address.get("city"), address.get("postal_code"), places, draft, label))
        data["locations"] = mapped_locations or None
        tracks = []
        by_service = {s["id"]: _text(s.get("name")) for s in services}
        by_link = {l["id"]: by_service.get(l.get("service_id"), "") for l in links}
        for schedule in tables["schedule"]:
            owner = by_service.get(schedule.get("service_id")) or by_link.get(schedule.get("service_at_location_id"))
            if owner is None:
                continue
            draft.unmapped += _unmapped("schedule", schedule)
            track = _track(owner or name, schedule, draft)
            if track:
                tracks.append(track)
        data["tracks"] = tracks or None
        codes = []
        for language in tables["language"]:
            if language.get("service_id") in service_ids or language.get("location_id") in location_ids:
                draft.unmapped += _unmapped("language", language)
                code = _language(language.get("code"), vocab, None) or _language(language.get("name"), vocab, draft)
                if code and code not in codes:
                    codes.append(code)
        for service in services:
            listed = service.get("languages")
            for value in listed if isinstance(listed, list) else []:
                code = _language(value, vocab, draft)
                if code and code not in codes:
                    codes.append(code)
        data["languages"] = codes or None
        draft.unmapped = sorted(set(draft.unmapped))
        drafts.append(draft)
    return drafts, skips


def findtreatment_drafts(path: Path, places, vocab):
    """Return ([Draft], [Skip]) for the rows of a CSV with FindTreatment.gov-style columns."""
    try:
        rows = _csv_rows(path.read_text(encoding="utf-8-sig"), str(path))
    except UnicodeDecodeError:
        raise ImportProblem(NOT_UTF8 % path) from None
    except OSError as exc:
        raise ImportProblem("%s: not a readable CSV: %s" % (path, exc)) from None
    drafts, skips = [], []
    for number, row in enumerate(rows, start=2):
        name = _text(row.get("name1"))
        if len(name) < 2:
            skips.append(Skip("row %d" % number, "no name1"))
            continue
        if not _state_ok(row.get("state")):
            skips.append(Skip(name, "outside Massachusetts (%s)" % _text(row.get("state"))))
            continue
        if not _text(row.get("state")) and not (places.place(_text(row.get("city")))
                                                 or places.zip(_text(row.get("zip"))[:5])):
            # no state: kept, as in HSDS, when its town or ZIP is in Massachusetts
            skips.append(Skip(name, "no state, and neither its city nor its ZIP is in Massachusetts"))
            continue
        draft = Draft(name, {})
        website = _text(row.get("website") or row.get("websiteurl"))
        if website and not re.match(r"https?://", website, re.I):
            website = "https://" + website  # the locator lists bare host names
        if website and check_url(website):
            draft.notes.append("website %r is not a valid URL; not mapped" % website)
            website = None
        phone = _phone(row.get("phone"))
        if _text(row.get("phone")) and not phone:
            draft.notes.append("phone %r not in a US format; not mapped" % row.get("phone"))
        location = _location(row.get("street1"), row.get("street2"), row.get("city"), row.get("zip"), places,
                             draft, "the FindTreatment.gov-style export")
        draft.data = {"name": name[:200], "website": website or None, "phone": phone,
                      "locations": [location] if any(location[k] for k in ("street", "city", "zip")) else None}
        unmapped = [k for k, v in row.items() if v not in ("", "0") and k not in FINDTREATMENT_MAPPED]
        draft.unmapped = unmapped[:20] + (["and %d more columns" % (len(unmapped) - 20)] if len(unmapped) > 20 else [])
        drafts.append(draft)
    return drafts, skips


def assign_ids(drafts, skips):
    """Give each draft a unique kebab-case id; names that give no id are skipped."""
    taken = set()
    kept = []
    for draft in drafts:
        base = kebab(draft.name)
        if not ID_PATTERN.match(base or "-"):
            skips.append(Skip(draft.name, "no usable id from the name"))
            continue
        candidate, n = base, 2
        if candidate in taken:
            city = next((loc.get("city") for loc in draft.data.get("locations") or [] if loc.get("city")), None)
            candidate = "%s-%s" % (base, kebab(city)) if city else candidate
        while candidate in taken:
            candidate, n = "%s-%d" % (base, n), n + 1
        taken.add(candidate)
        draft.id = candidate
        kept.append(draft)
    return kept


def read_drafts(path: Path, fmt: str | None, places, vocab):
    """Return ([Draft], [Skip]) from an export file or folder."""
    try:
        return _read_drafts(path, fmt, places, vocab)
    except RecursionError:  # JSON nested thousands deep: no export is shaped so, and it is the input's fault
        raise ImportProblem("%s: the data is nested too deeply to be an export (lists or objects inside each "
                            "other thousands of times); check that this is the export file" % path) from None


def _read_drafts(path: Path, fmt: str | None, places, vocab):
    fmt = fmt or detect_format(path)
    if fmt == "hsds-json":
        drafts, skips = hsds_drafts(read_hsds_json(path), places, vocab)
    elif fmt == "hsds-csv":
        if not (path.is_dir() or path.suffix.lower() == ".zip"):
            raise ImportProblem("%s: an HSDS CSV data package is a folder or a .zip of CSV files" % path)
        drafts, skips = hsds_drafts(read_csv_package(path), places, vocab)
    else:
        drafts, skips = findtreatment_drafts(path, places, vocab)
    return assign_ids(drafts, skips), skips
