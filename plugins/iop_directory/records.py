"""Load and validate provider records: one YAML file in, a record or a list of clear errors out.

No Pelican import here: the `iop` command, the build and the tests all use this module directly.
"""

import datetime
import difflib
import json
import logging
import math
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
from jsonschema import Draft202012Validator, ValidationError

from . import fast_schema, yaml_loader
from .derive import minutes, track_weekly_hours
from .errors import ProviderError
from .paths import SCHEMA_PATH
from .places import PlaceTable, load_places
from .vocab import Vocabularies, load_vocabularies

logger = logging.getLogger(__name__)

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
STALE_AFTER_DAYS = 180
SCHEMA_FILES = {"schema.json"}

# What a pattern means, said to a person rather than as a regular expression.
PATTERN_HINTS = {
    "phone": "a US phone number such as (508) 794-4400 or 508-794-4400, optionally 'ext. 12'",
    "zip": 'a 5-digit ZIP in quotes, such as "01608"',
    "start": 'a 24-hour time in quotes, such as "09:00" or "17:30"',
    "end": 'a 24-hour time in quotes, such as "12:30" or "21:00"',
    "id": "kebab-case: lowercase letters, digits and single hyphens, equal to the file name",
    "name": "a name, not only spaces",
}


RANGE_HINT = "write a stated range as {min: N, max: N} (leave max out for \"at least N\"), or null when unknown"


def kebab(text: str) -> str:
    """Return the kebab-case id of a provider name ("St. Mary's Center" -> "st-marys-center")."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass
class ProviderRecord:
    """A validated provider record: its id, file, data and where each field sits in the file."""

    id: str
    path: Path
    data: dict
    positions: dict

    def line_of(self, *field_path) -> int:
        return self.positions.get(tuple(field_path), (1, 1))[0]


@lru_cache(maxsize=2)
def load_schema(path: Path = SCHEMA_PATH) -> dict:
    """Return the provider JSON Schema."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def check_url(value) -> str | None:
    """Return why `value` is not an acceptable public http(s) URL, or None when it is."""
    if not isinstance(value, str):
        return None
    bad = re.search(r"[\s<>\"'`\\^{}|\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", value)
    if bad:
        shown = bad.group() if bad.group().isprintable() and not bad.group().isspace() else "U+%04X" % ord(bad.group())
        return "contains %r, which is not allowed in a URL (percent-encode it, e.g. a space as %%20)" % shown
    try:
        parts = urlsplit(value)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname or "." not in parts.hostname:
        return "has no valid host name"
    if not _valid_host(parts.hostname):
        return "has no valid host name (%s)" % parts.hostname
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        return "has a port that is not a number from 1 to 65535"
    if parts.username or parts.password:
        return "must not contain a user name or password"
    return None


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _valid_host(host: str) -> bool:
    """Whether `host` is a domain name a browser can look up: labels of letters, digits and inner hyphens (names in
    other scripts as their IDNA form), a top-level domain that is not all digits, or an IPv4 address."""
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host):
        return all(int(part) <= 255 for part in host.split("."))
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return len(labels) >= 2 and all(_HOST_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def custom_keyword_checks(vocabularies: Vocabularies, places: PlaceTable):
    """Return {keyword: check(value, keyword's value in the schema) -> problem text or None} for the schema's own
    keywords (x-vocabulary, x-url, x-ma-place, x-ma-zip); used by jsonschema and by the compiled fast check."""
    def vocabulary(instance, name):
        if isinstance(instance, str) and instance not in vocabularies[name]:
            return "unknown %s term %r" % (name, instance)
        return None

    def url(instance, enabled):
        problem = enabled and check_url(instance)
        return "URL %s" % problem if problem else None

    def ma_place(instance, enabled):
        if enabled and isinstance(instance, str) and not places.place(instance):
            return "%r is not a Massachusetts city, town or postal place name" % instance
        return None

    def ma_zip(instance, enabled):
        if enabled and isinstance(instance, str) and re.fullmatch(r"\d{5}", instance) and not places.zip(instance):
            return "%s is not a Massachusetts ZIP code" % instance
        return None

    return {"x-vocabulary": vocabulary, "x-url": url, "x-ma-place": ma_place, "x-ma-zip": ma_zip}


def _validator_class(checks):
    def keyword(name, check):
        def validate(validator, value, instance, schema):
            problem = check(instance, value)
            if problem:
                yield ValidationError(problem, validator=name, validator_value=value)
        return validate

    return jsonschema.validators.extend(Draft202012Validator, {name: keyword(name, check)
                                                                for name, check in checks.items()})


class RecordValidator:
    """Validates provider files against the schema, the vocabularies and the place table."""

    def __init__(self, vocabularies: Vocabularies | None = None, places: PlaceTable | None = None,
                 schema: dict | None = None, today: datetime.date | None = None, compiled: bool = True):
        """`compiled`: put the compiled check in front of jsonschema (worth its 0.1 s set-up for many records;
        a one-record patch does without)."""
        self.vocabularies = vocabularies or load_vocabularies()
        self.places = places or load_places()
        self.schema = schema or load_schema()
        self.today = today or datetime.date.today()
        checks = custom_keyword_checks(self.vocabularies, self.places)
        cls = _validator_class(checks)
        self._validator = cls(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        self._is_valid = fast_schema.compile_check(self.schema, checks, Draft202012Validator.FORMAT_CHECKER) \
            if compiled else (lambda data: False)

    # -- one file ---------------------------------------------------------------------------------------

    def load(self, path: Path, display_path: str | None = None):
        """Return (ProviderRecord or None, [ProviderError]) for one file; never raises for bad input."""
        path = Path(path)
        shown = display_path or str(path)
        try:
            raw = read_record_file(path)
        except OSError as exc:
            return None, [ProviderError(shown, 1, 1, "", "cannot read file: %s" % exc.strerror)]
        except yaml_loader.YamlProblem as problem:
            return None, [ProviderError(shown, 1, 1, "", problem.message, problem.hint)]
        draft = _draft_line(raw)
        if draft:  # an imported draft is valid YAML and may pass every check: it must not be published unread
            return None, [ProviderError(shown, draft, 1, "", "is an imported draft that nobody has verified yet",
                                        "check every field against the provider's own pages, add them to sources, "
                                        "then delete this '%s' line" % DRAFT_MARKER)]
        try:
            data, positions, key_positions = yaml_loader.parse(yaml_loader.decode(raw))
        except yaml_loader.YamlProblem as problem:
            return None, [ProviderError(shown, problem.line, problem.column, "", problem.message, problem.hint)]
        except yaml_loader.YamlProblems as problems:
            found = [ProviderError(shown, p.line, p.column, _dotted(p.path), p.message, p.hint)
                     for p in problems.problems]
            if problems.parsed is None or not isinstance(problems.parsed[0], dict):
                return None, found
            record, more = self._check(path, shown, *problems.parsed)  # the rest of the record, in the same run
            said = {(p.line, p.column) for p in found}
            return record, sorted(found + [p for p in more if (p.line, p.column) not in said],
                                  key=lambda e: (e.line, e.column, e.field))
        if not isinstance(data, dict):
            return None, [ProviderError(shown, 1, 1, "", "a record must be a mapping of field: value",
                                        "start from `iop new` or copy an existing record")]
        return self._check(path, shown, data, positions, key_positions)

    def _check(self, path, shown, data, positions, key_positions):
        """Return (record, problems) for the data of a file read as YAML."""
        problems = []
        stem = path.stem
        if path.suffix != ".yaml":
            problems.append(ProviderError(shown, 1, 1, "", "record files end in .yaml", "rename to %s.yaml" % stem))
        if not ID_PATTERN.match(stem):
            problems.append(ProviderError(shown, 1, 1, "id", "file name %r is not a kebab-case id" % stem,
                                          "rename to %s.yaml" % (kebab(stem) or "provider-name")))
        if "id" in data and data["id"] != stem:
            line, col = positions.get(("id",), (1, 1))
            problems.append(ProviderError(shown, line, col, "id", "id %r is not the file name %r" % (data["id"], stem),
                                          "set id: %s or remove the id field" % stem))
        value_problems = _value_errors(data, (), shown, positions)
        problems += value_problems
        # a value already reported is not reported again by the schema (.inf "is greater than the maximum")
        said = {(p.line, p.column) for p in value_problems}
        problems += [p for p in self._schema_errors(data, shown, positions, key_positions)
                     if (p.line, p.column) not in said]
        problems += self._cross_field_errors(data, shown, positions)
        record = ProviderRecord(stem, path, data, positions)
        return record, sorted(problems, key=lambda e: (e.line, e.column, e.field))

    def _schema_errors(self, data, shown, positions, key_positions):
        if self._is_valid(data):  # most records: a compiled check, ~10x faster; jsonschema explains the rest
            return []
        found = []
        for error in self._validator.iter_errors(data):
            found.extend(self._explain(error, data, shown, positions, key_positions))
        return found

    def _explain(self, error, data, shown, positions, key_positions):
        path = tuple(error.absolute_path)
        field = _dotted(path)
        line, col = positions.get(path, (1, 1))
        kind = error.validator
        last = next((p for p in reversed(path) if isinstance(p, str)), "")

        def one(message, hint="", where=None):
            l, c = where or (line, col)
            return [ProviderError(shown, l, c, field, message, hint)]

        if kind in ("oneOf", "anyOf") and error.context:
            branches = {}
            for sub in error.context:
                branches.setdefault(sub.schema_path[0], []).append(sub)
            if error.instance is not None:  # "or null" is not what a maintainer who wrote a value meant
                branches = {k: v for k, v in branches.items()
                            if not all(e.validator == "type" and e.validator_value == "null" for e in v)}
            if len(branches) == 1:  # every fault of the one shape the value can have, not the first alone
                return [p for sub in next(iter(branches.values()))
                        for p in self._explain(sub, data, shown, positions, key_positions)]
            best = jsonschema.exceptions.best_match([e for v in branches.values() for e in v] or error.context)
            return self._explain(best, data, shown, positions, key_positions)
        if kind == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            out = []
            for key in sorted(set(error.instance) - set(allowed)):
                where = key_positions.get(path + (key,), (line, col))
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = ("did you mean '%s'?" % close[0]) if close else "allowed fields: %s" % ", ".join(allowed)
                out.append(ProviderError(shown, where[0], where[1], _dotted(path + (key,)),
                                         "unknown field '%s'" % key, hint))
            return out
        if kind == "required":
            missing = re.search(r"'([^']+)' is a required property", error.message)
            name = missing.group(1) if missing else "?"
            description = error.schema.get("properties", {}).get(name, {}).get("description", "")
            return [ProviderError(shown, line, col, _dotted(path + (name,)), "required field '%s' is missing" % name,
                                  "add it: %s" % description if description else "")]
        if kind == "x-vocabulary":
            vocabulary = self.vocabularies[error.validator_value]
            guess = vocabulary.suggest(error.instance)
            hint = "did you mean '%s'?" % guess if guess else "expected one of: %s" % ", ".join(vocabulary.slugs()[:30])
            return one(error.message, "expected a term from providers/vocabulary/%s.yaml; %s" % (vocabulary.name, hint))
        if kind == "x-ma-place":
            close = self.places.suggest(error.instance)
            hint = ("did you mean %s?" % " or ".join("'%s'" % c for c in close)) if close else \
                "use the town's name as in providers/vocabulary/ma-municipalities.txt or a postal place name"
            return one(error.message, hint)
        if kind == "x-ma-zip":
            return one(error.message, "expected a Massachusetts ZIP (01001-02791, 05501, 05544); check the digits")
        if kind == "x-url":
            return one(error.message, "expected a full address such as https://example-provider.org/iop")
        if kind == "type":
            expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            got = _type_name(error.instance)
            hint = "expected %s" % " or ".join(_type_word(t) for t in expected)
            if expected == ["object"] and {"min", "max"} <= set(error.schema.get("properties", {})):
                hint = RANGE_HINT
            if last in PATTERN_HINTS:
                hint = "expected %s" % PATTERN_HINTS[last]
            return one("expected %s, got %s %r" % (" or ".join(expected), got, error.instance), hint)
        if kind == "pattern":
            return one("%r is not in the expected format" % error.instance,
                       "expected %s" % PATTERN_HINTS.get(last, "text matching %s" % error.validator_value))
        if kind == "enum":
            choices = [c for c in error.validator_value if c is not None]
            close = difflib.get_close_matches(str(error.instance), [str(c) for c in choices], n=1, cutoff=0.5)
            hint = "expected one of: %s" % ", ".join(map(str, choices))
            if close:
                hint += "; did you mean '%s'?" % close[0]
            return one("%r is not allowed here" % (error.instance,), hint)
        if kind == "format":
            if error.validator_value == "date":
                return one("%r is not a date" % (error.instance,), "expected YYYY-MM-DD, such as 2026-11-24")
            return one(error.message)
        if kind == "minItems" and last == "sources":
            return one("at least one source is required", "add - url: https://... and accessed: YYYY-MM-DD")
        if kind == "uniqueItems":
            return one("a term is listed twice", "list each term once")
        if kind == "maxLength":
            return one("is %d characters long; at most %d are allowed" % (len(error.instance), error.validator_value),
                       "shorten it; the page shows the text as written")
        if kind == "minLength":
            return one("%r is shorter than %d characters" % (error.instance, error.validator_value),
                       "write it out in full")
        if kind in ("minimum", "maximum", "minItems"):
            return one(error.message, RANGE_HINT if path[-1:] in (("min",), ("max",)) else "")
        return one(error.message)

    def _cross_field_errors(self, data, shown, positions):
        found = []

        def add(path, message, hint="", severity="error"):
            line, col = positions.get(tuple(path), (1, 1))
            found.append(ProviderError(shown, line, col, _dotted(path), message, hint, severity))

        for key in ("last_verified", "added"):
            when = _date(data.get(key))
            if when and when > self.today:
                add((key,), "%s is in the future" % when.isoformat(), "use the date the facts were read")
        verified = _date(data.get("last_verified"))
        if verified and (self.today - verified).days > STALE_AFTER_DAYS:
            add(("last_verified",), "not verified for %d days" % (self.today - verified).days,
                "re-check the sources and update last_verified", "warning")
        for index, source in enumerate(_as_list(data.get("sources"))):
            accessed = _date(source.get("accessed")) if isinstance(source, dict) else None
            if accessed and accessed > self.today:
                add(("sources", index, "accessed"), "%s is in the future" % accessed.isoformat(), "use the date the page was read")
        for key in ("program_length_weeks",):
            _check_range(data.get(key), (key,), add)
        for index, track in enumerate(_as_list(data.get("tracks"))):
            if not isinstance(track, dict):
                continue
            base = ("tracks", index)
            _check_range(track.get("hours_per_week"), base + ("hours_per_week",), add)
            start, end = minutes(track.get("start")), minutes(track.get("end"))
            if start is not None and end is not None and end <= start:
                add(base + ("end",), "end %s is not after start %s" % (track["end"], track["start"]),
                    "times are 24-hour: 5:30 pm is \"17:30\"")
                continue
            hours = track_weekly_hours(track)
            level = track.get("level")
            threshold = _threshold(level, track.get("population"))
            if hours and hours[1] is not None and threshold and hours[1] < threshold:
                add(base, "%s hours a week is below the %s threshold of %g hours" % (_fmt(hours[1]), level.upper(), threshold),
                    "check the days and times, or the level of care", "warning")
        for index, location in enumerate(_as_list(data.get("locations"))):
            if not isinstance(location, dict):
                continue
            code, city = location.get("zip"), location.get("city")
            if (isinstance(code, str) and isinstance(city, str) and self.places.zip(code) and self.places.place(city)
                    and not self.places.zip_matches_place(code, city)):
                add(("locations", index, "zip"), "ZIP %s is in %s, not %s" % (code, self.places.zip(code).place, city),
                    "check the ZIP and the city", "warning")
        return found

    # -- many files -------------------------------------------------------------------------------------

    def load_many(self, paths, root: Path | None = None):
        """Return ([ProviderRecord], [ProviderError]) for files and folders; each file read on its own."""
        records, problems, seen = [], [], {}
        base = Path(root or Path.cwd()).resolve()
        files = [(path, _display(path, base)) for path in expand_paths(paths)]
        problems += nested_record_errors(paths, base)
        for path, shown in files:
            try:
                record, errors = self.load(path, shown)
            except Exception as exc:  # one broken file must not hide the others' problems
                logger.info("unexpected failure reading %s", path, exc_info=True)  # shown with iop -v
                record, errors = None, [ProviderError(
                    shown, 1, 1, "", "could not be read: %s: %s" % (type(exc).__name__, exc),
                    "this is a fault of the validator, not only of the file: please report it with the file")]
            problems.extend(errors)
            if record is None:
                continue
            if record.id in seen:
                problems.append(ProviderError(shown, 1, 1, "id", "duplicate id '%s' (also %s)" % (record.id, seen[record.id]),
                                              "each provider has one file; rename one of them"))
                continue
            seen[record.id] = shown
            if not any(e.is_error for e in errors):
                records.append(record)
        records.sort(key=lambda r: r.id)
        return records, sorted(problems, key=lambda e: (e.path, e.line, e.column))


def read_record_file(path: Path) -> bytes:
    """The bytes of a record file, checked to be a regular file no larger than a record may be before anything is
    read: a FIFO or device named as a record would hang the reader, and a huge file fill the memory. Raises
    OSError, or YamlProblem for what is not a record file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO must not wait for a writer
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise yaml_loader.YamlProblem("is not a regular file (a pipe, device or other special file)",
                                          hint="a record is a plain .yaml text file")
        if info.st_size > yaml_loader.MAX_BYTES:
            raise yaml_loader.too_large(info.st_size)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(yaml_loader.MAX_BYTES + 1)  # decode() refuses a file that grew meanwhile
    finally:
        os.close(fd)


DRAFT_MARKER = "# DRAFT imported"  # the first line iop import writes; the maintainer deletes it once verified


def _draft_line(raw: bytes) -> int:
    """The line number of an import's DRAFT marker in the file's leading comments, or 0."""
    for number, line in enumerate(raw.splitlines()[:20], start=1):
        if line.startswith(DRAFT_MARKER.encode()):
            return number
        if line.strip() and not line.lstrip().startswith(b"#"):
            return 0
    return 0


def expand_paths(paths):
    """Return the provider files named by `paths` (files as given, folders as their .yaml/.yml files in any letter
    case, which load() then checks), each once."""
    files, known = [], set()
    for path in paths:
        path = Path(path)
        # every entry but folders: a special file named like a record is reported (read_record_file), not skipped
        found = [p for p in sorted(path.iterdir()) if not p.is_dir() and p.suffix.lower() in (".yaml", ".yml")
                 and p.name not in SCHEMA_FILES] if path.is_dir() else [path]
        for file in found:
            resolved = file.resolve()
            if resolved not in known:  # `iop validate a.yaml ./a.yaml` is one file, not a duplicate id
                known.add(resolved)
                files.append(file)
    return files


def nested_record_errors(paths, base: Path):
    """Problems for records in subfolders of the folders in `paths`: the build reads a folder's own files only, so a
    record put one level down would silently never be published."""
    found = []
    for folder in (Path(p) for p in paths):
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("*/**/*")):
            parts = file.relative_to(folder).parts
            if file.suffix.lower() in (".yaml", ".yml") and parts[0] != "vocabulary" and file.is_file():
                found.append(subfolder_error(_display(file, base), _display(folder, base)))
    return found


def subfolder_error(shown: str, folder_shown: str) -> ProviderError:
    return ProviderError(shown, 1, 1, "", "is in a subfolder, which the build does not read",
                         "move it into %s itself" % folder_shown)


def _display(path: Path, base: Path):
    """The path shown in messages: relative to `base` (resolved) when inside it."""
    try:
        return str(path.resolve().relative_to(base))
    except ValueError:
        return str(path)


# Direction overrides and isolates can make displayed text differ from what reviewers read in a pull request
# (a "Trojan Source" style trick); other control characters have no place in a record.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _value_errors(value, path, shown, positions):
    """Problems of single values the schema cannot see: invisible control characters in text, and numbers that
    are not numbers (YAML's .nan and .inf, which no comparison with a minimum or maximum catches)."""
    found = []
    if isinstance(value, str):
        match = _INVISIBLE.search(value)
        if match:
            line, col = positions.get(path, (1, 1))
            found.append(ProviderError(shown, line, col, _dotted(path),
                                       "contains the invisible control character U+%04X" % ord(match.group()),
                                       "delete it; it can make the text display differently from how it reads"))
    elif isinstance(value, float) and not math.isfinite(value):
        line, col = positions.get(path, (1, 1))
        found.append(ProviderError(shown, line, col, _dotted(path), "%s is not a number" % value,
                                   "write a number, or null when the sources do not say"))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _value_errors(item, path + (key,), shown, positions)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _value_errors(item, path + (index,), shown, positions)
    return found


def _as_list(value):
    # Cross-field checks run even when the schema found type errors, so they must not assume types.
    return value if isinstance(value, list) else []


def _dotted(path) -> str:
    out = ""
    for part in path:
        out += "[%d]" % part if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _type_name(value):
    return {bool: "boolean", int: "number", float: "number", str: "text", list: "list", dict: "mapping",
            type(None): "null"}.get(type(value), type(value).__name__)


def _type_word(name):
    return {"string": "text", "array": "a list", "object": "a mapping", "null": "null (unknown)",
            "boolean": "true or false", "number": "a number", "integer": "a whole number"}.get(name, name)


def _fmt(number):
    return ("%.1f" % number).rstrip("0").rstrip(".")


def _check_range(value, path, add):
    if isinstance(value, dict) and isinstance(value.get("min"), (int, float)) and isinstance(value.get("max"), (int, float)):
        if value["max"] < value["min"]:
            add(path + ("max",), "max %s is smaller than min %s" % (value["max"], value["min"]), "swap them")


def _threshold(level, population):
    from .derive import IOP_ADOLESCENT_MIN_HOURS, IOP_ADULT_MIN_HOURS, PHP_MIN_HOURS

    if level == "iop":
        return IOP_ADOLESCENT_MIN_HOURS if population in ("adolescents", "children") else IOP_ADULT_MIN_HOURS
    if level == "php":
        return PHP_MIN_HOURS
    return None
