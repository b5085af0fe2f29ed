"""AppTest for the Coaching page on the shipped sample data: the scorecard, the flags' evidence and the
'not enough contacts yet' list show exactly what coaching_scorecard() gives for the same filters, as numbers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.filters import anchor_day, preset_range
from etl import views
from etl.coaching.scorecard import coaching_scorecard
from etl.kpis import Filters, kpi_table
from etl.warehouse import connect_read_only
from tests.test_app import app, run_page  # noqa: F401  (the app fixture)


def period(settings, preset: str) -> tuple[dt.date, dt.date]:
    con = connect_read_only(settings.db_path)
    try:
        last = views.freshness(con)["last_day"]
    finally:
        con.close()
    return preset_range(preset, anchor_day(pd.Timestamp(last).date(), settings.reporting_timezone))


def scorecard(settings, start, end, **filters) -> pd.DataFrame:
    con = connect_read_only(settings.db_path)
    try:
        return coaching_scorecard(con, Filters(date_from=start, date_to=end, **filters), settings)
    finally:
        con.close()


def test_scorecard_shows_numbers_with_n_and_the_evidence(app, sample_db):  # noqa: F811
    app.query_params["period"] = "Last 4 weeks"
    app.session_state["team"] = ["Scheduling", "Referrals"]
    at = run_page(app, "coaching")
    start, end = period(sample_db, "Last 4 weeks")
    want = scorecard(sample_db, start, end, teams=["Scheduling", "Referrals"])
    card = at.dataframe[0].value
    assert set(card["team"]) == {"Scheduling", "Referrals"} and len(card) == want["agent"].nunique()
    # numbers, not text: rates in percent, handle time in seconds, n as integers
    assert pd.api.types.is_float_dtype(card["FCR"]) and pd.api.types.is_integer_dtype(card["FCR n"])
    keyed = want.set_index(["agent", "kpi"])
    for row in card.itertuples(index=False):
        agent = row.agent.split(" · ")[0]
        fcr, aht = keyed.loc[(agent, "fcr_rate")], keyed.loc[(agent, "aht_seconds")]
        assert row[card.columns.get_loc("FCR")] == pytest.approx(fcr.value * 100, nan_ok=True)
        assert row[card.columns.get_loc("FCR n")] == fcr.n
        assert row[card.columns.get_loc("Handle time")] == pytest.approx(aht.value)
        assert row[card.columns.get_loc("Handle time n")] == aht.n
    # flagged agents first, sorted as numbers
    assert list(card["flags"]) == sorted(card["flags"], reverse=True)
    # agents short of contacts, said plainly (it read "3 agents on any measure, 32 on at least one")
    short = want[want["status"] == "not enough contacts yet"]
    every = short.groupby("agent").size().eq(want.groupby("agent").size().reindex(short["agent"].unique())).sum()
    assert any(c.value.endswith(f": {short['agent'].nunique()} agent(s) short on at least one measure, {every} of "
                                f"them on every measure.") for c in at.caption)
    # independent check of one n against the KPI query: handle-time n is the contacts handled
    con = connect_read_only(sample_db.db_path)
    try:
        kpis = kpi_table(con, Filters(date_from=start, date_to=end, teams=["Scheduling", "Referrals"]), ("agent",),
                         sample_db).dropna(subset=["agent"]).set_index("agent")
    finally:
        con.close()
    shown = dict(zip(card["agent"].str.split(" · ").str[0], card["Handle time n"]))
    assert shown == {a: int(kpis.loc[a, "contacts_handled"]) for a in shown}

    flagged = want[want["flagged"]]
    assert len(flagged) > 0  # the sample's weak agents
    bullets = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(bullets) == len(flagged)
    for row, text in zip(flagged.itertuples(), bullets):
        assert row.agent in text and f"(n = {row.n:,})" in text and f"(n = {row.team_n:,})" in text
        assert f"{row.difference_low * 100:+.1f}" in text and f"{row.difference_high * 100:+.1f}" in text
    short = at.dataframe[1].value
    expected_short = want[want["status"] == "not enough contacts yet"]
    assert len(short) == len(expected_short) and (short["n"] < short["needed"]).all()
    assert any("flagged on a measure only when" in i.value for i in at.info)


def test_agent_against_team_opens_on_a_meaningful_fcr(app, sample_db):  # noqa: F811
    at = run_page(app, "coaching")  # default: last 7 days, whose FCR windows are not closed
    assert at.selectbox(key="coaching_measure").value == "fcr_rate"
    assert not [i.value for i in at.info if i.value.startswith("No FCR data")]
    chart = next(c for c in at.get("plotly_chart") if "agent_vs_team" in str(c.proto.id))
    assert '"x":' in chart.proto.spec and "FCR" in chart.proto.spec
    assert any("FCR is read over" in c.value for c in at.caption)
    assert at.selectbox(key="coaching_trend_measure").value is not None and not at.exception


def test_sessions_before_and_after_shown_as_computed(app, sample_db):  # noqa: F811
    from etl.coaching.sessions import session_outcomes, team_outcomes

    at = run_page(app, "coaching")
    start, end = period(sample_db, "Last 7 days")
    con = connect_read_only(sample_db.db_path)
    try:
        want = session_outcomes(con, Filters(date_from=start, date_to=end), sample_db, with_notes=True)
    finally:
        con.close()
    assert len(want) == 16  # the sample's sessions (two more are quarantined)
    shown = next(d.value for d in at.dataframe if "outcome" in d.value.columns and "notes" in d.value.columns)
    assert list(shown["outcome"]) == list(want["outcome"])
    assert list(shown["before n"]) == list(want["before_n"]) and list(shown["after n"]) == list(want["after_n"])
    rate = want["unit"] == "rate"
    assert list(shown.loc[rate, "after"]) == pytest.approx(list(want.loc[rate, "after_value"] * 100), nan_ok=True)
    # the interval in one column ("-3.2 to +5.1"; the low and high columns cut the table off on the right)
    assert list(shown["interval"].fillna("—")) == ["—" if pd.isna(lo) else f"{lo * 100:+.1f} to {hi * 100:+.1f}"
                                                   for lo, hi in zip(want["change_low"], want["change_high"])]
    assert not shown["notes"].str.contains("555").any() and shown["notes"].str.contains("redacted").any()
    teams = next(d.value for d in at.dataframe if "coached agents" in d.value.columns)
    assert teams.to_dict("records") == team_outcomes(want).to_dict("records")
