"""New hires against earlier hires at the same weeks of tenure, and the learning curve, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.coaching.measures import measure_by_kpi
from etl.coaching.ramp import COHORT, learning_curve, tenure_days
from etl.coaching.scorecard import REST_OF_TEAM, coaching_scorecard
from etl.kpis import Filters
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import CALL_HEADER, NOW, TEST_KEY, write_delivery

AGENTS = [["agent_id", "agent_name", "team", "site", "partner", "licensed", "hire_date"],
          ["V", "Vet", "T", "S", "P", "false", "2020-01-01"],
          ["E", "Early", "T", "S", "P", "false", "2026-01-01"],
          ["N", "New", "T", "S", "P", "false", "2026-01-15"]]
QUEUES = [["queue", "partner", "team", "site", "sl_threshold_seconds"], ["q", "P", "T", "S", ""]]
# (agent, first day in January, calls, transferred): E in its tenure weeks 0 and 1, N in its week 0, V beside N.
PLAN = [("E", 1, 10, 5), ("E", 8, 10, 2), ("N", 15, 10, 5), ("V", 15, 10, 0)]
PERIOD = Filters(date_from=dt.date(2026, 1, 15), date_to=dt.date(2026, 1, 21))


def calls() -> list[list[str]]:
    rows = [CALL_HEADER]
    for agent, first, count, transferred in PLAN:
        for i in range(count):
            start = dt.datetime(2026, 1, first + i % 7, 10, i)
            rows.append([f"{agent}{first}-{i}", f"P{agent}{first}-{i}", "q", "appt", agent, start.isoformat(),
                         (start + dt.timedelta(seconds=5)).isoformat(), (start + dt.timedelta(seconds=200)).isoformat(),
                         "0", "0", "yes" if i < transferred else "no", "no", ""])
    return rows


@pytest.fixture
def ramp_db(tmp_path):
    settings = Settings(db_path=tmp_path / "wh.duckdb", pseudonym_key=TEST_KEY, coaching_min_contacts=5)
    load([write_delivery(tmp_path / "d", {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": calls()})],
         settings, now=NOW)
    return settings


def test_a_new_hire_is_compared_with_earlier_hires_at_the_same_weeks(ramp_db):
    con = connect_read_only(ramp_db.db_path)
    try:
        card = coaching_scorecard(con, PERIOD, ramp_db).set_index(["agent", "kpi"])
        with_team = coaching_scorecard(con, PERIOD, ramp_db, ramp=False).set_index(["agent", "kpi"])
    finally:
        con.close()
    n = card.loc[("N", "transfer_rate")]
    # N's week 0: 5 of 10 transferred; earlier hires in their week 0: E 5 of 10 (V's week 0 was in 2020)
    assert (n.value, n.n, n.team_value, n.team_n, n.compared_with) == (0.5, 10, 0.5, 10, COHORT)
    assert n.difference == 0 and n.status == "no clear gap"
    # against the rest of the team N would read 5/10 against V's 0/10
    t = with_team.loc[("N", "transfer_rate")]
    assert (t.team_value, t.team_n, t.compared_with) == (0.0, 10, REST_OF_TEAM)
    v = card.loc[("V", "transfer_rate")]  # veterans still against the rest of their team (N and E: 5/10)
    assert (v.value, v.n, v.team_value, v.team_n, v.compared_with) == (0.0, 10, 0.5, 10, REST_OF_TEAM)


def test_the_learning_curve_is_the_median_by_week_of_tenure(ramp_db):
    con = connect_read_only(ramp_db.db_path)
    try:
        days, _ = tenure_days(con, PERIOD, ramp_db, None, None)
    finally:
        con.close()
    curve = learning_curve(days, measure_by_kpi(ramp_db)["transfer_rate"], 13).set_index("tenure_week")
    # week 0: E 0.5 and N 0.5 -> median 0.5 over 2 hires, pooled 10/20; week 1: E alone, 2/10
    assert curve.loc[0].to_dict() == {"median": 0.5, "hires": 2, "pooled": 0.5}
    assert curve.loc[1].to_dict() == {"median": 0.2, "hires": 1, "pooled": 0.2}
    assert list(curve.index) == [0, 1]  # the veteran's weeks are far beyond 13
