"""What a view shows by default: the FCR period whose windows have closed, like-for-like comparison, measures per
selection. Dates worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from etl.defaults import comparison, fcr_closed_through, fcr_filters, measures_for, period_label
from etl.kpis import Filters

D = dt.date


def test_fcr_closes_a_day_once_its_last_contact_window_has_closed():
    # horizon 22 Nov 23:48 UTC, 168 h window: windows started up to 15 Nov 23:48 have closed, so 14 Nov is the
    # latest whole day (15 Nov's contacts after 23:48 are still open)
    assert fcr_closed_through(pd.Timestamp("2026-11-22 23:48:55"), 168) == D(2026, 11, 14)
    # in New York (UTC-5) horizon - window is 15 Nov 18:48 local: 14 Nov local is the latest closed day
    assert fcr_closed_through(pd.Timestamp("2026-11-22 23:48:55"), 168, "America/New_York") == D(2026, 11, 14)
    # 24-hour window, horizon just after midnight: the day before yesterday
    assert fcr_closed_through(pd.Timestamp("2026-11-22 00:30"), 24) == D(2026, 11, 20)
    assert fcr_closed_through(None, 168) is None


def test_fcr_filters_move_a_recent_period_back_to_the_latest_closed_one_of_the_same_length():
    last7 = Filters(date_from=D(2026, 11, 16), date_to=D(2026, 11, 22), partners=["P1"])
    moved = fcr_filters(last7, D(2026, 11, 14))
    assert (moved.date_from, moved.date_to, moved.partners) == (D(2026, 11, 8), D(2026, 11, 14), ["P1"])
    closed = Filters(date_from=D(2026, 11, 1), date_to=D(2026, 11, 10))
    assert fcr_filters(closed, D(2026, 11, 14)) is closed
    assert fcr_filters(last7, None) is None
    assert period_label(moved) == "08 – 14 Nov 2026"
    assert period_label(Filters(date_from=D(2026, 10, 28), date_to=D(2026, 11, 3))) == "28 Oct – 03 Nov 2026"
    assert period_label(Filters(date_from=D(2026, 11, 3), date_to=D(2026, 11, 3))) == "03 Nov 2026"


def test_a_period_past_the_data_is_cut_and_compared_with_as_many_days_before():
    # "Last 7 days" ending 22 Nov while the data ends 20 Nov: 5 days with data (16–20 Nov)
    chosen = Filters(date_from=D(2026, 11, 16), date_to=D(2026, 11, 22))
    comp = comparison(chosen, D(2026, 11, 20))
    assert comp.cut and comp.days == 5
    assert (comp.current.date_from, comp.current.date_to) == (D(2026, 11, 16), D(2026, 11, 20))
    assert (comp.previous.date_from, comp.previous.date_to) == (D(2026, 11, 11), D(2026, 11, 15))
    whole = comparison(chosen, D(2026, 11, 22))
    assert not whole.cut and (whole.previous.date_from, whole.previous.date_to) == (D(2026, 11, 9), D(2026, 11, 15))
    # a period entirely after the data is left alone (the page says there is nothing to show)
    assert not comparison(chosen, D(2026, 11, 1)).cut


def test_queue_measures_are_left_out_for_a_selection_of_agents():
    names = ["contacts_offered", "contacts_handled", "service_level", "abandon_rate", "aht_seconds"]
    every = Filters(date_from=D(2026, 1, 1), date_to=D(2026, 1, 2))
    assert measures_for(every, names) == names
    assert measures_for(every.model_copy(update={"agents": ["A1"]}), names) == ["contacts_handled", "aht_seconds"]
