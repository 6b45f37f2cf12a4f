"""Maintainer commands of `iop` beyond validate and build (new, check, stale, report, import)."""


def add_commands(commands):
    """Register the maintainer sub-commands on the `iop` parser."""
