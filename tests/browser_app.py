"""What the real-browser tests share: Chromium (Debian's package at /usr/bin/chromium, driven by Playwright with
executable_path; never a browser download), one app server on the shipped sample data for the whole test session
(a user per role of tests/conftest.py), and the waits and reads every browser test needs.

Registered as a plugin by tests/conftest.py, so `sample_app` is started once however many test files use it. The
security tests start their own server on the hostile delivery (tests/test_browser_security.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from etl.access import add_user
from etl.load import load
from etl.settings import Settings
from tests.streamlit_server import streamlit_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
KEY = "browser-test-key-0123456789"


def chromium_or_skip() -> None:
    """Skip where Chromium is missing, except in CI (or with CAREKPI_REQUIRE_BROWSER set), where it is a failure."""
    if Path(CHROMIUM).exists() and shutil.which("chromium"):
        return
    message = "Chromium is not installed: apt-get install chromium (the test drives /usr/bin/chromium)"
    if os.environ.get("CI") or os.environ.get("CAREKPI_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sample_app(tmp_path_factory) -> tuple[str, Settings]:
    """`streamlit run` on the sample data with a user per role: (base URL, the warehouse's settings)."""
    from tests.conftest import PASSWORDS, SESSION_SECRET, TEST_USERS

    chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser-app")
    settings = Settings(db_path=folder / "carekpi.duckdb", pseudonym_key=KEY)
    load([ROOT / "sample_data"], settings)
    for user in TEST_USERS:
        add_user(folder / "users.toml", user, PASSWORDS[user.username])
    env = {**os.environ, "CAREKPI_DB_PATH": str(settings.db_path), "CAREKPI_PSEUDONYM_KEY": KEY,
           "CAREKPI_USERS_FILE": str(folder / "users.toml"), "CAREKPI_SESSION_SECRET": SESSION_SECRET,
           "CAREKPI_AUDIT_LOG": str(folder / "audit.jsonl")}
    with streamlit_server(env) as url:
        yield url, settings


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module (Playwright's sync API allows one running instance at a time)."""
    from playwright.sync_api import sync_playwright

    chromium_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def settled(page) -> None:
    """Wait until the script has finished rerunning: no element is marked stale and the app is not running."""
    page.wait_for_function(
        "() => document.querySelectorAll('[data-stale=\"true\"]').length === 0"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def log_in(page, username: str) -> None:
    """Fill the log-in form of the page shown now as `username` and wait for the app to settle."""
    from tests.conftest import PASSWORDS

    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("[data-testid='stSidebarNav']", timeout=90_000)
    settled(page)


def open_logged_in(browser, url: str, username: str):
    """A new page at `url`, logged in as `username`, once the app has settled on the first page's tiles."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    log_in(page, username)
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    settled(page)
    return page


def metric(page, label: str) -> str:
    """The value of the first KPI tile whose label contains `label`."""
    tile = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return tile.locator("[data-testid='stMetricValue']").inner_text().strip()
