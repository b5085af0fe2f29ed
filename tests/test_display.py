"""Display names and readable tables: no raw ids, no None/nan/NaT, human column names, numbers kept numeric."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.display import column_name, display_name, human_table
from etl.settings import Settings


def test_catalogue_ids_read_as_configured_names_or_in_readable_form():
    names = Settings(display_names={"after_hours": "After-hours line"}).display_names
    assert display_name("after_hours", names) == "After-hours line"
    assert display_name("scheduling_overflow", names) == "Scheduling overflow"
    assert display_name("identity_verified") == "Identity verified"
    assert display_name("sms") == "SMS"
    assert display_name(None) == display_name(float("nan")) == "—"


def test_a_table_reads_without_none_nan_or_internal_names():
    frame = pd.DataFrame({
        "evaluation_id": ["E1", "E2"], "queue": ["nurse_line", None], "day": pd.to_datetime(["2026-11-20", None]),
        "started_at": pd.to_datetime(["2026-11-20 08:05:09", "2026-11-21 00:00:00"]),
        "team": ["Billing", None], "rows_read": [26350, 1], "rate": [0.5, np.nan]})
    shown = human_table(frame)
    assert list(shown.columns) == ["Evaluation", "Queue", "Day", "Started (UTC)", "Team", "Rows read", "Rate"]
    assert list(shown["Queue"]) == ["Nurse line", "—"]
    assert list(shown["Day"]) == ["2026-11-20", "—"]
    assert list(shown["Started (UTC)"]) == ["2026-11-20 08:05", "2026-11-21 00:00"]
    assert list(shown["Team"]) == ["Billing", "—"]
    assert shown["Rows read"].dtype.kind == "i" and shown["Rate"].dtype.kind == "f"  # numbers sort as numbers
    text = shown.to_string()
    assert not any(word in text for word in ("None", "NaT", "nan_", "_id", "rows_read"))
    assert column_name("last_load_id") == "Last load"


def test_a_csv_download_has_no_nan_and_no_formula():
    """The drill-down's CSV said "nan" for an abandoned contact's agent, handle time and failed items."""
    from dashboard.downloads import safe_csv

    frame = pd.DataFrame({"agent": [None, "A1 · Ann"], "handle_seconds": [np.nan, 453.0],
                          "at": [pd.NaT, pd.Timestamp("2026-11-22 15:31")], "note": ["=cmd", "ok"]})
    assert safe_csv(frame).decode().splitlines() == ["agent,handle_seconds,at,note", ",,,'=cmd",
                                                     "A1 · Ann,453.0,2026-11-22 15:31:00,ok"]
