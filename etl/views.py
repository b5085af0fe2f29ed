"""Read-only views that are not KPIs: filter choices, freshness, load history, quarantine, the evaluations behind a
failing QA item, the roster. Each takes the user's scope where it returns business data, like kpi_table()."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl import sqlfiles
from etl.kpis import Filters, Scope, query_params

FILTER_DIMENSIONS = ("partner", "site", "team", "channel", "queue", "agent")


def filter_options(con: duckdb.DuckDBPyConnection, filters: Filters, scope: Scope | None,
                   include_licensed: bool = False) -> dict[str, list[str]]:
    """For each filter, the values present in the period that match every *other* selection (and the scope)."""
    combos = sqlfiles.query(con, "queries/filter_options.sql", query_params(filters, (), scope, include_licensed))
    selected = {"partner": filters.partners, "site": filters.sites, "team": filters.teams,
                "channel": filters.channels, "queue": filters.queues, "agent": filters.agents}
    options = {}
    for dim in FILTER_DIMENSIONS:
        keep = pd.Series(True, index=combos.index)
        for other, values in selected.items():
            if other != dim and values:
                keep &= combos[other].isin(values)
        options[dim] = sorted(v for v in combos.loc[keep, dim].dropna().unique())
    return options


def freshness(con: duckdb.DuckDBPyConnection, scope: Scope | None = None) -> dict:
    scope = scope or Scope()
    return sqlfiles.query(con, "queries/freshness.sql", {"scope_partners": scope.partners,
                                                        "scope_teams": scope.teams}).iloc[0].to_dict()


def load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return sqlfiles.query(con, "queries/load_history.sql")


def quarantine_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return sqlfiles.query(con, "queries/quarantine_summary.sql")


def quarantine_rows(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    return sqlfiles.query(con, "queries/quarantine_rows.sql", {"limit": limit})


def data_quality(con: duckdb.DuckDBPyConnection, items: list[str]) -> dict:
    return sqlfiles.query(con, "queries/data_quality.sql", {"items": items}).iloc[0].to_dict()


def failed_evaluations(con: duckdb.DuckDBPyConnection, filters: Filters, item: str | None, scope: Scope | None,
                       include_licensed: bool = False) -> pd.DataFrame:
    params = {**query_params(filters, (), scope, include_licensed), "item": item}
    return sqlfiles.query(con, "queries/failed_evaluations.sql", params)


def roster(con: duckdb.DuckDBPyConnection, scope: Scope | None) -> pd.DataFrame:
    scope = scope or Scope()
    return sqlfiles.query(con, "queries/roster.sql", {"scope_partners": scope.partners,
                                                     "scope_teams": scope.teams})

