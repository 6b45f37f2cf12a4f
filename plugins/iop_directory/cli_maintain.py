"""Maintainer commands of `iop` beyond validate and build (new, check, stale, report, import).

Every problem prints as one line; exit codes: 0 done, 1 problems found in records or input, 2 wrong usage
(missing option, no such file, git failure).
"""

import datetime
import subprocess
import sys
import tempfile
from pathlib import Path

from .paths import PROVIDERS_DIR, REPO_ROOT

NEXT_STEPS_FIELDS = ("phone", "insurance", "tracks (days, start, end)", "populations", "focus", "modalities",
                     "languages", "virtual", "program_length_weeks")


def _today(args) -> datetime.date:
    return datetime.date.fromisoformat(args.today) if getattr(args, "today", None) else datetime.date.today()


def _date_arg(text):
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError("expected a date YYYY-MM-DD, got %r" % text) from None
    return text


def _err(message):
    print(message, file=sys.stderr)


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _validate_text(text: str, final: Path, today):
    """Validate record text as if it were at `final`, without writing there; return (record, problems)."""
    from .records import RecordValidator

    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / final.name
        candidate.write_text(text, encoding="utf-8")
        record, problems = RecordValidator(today=today).load(candidate, _shown(final))
    return record, problems


# -- iop new ----------------------------------------------------------------------------------------------

def _ask(label, current, required=False):
    while True:
        answer = input("%s%s: " % (label, " (required)" if required else " (Enter to leave unknown)")).strip()
        if answer or not required:
            return answer or current
        print("  %s is required." % label)


def _split_levels(values):
    levels = []
    for value in values or []:
        levels += [v.strip() for v in value.split(",") if v.strip()]
    return levels


def cmd_new(args) -> int:
    from .new_record import render
    from .records import kebab

    interactive = sys.stdin.isatty() and not (args.name and args.source)
    if interactive:
        print("New provider record. Answer from the provider's own pages; leave unknown what they do not say.")
        args.name = args.name or _ask("Provider name", None, True)
        args.website = args.website or _ask("Website (https://...)", None)
        args.city = args.city or _ask("Town or city in Massachusetts", None)
        args.level = args.level or [_ask("Levels of care, comma-separated (iop, php, outpatient, ...)", "")]
        args.source = args.source or _ask("Source URL the facts come from", None, True)
    missing = [option for option, value in (("--name", args.name), ("--source", args.source)) if not value]
    if missing:
        _err("iop new: missing %s (run in a terminal to be asked, or pass them as options)" % " and ".join(missing))
        return 2
    record_id = args.id or kebab(args.name)
    if not record_id:
        _err("iop new: the name %r gives no file name (it has no Latin letters or digits); pass one with --id, "
             "e.g. --id clinica-example-boston" % args.name)
        return 2
    folder = Path(args.providers) if args.providers else PROVIDERS_DIR
    if not folder.is_dir():
        _err("%s: no such folder" % folder)
        return 2
    target = folder / ("%s.yaml" % record_id)
    if target.exists():
        _err("%s already exists; edit it, or choose another id with --id" % _shown(target))
        return 1
    today = _today(args)
    levels = _split_levels(args.level)
    data = {
        "id": record_id,
        "name": args.name.strip(),
        "website": args.website or None,
        "phone": args.phone or None,
        "levels_of_care": levels or None,
        "locations": [{"street": None, "city": args.city, "zip": args.zip or None,
                       "note": None}] if (args.city or args.zip) else None,
        "sources": [{"url": args.source, "accessed": today.isoformat()}],
        "added": today.isoformat(),
        "last_verified": today.isoformat(),
    }
    text = render(data)
    record, problems = _validate_text(text, target, today)
    errors = [p for p in problems if p.is_error]
    if errors:
        for problem in errors:
            _err(problem.format())
        _err("%s was not written: fix the option(s) above and run iop new again" % _shown(target))
        return 1
    try:
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        _err("%s already exists; edit it, or choose another id with --id" % _shown(target))
        return 1
    except OSError as exc:
        _err("%s: cannot write: %s" % (_shown(target), exc.strerror))
        return 1
    from .derive import completeness

    print("wrote %s (valid; %d%% complete)" % (_shown(target), completeness(record.data)))
    print("next steps:")
    print("  1. open %s and fill in what the sources state: %s" % (_shown(target), ", ".join(NEXT_STEPS_FIELDS)))
    print("     leave null what they do not say; add every page you read under sources")
    print("  2. iop validate %s" % _shown(target))
    print("  3. iop check   (probable duplicates and missing places)")
    print("  4. open a pull request (see CONTRIBUTING.md)")
    return 0


# -- iop validate --changed -------------------------------------------------------------------------------

def changed_record_paths(ref: str, repo: Path = None, providers: Path = None):
    """Return the provider files changed against `ref` (committed, staged, modified or untracked), existing ones.

    Raises RuntimeError with a one-line message when git fails.
    """
    repo = Path(repo or REPO_ROOT)
    providers = Path(providers or PROVIDERS_DIR)
    try:
        scope = str(providers.resolve().relative_to(repo.resolve()))
    except ValueError:
        raise RuntimeError("%s is not inside the repository %s" % (providers, repo)) from None

    def git(*argv):
        try:
            result = subprocess.run(["git", "-C", str(repo), *argv], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError("git could not run: %s" % exc) from None
        if result.returncode:
            detail = (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[0]
            raise RuntimeError("git %s failed: %s" % (argv[0], detail))
        return result.stdout

    # -z: names as they are (git quotes names with accents otherwise, and such a record was silently skipped)
    names = git("diff", "--name-only", "-z", "%s...HEAD" % ref, "--", scope).split("\0")
    entries = iter(git("status", "--porcelain", "-z", "--untracked-files=all", "--", scope).split("\0"))
    for entry in entries:
        if len(entry) > 3:
            names.append(entry[3:])
            if entry[0] in "RC":
                next(entries, None)  # a rename's old name follows it
    found = []
    for name in dict.fromkeys(n for n in names if n):
        path = repo / name
        if path.suffix.lower() in (".yaml", ".yml") and path.is_file() and \
                path.resolve().relative_to(providers.resolve()).parts[0] != "vocabulary":
            found.append(path)
    return sorted(found)


def resolve_changed(ref):
    """Return (paths, exit code or None) for `iop validate --changed REF`."""
    try:
        paths = changed_record_paths(ref)
    except RuntimeError as exc:
        _err("iop validate --changed %s: %s" % (ref, exc))
        return None, 2
    if not paths:
        print("no provider records changed against %s" % ref)
        return None, 0
    return paths, None


def nested_changed(paths, providers: Path = None):
    """Problems for changed files in subfolders of the providers folder, which the build does not read."""
    from .records import subfolder_error

    providers = Path(providers or PROVIDERS_DIR).resolve()
    return [subfolder_error(_shown(p), _shown(providers)) for p in paths
            if providers in p.resolve().parents and p.resolve().parent != providers]


# -- iop check --------------------------------------------------------------------------------------------

def _load(args):
    from .records import RecordValidator

    paths = args.paths or [PROVIDERS_DIR]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        for path in missing:
            _err("%s: no such file or folder" % path)
        return None, None
    return RecordValidator(today=_today(args)).load_many(paths)


def cmd_check(args) -> int:
    from .duplicates import check_warnings

    records, problems = _load(args)
    if records is None:
        return 2
    errors = [p for p in problems if p.is_error]
    shown = {r.id: _shown(r.path) for r in records}
    warnings = [p for p in problems if not p.is_error] + check_warnings(records, shown, args.min_completeness)
    for problem in errors + warnings:
        print(problem.format(), file=sys.stderr if problem.is_error else sys.stdout)
    print("%d record(s) checked: %d error(s), %d warning(s)" % (len(records) + len({e.path for e in errors}),
                                                                len(errors), len(warnings)))
    return 1 if errors else 0


# -- iop stale / iop report ---------------------------------------------------------------------------------

def cmd_stale(args) -> int:
    from .report import stale_rows, stale_table

    records, problems = _load(args)
    if records is None:
        return 2
    rows = stale_rows(records, _today(args), args.days)
    if not rows:
        print("no record is %d day(s) old or older (%d record(s))" % (args.days, len(records)))
    else:
        print(stale_table(rows))
        print("\n%d of %d record(s) last verified %d or more days ago" % (len(rows), len(records), args.days))
    _say_left_out(problems)
    return 0


def cmd_report(args) -> int:
    from .report import coverage_report

    records, problems = _load(args)
    if records is None:
        return 2
    print(coverage_report(records, _today(args)))
    _say_left_out(problems)
    return 0


def _say_left_out(problems):
    """A table of valid records says how many files it could not include (their age and completeness unknown)."""
    invalid = sorted({p.path for p in problems if p.is_error})
    if invalid:
        print("%d file(s) with errors left out (%s); run iop validate" % (len(invalid), ", ".join(invalid)))


# -- iop import ---------------------------------------------------------------------------------------------

def cmd_import(args) -> int:
    from .importers import ImportProblem, read_drafts
    from .new_record import render
    from .places import load_places
    from .record_merge import hand_comments, merge
    from .records import DRAFT_MARKER, check_url
    from .vocab import load_vocabularies

    source = Path(args.file)
    if not source.exists():
        _err("%s: no such file or folder" % source)
        return 2
    if check_url(args.source_url):
        _err("--source-url %s: %s" % (args.source_url, check_url(args.source_url)))
        return 2
    folder = Path(args.providers) if args.providers else PROVIDERS_DIR
    if not folder.is_dir():
        _err("%s: no such folder" % folder)
        return 2
    today = _today(args)
    try:
        drafts, skips = read_drafts(source, args.format, load_places(), load_vocabularies())
    except ImportProblem as problem:
        _err(str(problem))
        return 1
    except OSError as exc:
        _err("%s: cannot read: %s" % (source, exc.strerror or exc))
        return 1
    written = updated = unchanged = exists = invalid = 0
    header = ["%s from %s: verify every field before publishing" % (DRAFT_MARKER, source.name)]
    cited = {"url": args.source_url, "accessed": today.isoformat(), "title": "Imported from %s" % source.name}
    for draft in drafts:
        target = folder / ("%s.yaml" % draft.id)
        was = target.exists()
        if was and not args.update:
            print("skipped %s: %s exists (use --update to merge the import into it)" % (draft.id, _shown(target)))
            exists += 1
            continue
        data = dict(draft.data, sources=[dict(cited)])
        merged = old_text = None
        if was:
            existing, old_text, why = _read_record(target)
            if why:
                print("not updated %s: %s; fix it (iop validate) or move it aside" % (draft.id, why))
                invalid += 1
                continue
            merged = merge(existing, data, cited)
            if merged.adds_nothing:
                print("unchanged %s: the import says nothing %s does not already say" % (draft.id, _shown(target)))
                unchanged += 1
                continue
            data = merged.data
        data["last_verified"] = today.isoformat()
        text = render(data, header=header)
        # checked as it will be once verified: the DRAFT line itself is what validation refuses until then
        record, problems = _validate_text(text.replace(DRAFT_MARKER, "# imported", 1), target, today)
        errors = [p for p in problems if p.is_error]
        if errors:
            print("not written %s: %s" % (draft.id, "; ".join(p.format() for p in errors)))
            invalid += 1
            continue
        target.write_text(text, encoding="utf-8")
        updated += was
        written += not was
        print("%s %s" % ("updated" if was else "wrote", _shown(target)))
        if merged is not None:
            _say_merged(merged, hand_comments(old_text, text))
        if draft.unmapped:
            print("  not mapped: %s" % ", ".join(draft.unmapped))
        for note in dict.fromkeys(draft.notes):
            print("  note: %s" % note)
    for skip in skips:
        print("skipped %s: %s" % (skip.name, skip.reason))
    print("summary: %d written, %d updated, %d unchanged, %d skipped (exists), %d skipped (not imported), "
          "%d invalid" % (written, updated, unchanged, exists, len(skips), invalid))
    if written or updated:
        print("every draft needs checking against its sources; then iop validate and iop check")
    return 1 if invalid else 0


def _read_record(target: Path):
    """(record, its text, None) from the file at `target`, or (None, None, why) when it holds no record."""
    import yaml

    try:
        text = target.read_text(encoding="utf-8")
        record = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, None, "%s cannot be read as YAML (%s)" % (_shown(target), str(exc).splitlines()[0])
    if not isinstance(record, dict):
        return None, None, "%s does not hold a record (a mapping of fields)" % _shown(target)
    return record, text, None


def _say_merged(merged, lost_comments):
    from .record_merge import cut, shown

    for key, old, new in merged.changed:
        print("  changed %s: %s -> %s" % (key, shown(old), shown(new)))
    if merged.kept:
        print("  kept (unknown in the import): %s" % ", ".join(merged.kept))
    if lost_comments:
        print("  %d comment line(s) written by hand are not in the new file (git diff shows them): %s"
              % (len(lost_comments), cut(" ".join(lost_comments))))


# -- registration -----------------------------------------------------------------------------------------

def add_commands(commands):
    """Register the maintainer sub-commands on the `iop` parser."""
    new = commands.add_parser("new", help="write a new, valid provider record to fill in",
                              description="Write providers/<id>.yaml with every field (null = unknown) and its "
                                          "explanation. Asks for missing answers in a terminal; in scripts pass "
                                          "--name and --source at least.")
    new.add_argument("--name", help="provider name as it presents itself")
    new.add_argument("--id", help="record id (default: the name in kebab-case)")
    new.add_argument("--website", help="provider website, https://...")
    new.add_argument("--city", help="Massachusetts town or city of the program")
    new.add_argument("--zip", help="5-digit ZIP of the program")
    new.add_argument("--phone", help="intake phone as published")
    new.add_argument("--level", action="append", help="level of care (iop, php, ...); repeat or comma-separate")
    new.add_argument("--source", help="URL of the page the facts come from (required)")
    new.add_argument("--providers", help="folder to write to (default: providers/)")
    new.add_argument("--today", type=_date_arg, help=argparse_hide())
    new.set_defaults(run=cmd_new)

    check = commands.add_parser("check", help="warn about probable duplicates, places no search finds, thin records")
    check.add_argument("paths", nargs="*", help="record files or folders (default: providers/)")
    check.add_argument("--min-completeness", type=int, default=25, metavar="PERCENT",
                       help="warn below this completeness (default: 25)")
    check.add_argument("--today", type=_date_arg, help=argparse_hide())
    check.set_defaults(run=cmd_check)

    stale = commands.add_parser("stale", help="list records by last_verified, oldest first, with what is unknown")
    stale.add_argument("paths", nargs="*", help="record files or folders (default: providers/)")
    stale.add_argument("--days", type=int, default=180, help="only records at least this old (default: 180)")
    stale.add_argument("--today", type=_date_arg, help="count ages from this date (default: today)")
    stale.set_defaults(run=cmd_stale)

    report = commands.add_parser("report", help="how complete the directory is (the numbers of the /coverage/ page)")
    report.add_argument("paths", nargs="*", help="record files or folders (default: providers/)")
    report.add_argument("--today", type=_date_arg, help=argparse_hide())
    report.set_defaults(run=cmd_report)

    imp = commands.add_parser("import", help="turn an HSDS or FindTreatment.gov-style export into draft records",
                              description="Writes one draft record per provider, mapping only what maps; "
                                          "never changes an existing record without --update, which merges into it.")
    imp.add_argument("file", help="HSDS JSON file, HSDS CSV package (folder or .zip) or FindTreatment-style CSV")
    imp.add_argument("--format", choices=("hsds-json", "hsds-csv", "findtreatment-csv"),
                     help="input format (default: from the file name and columns)")
    imp.add_argument("--source-url", required=True, help="URL where the export was published (cited as the source)")
    imp.add_argument("--providers", help="folder to write to (default: providers/)")
    imp.add_argument("--update", action="store_true", help="merge into records that already exist: what the import "
                     "knows replaces the record's value; the rest, and the record's sources, are kept")
    imp.add_argument("--today", type=_date_arg, help=argparse_hide())
    imp.set_defaults(run=cmd_import)


def argparse_hide():
    import argparse

    return argparse.SUPPRESS
