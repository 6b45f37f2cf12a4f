"""Benchmark the browser search at growing data sizes: index bytes (raw, gzip) and query time in Chromium.

Run by hand (not by pytest):  .venv/bin/python bench/bench_search.py [sizes...]   (default: 28 500 2000)

For each size it writes synthetic records into a temporary folder (copies of the real records in providers/
with new ids, names and Massachusetts towns; never into providers/), builds the site with Pelican, then loads
/search/ in headless Chromium and measures:
  - bytes of search/data/index.json, docs.json and places.json, raw and gzip -9;
  - time from navigation to the first results, and the longest main-thread task seen (PerformanceObserver);
  - lunr.js query time (median of repeated queries built the way search.js builds them: exact, prefix, ~1);
  - one full search through the form (search, facet counts and first results rendered, synchronous part).
Ratios are printed against the first size measured in the same run.
"""

import gzip
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, build, serve  # noqa: E402
from iop_directory.places import load_places  # noqa: E402

QUERIES = ["worcestr", "dial", "evening", "masshealth", "teens dbt", "springfield substance"]

QUERY_JS = """
async (queries) => {
  const index = lunr.Index.load(await (await fetch('data/index.json')).json());
  const run = (text) => {
    let scores = null;
    for (const word of text.toLowerCase().split(/[^\\p{L}\\p{N}]+/u).filter(Boolean)) {
      const found = {};
      index.query(q => {
        q.term(word, {boost: 10});
        q.term(word, {boost: 5, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false});
        if (word.length >= 5) q.term(word, {boost: 1, editDistance: 1, usePipeline: false});
      }).forEach(h => { found[h.ref] = h.score; });
      scores = scores === null ? found : Object.fromEntries(Object.keys(scores).filter(r => r in found)
        .map(r => [r, scores[r] + found[r]]));
    }
    return Object.keys(scores || {}).length;
  };
  const times = [];
  for (let round = 0; round < 5; round++) {
    for (const text of queries) {
      const t0 = performance.now(); run(text); times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  const t0 = performance.now(); lunr.Index.load(await (await fetch('data/index.json')).json());
  return {median: times[Math.floor(times.length / 2)], max: times[times.length - 1],
          load: performance.now() - t0};
}
"""

FORM_JS = """
() => {
  const q = document.getElementById('q'); q.value = 'evening';
  const t0 = performance.now(); document.getElementById('search-form').requestSubmit();
  return performance.now() - t0;
}
"""

LONGTASK_JS = """
() => { window.__long = []; new PerformanceObserver(l => l.getEntries().forEach(e => window.__long.push(e.duration)))
  .observe({type: 'longtask', buffered: true}); }
"""


def make_records(folder: Path, n: int, seed: int = 1):
    """Write n synthetic records (variations of the real ones) into folder."""
    rng = random.Random(seed)
    sources = sorted((REPO / "providers").glob("*.yaml"))
    places = load_places()
    zips = sorted(places.zips.values(), key=lambda z: z.zip)
    for i in range(n):
        source = sources[i % len(sources)]
        text = source.read_text(encoding="utf-8")
        if i >= len(sources):
            area = rng.choice(zips)
            text = re.sub(r"(?m)^name: (.*)$", lambda m: "name: %s %d" % (m.group(1).strip("'\""), i), text, count=1)
            text = re.sub(r'(?m)^(\s*)zip: "?\d{5}"?', lambda m: '%szip: "%s"' % (m.group(1), area.zip), text)
            text = re.sub(r"(?m)^(\s*)city: (?!null).*$", lambda m: "%scity: %s" % (m.group(1), area.place), text)
        (folder / ("%s-%04d.yaml" % (source.stem, i))).write_text(text, encoding="utf-8")


def measure(n, browser, work: Path):
    providers = work / ("providers-%d" % n)
    providers.mkdir()
    make_records(providers, n)
    site = build(providers, work / ("site-%d" % n))
    sizes = {}
    for name in ("index", "docs", "places"):
        raw = (site / "search" / "data" / ("%s.json" % name)).read_bytes()
        sizes[name] = (len(raw), len(gzip.compress(raw, 9)))
    server, base = serve(site)
    try:
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(base + "/search/?near=01608&insurance=masshealth&schedule=evening")
        page.wait_for_selector('#results[data-state="ready"]', timeout=60_000)
        first_results = (time.perf_counter() - started) * 1000
        page.evaluate(LONGTASK_JS)
        page.wait_for_timeout(200)
        long_tasks = page.evaluate("() => window.__long")
        query = page.evaluate(QUERY_JS, QUERIES)
        form = statistics.median(page.evaluate(FORM_JS) for _ in range(5))
        page.close()
    finally:
        server.shutdown()
    return {"n": n, "sizes": sizes, "first_results_ms": first_results, "longest_task_ms": max(long_tasks or [0]),
            "query": query, "form_ms": form}


def main(argv):
    sizes = [int(a) for a in argv] or [28, 500, 2000]
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for n in sizes:
                print("building and measuring %d providers…" % n, file=sys.stderr)
                rows.append(measure(n, browser, Path(tmp)))
        finally:
            browser.close()
    base = rows[0]
    header = ("providers", "index raw", "index gz", "docs gz", "places gz", "fetch+lunr load ms", "query ms (med/max)",
              "form search ms", "longest task ms", "first results ms")
    print(" | ".join(header))
    for row in rows:
        s = row["sizes"]
        ratio = lambda key, value: "%.1fx" % (value / key) if key else "-"  # noqa: E731
        print(" | ".join([
            str(row["n"]),
            "%d B (%s)" % (s["index"][0], ratio(base["sizes"]["index"][0], s["index"][0])),
            "%d B (%s)" % (s["index"][1], ratio(base["sizes"]["index"][1], s["index"][1])),
            "%d B" % s["docs"][1], "%d B" % s["places"][1],
            "%.1f (%s)" % (row["query"]["load"], ratio(base["query"]["load"], row["query"]["load"])),
            "%.2f/%.2f (%s)" % (row["query"]["median"], row["query"]["max"],
                                ratio(base["query"]["median"], row["query"]["median"])),
            "%.1f (%s)" % (row["form_ms"], ratio(base["form_ms"], row["form_ms"])),
            "%.0f" % row["longest_task_ms"],
            "%.0f" % row["first_results_ms"],
        ]))


if __name__ == "__main__":
    main(sys.argv[1:])
