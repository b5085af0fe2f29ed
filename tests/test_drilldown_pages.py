"""Drill-down on every page, on the worked example of tests/conftest.py (January 2026; C6 is a licensed agent's,
C3 a short abandon): a selected table row or cell, or a clicked chart point, narrows the contacts to the row's
group and the point's day or week, under the user's scope; a link's ?drill=&drill_day= opens the section.

Chart points cannot be set through AppTest's session state, so `click()` makes the page's st.plotly_chart return
the event Streamlit would send for a click on a point (curve_number, x, y), and the page's own code follows it."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.access import User, add_user
from tests.conftest import PASSWORDS, TEST_KEY, login
from tests.test_app import APP, app, expected, run_page  # noqa: F401 - the app fixture (sample data, manager)

JANUARY = {"period": "Custom", "dates": ["2026-01-01", "2026-01-31"]}
HEADLINE = ("contacts_offered", "contacts_handled", "service_level", "abandon_rate")  # the partner page's first rows


@pytest.fixture
def example_app(example_db, users_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_DB_PATH", str(example_db.db_path))
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", TEST_KEY)
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_page(page: str, user: str = "manager", **params) -> AppTest:
        at = login(AppTest.from_file(APP, default_timeout=90), user)
        for key, value in {**JANUARY, **params}.items():
            at.query_params[key] = value
        at.run()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return open_page


def contacts(at: AppTest) -> pd.DataFrame:
    """The drill-down's table: contact id -> whether it counts in the numerator."""
    return next(d.value for d in at.dataframe if "Contact" in d.value.columns).set_index("Contact")


def counted(at: AppTest) -> dict[str, str]:
    return contacts(at)["Counts"].to_dict()


def test_a_link_opens_the_drill_down_on_its_kpi_and_day(example_app):
    at = example_app("overview", drill="abandon_rate", drill_day="2026-01-07")
    assert at.selectbox(key="drill_kpi").value == "abandon_rate"
    assert counted(at) == {"C4": "yes"}  # 7 Jan: C4 abandoned (C6, licensed, is left out)
    at = example_app("overview", drill="service_level")
    # the whole period: the SL misses first (C2 late, C4 abandoned, M2 late on sms), then C1, C5, M1
    assert counted(at) == {"C2": "no", "C4": "no", "M2": "no", "M1": "yes", "C5": "yes", "C1": "yes"}
    at = example_app("overview", drill="service_level", drill_day="2025-12-01")  # outside the period
    assert at.selectbox(key="drill_day").value == "whole period" and len(contacts(at)) == 6



def test_after_a_click_the_day_picker_says_what_the_list_holds(example_app, click):
    """A trend's point on 7 Jan listed that day's contacts while the Day picker read "whole period"."""
    click("trend_abandon_rate", x="2026-01-07", y=100.0)
    at = example_app("overview")
    picker = at.selectbox(key="drill_day")
    assert picker.options == ["your selection: Wed 07 Jan 2026"] and picker.index == 0
    assert any("From your selection: **Wed 07 Jan 2026**" in c.value for c in at.caption)
    assert counted(at) == {"C4": "yes"}  # 7 Jan: C4 abandoned (C6, licensed, left out)
    click("intraday", x=9, y=1.0, curve_number=1)  # handled at 09:00 on the intraday day (the data ends 20 Jan)
    picker = example_app("overview").selectbox(key="drill_day")
    assert picker.options == ["your selection: Tue 20 Jan 2026, 09:00–09:59"]
    at = example_app("overview", drill="abandon_rate")  # no selection: the page's period, day by day
    assert at.selectbox(key="drill_day").options[:2] == ["whole period", "2026-01-01"]


def select(at: AppTest, key: str, rows=(), cells=()) -> AppTest:
    """Select a table's row or cell as a click in the browser does (a dataframe's selection is its state)."""
    at.session_state[key] = {"selection": {"rows": list(rows), "columns": [], "cells": [list(c) for c in cells]}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def click(monkeypatch):
    """click(key, point): the page's st.plotly_chart(key=key) returns Streamlit's event for a click on `point`."""
    clicked = {}
    real = st.plotly_chart

    def plotly_chart(figure, *args, **kwargs):
        shown = real(figure, *args, **kwargs)
        if kwargs.get("key") in clicked:
            point = clicked[kwargs["key"]]
            return {"selection": {"points": [point], "point_indices": [0], "box": [], "lasso": []}}
        return shown

    monkeypatch.setattr(st, "plotly_chart", plotly_chart)

    def on(key: str, **point) -> None:  # one click at a time
        clicked.clear()
        clicked[key] = {"curve_number": 0, "point_index": 0, **point}
    return on


def test_channels_a_cell_a_bar_and_a_mix_point(example_app, click):
    at = example_app("channels")
    # service level on voice: C1 (20 s) and C5 (10 s) met, C2 late, C4 abandoned; C3 short, C6 licensed
    at = select(at, "channel_table", cells=[(2, "Voice")])
    assert at.selectbox(key="drill_kpi").value == "service_level"
    assert counted(at) == {"C2": "no", "C4": "no", "C5": "yes", "C1": "yes"}
    # a row is the KPI for every channel: abandonment over C1, C2, C4, C5, M1, M2 (C4 counts)
    at = select(at, "channel_table", rows=[3])
    assert at.selectbox(key="drill_kpi").value == "abandon_rate" and counted(at)["C4"] == "yes"
    assert sorted(counted(at)) == ["C1", "C2", "C4", "C5", "M1", "M2"]
    click("kpi_by_channel", x="SMS", y=0.0)  # the bar of SMS in the default "KPI to compare" (service level)
    at = example_app("channels")
    assert counted(at) == {"M2": "no"}
    click("channel_mix", x="2026-01-05", y=50.0)  # curve 0 is Chat (names sorted): offered on 5 Jan is M1
    at = example_app("channels")
    assert at.selectbox(key="drill_kpi").value == "contacts_offered" and counted(at) == {"M1": "yes"}


def test_quality_an_items_row_cell_bar_and_day(example_app, click):
    """E1 on C1 (team T1): identity verified pass, minimum necessary FAIL; E2 on C5 (T2): identity verified pass,
    documentation complete FAIL. Grid rows are the catalogue's items in order."""
    at = example_app("quality")
    at = select(at, "qa_by_team", rows=[1])  # minimum necessary: C1 failed it
    assert at.selectbox(key="drill_kpi").value == "qa_item_minimum_necessary_rate"
    assert counted(at) == {"C1": "no"} and contacts(at).loc["C1", "Items failed"] == "Minimum necessary"
    at = select(at, "qa_by_team", cells=[(0, "T2")])  # identity verified, team T2: C5 passed it
    assert counted(at) == {"C5": "yes"}
    click("qa_items", x=100.0, y="Identity verified (critical)")
    assert counted(example_app("quality")) == {"C1": "yes", "C5": "yes"}
    # curve 0: Documentation complete (names sorted) on 6 Jan (C5's day; a month's trend is drawn day by day)
    click("qa_trend", x="2026-01-06", y=0.0)
    assert counted(example_app("quality")) == {"C5": "no"}


def test_partner_rows_and_cells_within_the_partners_scope(example_app, users_env):
    add_user(users_env, User(username="p2", role="partner", partners=["P2"]), PASSWORDS["harbor"])
    at = example_app("partner")  # the manager: P1 first
    at = select(at, "partner_headline", rows=[HEADLINE.index("service_level")])
    assert counted(at) == {"C2": "no", "C1": "yes", "M1": "yes"}  # P1's queue q1 (C3 short, C6 licensed)
    at = select(at, "partner_by_week", cells=[(HEADLINE.index("contacts_handled"), "2026-01-05")])
    assert at.selectbox(key="drill_kpi").value == "contacts_handled"
    assert counted(at) == {"C2": "yes", "C1": "yes", "M1": "yes"}  # P1 handled in the week of 5 Jan
    # P2's partner user: every row and cell stays inside P2 (C4, C5, M2), whatever the URL asks for
    at = example_app("partner", user="p2", partner=["P1"], drill="service_level")
    assert at.selectbox(key="scorecard_partner").options == ["P2"]
    assert counted(at) == {"M2": "no", "C4": "no", "C5": "yes"}
    at = select(at, "partner_by_team", cells=[(HEADLINE.index("abandon_rate"), "T2")])
    assert counted(at) == {"C4": "yes", "M2": "no", "C5": "no"}


def test_coaching_an_agents_row_cell_and_trend_week(example_app, click):
    """Scorecard rows: A1 · Ann (C1, C2, M1 handled), A2 · Bob (C5 transferred, M2)."""
    at = select(example_app("coaching"), "scorecard", cells=[(1, "Transfers")])
    assert at.selectbox(key="drill_kpi").value == "transfer_rate" and counted(at) == {"C5": "yes", "M2": "no"}
    at = select(at, "scorecard", rows=[0])  # the agent only: the picker keeps its KPI
    assert counted(at) == {"C1": "no", "C2": "no", "M1": "no"}
    click("coaching_trend", curve_number=0, x="2026-01-05", y=66.7)  # A1's FCR in the week of 5 Jan
    assert counted(example_app("coaching")) == {"C1": "no", "C2": "yes", "M1": "yes"}  # C2 repeated C1


def test_coaching_an_agents_point_against_the_team(app, sample_db, click):
    """On the sample (the example has one agent per team: no gap to draw): a point of "Agent against team" on
    handle time lists that agent's handled contacts, as many as kpi_table() counts for the agent."""
    app.session_state["coaching_measure"] = "aht_seconds"
    at = run_page(app, "coaching")
    chart = next(c for c in at.get("plotly_chart") if "against the rest of the team" in c.proto.spec)
    label = json.loads(chart.proto.spec)["data"][0]["y"][0]  # "<agent id> · <name>"
    click("agent_vs_team", x=0.0, y=label)
    at.run()
    agent = label.split(" · ")[0]
    want = expected(sample_db, agents=[agent]).iloc[0]
    assert at.selectbox(key="drill_kpi").value == "aht_seconds"
    assert len(contacts(at)) == min(int(want["aht_seconds_den"]), 500) > 0
    assert set(contacts(at)["Agent"]) == {label}


def test_fcr_lists_the_closed_windows_as_its_tile_counts_them(example_app):
    """Overview's period is cut to 1 – 20 Jan (the data's end), so FCR reads the 20 days to 12 Jan: C1 repeated by
    C2 within 7 days, C5 marked unresolved; C2 and M1 resolved (C4 abandoned and C3 short are not eligible)."""
    at = example_app("overview", drill="fcr_rate")
    assert any(c.value.endswith("have closed: 24 Dec 2025 – 12 Jan 2026.") for c in at.caption)
    assert counted(at) == {"C1": "no", "C5": "no", "C2": "yes", "M1": "yes"}
    assert contacts(at).loc["C1", "Repeated by contact"] == "C2"


def test_overview_an_intraday_bar_and_an_hourly_link(example_app, click):
    """The intraday profile opens on the period's last day with data (20 Jan: M2 at 12:00); a link can ask for
    an hour of a day: 11:00 on 7 Jan holds C4 (abandoned), 09:00 only C6 (a licensed agent's, left out)."""
    click("intraday", curve_number=1, x=12, y=1)  # curve 1: handled (curve 0 is offered)
    at = example_app("overview")
    assert at.selectbox(key="drill_kpi").value == "contacts_handled" and counted(at) == {"M2": "yes"}
    at = example_app("overview", drill="abandon_rate", drill_day="2026-01-07", drill_hour="11")
    assert counted(at) == {"C4": "yes"}
    at = example_app("overview", drill="abandon_rate", drill_day="2026-01-07", drill_hour="9")  # C6 only: licensed
    assert any(i.value == "No contacts behind this number with these filters." for i in at.info)


def test_a_list_cut_at_500_says_of_how_many(app, sample_db):
    """The sample's last 4 weeks hold thousands of handled contacts: the list says it shows the first 500 of them."""
    app.query_params["period"] = "Last 4 weeks"
    app.query_params["drill"] = "contacts_handled"
    at = app.run()
    assert not at.exception, [e.value for e in at.exception]
    handled = int(expected(sample_db, "Last 4 weeks").iloc[0]["contacts_handled"])
    assert handled > 500 and len(contacts(at)) == 500
    assert any(c.value.startswith(f"The first 500 contacts of {handled:,}, the ones that count against") for c in
               at.caption)
