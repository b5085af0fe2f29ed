"""In a real browser, on p14a's hostile delivery, every page for every role: no request leaves localhost (Playwright
intercepts and counts them), no delivery name becomes a link, image or script, the tables offer no built-in CSV
download, a made download stops answering after its time, and a link with nonsense dates shows a message and no
traceback or server path. The server is started from another directory, so the app's own config must apply."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from etl.access import User, add_user
from etl.load import load
from etl.settings import Settings
from tests.hostile_delivery import MD_COLOUR, MD_LINK, PAYLOAD_PARTNER, write_hostile_delivery
from tests.streamlit_server import streamlit_server
from tests.browser_app import CHROMIUM, FLAGS, chromium_or_skip as _chromium_or_skip, settled as _settled

pytestmark = [pytest.mark.browser, pytest.mark.prove]
ROOT = Path(__file__).resolve().parent.parent
KEY = "browser-security-key-0123456789"
PASSWORD = "a-long-and-strong-passphrase"
TTL = 1.0
JANUARY = "?period=Custom&dates=2026-01-01&dates=2026-01-31"
ROLES = {  # user, the pages its navigation shows
    "manager": (User(username="manager", role="manager"),
                ["Overview", "Channels", "Quality & compliance", "Coaching", "Partner scorecard", "Data quality"]),
    "partner": (User(username="partner", role="partner", partners=[PAYLOAD_PARTNER]),
                ["Overview", "Channels", "Quality & compliance", "Partner scorecard"]),
    "trainer": (User(username="trainer", role="trainer", teams=[MD_COLOUR, MD_LINK]),
                ["Overview", "Quality & compliance", "Coaching"]),
}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    _chromium_or_skip()
    root = tmp_path_factory.mktemp("browser-hostile")
    settings = Settings(db_path=root / "carekpi.duckdb", pseudonym_key=KEY)
    load([write_hostile_delivery(root / "delivery")], settings)
    for user, _ in ROLES.values():
        add_user(root / "users.toml", user, PASSWORD)
    env = {**os.environ, "CAREKPI_DB_PATH": str(settings.db_path), "CAREKPI_PSEUDONYM_KEY": KEY,
           "CAREKPI_USERS_FILE": str(root / "users.toml"), "CAREKPI_AUDIT_LOG": str(root / "audit.jsonl"),
           "CAREKPI_SESSION_SECRET": "browser-security-session-secret", "CAREKPI_DOWNLOAD_TTL_SECONDS": str(TTL)}
    with streamlit_server(env, cwd=root) as url:  # started from another folder: no project-level .streamlit/
        yield url, root


def _local(url: str) -> bool:
    parsed = urllib.parse.urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname in ("127.0.0.1", "localhost")


def _log_in(page, url: str, username: str, query: str = JANUARY) -> None:
    page.goto(url + "/" + query)
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("[data-testid='stSidebarNav']", timeout=60_000)
    _settled(page)


DOM_CHECKS = """() => ({
  evil: document.querySelectorAll('[src*="evil.example"], [href*="evil.example"]').length,
  links: [...document.querySelectorAll('[data-testid="stMain"] a[href]')]
           .filter(a => !a.href.startsWith(location.origin)).length,
  chartLinks: document.querySelectorAll('.js-plotly-plot a').length,
  coloured: document.querySelectorAll('[data-testid="stMain"] [class*="stMarkdownColoredText"]').length,
  text: document.body.innerText,
  evidence: [...document.querySelectorAll('[src*="evil.example"], [href*="evil.example"]')]
              .map(e => e.parentElement.outerHTML.slice(0, 300)),
})"""


def test_every_page_for_every_role_makes_no_outside_request_and_shows_names_as_text(hostile_server):
    from playwright.sync_api import sync_playwright

    url, _ = hostile_server
    outside: list[tuple[str, str, str]] = []
    problems: list[tuple] = []
    visited = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for role, (user, titles) in ROLES.items():
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                current = {"page": "log-in"}

                def intercept(route, role=role, current=current):
                    if _local(route.request.url):
                        route.continue_()
                    else:
                        outside.append((role, current["page"], route.request.url))
                        route.abort()

                context.route("**/*", intercept)
                page = context.new_page()
                _log_in(page, url, user.username)
                for title in titles:
                    current["page"] = title
                    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
                    page.wait_for_function("t => document.querySelector('h1') && "
                                           "document.querySelector('h1').innerText.includes(t)",
                                           arg=title.split(" ")[0], timeout=60_000)
                    _settled(page)
                    page.wait_for_timeout(300)  # charts draw after the script settles
                    found = page.evaluate(DOM_CHECKS)
                    visited += 1
                    leaks = {k: v for k, v in found.items() if k not in ("text", "evidence") and v}
                    if leaks:
                        leaks["evidence"] = found["evidence"][:3]
                    if "Traceback" in found["text"] or "site-packages" in found["text"]:
                        leaks["traceback"] = True
                    if leaks:
                        problems.append((role, title, leaks))
                context.close()
        finally:
            browser.close()
    print(f"\nbrowser sweep: {visited} page views over {len(ROLES)} roles; outside requests: {len(outside)}; "
          f"pages with a link, image, colour or traceback from a name: {len(problems)}")
    assert visited == 13
    assert outside == []
    assert problems == []


def test_tables_offer_no_built_in_download_and_made_files_expire(hostile_server):
    from playwright.sync_api import sync_playwright

    url, root = hostile_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page = context.new_page()
            _log_in(page, url, "manager")
            page.locator("[data-testid='stSidebarNav']").get_by_text("Partner scorecard", exact=True).click()
            page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
            _settled(page)
            table = page.locator("[data-testid='stDataFrame']").first
            table.hover()
            page.wait_for_selector("[data-testid='stElementToolbar']", timeout=10_000)
            toolbar = page.locator("[data-testid='stElementToolbar']").first
            labels = [b.get_attribute("aria-label") for b in toolbar.locator("button").all()]
            assert labels and not any("download" in (label or "").lower() for label in labels), labels
            with page.expect_download(timeout=60_000) as made:
                page.get_by_role("button", name="Report (CSV)").click()
            download = made.value
            address = download.url
            body = Path(download.path()).read_bytes()
            context.close()
        finally:
            browser.close()
    assert "/media/" in address and len(body) > 0
    exports = [line for line in (root / "audit.jsonl").read_text().splitlines() if '"export"' in line]
    assert exports and '"format": "csv"' in exports[-1]
    # Another client, later: nothing there. The server's sweeper drops the file after ttl to 2 x ttl; poll rather
    # than sleep a fixed time, so a busy machine that delays the sweep cannot fail the test (only a file that is
    # never dropped does).
    made_at, status = time.monotonic(), 200
    while status != 404 and time.monotonic() - made_at < 60:
        time.sleep(TTL / 2)
        try:
            urllib.request.urlopen(address, timeout=5).close()
        except urllib.error.HTTPError as gone:
            status = gone.code
    assert status == 404
    print(f"\ndownload {address.rsplit('/', 1)[-1]}: answered 404 to a second client "
          f"{time.monotonic() - made_at:.1f} s after it was made")


def test_a_link_with_reversed_dates_shows_a_message_and_no_internals(hostile_server):
    from playwright.sync_api import sync_playwright

    url, _ = hostile_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _log_in(page, url, "manager", "?period=Custom&dates=2026-01-31&dates=2026-01-01")
            text = page.locator("body").inner_text()
        finally:
            browser.close()
    assert "The dates asked for end before they start" in text
    assert "Traceback" not in text and "ValidationError" not in text and str(ROOT) not in text
