"""The coaching loop: for each coaching session, the agent's measure on the session's topic in the N weeks before
and the N weeks after (`coaching_weeks_around_session`, default 4; the session's own day in neither), the change
with its interval, and whether it is clear; and per team, how many coached agents improved clearly, stayed or got
worse. Numbers come from kpi_table() by agent and day (additive), and log handle times for handle time.

A change is "clear" when its `coaching_confidence` interval excludes zero. Sessions are few and each is read on
its own, so no multiple-testing correction is applied here; docs/coaching.md says why a clear improvement is
still not proof that the session caused it (regression to the mean).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from etl import sqlfiles
from etl.coaching.compare import compare_log_times, compare_rates
from etl.coaching.measures import Measure, measure_by_kpi
from etl.coaching.periods import fcr_closed_filters
from etl.coaching.scorecard import LOG_COLUMNS, handle_logs
from etl.kpis import Filters, Scope, kpi_table, query_params
from etl.settings import Settings

IMPROVED = "improved clearly"
STAYED = "no clear change"
WORSE = "got worse clearly"
TOO_EARLY = "too early to tell"
NOT_ENOUGH = "not enough contacts yet"
LOOKBACK_DAYS = 182  # sessions shown: dated in the 26 weeks up to the period's end
COLUMNS = ["session_id", "agent", "team", "session_date", "topic", "measure", "kpi", "unit", "trainer", "notes",
           "before_from", "before_to", "after_from", "after_to", "before_value", "before_n", "after_value",
           "after_n", "change", "change_low", "change_high", "change_unit", "outcome"]


def topic_measure(topic: str, settings: Settings) -> Measure | None:
    """A session topic is a compared KPI's name, or a QA item's name (its pass rate)."""
    by_kpi = measure_by_kpi(settings)
    return by_kpi.get(topic) or by_kpi.get(f"qa_item_{topic}_rate")


def sessions(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings, scope: Scope | None = None,
             include_licensed: bool | None = None, with_notes: bool = False) -> pd.DataFrame:
    """Sessions dated from LOOKBACK_DAYS before the period's end up to its end, in scope; notes only if asked."""
    licensed = settings.include_licensed if include_licensed is None else include_licensed
    span = filters.model_copy(update={"date_from": filters.date_to - dt.timedelta(days=LOOKBACK_DAYS)})
    params = {**query_params(span, (), scope, licensed), "with_notes": with_notes}
    return sqlfiles.query(con, "queries/coaching_sessions.sql", params)


def _window_sums(days: pd.DataFrame, agent: str, start: dt.date, end: dt.date, columns: list[str]) -> np.ndarray:
    rows = days[(days["agent"] == agent) & (days["day"] >= start.isoformat()) & (days["day"] <= end.isoformat())]
    return rows[columns].to_numpy(float).sum(axis=0) if len(rows) else np.zeros(len(columns))


def session_outcomes(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings,
                     scope: Scope | None = None, include_licensed: bool | None = None,
                     with_notes: bool = False) -> pd.DataFrame:
    """One row per session (COLUMNS): the topic's value and n before and after, the change (rates: after - before
    in proportion points; handle time: relative change of typical times) with its interval, and the outcome."""
    found = sessions(con, filters, settings, scope, include_licensed, with_notes)
    found["measure_def"] = [topic_measure(t, settings) for t in found["topic"]]
    found = found[found["measure_def"].notna()].reset_index(drop=True)
    if found.empty:
        return pd.DataFrame(columns=COLUMNS)
    window = dt.timedelta(days=7 * settings.coaching_weeks_around_session)
    dates = pd.to_datetime(found["session_date"]).dt.date
    span = Filters(date_from=min(dates) - window, date_to=max(dates) + window,
                   agents=sorted(found["agent"].unique()))
    days = kpi_table(con, span, ("agent", "day"), settings, scope, include_licensed)
    logs = handle_logs(con, span, settings, scope, include_licensed, by_day=True)
    logs["day"] = pd.to_datetime(logs["day"]).dt.strftime("%Y-%m-%d")
    last_day = dt.date.fromisoformat(days["day"].max()) if len(days) else filters.date_to
    latest = last_day if last_day < filters.date_to else filters.date_to
    last_closed = fcr_closed_filters(con, Filters(date_from=latest, date_to=latest), settings, scope).date_to
    rows = []
    for session, day in zip(found.itertuples(), dates):
        m: Measure = session.measure_def
        before = (day - window, day - dt.timedelta(days=1))
        after = (day + dt.timedelta(days=1), day + window)
        columns = [f"{m.kpi}_num", f"{m.kpi}_den"]
        bk, ak = (_window_sums(days, session.agent, *w, columns) for w in (before, after))
        values = (bk[0] / bk[1] if bk[1] else np.nan, ak[0] / ak[1] if ak[1] else np.nan)
        if m.mean:
            b, a = (_window_sums(logs, session.agent, *w, LOG_COLUMNS) for w in (before, after))
            result = compare_log_times(a[0], a[1], a[2], b[0], b[1], b[2], settings.coaching_confidence)
        else:
            result = compare_rates(ak[0], ak[1], bk[0], bk[1], m.higher_is_better, settings.coaching_confidence)
        unit = "relative" if m.mean else "points"
        complete_through = last_closed if m.kpi == "fcr_rate" else latest
        rows.append({
            "session_id": session.session_id, "agent": session.agent, "team": session.team,
            "session_date": day.isoformat(), "topic": session.topic, "measure": m.label, "kpi": m.kpi,
            "unit": m.unit, "trainer": session.trainer, "notes": session.notes if with_notes else None,
            "before_from": before[0].isoformat(), "before_to": before[1].isoformat(),
            "after_from": after[0].isoformat(), "after_to": after[1].isoformat(),
            "before_value": values[0], "before_n": int(bk[1]), "after_value": values[1], "after_n": int(ak[1]),
            "change": float(result["difference"]), "change_low": float(result["difference_low"]),
            "change_high": float(result["difference_high"]), "change_unit": unit,
            "outcome": _outcome(m, result, int(bk[1]), int(ak[1]), after[1] > complete_through, settings),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _outcome(m: Measure, result: dict, before_n: int, after_n: int, too_early: bool, settings: Settings) -> str:
    if too_early:
        return TOO_EARLY
    if min(before_n, after_n) < settings.coaching_min_contacts:
        return NOT_ENOUGH
    low, high = float(result["difference_low"]), float(result["difference_high"])
    better_up = m.higher_is_better
    if (low > 0) if better_up else (high < 0):
        return IMPROVED
    if (high < 0) if better_up else (low > 0):
        return WORSE
    return STAYED


def team_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per team: coached agents, and how many improved clearly, showed no clear change, got worse clearly, or
    cannot be judged yet, each agent counted once by their latest session that can be judged."""
    if outcomes.empty:
        return pd.DataFrame(columns=["team", "coached agents", IMPROVED, STAYED, WORSE, "not judged yet"])
    judged = outcomes[outcomes["outcome"].isin([IMPROVED, STAYED, WORSE])]
    latest = judged.sort_values(["session_date", "session_id"]).groupby("agent").tail(1)
    rows = []
    for team, group in outcomes.groupby("team"):
        mine = latest[latest["team"] == team]
        counts = mine["outcome"].value_counts()
        agents = group["agent"].nunique()
        rows.append({"team": team, "coached agents": agents, IMPROVED: int(counts.get(IMPROVED, 0)),
                     STAYED: int(counts.get(STAYED, 0)), WORSE: int(counts.get(WORSE, 0)),
                     "not judged yet": agents - len(mine)})
    return pd.DataFrame(rows)
