"""AppTest for every page on the shipped sample data: no exception, and a chosen filter changes a shown number to
exactly what the KPI query function gives for the same filters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.filters import anchor_day, preset_range
from dashboard.formatting import fmt
from etl import views
from etl.kpis import KPI_BY_NAME, Filters, kpi_table
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
KEY = "app-test-key-0123456789"


@pytest.fixture
def app(sample_db, users_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_DB_PATH", str(sample_db.db_path))
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", KEY)
    st.cache_data.clear()
    st.cache_resource.clear()
    return login(AppTest.from_file(APP, default_timeout=90), "manager")


def expected(settings: Settings, preset: str = "Last 7 days", by=(), **filters) -> pd.DataFrame:
    con = connect_read_only(settings.db_path)
    try:
        last = views.freshness(con)["last_day"]
        start, end = preset_range(preset, anchor_day(pd.Timestamp(last).date(), settings.reporting_timezone))
        return kpi_table(con, Filters(date_from=start, date_to=end, **filters), by, settings)
    finally:
        con.close()


def count(value) -> str:
    return f"{int(value):,}"


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def run_page(at: AppTest, page: str) -> AppTest:
    at.run()
    assert not at.exception
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_partner_filter(app, sample_db):
    at = run_page(app, "overview")
    everyone = expected(sample_db).iloc[0]
    assert metric(at, "Service level") == fmt(KPI_BY_NAME["service_level"], everyone["service_level"])
    at.multiselect(key="partner").select("Harbor BPO").run()
    assert not at.exception
    harbor = expected(sample_db, partners=["Harbor BPO"]).iloc[0]
    assert metric(at, "Service level") == fmt(KPI_BY_NAME["service_level"], harbor["service_level"])
    assert metric(at, "Contacts offered") == count(harbor['contacts_offered'])
    assert harbor["contacts_offered"] < everyone["contacts_offered"]


def test_filters_come_from_the_url(app, sample_db):
    app.query_params["period"] = "Last 4 weeks"
    app.query_params["channel"] = "SMS"  # the URL carries what the list shows (display names)
    at = run_page(app, "overview")
    sms = expected(sample_db, "Last 4 weeks", channels=["sms"]).iloc[0]
    assert metric(at, "Abandonment") == fmt(KPI_BY_NAME["abandon_rate"], sms["abandon_rate"])
    assert at.multiselect(key="channel").value == ["sms"]


def test_channels_page_queue_filter(app, sample_db):
    app.session_state["queue"] = ["billing"]
    at = run_page(app, "channels")
    table = at.dataframe[0].value
    want = expected(sample_db, by=("channel",), queues=["billing"]).set_index("channel")
    assert table.loc["Service level", "Voice"] == fmt(KPI_BY_NAME["service_level"], want.loc["voice", "service_level"])
    assert table.loc["Contacts offered", "Chat"] == count(want.loc['chat', 'contacts_offered'])


def test_quality_page_team_filter(app, sample_db):
    app.query_params["period"] = "Last 4 weeks"
    app.session_state["team"] = ["Pharmacy line"]
    at = run_page(app, "quality")
    want = expected(sample_db, "Last 4 weeks", teams=["Pharmacy line"]).iloc[0]
    assert metric(at, "QA compliance") == fmt(KPI_BY_NAME["qa_compliant_rate"], want["qa_compliant_rate"])
    assert metric(at, "Evaluations") == count(want['qa_compliant_rate_den'])


def test_partner_scorecard_site_filter(app, sample_db):
    app.session_state["site"] = ["Manila"]
    at = run_page(app, "partner")
    assert at.selectbox(key="scorecard_partner").value == "Northwind Support"
    headline = at.dataframe[0].value.set_index("KPI")
    want = expected(sample_db, sites=["Manila"], partners=["Northwind Support"]).iloc[0]
    assert headline.loc["Handle time", "value"] == fmt(KPI_BY_NAME["aht_seconds"], want["aht_seconds"])
    assert headline.loc["Contacts handled", "value"] == count(want['contacts_handled'])


def test_data_quality_page(app, sample_db):
    at = run_page(app, "data_quality")
    con = connect_read_only(sample_db.db_path)
    dq = views.data_quality(con, sample_db.item_names)
    quarantined = con.execute("select count(*) from quarantine").fetchone()[0]
    con.close()
    assert metric(at, "Unmatched surveys") == str(dq["unmatched_surveys"])
    assert metric(at, "Unmapped queues") == "1"
    summary = at.dataframe[0].value
    assert summary["Rows"].sum() == quarantined == 7  # 5 bad contact, survey and QA rows + 2 coaching sessions
    # file kinds in words, not the loader's ids (it read qa_evaluations, coaching_sessions)
    assert set(summary["File kind"]) == {"Calls", "Coaching sessions", "QA evaluations", "Surveys"}
    assert set(at.dataframe[-1].value["File kind"]) >= {"Agents", "Calls", "Chats", "QA evaluations", "Queues"}


def test_no_warehouse_gives_a_clear_message(tmp_path, users_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_DB_PATH", str(tmp_path / "none.duckdb"))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = login(AppTest.from_file(APP, default_timeout=60), "manager").run()
    assert not at.exception
    assert at.info[0].value.startswith("No data loaded yet")


def test_a_day_without_contacts_says_so(app, sample_db):
    app.query_params["period"] = "Custom"
    app.session_state["dates"] = (dt.date(2026, 12, 1), dt.date(2026, 12, 7))  # after the sample data ends
    at = run_page(app, "overview")
    assert at.info[0].value.startswith("No contacts match these filters")


def test_the_app_switches_to_a_new_snapshot_after_a_load(tmp_path, users_env, monkeypatch):
    from tests.conftest import EXAMPLE, NOW, write_delivery

    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    delivery = {name: rows for name, rows in EXAMPLE.items() if name != "chats.csv"}
    load([write_delivery(tmp_path / "d", delivery)], settings, now=NOW)
    monkeypatch.setenv("CAREKPI_DB_PATH", str(settings.db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = login(AppTest.from_file(APP, default_timeout=60), "manager")
    at.query_params["period"] = "Custom"
    at.session_state["dates"] = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    at.run()
    assert metric(at, "Contacts offered") == "5"  # C1-C5 (C6 is a licensed nurse's)
    load([write_delivery(tmp_path / "chats", {"chats.csv": EXAMPLE["chats.csv"]})], settings, now=NOW)
    at.run()
    assert not at.exception
    assert metric(at, "Contacts offered") == "7"  # and M1, M2 from the new snapshot
