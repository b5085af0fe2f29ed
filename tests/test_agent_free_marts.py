"""The marts summed over the agents (kpi_grain_teams, qa_item_grain_teams) give every query that neither groups nor
filters by agent exactly the numbers the per-agent marts give, from fewer rows."""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from etl import kpis
from etl.kpis import Filters, Scope, kpi_table, marts
from etl.warehouse import connect_read_only

PER_AGENT = {"grain": "kpi_grain", "qa_grain": "qa_item_grain"}
TEAMS = {"grain": "kpi_grain_teams", "qa_grain": "qa_item_grain_teams"}
GROUPINGS = [(), ("day",), ("week",), ("month",), ("month", "channel"), ("partner",), ("team",), ("site", "channel"),
             ("queue", "channel")]


@pytest.fixture(scope="module")
def sample(sample_db):
    con = connect_read_only(sample_db.db_path)
    yield sample_db, con
    con.close()


def test_the_query_reads_the_smallest_marts_that_hold_its_groups(sample):
    _, con = sample
    year = Filters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))
    assert marts(con, ("week", "channel"), year) == TEAMS
    assert marts(con, ("team", "agent"), year) == PER_AGENT
    assert marts(con, ("day",), year.model_copy(update={"agents": ["A001"]})) == PER_AGENT
    assert marts(con, ("hour",), year) == {"grain": "kpi_grain_hourly", "qa_grain": "qa_item_grain_hourly"}
    # a warehouse from before these marts existed is read through the per-agent ones until its next load
    assert marts(duckdb.connect(), ("week",), year) == PER_AGENT


def test_the_agent_free_marts_hold_the_per_agent_sums_in_fewer_rows(sample):
    _, con = sample
    for grain, teams, keys in (("kpi_grain", "kpi_grain_teams", "day, channel, queue, team, site, partner, licensed"),
                               ("qa_item_grain", "qa_item_grain_teams",
                                "day, channel, queue, team, site, partner, licensed, item")):
        rows, agent_rows = con.execute(f"select (select count(*) from {teams}), (select count(*) from {grain})").fetchone()
        assert 0 < rows < agent_rows
        assert con.execute(f"select count(agent_id) from {teams}").fetchone()[0] == 0
        summed = f"select {keys}, sum(columns(* exclude ({keys}, hour, agent_id))) from {{t}} group by all order by all"
        expected = con.execute(summed.format(t=grain)).df()
        got = con.execute(summed.format(t=teams)).df()
        pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("scope, licensed", [(None, False), (Scope(partners=["Harbor BPO"]), False),
                                             (Scope(teams=["Referrals"]), True)])
def test_every_kpi_is_the_same_read_from_either_marts(sample, monkeypatch, scope, licensed):
    settings, con = sample
    last = con.execute("select max(day) from kpi_grain").fetchone()[0]
    periods = [Filters(date_from=last - dt.timedelta(days=364), date_to=last),
               Filters(date_from=last - dt.timedelta(days=27), date_to=last, channels=["voice"])]
    for filters in periods:
        for by in GROUPINGS:
            assert marts(con, by, filters) == TEAMS
            fast = kpi_table(con, filters, by, settings, scope, licensed)
            with monkeypatch.context() as patched:
                patched.setattr(kpis, "marts", lambda *_: PER_AGENT)
                slow = kpi_table(con, filters, by, settings, scope, licensed)
            assert len(fast) > 0
            pd.testing.assert_frame_equal(fast, slow, check_exact=True)
