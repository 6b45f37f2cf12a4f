"""Plain-text tables about the directory: records by age (`iop stale`) and data completeness (`iop report`)."""

import datetime

from .derive import completeness, known_fields

# What `iop report` counts, in order: (label, known_fields key).
REPORT_FIELDS = (("address", "address"), ("ZIP", "zip"), ("phone", "phone"), ("website", "website"),
                 ("insurance", "insurance"), ("schedule", "schedule"), ("populations", "populations"),
                 ("languages", "languages"), ("virtual", "virtual"))


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


def completeness_table(records) -> str:
    """Return the completeness table for `records`: how many know each field, and the mean completeness."""
    total = len(records)
    knowns = [known_fields(r.data) for r in records]
    rows = []
    for label, key in REPORT_FIELDS:
        count = sum(1 for k in knowns if k[key])
        rows.append((label, count, total, "%d%%" % round(100 * count / total) if total else "-"))
    mean = round(sum(completeness(r.data) for r in records) / total) if total else 0
    return "%s\n\nmean completeness: %d%% over %d record(s)" % (
        table(("field", "known", "of", "share"), rows), mean, total)
