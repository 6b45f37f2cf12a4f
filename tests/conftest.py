"""Shared fixtures: real Pelican builds of small record sets, a local HTTP server, and one headless Chromium.

Browser tests use Debian's Chromium through Playwright (installed by `make test`); a missing browser is a
test failure with a clear message, not a skip, so CI cannot pass without running them.
"""

import functools
import http.server
import os
import shutil
import socketserver
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_PROVIDERS = FIXTURES / "providers"
TEST_TODAY = "2026-11-24"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def build(providers: Path, output: Path, settings: str = "pelicanconf.py", **overrides) -> Path:
    """Build the site from `providers` into `output` with a real Pelican run; return `output`."""
    from iop_directory.build import build_site

    return build_site(REPO / settings, output, {"PROVIDERS_PATH": str(providers), "IOP_TODAY": TEST_TODAY,
                                                **overrides})


@pytest.fixture
def records_copy(tmp_path, monkeypatch):
    """A copy of the fixture records to change, with a build cache of its own."""
    monkeypatch.setenv("IOP_BUILD_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "providers"
    folder.mkdir()
    for path in FIXTURE_PROVIDERS.glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> Path:
    """The site built from tests/fixtures/providers (six synthetic records).

    IOP_TEST_SHARDED_SEARCH=1 builds it with the split search data of large directories (issue 8) for every test
    that uses it (the search tests run on both paths anyway: test_search_browser.fixture_server).
    """
    overrides = {"IOP_SEARCH_SHARD_THRESHOLD": 0} if os.environ.get("IOP_TEST_SHARDED_SEARCH") else {}
    return build(FIXTURE_PROVIDERS, tmp_path_factory.mktemp("fixture-site") / "output", **overrides)


@pytest.fixture(scope="session")
def split_fixture_site(tmp_path_factory) -> Path:
    """The fixture site with the split search data of large directories (issue 8), whatever the size."""
    return build(FIXTURE_PROVIDERS, tmp_path_factory.mktemp("split-fixture-site") / "output",
                 IOP_SEARCH_SHARD_THRESHOLD=0)


def real_records_date() -> str:
    """The newest date the real records were read (their last_verified and sources): the day the real site's
    tests take as today, so they neither depend on the calendar nor find a record read "in the future"."""
    import re

    dates = set()
    for path in (REPO / "providers").glob("*.yaml"):
        dates.update(re.findall(r"(?m)^\s*(?:-\s*)?(?:last_verified|accessed):\s*'?\"?(\d{4}-\d\d-\d\d)", path.read_text(encoding="utf-8")))
    return max(dates)


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The site built from the real providers/ folder."""
    return build(REPO / "providers", tmp_path_factory.mktemp("real-site") / "output", IOP_TODAY=real_records_date())


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(directory: Path):
    """Start a static server for `directory` on 127.0.0.1; return (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


@pytest.fixture(scope="session")
def fixture_server(fixture_site):
    """Base URL of the fixture site served over HTTP."""
    server, url = serve(fixture_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def real_server(real_site):
    server, url = serve(real_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium not found at %s: run `make test`, which installs Debian's chromium" % CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageWatch:
    """Records what a page did that a test may need to forbid: requests to other hosts, dialogs, errors."""

    def __init__(self, page, allowed_host):
        self.page = page
        self.allowed_host = allowed_host
        self.requests = []
        self.foreign = []
        self.dialogs = []
        self.errors = []
        page.on("request", self._request)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _request(self, request):
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != self.allowed_host:
            self.foreign.append(request.url)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def axe_page(browser):
    # axe is injected as a script, which the site's own CSP rightly forbids; only this context bypasses it.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (own context: no shared storage) with a PageWatch at page.watch."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.watch = PageWatch(tab, "127.0.0.1")
    yield tab
    context.close()
