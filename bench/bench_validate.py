"""How long `iop validate <one file>` takes, against the start-up time of a bare Python in the same run.

Usage: .venv/bin/python bench/bench_validate.py [providers/x.yaml] [--runs N]
Prints the median of N runs of each; validation of one file should stay well under a second.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def median_seconds(argv, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=False, capture_output=True, cwd=REPO)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", nargs="?", default=str(REPO / "providers" / "lake-avenue-recovery.yaml"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    iop = str(Path(sys.executable).with_name("iop"))
    baseline = median_seconds([sys.executable, "-c", "pass"], args.runs)
    validate = median_seconds([iop, "validate", args.record], args.runs)
    print("python -c pass:        %6.3f s (median of %d)" % (baseline, args.runs))
    print("iop validate one file: %6.3f s (median of %d)" % (validate, args.runs))
    print("validation cost over start-up: %.3f s" % (validate - baseline))


if __name__ == "__main__":
    main()
