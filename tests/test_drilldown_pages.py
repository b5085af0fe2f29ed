"""Drill-down on every page, on the worked example of tests/conftest.py (January 2026; C6 is a licensed agent's,
C3 a short abandon): a selected table row or cell, or a clicked chart point, narrows the contacts to the row's
group and the point's day or week, under the user's scope; a link's ?drill=&drill_day= opens the section.

Chart points cannot be set through AppTest's session state, so `click()` makes the page's st.plotly_chart return
the event Streamlit would send for a click on a point (curve_number, x, y), and the page's own code follows it."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import TEST_KEY, login
from tests.test_app import APP

JANUARY = {"period": "Custom", "dates": ["2026-01-01", "2026-01-31"]}


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

