"""One real-browser test: `streamlit run` on a free local port, headless Chromium (Debian's package, driven by
Playwright with executable_path; never a browser download), change a filter, wait for the rerun to finish, check a
KPI against the KPI query function, and save a screenshot under test-artifacts/."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from dashboard.filters import anchor_day, preset_range
from dashboard.formatting import fmt
from etl import views
from etl.kpis import KPI_BY_NAME, Filters, kpi_table
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import PASSWORDS
from tests.streamlit_server import streamlit_server

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
KEY = "browser-test-key-0123456789"


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).exists() and shutil.which("chromium"):
        return
    message = "Chromium is not installed: apt-get install chromium (the test drives /usr/bin/chromium)"
    if os.environ.get("CI") or os.environ.get("CAREKPI_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def server(tmp_path, users_env):
    _chromium_or_skip()
    settings = Settings(db_path=tmp_path / "carekpi.duckdb", pseudonym_key=KEY)
    load([ROOT / "sample_data"], settings)
    env = {**os.environ, "CAREKPI_DB_PATH": str(settings.db_path), "CAREKPI_PSEUDONYM_KEY": KEY}
    with streamlit_server(env) as url:
        yield url, settings


def _settled(page) -> None:
    """Wait until the script has finished rerunning: no element is marked stale and the app is not running."""
    page.wait_for_function(
        "() => document.querySelectorAll('[data-stale=\"true\"]').length === 0"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def open_logged_in(browser, url: str, username: str):
    """A new page at `url`, logged in as `username`, once the app has settled on the first page's tiles."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    _settled(page)
    return page


def _metric(page, label: str) -> str:
    tile = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return tile.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_filter_change_in_a_real_browser(server):
    from playwright.sync_api import sync_playwright

    url, settings = server
    con = connect_read_only(settings.db_path)
    last = views.freshness(con)["last_day"]
    start, end = preset_range("Last 7 days", anchor_day(last.date(), settings.reporting_timezone))
    everyone = kpi_table(con, Filters(date_from=start, date_to=end), (), settings).iloc[0]
    chat = kpi_table(con, Filters(date_from=start, date_to=end, channels=["chat"]), (), settings).iloc[0]
    con.close()
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = open_logged_in(browser, url, "manager")
            sl = KPI_BY_NAME["service_level"]
            assert _metric(page, "Service level") == fmt(sl, everyone["service_level"])

            started = time.monotonic()
            channel = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(
                has_text="Channel")
            channel.locator("input").click()
            page.get_by_role("option", name="Chat", exact=True).click()
            page.keyboard.press("Escape")
            page.wait_for_function(
                "expected => [...document.querySelectorAll('[data-testid=\"stMetric\"]')].some("
                "m => m.innerText.includes('Service level') && m.innerText.includes(expected))",
                arg=fmt(sl, chat["service_level"]), timeout=30_000)
            _settled(page)
            elapsed = time.monotonic() - started
            assert _metric(page, "Service level") == fmt(sl, chat["service_level"])
            assert _metric(page, "Contacts offered") == f"{int(chat['contacts_offered']):,}"
            assert "channel=Chat" in page.url  # the URL carries what the list shows
            page.screenshot(path=str(artifacts / "overview-chat.png"), full_page=True)
            print(f"filter change reflected in {elapsed:.2f} s")
        finally:
            browser.close()
