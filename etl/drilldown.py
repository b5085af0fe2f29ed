"""From a KPI to the contacts behind it: the one query function every drill-down calls (tiles, chart points and
table rows in the app; alert links).

    kpi_contacts(con, kpi, filters, settings, scope=None, include_licensed=None, limit=500) -> pd.DataFrame

`kpi` is a KPI name of etl.kpis.KPIS (e.g. "service_level", "abandon_rate", "fcr_rate", "qa_compliant_rate").
`filters` are the page's (narrow the dates to a chart point's day or week, a dimension to a table row's group);
`scope` is the user's, exactly as kpi_table() takes it. Returns one row per contact of the KPI's denominator:
contact_id, offered_at (UTC), channel, queue, agent, team, partner, outcome ("answered in 12 s", "answered late,
in 95 s", "abandoned", "short abandon"), in_numerator, handle_seconds, repeated_by / repeated_at (FCR: the contact
that repeated it) and items_failed (QA). The rows that count against the KPI (SL misses, abandons, repeats, failed
evaluations) come first. Never a patient identifier or pseudonym. SQL: etl/sql/queries/kpi_contacts.sql.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl import sqlfiles
from etl.kpis import KPI_BY_NAME, Filters, Scope, query_params
from etl.settings import Settings

DRILLABLE = ("contacts_offered", "contacts_handled", "short_abandons", "service_level", "abandon_rate",
             "asa_seconds", "aht_seconds", "transfer_rate", "clinical_escalation_rate", "fcr_rate",
             "qa_compliant_rate", "qa_coverage")


def kpi_contacts(con: duckdb.DuckDBPyConnection, kpi: str, filters: Filters, settings: Settings,
                 scope: Scope | None = None, include_licensed: bool | None = None, limit: int = 500) -> pd.DataFrame:
    if kpi not in DRILLABLE:
        raise ValueError(f"no drill-down for {kpi!r}; choose from {', '.join(DRILLABLE)}")
    licensed = settings.include_licensed if include_licensed is None else include_licensed
    params = {**query_params(filters, (), scope, licensed), "kpi": kpi, "limit": int(limit),
              "critical_items": settings.critical_items, "fcr_window_hours": settings.fcr_window_hours,
              "fcr_same_reason": settings.fcr_same_reason}
    return sqlfiles.query(con, "queries/kpi_contacts.sql", params)


def label(kpi: str) -> str:
    return KPI_BY_NAME[kpi].label
