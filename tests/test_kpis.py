"""Every KPI on the worked example of conftest.py, worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.kpis import Filters, Scope, kpi_columns, kpi_table
from tests.conftest import JANUARY


def one(con, settings, **kwargs):
    table = kpi_table(con, kwargs.pop("filters", JANUARY), kwargs.pop("by", ()), settings, **kwargs)
    assert len(table) == 1
    return table.iloc[0].to_dict()


def test_every_kpi_on_the_worked_example(example_con, example_warehouse):
    row = one(example_con, example_warehouse)
    # offered: C1 C2 C3 C4 C5 M1 M2 (C6 is handled by a licensed nurse: left out by default)
    assert row["contacts_offered"] == 7
    assert row["contacts_handled"] == 5  # C1 C2 C5 M1 M2
    assert row["short_abandons"] == 1  # C3 ended 3 s after being offered
    # service level: within 30 s (voice) / 60 s (chat): C1 20 s, C5 10 s, M1 50 s; not C2 60 s, M2 120 s
    assert (row["service_level_num"], row["service_level_den"]) == (3, 6)
    assert row["service_level"] == pytest.approx(0.5)
    # abandoned (not handled, not short): C4
    assert (row["abandon_rate_num"], row["abandon_rate_den"]) == (1, 6)
    # waits 20 + 60 + 10 + 50 + 120 = 260 over 5
    assert row["asa_seconds"] == pytest.approx(52.0)
    # (ended - answered) + acw: 300+30, 180, 300+60, 600, 300 = 1770 over 5 (hold is inside the call)
    assert (row["aht_seconds_num"], row["aht_seconds_den"]) == (1770.0, 5)
    assert row["aht_seconds"] == pytest.approx(354.0)
    assert (row["transfer_rate_num"], row["transfer_rate_den"]) == (1, 5)  # C5
    assert (row["clinical_escalation_rate_num"], row["clinical_escalation_rate_den"]) == (1, 5)  # M1
    # resolved flag set on C1 (yes), C5 (no), M1 (yes)
    assert (row["agent_resolution_rate_num"], row["agent_resolution_rate_den"]) == (2, 3)
    # FCR, horizon 2026-01-20 12:00 (M2): C1 repeated by C2 (3 days later); C2 no repeat; C5 repeated by the
    # abandoned C4 (a repeat whether handled or not); M1's only later contact is the short abandon C3 (ignored);
    # M2's window is still open.
    assert (row["fcr_rate_num"], row["fcr_rate_den"], row["fcr_pending"]) == (2, 4, 1)
    assert row["fcr_rate"] == pytest.approx(0.5)
    # surveys: S1 5 and S2 3 (both on C1), S3 2 (on the unhandled C4), S4 4 (M2); S5's contact never arrived
    assert (row["csat_top2_rate_num"], row["csat_top2_rate_den"]) == (2, 4)
    assert row["csat_mean"] == pytest.approx(3.5)
    # contacts handled with at least one response: C1 and M2
    assert (row["survey_response_rate_num"], row["survey_response_rate_den"]) == (2, 5)
    # QA: E1 fails the critical minimum_necessary; E2 fails only documentation_complete
    assert (row["qa_compliant_rate_num"], row["qa_compliant_rate_den"]) == (1, 2)
    assert (row["qa_coverage_num"], row["qa_coverage_den"]) == (2, 5)
    assert (row["qa_item_identity_verified_rate_num"], row["qa_item_identity_verified_rate_den"]) == (2, 2)
    assert (row["qa_item_minimum_necessary_rate_num"], row["qa_item_minimum_necessary_rate_den"]) == (0, 1)
    assert (row["qa_item_documentation_complete_rate_num"],
            row["qa_item_documentation_complete_rate_den"]) == (0, 1)
    # recording_disclosure was only ever na: no denominator, so no value (null, not 0)
    assert row["qa_item_recording_disclosure_rate_den"] == 0
    assert pd.isna(row["qa_item_recording_disclosure_rate"])
    assert pd.isna(row["qa_item_clinical_escalation_rate"])


def test_columns_are_every_kpi_with_numerator_and_denominator(example_con, example_warehouse):
    table = kpi_table(example_con, JANUARY, ("partner",), example_warehouse)
    assert list(table.columns) == ["partner", *kpi_columns(example_warehouse)]
    assert "fcr_rate_num" in table.columns and "fcr_rate_den" in table.columns


def test_licensed_staff_are_included_on_request(example_con, example_warehouse):
    row = one(example_con, example_warehouse, include_licensed=True)
    assert (row["contacts_offered"], row["contacts_handled"]) == (8, 6)


def test_unanswered_contacts_count_for_their_queues_partner(example_con, example_warehouse):
    table = kpi_table(example_con, JANUARY, ("partner",), example_warehouse)
    rows = {r["partner"]: r for r in table.to_dict(orient="records")}
    # P1: C1 C2 M1 (agent A1) and C3 (queue q1); P2: C5 M2 (agent A2) and the abandoned C4 (queue q2)
    assert (rows["P1"]["contacts_offered"], rows["P1"]["abandon_rate_num"], rows["P1"]["abandon_rate_den"]) == (4, 0, 3)
    assert (rows["P2"]["contacts_offered"], rows["P2"]["abandon_rate_num"], rows["P2"]["abandon_rate_den"]) == (3, 1, 3)
    assert rows["P1"]["service_level"] == pytest.approx(2 / 3)
    assert rows["P2"]["service_level"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("filters, expected", [
    ({"partners": ["P2"]}, (1, 3)),
    ({"sites": ["S2"]}, (1, 3)),
    ({"teams": ["T2"]}, (1, 3)),
    ({"queues": ["q2"]}, (1, 3)),
    ({"partners": ["P2"], "channels": ["voice"]}, (1, 2)),
    ({"partners": ["P2"], "agents": ["A2"]}, (0, 2)),  # the abandon has no agent
    ({"partners": ["P1"]}, (0, 3)),
])
def test_partner_abandonment_under_every_filter(example_con, example_warehouse, filters, expected):
    row = one(example_con, example_warehouse, filters=JANUARY.model_copy(update=filters))
    assert (row["abandon_rate_num"], row["abandon_rate_den"]) == expected


def test_scope_limits_rows_like_a_filter(example_con, example_warehouse):
    row = one(example_con, example_warehouse, scope=Scope(partners=["P2"]))
    assert row["contacts_offered"] == 3
    empty = kpi_table(example_con, JANUARY, (), example_warehouse, scope=Scope(partners=[]))
    assert empty.empty


def test_channel_share_within_each_group(example_con, example_warehouse):
    table = kpi_table(example_con, JANUARY, ("channel",), example_warehouse)
    shares = {r["channel"]: (r["channel_share_num"], r["channel_share_den"]) for r in table.to_dict("records")}
    assert shares == {"chat": (1, 7), "sms": (1, 7), "voice": (5, 7)}


def test_groupings_by_day_week_month_and_hour(example_con, example_warehouse):
    by_day = kpi_table(example_con, JANUARY, ("day",), example_warehouse)
    assert list(by_day["day"]) == ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-20"]
    assert list(by_day["contacts_offered"]) == [2, 2, 1, 1, 1]
    by_week = kpi_table(example_con, JANUARY, ("week",), example_warehouse)
    assert list(by_week["week"]) == ["2026-01-05", "2026-01-19"]  # Mondays
    assert list(by_week["contacts_offered"]) == [6, 1]
    by_month = kpi_table(example_con, JANUARY, ("month",), example_warehouse)
    assert list(by_month["month"]) == ["2026-01"]
    by_hour = kpi_table(example_con, JANUARY, ("hour",), example_warehouse)
    assert dict(zip(by_hour["hour"], by_hour["contacts_offered"])) == {8: 1, 9: 2, 10: 1, 11: 2, 12: 1}


def test_dates_are_inclusive_and_empty_ranges_give_no_rows(example_con, example_warehouse):
    row = one(example_con, example_warehouse,
              filters=Filters(date_from=dt.date(2026, 1, 6), date_to=dt.date(2026, 1, 6)))
    assert row["contacts_offered"] == 2  # C3 and C5
    assert kpi_table(example_con, Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 2)), (),
                     example_warehouse).empty


def test_dates_out_of_order_and_unknown_dimensions_are_refused(example_con, example_warehouse):
    with pytest.raises(ValueError, match="after date_to"):
        Filters(date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="unknown dimension"):
        kpi_table(example_con, JANUARY, ("weekday",), example_warehouse)
