"""What every page reads through: the settings, the current warehouse snapshot, the filters, and cached queries.

Query results are cached by everything that changes them: the warehouse path and snapshot id (a new load swaps
in a new file, hence a new id), the filters, the grouping, the user's scope and the licensed-staff switch. The
database connection is cached per snapshot and each query uses its own cursor (DuckDB connections are not
thread-safe). Nothing here computes a KPI: it calls etl.kpis.kpi_table() and etl.views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import streamlit as st

from etl import views
from etl.drilldown import kpi_contacts
from etl.defaults import Comparison, comparison, fcr_closed_through, fcr_filters
from etl.kpis import Filters, Scope, built_reporting_timezone, kpi_table
from etl.settings import Settings, load_settings
from etl.warehouse import connect_read_only, cursor, snapshot_id

VIEW_KEY = "carekpi_view"


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return load_settings()


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(db_path: str, snapshot: str) -> duckdb.DuckDBPyConnection:
    return connect_read_only(db_path)


def _cursor(db_path: str, snapshot: str) -> duckdb.DuckDBPyConnection:
    return cursor(_connection(db_path, snapshot))


def warehouse_cursor(db_path: str, snapshot: str) -> duckdb.DuckDBPyConnection:
    """A cursor on a warehouse snapshot's cached connection, for a page's own cached queries (close it after)."""
    return _cursor(db_path, snapshot)


@st.cache_data(max_entries=1024, show_spinner=False)
def _kpis(db_path: str, snapshot: str, filters_json: str, by: tuple[str, ...], scope_json: str,
          include_licensed: bool) -> pd.DataFrame:
    cursor = _cursor(db_path, snapshot)
    try:
        return kpi_table(cursor, Filters.model_validate_json(filters_json), by, settings(),
                         Scope.model_validate_json(scope_json), include_licensed)
    finally:
        cursor.close()


@st.cache_data(max_entries=256, show_spinner=False)
def _options(db_path: str, snapshot: str, filters_json: str, scope_json: str,
             include_licensed: bool) -> dict[str, list[str]]:
    cursor = _cursor(db_path, snapshot)
    try:
        return views.filter_options(cursor, Filters.model_validate_json(filters_json),
                                    Scope.model_validate_json(scope_json), include_licensed)
    finally:
        cursor.close()


@st.cache_data(max_entries=64, show_spinner=False)
def _failed(db_path: str, snapshot: str, filters_json: str, item: str | None, scope_json: str,
            include_licensed: bool) -> pd.DataFrame:
    cursor = _cursor(db_path, snapshot)
    try:
        return views.failed_evaluations(cursor, Filters.model_validate_json(filters_json), item,
                                        Scope.model_validate_json(scope_json), include_licensed)
    finally:
        cursor.close()


@st.cache_data(max_entries=64, show_spinner=False)
def _contacts(db_path: str, snapshot: str, kpi: str, filters_json: str, scope_json: str,
              include_licensed: bool, hour: int | None = None) -> pd.DataFrame:
    cursor = _cursor(db_path, snapshot)
    try:
        return kpi_contacts(cursor, kpi, Filters.model_validate_json(filters_json), settings(),
                            Scope.model_validate_json(scope_json), include_licensed, hour=hour)
    finally:
        cursor.close()


@st.cache_data(max_entries=16, show_spinner=False)
def _warehouse_view(db_path: str, snapshot: str, name: str, scope_json: str) -> object:
    """Whole-warehouse views: freshness, roster (scoped), load history, quarantine, data quality."""
    cursor = _cursor(db_path, snapshot)
    try:
        if name == "freshness":
            return views.freshness(cursor, Scope.model_validate_json(scope_json))
        if name == "roster":
            return views.roster(cursor, Scope.model_validate_json(scope_json))
        if name == "load_history":
            return views.load_history(cursor)
        if name == "quarantine_summary":
            return views.quarantine_summary(cursor)
        if name == "quarantine_rows":
            return views.quarantine_rows(cursor)
        if name == "data_quality":
            return views.data_quality(cursor, settings().item_names)
        if name == "built_reporting_timezone":
            return built_reporting_timezone(cursor)
        raise ValueError(f"unknown view {name}")
    finally:
        cursor.close()


@dataclass
class View:
    """The current page's inputs. Pages ask it for data; it adds the cache keys."""

    settings: Settings
    db_path: str
    snapshot: str
    filters: Filters
    scope: Scope = field(default_factory=Scope)
    include_licensed: bool = False
    anchor: dt.date | None = None  # the day the date presets count back from
    user: str = ""
    role: str = ""
    _names: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def kpis(self, by: tuple[str, ...] = (), filters: Filters | None = None) -> pd.DataFrame:
        chosen = filters or self.filters
        return _kpis(self.db_path, self.snapshot, chosen.model_dump_json(), tuple(by),
                     self.scope.model_dump_json(), self.include_licensed)

    def options(self, filters: Filters | None = None) -> dict[str, list[str]]:
        chosen = filters or self.filters
        return _options(self.db_path, self.snapshot, chosen.model_dump_json(), self.scope.model_dump_json(),
                        self.include_licensed)

    def failed_evaluations(self, item: str | None, filters: Filters | None = None) -> pd.DataFrame:
        chosen = filters or self.filters
        return _failed(self.db_path, self.snapshot, chosen.model_dump_json(), item,
                       self.scope.model_dump_json(), self.include_licensed)

    def kpi_contacts(self, kpi: str, filters: Filters | None = None, hour: int | None = None) -> pd.DataFrame:
        """The contacts behind a KPI (etl.drilldown.kpi_contacts) under this view's scope (in `hour` of each day)."""
        chosen = filters or self.filters
        return _contacts(self.db_path, self.snapshot, kpi, chosen.model_dump_json(), self.scope.model_dump_json(),
                         self.include_licensed, hour)

    def warehouse(self, name: str):
        return _warehouse_view(self.db_path, self.snapshot, name, self.scope.model_dump_json())

    def previous_filters(self) -> Filters:
        """The same filters over the period of equal length just before."""
        length = (self.filters.date_to - self.filters.date_from).days + 1
        return self.filters.model_copy(update={
            "date_from": self.filters.date_from - dt.timedelta(days=length),
            "date_to": self.filters.date_from - dt.timedelta(days=1),
        })

    def comparison(self) -> Comparison:
        """Like with like: the period cut at the latest day with data, and as many days just before it."""
        last_day = self.warehouse("freshness")["last_day"]
        return comparison(self.filters, None if pd.isna(last_day) else pd.Timestamp(last_day).date())

    def fcr_filters(self, filters: Filters | None = None) -> Filters | None:
        """The filters over the latest period of the same length whose FCR windows have all closed (the filters
        themselves when they have); None when no window has closed yet."""
        horizon = self.warehouse("freshness").get("fcr_horizon_at")
        closed = fcr_closed_through(horizon, self.settings.fcr_window_hours, self.settings.reporting_timezone)
        return fcr_filters(filters or self.filters, closed)

    def closed_fcr(self, frame: pd.DataFrame, by: tuple[str, ...],
                   filters: Filters | None = None) -> tuple[pd.DataFrame, Filters | None]:
        """`frame` (KPIs grouped `by` over `filters`) with its FCR columns read over the latest period of the same
        length whose windows have closed, and that period; `frame` and None when the filters' own days have closed
        (or none has closed yet). A group without closed FCR contacts reads as missing."""
        chosen = filters or self.filters
        period = self.fcr_filters(chosen)
        if period is None or period == chosen or frame.empty:
            return frame, None
        columns = ["fcr_rate", "fcr_rate_num", "fcr_rate_den"]
        closed = self.kpis(by=by, filters=period)[list(by) + columns]
        merged = frame.drop(columns=columns).merge(closed, on=list(by), how="left")
        merged[columns[1:]] = merged[columns[1:]].fillna(0)
        return merged, period

    def agent_label(self, agent: str | None) -> str:
        if agent is None:
            return "(no agent)"
        if self._names is None:  # read once per run: a cached read copies the roster, and pages label many rows
            roster = self.warehouse("roster")
            self._names = {a: n for a, n in zip(roster["agent"], roster["agent_name"]) if isinstance(n, str)}
        name = self._names.get(agent)
        return f"{agent} · {name}" if name is not None else agent


def current() -> View:
    """The view the frame (app.py) prepared for this run."""
    return st.session_state[VIEW_KEY]


def warehouse_location(config: Settings) -> tuple[str, str]:
    path = str(config.db_path)
    return path, snapshot_id(config.db_path)
