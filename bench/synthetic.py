"""Deterministic synthetic provider records for benchmarks (never written into providers/).

    .venv/bin/python bench/synthetic.py N FOLDER [--seed S]

Every record is valid against providers/schema.json: real Massachusetts towns and ZIPs from the place table,
vocabulary slugs from providers/vocabulary, 1-3 tracks, 2-4 sources, notes of a few hundred characters.
Names are "Synthetic Program 01234" and every URL is on the reserved `.invalid` domain.
"""

import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from iop_directory.places import load_places  # noqa: E402
from iop_directory.vocab import load_vocabularies  # noqa: E402

WORDS = ("structured group therapy skills coping relapse prevention family sessions psychiatric evaluation "
         "medication management trauma informed care recovery support peer specialists aftercare planning "
         "individual counseling mindfulness emotional regulation distress tolerance anxiety depression "
         "substance use co-occurring disorders adolescents adults evening morning telehealth intake "
         "assessment insurance verification sliding scale transportation parking accessible building").split()
PROGRAMS = ("Intensive Outpatient Program", "Evening IOP", "Partial Hospitalization Program", "Adolescent IOP",
            "Dual Diagnosis IOP", "Women's Recovery Program", "Young Adult DBT Program", "Virtual IOP")
DAY_SETS = (["mon", "tue", "wed", "thu"], ["mon", "wed", "fri"], ["mon", "tue", "wed", "thu", "fri"],
            ["tue", "thu", "sat"], ["sat", "sun"])
TIMES = (("09:00", "12:00"), ("09:00", "15:00"), ("13:00", "16:00"), ("17:30", "20:30"), ("18:00", "21:00"),
         ("08:30", "14:30"))
FIRST_DATE = "2026-06-01"


def _q(text):
    return json.dumps(text, ensure_ascii=False)


def _sentence(rng, low, high):
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return (" ".join(words)).capitalize() + "."


def _date(rng):
    import datetime

    return (datetime.date.fromisoformat(FIRST_DATE) + datetime.timedelta(days=rng.randint(0, 170))).isoformat()


def record_text(i, rng, zips, vocab):
    """Return the YAML text of synthetic record number i."""
    host = "p%05d.test-provider.invalid" % i
    virtual_only = rng.random() < 0.03
    insurance = rng.sample(vocab["insurance"].slugs(), rng.randint(2, 7)) if rng.random() > 0.1 else None
    level_slugs = [s for s in vocab["levels"].slugs() if s in ("php", "iop", "outpatient")]
    levels = sorted(rng.sample(level_slugs, rng.randint(1, 2)))
    populations = rng.sample(vocab["populations"].slugs(), rng.randint(1, 3))
    lines = [
        "# Synthetic benchmark record (not a real provider).",
        "name: %s" % _q("Synthetic Program %05d" % i),
        "programs: [%s]" % ", ".join(_q(p) for p in rng.sample(PROGRAMS, rng.randint(1, 2))),
        "description: %s" % _q(" ".join(_sentence(rng, 8, 18) for _ in range(rng.randint(2, 4)))),
        "website: https://%s/" % host,
        "phone: \"(%03d) 555-%04d\"" % (rng.choice((413, 508, 617, 774, 781, 978)), i % 10000),
        "levels_of_care: [%s]" % ", ".join(levels),
        "focus: [%s]" % ", ".join(rng.sample(vocab["focus"].slugs(), rng.randint(1, 3))),
        "populations: [%s]" % ", ".join(populations),
        "modalities: [%s]" % ", ".join(rng.sample(vocab["modalities"].slugs(), rng.randint(2, 5))),
        "insurance: %s" % ("null" if insurance is None else "[%s]" % ", ".join(insurance)),
        "languages: [%s]" % ", ".join(["en"] + rng.sample(["es", "pt", "ht", "zh", "vi", "ru"], rng.randint(0, 2))),
        "virtual: %s" % ("true" if virtual_only or rng.random() < 0.4 else "false"),
    ]
    if virtual_only:
        lines.append("locations: []")
    else:
        lines.append("locations:")
        for _ in range(rng.choice((1, 1, 1, 2))):
            area = rng.choice(zips)
            lines += ["  - street: %s" % _q("%d Synthetic Street" % rng.randint(1, 999)),
                      "    city: %s" % _q(area.place), "    zip: \"%s\"" % area.zip]
    lines.append("tracks:")
    for t in range(rng.randint(1, 3)):
        start, end = rng.choice(TIMES)
        level = rng.choice(levels)
        if level == "php":
            start, end, days = "08:30", "14:30", ["mon", "tue", "wed", "thu", "fri"]
        else:
            days = rng.choice(DAY_SETS[:3]) if level == "iop" else rng.choice(DAY_SETS)
        if level == "iop" and start == "13:00":
            start, end = "12:00", "15:30"
        lines += ["  - name: %s" % _q("Track %d" % (t + 1)), "    level: %s" % level,
                  "    days: [%s]" % ", ".join(days), "    start: \"%s\"" % start, "    end: \"%s\"" % end,
                  "    mode: %s" % ("virtual" if virtual_only else rng.choice(("in-person", "in-person", "hybrid"))),
                  "    population: %s" % rng.choice(populations)]
        if rng.random() < 0.3:
            lines.append("    notes: %s" % _q(_sentence(rng, 6, 14)))
    low = rng.randint(2, 6)
    lines.append("program_length_weeks: {min: %d, max: %d}" % (low, low + rng.randint(0, 6)))
    verified = _date(rng)
    lines.append("sources:")
    for s in range(rng.randint(2, 4)):
        lines += ["  - url: https://%s/page-%d" % (host, s), "    accessed: %s" % verified]
        if rng.random() < 0.5:
            lines.append("    title: %s" % _q("Synthetic source page %d" % s))
    lines.append("last_verified: %s" % verified)
    lines.append("notes: %s" % _q(" ".join(_sentence(rng, 10, 20) for _ in range(rng.randint(2, 4)))))
    return "\n".join(lines) + "\n"


def record_folder(folder) -> Path:
    """`folder`, created if needed; never providers/ (synthetic records are for tests and benchmarks only)."""
    folder = Path(folder)
    if folder.resolve() == (REPO / "providers").resolve():
        raise SystemExit("refusing to write synthetic records into providers/")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def command_line(write):
    """`python <script> N FOLDER [--seed S]`: call write(FOLDER, N, S)."""
    args = sys.argv[1:]
    seed = 1
    if "--seed" in args:
        at = args.index("--seed")
        seed = int(args[at + 1])
        del args[at:at + 2]
    write(Path(args[1]), int(args[0]), seed)


def write_records(folder, n, seed=1):
    """Write n synthetic records into folder (created if needed); return the list of paths."""
    folder = record_folder(folder)
    rng = random.Random(seed)
    places = load_places()
    zips = sorted(places.zips.values(), key=lambda z: z.zip)
    vocab = load_vocabularies()
    paths = []
    for i in range(n):
        path = folder / ("synthetic-%05d.yaml" % i)
        path.write_text(record_text(i, rng, zips, vocab), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    command_line(write_records)
