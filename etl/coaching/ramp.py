"""New hires: compared with earlier hires at the same weeks of tenure, not with veterans.

An agent is a new hire when their tenure at the period's end is at most `coaching_new_hire_days` (default 90).
Their reference group is every agent hired before them (within the same filters and scope) over the same weeks of
tenure (week 0 = the first 7 days from the hire date) as the new hire's contacts in the period, pooled: numerators
and denominators (log handle times for handle time) summed over those agents and weeks, from a year of history.
The comparison, the minimum n and the page-wide Benjamini-Hochberg rule are the same as against the team.

The expected learning curve shown beside it is the median, across earlier hires, of each hire's value in each week
of tenure (hires with at least RAMP_MIN_WEEK_N contacts for the measure that week).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from etl import views
from etl.coaching.compare import measure_rows
from etl.coaching.measures import Measure
from etl.coaching.scorecard import LOG_COLUMNS, handle_logs
from etl.kpis import Filters, Scope, kpi_table
from etl.settings import Settings

HISTORY_DAYS = 365
RAMP_MIN_WEEK_N = 5
COHORT = "earlier hires at the same weeks of tenure"


def tenure_days(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings, scope: Scope | None,
                include_licensed: bool | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A year of kpi_table() by agent and day up to the period's end (same filters otherwise), and the log handle
    times by agent and day, each with the agent's hire date and week of tenure (agents with a hire date only)."""
    history = filters.model_copy(update={"date_from": filters.date_to - dt.timedelta(days=HISTORY_DAYS)})
    hires = views.roster(con, scope).set_index("agent")["hire_date"].dropna()
    hires = pd.to_datetime(hires)
    days = kpi_table(con, history, ("agent", "day"), settings, scope, include_licensed)
    logs = handle_logs(con, history, settings, scope, include_licensed, by_day=True)
    logs = logs.groupby(["agent", "day"], as_index=False)[LOG_COLUMNS].sum()
    out = []
    for frame in (days, logs):
        frame = frame[frame["agent"].isin(hires.index)].copy()
        frame["day"] = pd.to_datetime(frame["day"])
        frame["hire_date"] = frame["agent"].map(hires)
        frame["tenure_week"] = (frame["day"] - frame["hire_date"]).dt.days // 7
        out.append(frame[frame["tenure_week"] >= 0].reset_index(drop=True))
    return out[0], out[1]


def new_hires(roster: pd.DataFrame, end: dt.date, settings: Settings) -> pd.Series:
    """Hire dates of the agents whose tenure at `end` is at most coaching_new_hire_days."""
    hires = pd.to_datetime(roster.set_index("agent")["hire_date"].dropna())
    tenure = (pd.Timestamp(end) - hires).dt.days
    return hires[(tenure >= 0) & (tenure <= settings.coaching_new_hire_days)]


def _cohort_sums(frame: pd.DataFrame, hires: pd.Series, start: dt.date, end: dt.date,
                 columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per new hire (rows in the order of `hires`): their own sums of `columns` over the period, and earlier hires'
    sums over the same weeks of tenure."""
    values = frame[columns].to_numpy(float)
    agent, hired = frame["agent"].to_numpy(), frame["hire_date"].to_numpy()
    week, day = frame["tenure_week"].to_numpy(), frame["day"].to_numpy()
    period = (day >= np.datetime64(start)) & (day <= np.datetime64(end))
    own, ref = [], []
    for name, hire_date in hires.items():
        mine = period & (agent == name)
        weeks = np.unique(week[mine])
        earlier = (hired < np.datetime64(hire_date)) & (agent != name) & np.isin(week, weeks)
        own.append(values[mine].sum(axis=0))
        ref.append(values[earlier].sum(axis=0))
    shape = (0, len(columns))
    return (pd.DataFrame(np.array(own).reshape(-1, len(columns)) if own else np.empty(shape), columns=columns),
            pd.DataFrame(np.array(ref).reshape(-1, len(columns)) if ref else np.empty(shape), columns=columns))


def against_cohorts(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
                    periods: list[tuple[Filters, list[Measure]]], settings: Settings, scope: Scope | None,
                    include_licensed: bool | None) -> pd.DataFrame:
    """Replace the new hires' rows of `frame` (team comparisons, not yet decided) by comparisons with their
    cohort."""
    end = periods[0][0].date_to
    hires = new_hires(views.roster(con, scope), end, settings)
    hires = hires[hires.index.isin(frame["agent"])]
    if hires.empty:
        return frame
    frame = frame.copy()
    teams = frame.drop_duplicates("agent").set_index("agent").loc[hires.index, "team"].to_numpy()
    days, logs = tenure_days(con, periods[0][0], settings, scope, include_licensed)  # a year: every period
    for filters, chosen in periods:
        columns = [f"{m.kpi}_{part}" for m in chosen for part in ("num", "den")]
        own, reference = _cohort_sums(days, hires, filters.date_from, filters.date_to, columns)
        own = own.assign(agent=list(hires.index), team=teams)
        own_logs = ref_logs = None
        if any(m.mean for m in chosen):
            own_logs, ref_logs = _cohort_sums(logs, hires, filters.date_from, filters.date_to, LOG_COLUMNS)
        for m in chosen:
            rows = measure_rows(m, own, reference, own_logs, ref_logs, settings).set_index("agent")
            target = frame.index[(frame["kpi"] == m.kpi) & frame["agent"].isin(hires.index)]
            replacement = rows.loc[frame.loc[target, "agent"]]
            for column in replacement.columns:
                frame.loc[target, column] = replacement[column].to_numpy()
            frame.loc[target, "compared_with"] = COHORT
    return frame


def learning_curve(days: pd.DataFrame, measure: Measure, weeks: int) -> pd.DataFrame:
    """Per week of tenure (0 .. weeks - 1): the median across hires of each hire's value that week (hires with at
    least RAMP_MIN_WEEK_N contacts for the measure that week), how many hires, and the pooled value."""
    k = measure.kpi
    rows = days[days["tenure_week"] < weeks]
    weekly = rows.groupby(["agent", "tenure_week"])[[f"{k}_num", f"{k}_den"]].sum().reset_index()
    weekly = weekly[weekly[f"{k}_den"] >= RAMP_MIN_WEEK_N]
    weekly["value"] = weekly[f"{k}_num"] / weekly[f"{k}_den"]
    curve = weekly.groupby("tenure_week").agg(median=("value", "median"), hires=("agent", "nunique"),
                                              num=(f"{k}_num", "sum"), den=(f"{k}_den", "sum")).reset_index()
    curve["pooled"] = curve["num"] / curve["den"]
    return curve[["tenure_week", "median", "hires", "pooled"]]


def hire_weeks(days: pd.DataFrame, agents: list[str], measure: Measure, weeks: int) -> pd.DataFrame:
    """Each given agent's value and n per week of tenure (weeks with contacts for the measure)."""
    k = measure.kpi
    rows = days[days["agent"].isin(agents) & (days["tenure_week"] < weeks)]
    weekly = rows.groupby(["agent", "tenure_week"])[[f"{k}_num", f"{k}_den"]].sum().reset_index()
    weekly = weekly[weekly[f"{k}_den"] > 0]
    return pd.DataFrame({"agent": weekly["agent"], "tenure_week": weekly["tenure_week"],
                         "value": weekly[f"{k}_num"] / weekly[f"{k}_den"], "n": weekly[f"{k}_den"].astype(int)})
