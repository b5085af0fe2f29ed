"""One real-browser test: `streamlit run` on a free local port, headless Chromium (Debian's package, driven by
Playwright with executable_path; never a browser download), change a filter, wait for the rerun to finish, check a
KPI against the KPI query function, and save a screenshot under test-artifacts/."""

from __future__ import annotations

import time
import pytest

from dashboard.filters import anchor_day, preset_range
from dashboard.formatting import fmt
from etl import views
from etl.kpis import KPI_BY_NAME, Filters, kpi_table
from etl.warehouse import connect_read_only
from tests.browser_app import ROOT, metric, open_logged_in, settled

pytestmark = pytest.mark.browser


def test_filter_change_in_a_real_browser(sample_app, chromium):
    url, settings = sample_app
    con = connect_read_only(settings.db_path)
    last = views.freshness(con)["last_day"]
    start, end = preset_range("Last 7 days", anchor_day(last.date(), settings.reporting_timezone))
    everyone = kpi_table(con, Filters(date_from=start, date_to=end), (), settings).iloc[0]
    chat = kpi_table(con, Filters(date_from=start, date_to=end, channels=["chat"]), (), settings).iloc[0]
    con.close()
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page = open_logged_in(chromium, url, "manager")
    try:
        sl = KPI_BY_NAME["service_level"]
        assert metric(page, "Service level") == fmt(sl, everyone["service_level"])

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
        settled(page)
        elapsed = time.monotonic() - started
        assert metric(page, "Service level") == fmt(sl, chat["service_level"])
        assert metric(page, "Contacts offered") == f"{int(chat['contacts_offered']):,}"
        assert "channel=Chat" in page.url  # the URL carries what the list shows
        page.screenshot(path=str(artifacts / "overview-chat.png"), full_page=True)
        print(f"filter change reflected in {elapsed:.2f} s")
    finally:
        page.close()
