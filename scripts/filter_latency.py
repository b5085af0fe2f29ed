"""How long a sidebar filter change takes to show in the browser, on any warehouse (issue: scale).

Starts `streamlit run` on a free port against --db with a throw-away users file holding one manager (a random
password, in a temporary folder), opens headless Chromium (Debian's, via Playwright), logs in, then
changes the Channel filter N times (one channel at a time) and times each change from the click until the Service
level tile shows the new value and nothing is stale. Prints each time and the median and maximum.

    .venv/bin/python scripts/filter_latency.py --db var/bench/warehouse.duckdb --changes 8
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from etl.access import User, add_user

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SETTLED = ("() => document.querySelectorAll('[data-stale=\"true\"]').length === 0"
           " && !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--changes", type=int, default=8)
    args = parser.parse_args()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tempfile.TemporaryDirectory()
    password = secrets.token_urlsafe(16)
    add_user(Path(folder.name) / "users.toml", User(username="latency", role="manager"), password)
    env = {**os.environ, "CAREKPI_DB_PATH": args.db, "CAREKPI_USERS_FILE": str(Path(folder.name) / "users.toml"),
           "CAREKPI_SESSION_SECRET": secrets.token_hex(32), "CAREKPI_AUDIT_LOG": str(Path(folder.name) / "audit")}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            started = time.monotonic()
            page.goto(url)
            page.get_by_label("User name", exact=True).fill("latency")
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_selector("[data-testid='stMetric']", timeout=120_000)
            page.wait_for_function(SETTLED, timeout=120_000)
            print(f"first page ready: {time.monotonic() - started:.2f} s")
            times = []
            channels = ["Voice", "Chat", "SMS", "App"]  # as the list shows them
            for i in range(args.changes):
                sidebar = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']")
                box = sidebar.filter(has_text="Channel")
                box.locator("input").click()
                clicked = time.monotonic()
                page.get_by_role("option", name=channels[i % len(channels)], exact=True).click()
                page.keyboard.press("Escape")
                page.wait_for_function("() => document.querySelector('[data-stale=\"true\"]') !== null"
                                       " || document.querySelector('[data-testid=\"stStatusWidget\"]') !== null",
                                       timeout=5_000)
                page.wait_for_function(SETTLED, timeout=60_000)
                times.append(time.monotonic() - clicked)
                print(f"change {i + 1}: {times[-1]:.2f} s")
                box.locator("[data-testid='stMultiSelectClearAll'], [aria-label='Clear all']").first.click()
                page.wait_for_function(SETTLED, timeout=60_000)
            print(f"filter change to settled page: median {statistics.median(times):.2f} s, max {max(times):.2f} s")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        folder.cleanup()


if __name__ == "__main__":
    main()
