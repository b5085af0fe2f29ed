"""The period a measure is read over. FCR counts a contact only once its repeat window has closed, so over the
last few days it has no data; coaching reads FCR over the latest period of the same length whose windows have
all closed (and says so), every other measure over the chosen period."""

from __future__ import annotations

import datetime as dt

import duckdb

from etl.kpis import Filters, Scope, kpi_table
from etl.settings import Settings


def fcr_closed_filters(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings,
                       scope: Scope | None = None, include_licensed: bool | None = None) -> Filters:
    """`filters` unchanged when every FCR window of its period has closed; otherwise the same filters moved back
    to end on the day before the first day (in reach) that still has a pending FCR window."""
    length = (filters.date_to - filters.date_from).days + 1
    window_days = -(-settings.fcr_window_hours // 24)
    # the same days for every filter choice (only the user's scope applies), so the period does not move with them
    look = Filters(date_from=filters.date_to - dt.timedelta(days=length + window_days + 1), date_to=filters.date_to)
    days = kpi_table(con, look, ("day",), settings, scope, include_licensed)
    pending = days.loc[days["fcr_pending"] > 0, "day"]
    if pending.empty:
        return filters
    last_closed = dt.date.fromisoformat(min(pending)) - dt.timedelta(days=1)
    if last_closed >= filters.date_to:
        return filters
    return filters.model_copy(update={"date_from": last_closed - dt.timedelta(days=length - 1),
                                      "date_to": last_closed})
