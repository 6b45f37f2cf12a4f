"""Pelican plugin and tools for the Massachusetts IOP directory.

Importing the package must not import Pelican: the `iop` command and the tests use the record loader
without it. Pelican calls `register()`, which connects the signals.
"""


def register():
    """Connect the directory's generator and template set-up to Pelican's signals."""
    from .generator import connect_signals

    connect_signals()
