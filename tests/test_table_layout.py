"""Tables on the sample data laid out to be read whole: the tables meant for sharing show every row without an
inner scroll bar, and the coaching sessions' columns fit the page's width at 1440 px (none cut off on the right).
A table's height and column config are not in AppTest's element tree, so `tables` records st.dataframe's arguments."""

from __future__ import annotations

import pytest
import streamlit as st

from tests.test_app import app, run_page  # noqa: F401 - the app fixture (sample data, manager)

ROW_PX, PAGE_PX = 35, 980  # Streamlit's row (and header) height; the main column beside the sidebar at 1440 px


@pytest.fixture
def tables(monkeypatch):
    calls = {}
    real = st.dataframe

    def dataframe(data, *args, **kwargs):
        calls[kwargs.get("key")] = {"rows": len(data), "columns": list(data.columns), **kwargs}
        return real(data, *args, **kwargs)

    monkeypatch.setattr(st, "dataframe", dataframe)
    return calls


@pytest.mark.parametrize("page, keys", [
    # the partner's 13 headline KPIs, down the side of each table; Channels' 11 KPIs compared
    ("partner", {"partner_headline": (13, 493), "partner_by_team": (13, 493), "partner_by_week": (13, 493)}),
    ("channels", {"channel_table": (11, 423)}),
])
def test_tables_meant_for_sharing_show_every_row(app, tables, page, keys):
    run_page(app, page)
    for key, (rows, height) in keys.items():
        # every row and the header at 35 px, 3 px of borders: no row hidden behind the table's own scroll bar
        assert (tables[key]["rows"], tables[key]["height"]) == (rows, (rows + 1) * ROW_PX + 3) == (rows, height)
    if page == "partner":  # every table of the page meant for sharing (the app opens on the Overview first)
        assert {k for k in tables if k.startswith("partner_")} == set(keys)


def test_the_coaching_sessions_columns_fit_the_page(app, tables):
    run_page(app, "coaching")
    sessions = tables["coaching_sessions"]
    assert sessions["rows"] == 16
    widths = {c: sessions["column_config"][c]["width"] for c in sessions["columns"]}
    assert all(isinstance(w, int) for w in widths.values()), widths
    assert sum(widths.values()) == 972 <= PAGE_PX
    assert sessions["column_config"]["change"]["type_config"]["format"] == "%+.1f"
