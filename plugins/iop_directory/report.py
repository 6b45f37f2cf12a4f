"""Plain-text tables about the directory: records by age (`iop stale`) and data coverage (`iop report`)."""

import datetime

from .derive import known_fields
from .records import STALE_AFTER_DAYS


def table(headers, rows) -> str:
    """Return rows as an aligned plain-text table (numbers right-aligned)."""
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(r[i].rstrip("%").replace(".", "", 1).isdigit() for r in rows)
               for i in range(len(headers))]

    def line(cells):
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric)).rstrip()

    return "\n".join([line([str(h) for h in headers]), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _verified(record):
    try:
        return datetime.date.fromisoformat(str(record.data.get("last_verified")))
    except ValueError:
        return None


def stale_rows(records, today: datetime.date, days: int):
    """Return [(id, last_verified, age, unknown fields)] for records at least `days` old, oldest first."""
    rows = []
    for record in records:
        verified = _verified(record)
        age = (today - verified).days if verified else None
        if age is not None and age < days:
            continue
        unknown = [k for k, known in known_fields(record.data).items() if not known]
        rows.append((record.id, verified.isoformat() if verified else "?", age, ", ".join(unknown) or "-"))
    rows.sort(key=lambda r: (-(r[2] if r[2] is not None else 10**6), r[0]))
    return rows


def stale_table(rows) -> str:
    return table(("id", "last_verified", "age (days)", "unknown"),
                 [(r[0], r[1], "?" if r[2] is None else r[2], r[3]) for r in rows])


def coverage_report(records, today: datetime.date) -> str:
    """Return `iop report`: how many programs have each fact confirmed, how many were verified lately and how many
    listings need confirming, from coverage.coverage (the /coverage/ page's numbers)."""
    from .coverage import coverage
    from .views import labels_for

    found, names = coverage(records, today), labels_for("en").fields
    rows = [(names[key], count, found.total, "%d%%" % found.share(count) if found.total else "-")
            for key, count in found.confirmed]
    return "\n".join([
        table(("fact", "confirmed", "of", "share"), rows), "",
        "verified in the last %d days: %d of %d" % (STALE_AFTER_DAYS, found.verified_recently, found.total),
        "listings that need confirming (an IOP stated only by a directory, a blog or old news): %d of %d"
        % (found.needs_confirming, found.total),
        "mean completeness: %d%% over %d record(s)" % (found.mean_completeness, found.total)])
