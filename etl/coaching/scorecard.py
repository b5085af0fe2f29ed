"""THE coaching scorecard: every agent x measure against the rest of their team, with the evidence and the flag.
The Coaching page and `carekpi coaching` both call `coaching_scorecard()`; its numbers come from kpi_table()
(and, for handle time's test, the log handle times of the same contacts)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from etl import defaults, sqlfiles
from etl.coaching.compare import decide, measure_rows
from etl.coaching.measures import Measure, measures
from etl.coaching.periods import fcr_closed_filters
from etl.kpis import Filters, Scope, kpi_table, query_params
from etl.settings import Settings

COLUMNS = ["agent", "team", "measure", "kpi", "unit", "value", "n", "team_value", "team_n", "difference",
           "difference_low", "difference_high", "difference_unit", "p_value", "adjusted_p", "flagged", "status",
           "compared_with", "period_from", "period_to"]
REST_OF_TEAM = "rest of team"
LOG_COLUMNS = ["n", "log_sum", "log_sumsq"]


def handle_logs(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings, scope: Scope | None,
                include_licensed: bool | None, by_day: bool = False) -> pd.DataFrame:
    """Count, sum and sum of squares of log handle seconds per team and agent (and day)."""
    licensed = settings.include_licensed if include_licensed is None else include_licensed
    params = {**query_params(filters, (), scope, licensed), "by_day": by_day}
    return sqlfiles.query(con, "queries/coaching_handle_logs.sql", params)


def rest_of_team(agents: pd.DataFrame, teams: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per agent row, the team's totals minus the agent's own (additive numerators and denominators)."""
    totals = teams.set_index("team")[columns].reindex(agents["team"]).fillna(0).to_numpy(float)
    return pd.DataFrame(totals - agents[columns].to_numpy(float), columns=columns, index=agents.index)


def _log_frames(logs: pd.DataFrame, agents: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The agents' log sums and the rest of each team's, aligned with `agents`."""
    keyed = logs.groupby(["team", "agent"], dropna=False)[LOG_COLUMNS].sum()
    team_totals = logs.groupby("team")[LOG_COLUMNS].sum()
    own = keyed.reindex(pd.MultiIndex.from_frame(agents[["team", "agent"]])).fillna(0)
    total = team_totals.reindex(agents["team"]).fillna(0)
    own = pd.DataFrame(own.to_numpy(float), columns=LOG_COLUMNS, index=agents.index)
    rest = pd.DataFrame(total.to_numpy(float) - own.to_numpy(float), columns=LOG_COLUMNS, index=agents.index)
    return own, rest


def team_comparisons(con: duckdb.DuckDBPyConnection, filters: Filters, chosen: list[Measure], settings: Settings,
                     scope: Scope | None, include_licensed: bool | None,
                     roster: pd.DataFrame | None = None) -> pd.DataFrame:
    """The chosen measures, each agent against the rest of their team, over `filters` (not yet decided).
    With `roster` (team and agent columns), exactly those agents, with zeros where they had no contacts."""
    agents = kpi_table(con, filters, ("team", "agent"), settings, scope, include_licensed)
    agents = agents[agents["agent"].notna()].reset_index(drop=True)
    if roster is not None:
        keyed = agents.set_index(["team", "agent"])
        numbers = keyed.select_dtypes("number").columns
        agents = keyed.reindex(pd.MultiIndex.from_frame(roster[["team", "agent"]]))
        agents[numbers] = agents[numbers].fillna(0)
        agents = agents.reset_index()
    if agents.empty:
        return pd.DataFrame(columns=COLUMNS)
    teams = kpi_table(con, filters, ("team",), settings, scope, include_licensed)
    columns = [f"{m.kpi}_{part}" for m in chosen for part in ("num", "den")]
    rest = rest_of_team(agents, teams, columns)
    own_logs = rest_logs = None
    if any(m.mean for m in chosen):
        own_logs, rest_logs = _log_frames(handle_logs(con, filters, settings, scope, include_licensed), agents)
    rows = [measure_rows(m, agents, rest, own_logs, rest_logs, settings) for m in chosen]
    return pd.concat(rows, ignore_index=True).assign(
        compared_with=REST_OF_TEAM, period_from=filters.date_from.isoformat(), period_to=filters.date_to.isoformat())


def coaching_scorecard(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings,
                       scope: Scope | None = None, include_licensed: bool | None = None,
                       ramp: bool = True) -> pd.DataFrame:
    """One row per agent and measure (COLUMNS): value and n, the reference group's value and n, the difference
    (rates: agent - reference in proportion points; handle time: relative difference of typical times) with its
    interval, p-values, status and flag, and the period read. FCR is read over the latest period of the same
    length whose FCR windows have closed. With `ramp`, new hires are compared with earlier hires at the same weeks
    of tenure instead of the rest of the team (ramp.py). Benjamini-Hochberg runs across every row."""
    fcr_filters = fcr_closed_filters(con, filters, settings, scope)
    chosen = measures(settings)
    periods = [(filters, [m for m in chosen if m.kpi != "fcr_rate" or fcr_filters == filters])]
    if fcr_filters != filters:
        periods.append((fcr_filters, [m for m in chosen if m.kpi == "fcr_rate"]))
    first = team_comparisons(con, *periods[0], settings, scope, include_licensed)
    if first.empty:
        return pd.DataFrame(columns=COLUMNS)
    roster = first.drop_duplicates(["team", "agent"])[["team", "agent"]]
    parts = [first] + [team_comparisons(con, f, ms, settings, scope, include_licensed, roster)
                       for f, ms in periods[1:]]
    frame = pd.concat(parts, ignore_index=True)
    if ramp:
        from etl.coaching.ramp import against_cohorts  # ramp reads this module's handle_logs

        frame = against_cohorts(con, frame, periods, settings, scope, include_licensed)
    frame = decide(frame, frame["higher_is_better"].to_numpy(bool), settings)
    order = {m.kpi: i for i, m in enumerate(chosen)}
    frame = frame.iloc[np.lexsort((frame["kpi"].map(order).to_numpy(), frame["agent"].to_numpy(),
                                   frame["team"].to_numpy()))]
    return frame[COLUMNS].reset_index(drop=True)


def period_label(period_from: str, period_to: str) -> str:
    """A period given as ISO dates, as people write it (the app's one format, etl/defaults.py)."""
    return defaults.period_label(Filters(date_from=dt.date.fromisoformat(period_from),
                                         date_to=dt.date.fromisoformat(period_to)))
