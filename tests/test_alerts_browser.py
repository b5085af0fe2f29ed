"""A real browser follows an alert's link: after log-in the app shows the page with the alert's filters, and the
KPI there is the alert's value."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import views
from etl.alerts.evaluate import evaluate, kpi_source
from etl.alerts.rules import Rule
from etl.display import display_name
from etl.warehouse import connect_read_only
from tests.browser_app import metric, open_logged_in

pytestmark = pytest.mark.browser


def test_an_alert_link_opens_the_view_that_shows_it(sample_app, chromium):
    url, settings = sample_app
    rule = Rule(name="sl", kpi="service_level", condition="target", by="queue", level="amber", min_n=10)
    con = connect_read_only(settings.db_path)
    try:
        last = views.freshness(con)["last_day"].date()
        fired = evaluate([rule], kpi_source(con, settings, None), settings, last - dt.timedelta(days=6), last)
    finally:
        con.close()
    alert = fired[0]
    link = alert.link(url)
    assert link.startswith(f"{url}/?period=Custom&dates=")
    page = open_logged_in(chromium, link, "manager")
    try:
        queue = display_name(alert.group["queue"])  # the sidebar shows display names
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert queue in sidebar and f"{alert.day:%a %d %b %Y}" in sidebar
        assert metric(page, "Service level") == f"{alert.value * 100:.1f}%"
    finally:
        page.close()
