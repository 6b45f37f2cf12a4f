"""How complete the directory is, computed from the records: one computation for the /coverage/ page and
`iop report`, so the two always agree."""

import datetime
from dataclasses import dataclass

from .derive import completeness, known_fields, needs_confirmation
from .records import STALE_AFTER_DAYS

# The facts people search and filter by, in the order the page and the report list them (derive.known_fields keys).
COVERAGE_FACTS = ("insurance", "phone", "address", "schedule", "populations", "languages", "virtual", "zip",
                  "website")


@dataclass(frozen=True)
class ProgramGaps:
    """One program and what is not yet confirmed about it."""

    id: str
    name: str
    unknown: tuple  # COVERAGE_FACTS keys, in that order
    needs_confirming: bool


@dataclass(frozen=True)
class Coverage:
    total: int
    confirmed: tuple  # (fact key, how many programs have it confirmed), in COVERAGE_FACTS order
    verified_recently: int  # last verified at most STALE_AFTER_DAYS days ago
    needs_confirming: int  # listings that rest on weak evidence of an IOP (derive.needs_confirmation)
    mean_completeness: int  # percent, over derive.COMPLETENESS_FIELDS
    programs: tuple  # ProgramGaps, the most unknown first, then by name

    def share(self, count) -> int:
        return round(100 * count / self.total) if self.total else 0


def _age(record, today):
    try:
        return (today - datetime.date.fromisoformat(str(record.data.get("last_verified")))).days
    except ValueError:
        return None


def coverage(records, today: datetime.date) -> Coverage:
    """Return the Coverage of `records` on `today`."""
    known = {r.id: known_fields(r.data) for r in records}
    programs = [ProgramGaps(r.id, r.data["name"], tuple(k for k in COVERAGE_FACTS if not known[r.id][k]),
                            needs_confirmation(r.data, today)) for r in records]
    programs.sort(key=lambda p: (-len(p.unknown), p.name.lower(), p.id))
    ages = [_age(r, today) for r in records]
    return Coverage(
        total=len(records),
        confirmed=tuple((k, sum(1 for r in records if known[r.id][k])) for k in COVERAGE_FACTS),
        verified_recently=sum(1 for age in ages if age is not None and age <= STALE_AFTER_DAYS),
        needs_confirming=sum(1 for p in programs if p.needs_confirming),
        mean_completeness=round(sum(completeness(r.data) for r in records) / len(records)) if records else 0,
        programs=tuple(programs),
    )
