"""The period a measure is read over. FCR counts a contact only once its repeat window has closed, so over the
last few days it has no data; coaching reads FCR over the latest period of the same length whose windows have
all closed (the app's one rule, etl/defaults.py), every other measure over the chosen period."""

from __future__ import annotations

import duckdb

from etl import views
from etl.defaults import fcr_closed_through, fcr_filters
from etl.kpis import Filters, Scope
from etl.settings import Settings


def fcr_closed_filters(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings,
                       scope: Scope | None = None) -> Filters:
    """`filters` when every FCR window of its period has closed; otherwise the same filters over the latest period
    of the same length whose windows have all closed (unchanged when no day has closed yet: FCR is then empty)."""
    horizon = views.freshness(con, scope).get("fcr_horizon_at")
    closed = fcr_closed_through(horizon, settings.fcr_window_hours, settings.reporting_timezone)
    return fcr_filters(filters, closed) or filters
