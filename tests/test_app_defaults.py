"""Every role's default view is meaningful: FCR over the latest closed windows, like-for-like comparison, the
manager's partner scorecard on a real partner, no queue measures for an agent. Values equal kpi_table()'s."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.filters import anchor_day, preset_range
from dashboard.formatting import fmt
from etl import views
from etl.defaults import fcr_closed_through, fcr_filters, period_label
from etl.kpis import KPI_BY_NAME, Filters, kpi_table
from etl.warehouse import connect_read_only
from tests.conftest import login
from tests.test_app import APP, app, metric, run_page  # noqa: F401 - the app fixture

FCR = KPI_BY_NAME["fcr_rate"]


def chart_title(element) -> str:
    return json.loads(element.proto.spec)["layout"]["title"]["text"]


def default_filters(settings) -> tuple[Filters, pd.Series]:
    con = connect_read_only(settings.db_path)
    try:
        fresh = views.freshness(con)
    finally:
        con.close()
    start, end = preset_range("Last 7 days", anchor_day(pd.Timestamp(fresh["last_day"]).date(),
                                                        settings.reporting_timezone))
    return Filters(date_from=start, date_to=end), fresh


def table(settings, filters: Filters, by=()) -> pd.DataFrame:
    con = connect_read_only(settings.db_path)
    try:
        return kpi_table(con, filters, by, settings)
    finally:
        con.close()


def test_every_roles_default_overview_shows_fcr_over_closed_windows(app, sample_db):
    filters, fresh = default_filters(sample_db)
    closed = fcr_closed_through(fresh["fcr_horizon_at"], sample_db.fcr_window_hours)
    moved = fcr_filters(filters, closed)
    assert moved.date_to < filters.date_to  # the default period itself has no closed window
    assert int(table(sample_db, filters).iloc[0]["fcr_rate_den"]) == 0
    for user in ("manager", "harbor", "trainer"):
        at = run_page(login(AppTest.from_file(APP, default_timeout=90), user), "overview")
        shown = metric(at, "FCR (closed windows)")
        assert shown != "—"
        if user == "manager":
            assert shown == fmt(FCR, table(sample_db, moved).iloc[0]["fcr_rate"])
        assert any(c.value.endswith(f"{moved.date_from:%d %b} – {moved.date_to:%d %b}") for c in at.caption)
        # the FCR trend is drawn over the closed period, labelled so
        titles = [chart_title(e) for e in at.get("plotly_chart")]
        assert f"{FCR.label} (windows closed: {period_label(moved)})" in titles


def test_a_period_past_the_data_compares_like_with_like_and_says_so_first(app, sample_db):
    _, fresh = default_filters(sample_db)
    last = pd.Timestamp(fresh["last_day"]).date()
    app.query_params["period"] = "Custom"
    app.session_state["dates"] = (last - dt.timedelta(days=2), last + dt.timedelta(days=8))
    at = run_page(app, "overview")
    assert at.warning[0].value.startswith(f"The period chosen runs to {last + dt.timedelta(days=8):%d %b %Y}")
    assert "(3 days) with the 3 days before" in at.warning[0].value
    now = table(sample_db, Filters(date_from=last - dt.timedelta(days=2), date_to=last)).iloc[0]
    before = table(sample_db, Filters(date_from=last - dt.timedelta(days=5), date_to=last - dt.timedelta(days=3)))
    offered = next(m for m in at.metric if m.label == "Contacts offered")
    assert offered.value == f"{int(now['contacts_offered']):,}"
    assert offered.delta == f"{int(now['contacts_offered'] - before.iloc[0]['contacts_offered']):+,}"


def test_one_agent_selected_shows_no_queue_measures(app, sample_db):
    filters, _ = default_filters(sample_db)
    agents = table(sample_db, filters, ("agent",)).dropna(subset=["agent"])
    agent = agents.sort_values("contacts_handled").iloc[-1]["agent"]
    app.session_state["agent"] = [agent]
    at = run_page(app, "overview")
    labels = [m.label for m in at.metric]
    assert "Service level" not in labels and "Abandonment" not in labels and "Contacts offered" not in labels
    want = table(sample_db, filters.model_copy(update={"agents": [agent]})).iloc[0]
    assert metric(at, "Handle time") == fmt(KPI_BY_NAME["aht_seconds"], want["aht_seconds"])


def test_a_zero_change_has_no_coloured_arrow():
    from dashboard.formatting import fmt_delta, fmt_n

    aht = KPI_BY_NAME["aht_seconds"]
    assert fmt_delta(aht, 300.2, 300.4) is None and fmt_delta(aht, 301, 300) == "+1 s"
    assert fmt_delta(KPI_BY_NAME["service_level"], 0.5, 0.50049) is None
    # n for a time measure is the contacts, not seconds over contacts
    row = pd.Series({"aht_seconds": 21.7, "aht_seconds_num": 20133.0, "aht_seconds_den": 926})
    assert fmt_n(aht, row) == "926 contacts"


def test_the_managers_partner_scorecard_opens_on_a_real_partner_with_fcr(app, sample_db):
    filters, fresh = default_filters(sample_db)
    at = run_page(app, "partner")
    partners = at.selectbox(key="scorecard_partner").options
    assert partners[-1] == "(unassigned)" and at.selectbox(key="scorecard_partner").value == partners[0]
    headline = at.dataframe[0].value.set_index("KPI")
    moved = fcr_filters(filters.model_copy(update={"partners": [partners[0]]}),
                        fcr_closed_through(fresh["fcr_horizon_at"], sample_db.fcr_window_hours))
    want = table(sample_db, moved).iloc[0]
    row = headline.loc[f"{FCR.label} (windows closed: {period_label(moved)})"]
    assert row["value"] == fmt(FCR, want["fcr_rate"]) != "—"
    assert row["n"] == f"{int(want['fcr_rate_num']):,} / {int(want['fcr_rate_den']):,}"
    assert headline.loc["Handle time", "n"].endswith(" contacts")


def test_no_table_on_any_page_shows_none_nan_or_raw_ids(sample_db, users_env, monkeypatch):
    """The AppTest half of the sweep: table cells and headers (a browser draws them on a canvas)."""
    import re

    import streamlit as st

    from tests.test_browser_sweep import PAGES, RAW_IDS

    monkeypatch.setenv("CAREKPI_DB_PATH", str(sample_db.db_path))
    st.cache_data.clear()
    files = {"Overview": "overview", "Channels": "channels", "Quality & compliance": "quality",
             "Coaching": "coaching", "Partner scorecard": "partner", "Data quality": "data_quality"}
    problems = []
    for user in ("manager", "harbor"):
        for title in PAGES[user]:
            if title == "Coaching":
                continue  # c13's page
            at = run_page(login(AppTest.from_file(APP, default_timeout=90), user), files[title])
            # quarantined rows are shown as delivered (patient references masked): their ids are the evidence
            for frame in (d.value for d in at.dataframe if "Row as delivered" not in d.value.columns):
                text = " ".join(map(str, [*frame.columns, frame.index.name or "", *frame.index]))
                text += " " + " ".join(str(v) for v in frame.to_numpy().ravel()  # links are shown as "open"
                                       if isinstance(v, str) and not v.startswith(("/", "?", "http")))
                bad = [w for w in ("None", "nan", "NaT") if re.search(rf"\b{w}\b", text)]
                bad += [raw for raw in RAW_IDS if raw in text]
                # a column of plain numbers is numbers, so that it sorts as numbers (not "100.0" above "50.0")
                bad += [f"numbers as text in {c!r}" for c in frame.columns if frame[c].dtype == object
                        and frame[c].dropna().map(lambda v: bool(re.fullmatch(r"[+-]?[\d,]+(\.\d+)?", str(v)))).all()
                        and frame[c].notna().any()]
                if bad:
                    problems.append((user, title, bad))
    assert problems == []


def test_overview_drills_from_a_kpi_to_its_contacts(app, sample_db):
    filters, _ = default_filters(sample_db)
    app.session_state["drill_kpi"] = "abandon_rate"
    app.session_state["drill_day"] = str(filters.date_to)
    at = run_page(app, "overview")
    shown = next(d.value for d in at.dataframe if "Contact" in d.value.columns)
    want = table(sample_db, filters.model_copy(update={"date_from": filters.date_to})).iloc[0]
    assert len(shown) == int(want["abandon_rate_den"])
    assert (shown["Counts"] == "yes").sum() == int(want["abandon_rate_num"])
    assert set(shown.loc[shown["Counts"] == "yes", "Outcome"]) == {"abandoned"}
    assert not any("patient" in c.lower() for c in shown.columns)


def test_quality_pass_rate_by_item_draws_days_for_a_one_week_period(app, sample_db):
    """The default period (last 7 days) by week was one column of single dots: it is drawn day by day."""
    filters, _ = default_filters(sample_db)
    at = run_page(app, "quality")
    spec = next(json.loads(e.proto.spec) for e in at.get("plotly_chart") if chart_title(e) == "QA pass rate by item")
    days = {str(x)[:10] for trace in spec["data"] for x in trace["x"]}
    want = {str(d) for d in table(sample_db, filters, by=("day",))["day"]}
    assert len(want) == 7 and days == want
    assert spec["layout"]["xaxis"]["title"]["text"] == "day"
    assert all(len(trace["x"]) == 7 for trace in spec["data"])  # a line per item, a point per day
