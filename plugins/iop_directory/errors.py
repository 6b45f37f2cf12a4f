"""Named problems found in provider records, each printable as one clear line."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ProviderError:
    """One problem in one record: where it is, which field, what is wrong and how to fix it."""

    path: str
    line: int
    column: int
    field: str
    message: str
    hint: str = ""
    severity: str = "error"  # "error" fails validation; "warning" is printed but does not

    def format(self) -> str:
        """Return `file:line:col: severity: field: message (hint)` as one line."""
        field = f"{self.field}: " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}:{self.column}: {label}{field}{self.message}{hint}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class RecordsInvalid(Exception):
    """Raised by the build when provider records have errors; carries every error found."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(
            "%d error(s) in provider records:\n%s"
            % (len(self.errors), "\n".join(e.format() for e in self.errors))
        )


class SettingError(Exception):
    """A Pelican setting the plugin needs is missing or wrong."""


class OutputRefused(Exception):
    """Raised by the build before anything is written when the output folder must not be replaced: it is a file,
    it holds the sources, or it holds files the build did not make (the build replaces the whole folder)."""
