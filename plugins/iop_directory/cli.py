"""The `iop` command: validate records and build the site. Problems print as one line each, never a traceback."""

import argparse
import logging
import sys
from pathlib import Path

from .errors import OutputRefused, RecordsInvalid
from .paths import PROVIDERS_DIR, REPO_ROOT

logger = logging.getLogger(__name__)


def _report(problems, out):
    for problem in problems:
        print(problem.format(), file=out)


def cmd_validate(args) -> int:
    from .records import RecordValidator

    paths = args.paths or [PROVIDERS_DIR]
    nested = []
    if args.changed:
        from .cli_maintain import nested_changed, resolve_changed

        paths, code = resolve_changed(args.changed)
        if paths is None:
            return code
        nested = nested_changed(paths)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        for path in missing:
            print("%s: no such file or folder" % path, file=sys.stderr)
        return 2
    records, problems = RecordValidator().load_many(paths)
    problems = nested + problems
    _report(problems, sys.stderr)
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    files = len({p.path for p in problems if p.is_error})
    if errors:
        print("%d error(s) in %d file(s), %d warning(s); %d record(s) valid" % (errors, files, warnings, len(records)),
              file=sys.stderr)
        return 1
    if not records:  # an empty or mistyped folder is not a passing check
        print("no provider records (*.yaml) found in %s" % ", ".join(map(str, paths)), file=sys.stderr)
        return 1
    print("%d record(s) valid, %d warning(s)" % (len(records), warnings))
    return 0


def cmd_build(args) -> int:
    settings = Path(args.settings)
    if not settings.exists():
        print("%s: no such settings file" % settings, file=sys.stderr)
        return 2
    from .build import build_site

    overrides = {}
    if args.providers:
        overrides["PROVIDERS_PATH"] = str(Path(args.providers).resolve())
    try:
        output = build_site(settings, Path(args.output), overrides)
    except OutputRefused as refused:
        print("build refused: %s; nothing was changed" % refused, file=sys.stderr)
        return 2
    except RecordsInvalid as invalid:
        _report(invalid.errors, sys.stderr)
        print("build stopped: %d error(s) in provider records; %s was not changed" % (len(invalid.errors), args.output),
              file=sys.stderr)
        return 1
    except Exception as exc:  # a Pelican or template failure: one clear line, output untouched
        logger.debug("build failed", exc_info=True)
        print("build failed: %s: %s; %s was not changed" % (type(exc).__name__, exc, args.output), file=sys.stderr)
        return 1
    print("built %s" % output)
    return 0


def cmd_schema_docs(args) -> int:
    from .paths import REPO_ROOT
    from .schema_docs import render

    target = Path(args.output) if args.output else REPO_ROOT / "docs" / "record-format.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    print("wrote %s" % target)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="iop", description="Massachusetts IOP directory tools.",
                                     epilog="exit status: 0 done, 1 problems found in records or input, "
                                            "2 wrong usage (bad option, missing file, git failure)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details, including Pelican's")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    validate = commands.add_parser("validate", help="check provider records and report every problem")
    validate.add_argument("paths", nargs="*", help="record files or folders (default: providers/)")
    validate.add_argument("--changed", metavar="REF", help="only the records changed against a git ref, e.g. origin/main")
    validate.set_defaults(run=cmd_validate)

    build = commands.add_parser("build", help="validate, then build the site")
    build.add_argument("--output", default="output", help="output folder (default: output)")
    build.add_argument("--settings", default=str(REPO_ROOT / "pelicanconf.py"), help="Pelican settings file")
    build.add_argument("--providers", help="folder of provider records (default: the settings' PROVIDERS_PATH)")
    build.set_defaults(run=cmd_build)

    docs = commands.add_parser("schema-docs", help="regenerate docs/record-format.md from providers/schema.json")
    docs.add_argument("--output", help="where to write (default: docs/record-format.md)")
    docs.set_defaults(run=cmd_schema_docs)

    from . import cli_maintain

    cli_maintain.add_commands(commands)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except EOFError:  # input ended at a prompt (Ctrl-D): nothing was written
        print("\ncancelled: input ended; nothing was written", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a maintainer sees one line, never a traceback (-v logs it)
        logger.info("unexpected failure", exc_info=True)
        print("iop %s failed: %s: %s (this is a fault of iop, not of your input: please report it; "
              "iop -v %s shows the details)" % (args.command, type(exc).__name__, exc, args.command), file=sys.stderr)
        return 1


def run():
    """The `iop` program (pyproject.toml)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
