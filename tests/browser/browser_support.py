"""What the browser tests share: the app served over real HTTP, Debian's chromium driven by
Playwright, a fresh browser context per page, and the axe-core and phone-width checks.

A plain module on purpose, imported as `from browser_support import ...` (pytest puts this
folder on sys.path): a tests/browser/conftest.py would be imported under the module name
"conftest" and replace tests/conftest.py in sys.modules, which breaks every
`from conftest import ...` in the rest of the suite.

Each test module defines its own module-scoped `live_server` fixture (its own database and
seed data, served with `serve(app)`) and imports the `browser` and `open_page` fixtures from
here as `browser_fixture` and `open_page_fixture` (other names than the fixtures', so that a
test's `open_page` argument does not shadow an import); pytest resolves their `live_server`
to the one of the module that uses them.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from portal.extensions import db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE_WIDTH = 375
PHONE_VIEWPORT = {"width": PHONE_WIDTH, "height": 812}

expect.set_options(timeout=TIMEOUT_MS)


# ---------------------------------------------------------------- live server


@dataclass
class LiveServer:
    app: Flask
    base_url: str

    def url(self, path: str = "/") -> str:
        return self.base_url + path


class _QuietHandler(WSGIRequestHandler):
    """Keep the request log out of the test output; errors are still logged."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve the app over real HTTP on a free loopback port; yields its base URL. On exit the
    server stops and the app's database connections are closed."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@contextmanager
def serve_seeded(tmp_path_factory, name: str, seed: Callable[[], object]) -> Iterator[tuple]:
    """The app on a fresh SQLite file, filled by `seed()` in an app context and served:
    yields (app, base_url, what seed returned)."""
    from conftest import make_config

    from portal import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp(f'browser-{name}-db') / 'portal.db'}"
    app = create_app(make_config(url))
    with app.app_context():
        db.create_all()
        seeded = seed()
        db.session.remove()
    with serve(app) as base_url:
        yield app, base_url, seeded


def expect_vietnamese(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def log_in(page: Page, live_server: LiveServer, login: str, password: str) -> None:
    """Log in through the form as a person would, and wait for the home page."""
    page.goto("/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill(password)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(live_server.url("/"))
    expect(page.locator('form[action="/logout"] button')).to_be_visible()


def url_is(live_server: LiveServer, path: str) -> re.Pattern:
    """Match the page URL exactly (no query string), for expect(page).to_have_url."""
    return re.compile("^" + re.escape(live_server.url(path)) + "$")


# ---------------------------------------------------------------- browser


def _chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@contextmanager
def launch(extra_args: tuple[str, ...] = ()) -> Iterator[Browser]:
    """Headless Debian chromium (never a downloaded one), with `extra_args` (a fake camera);
    skips the test when it is missing."""
    executable = _chromium_path()
    if executable is None:
        pytest.skip("Browser tests skipped: Debian's chromium was not found (apt install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module", name="browser")
def browser_fixture(live_server: LiveServer) -> Iterator[Browser]:
    """The module's browser; it asks for live_server so that it is closed before the server
    stops."""
    with launch() as started:
        yield started


@pytest.fixture(name="open_page")
def open_page_fixture(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (own cookies), Vietnamese browser by default."""
    contexts = []

    def _open(locale: str = "vi-VN", **context_options) -> Page:
        context = browser.new_context(
            base_url=live_server.base_url, locale=locale, **context_options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


# ---------------------------------------------------------------- checks


def check_accessibility(page: Page, name: str) -> None:
    """Run axe-core on the page; fail on any serious or critical violation."""
    # Only the violations are reported in full (the passes' details cost time, unread).
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    violations = results.response["violations"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    lines = []
    for violation in blocking:
        targets = [node.get("target") for node in violation["nodes"]]
        node = violation["nodes"][0] if violation["nodes"] else {}
        lines.append(
            f"- {violation['id']} ({violation['impact']}, {len(violation['nodes'])} node(s)): "
            f"{violation.get('help', '')}\n"
            f"    targets={targets} html={node.get('html')}\n"
            f"    {node.get('failureSummary', '')}"
        )
    assert not blocking, f"axe-core on {name} ({page.url}):\n" + "\n".join(lines)


def assert_no_horizontal_scroll(page: Page, what: str) -> None:
    """The page fits a phone's width (opened with viewport=PHONE_VIEWPORT): no sideways
    scrolling. Measured once the page has loaded: after a click that navigates, the new
    page's text can show before its stylesheet applies (an unstyled page is wider)."""
    page.wait_for_load_state("load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH + 1, (
        f"{what} scrolls sideways at {PHONE_WIDTH} px: scrollWidth={scroll_width}"
    )


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
