"""The app side of alerts: the Overview's alerts panel (scoped, linked), control limits on the daily trends, and
failed deliveries on the Data quality page."""

from __future__ import annotations

import base64
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from test_app import expected, run_page  # noqa: F401 - the app fixture's helpers
from test_app import app  # noqa: F401 - fixture

from dashboard.filters import anchor_day, preset_range
from etl import charts, views
from etl.alerts.evaluate import evaluate, kpi_source
from etl.alerts.limits import daily_limits
from etl.alerts.rules import default_rules
from etl.delivery import log
from etl.kpis import KPI_BY_NAME, Filters, Scope
from etl.warehouse import connect_read_only
from tests.conftest import login

PARTNERS = ("CareCentre", "Harbor BPO", "Northwind Support")


def frame_with(at, column: str) -> pd.DataFrame:
    """The page's table that has this column (AppTest does not index tables by key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _fired(settings, scope, preset="Last 4 weeks"):
    con = connect_read_only(settings.db_path)
    try:
        last = pd.Timestamp(views.freshness(con)["last_day"]).date()
        start, end = preset_range(preset, anchor_day(last, settings.reporting_timezone))
        filters = Filters(date_from=start, date_to=end)
        return evaluate(default_rules(settings), kpi_source(con, settings, scope), settings, start, end, filters)
    finally:
        con.close()


@pytest.mark.parametrize("user, scope", [("manager", None), ("harbor", Scope(partners=["Harbor BPO"]))])
def test_the_overview_lists_the_alerts_of_the_period_in_scope_with_links(app, sample_db, user, scope):
    app.query_params["period"] = "Last 4 weeks"
    at = run_page(login(app, user), "overview")
    table = frame_with(at, "show")
    want = _fired(sample_db, scope)
    assert len(want) > 0 and len(table) == len(want)
    assert sorted(table["show"]) == sorted(a.link("", {}) for a in want)
    assert table["show"].str.match(r"^/(quality)?\?period=Custom&dates=\d{4}-\d\d-\d\d&dates=").all()
    assert table["contacts"].notna().sum() > 0
    assert sorted(table["contacts"].dropna()) == sorted(a.contacts_link("", {}) for a in want if a.drillable())
    drill = r"&drill=[a-z0-9_]+&drill_day=\d{4}-\d\d-\d\d(&drill_hour=\d+)?$"  # csat_top2_rate; hourly rules
    assert table["contacts"].dropna().str.contains(drill).all()
    if scope is not None:
        shown = " ".join(table["where"])
        assert "Harbor BPO" in shown or "queue" in shown
        assert not any(p in shown for p in PARTNERS if p != "Harbor BPO")


def test_failed_deliveries_are_shown_on_data_quality(app, tmp_path, monkeypatch):
    path = tmp_path / "deliveries.sqlite"
    monkeypatch.setenv("CAREKPI_DELIVERY__LOG_FILE", str(path))
    slot = dt.datetime(2026, 11, 23, 7, tzinfo=dt.UTC)
    assert log.claim(path, "harbor-daily", slot, "harbor", slot)
    log.finish(path, "harbor-daily", slot, "failed", 3, None, "recipient refused (SMTP 550)", slot)
    at = run_page(app, "data_quality")
    failed = frame_with(at, "Subscription")  # column names in words, as every table
    assert failed[["Subscription", "Attempts", "Error"]].values.tolist() == [
        ["harbor-daily", 3, "recipient refused (SMTP 550)"]]


def test_control_limits_on_a_daily_trend():
    days = pd.date_range("2025-12-01", periods=36, freq="D").strftime("%Y-%m-%d")
    num = [80 if pd.Timestamp(d).weekday() == 0 else 50 for d in days[:-1]] + [65]
    frame = pd.DataFrame({"day": days, "service_level_num": num, "service_level_den": 100})
    frame["service_level"] = frame["service_level_num"] / 100
    limits = daily_limits(frame, "service_level", "rate", weeks=8, sigma=3, min_history=4)
    shown = frame[frame["day"] >= "2025-12-29"]
    kpi = KPI_BY_NAME["service_level"]
    fig = charts.with_control_limits(charts.kpi_trend_chart(shown, kpi, None), shown, limits, kpi, "p")
    names = [t.name for t in fig.data]
    assert names == ["Service level", "p-chart limits (same weekday)", "p-chart limits (same weekday)",
                     "outside limits"]
    upper, lower, ringed = fig.data[1], fig.data[2], fig.data[3]
    # Monday 65 % < 65.58 %, the lower limit from 5 Mondays at 80/100 (tests/test_alerts.py works it out)
    assert list(ringed.x) == ["2026-01-05"] and list(ringed.y) == [65.0]
    assert upper.y[-1] == pytest.approx(91.56, abs=0.005) and lower.y[-1] == pytest.approx(65.58, abs=0.005)
    assert len(upper.x) == 2 * len(shown)  # a step per day (its start and end): every day has 4 weekdays before


def test_every_daily_trend_on_the_overview_draws_its_control_limits(app):
    """Every KPI the Overview can trend (rates: p-chart; means and scores: individuals chart), with limits drawn
    on the days that have four same weekdays of history."""
    app.query_params["period"] = "Last 4 weeks"
    at = run_page(login(app, "manager"), "overview")
    picker = at.multiselect(key="overview_trends")
    at = picker.set_value(list(picker.options)).run()
    assert not at.exception, [e.value for e in at.exception]
    trends = {str(c.proto.id): json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")
              if "trend_" in str(c.proto.id)}
    assert len(trends) == len(picker.options) >= 10
    for key, data in trends.items():
        names = [trace.get("name") for trace in data]
        chart = "p" if any(n == "p-chart limits (same weekday)" for n in names) else "individuals"
        limits = [t for t in data if t.get("name") == f"{chart}-chart limits (same weekday)"]
        assert len(limits) == 2, (key, names)
        assert all(any(v is not None for v in _values(t["y"])) for t in limits), key


def _values(y) -> list:
    """A trace's y as Plotly serialises it: a list, or a typed array in base64 ({'dtype', 'bdata'})."""
    if isinstance(y, dict):
        values = np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
        return [None if np.isnan(v) else float(v) for v in values]
    return list(y)


def test_the_managers_notices_are_counted_in_words(app, sample_db):
    """The sample's latest contact is weeks before the clock: one stale-data notice, said as one (it read
    "1 load or freshness notice(s)"), under a "Notice" column."""
    at = run_page(app, "overview")
    assert [w.value for w in at.warning] == ["1 load or freshness notice for managers:"]
    (notice,) = frame_with(at, "Notice")["Notice"]
    assert notice.startswith("the latest contact is ") and "beyond the freshness target of 36 hours" in notice
