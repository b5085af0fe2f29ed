"""From a KPI to the contacts behind it: the one query function every drill-down calls (tiles, chart points and
table rows on every page; alert links).

    kpi_contacts(con, kpi, filters, settings, scope=None, include_licensed=None, limit=500, hour=None)

`kpi` is a KPI name of DRILLABLE (e.g. "service_level", "abandon_rate", "fcr_rate", "qa_compliant_rate") or a QA
item's pass rate as kpi_table names it ("qa_item_<item>_rate": the contacts evaluated on that item, one row per
contact, in the numerator when none of its evaluations failed the item).
`filters` are the page's (narrow the dates to a chart point's day or week, a dimension to a table row's group);
`hour` (0–23, the reporting time zone's, as kpi_table groups by hour) keeps the contacts offered in that hour of
each day (an intraday point, an hourly alert). `scope` is the user's, exactly as kpi_table() takes it.
Returns one row per contact of the KPI's denominator: contact_id, offered_at (UTC), channel, queue, agent, team, partner, outcome ("answered in 12 s", "answered late,
in 95 s", "abandoned", "short abandon"), in_numerator, handle_seconds, repeated_by / repeated_at (FCR: the contact
that repeated it), items_failed (QA) and scores (satisfaction: the contact's survey scores; CSAT counts responses,
so a contact is in the top-2 numerator when every score is 4 or 5). The rows that count against the KPI (SL misses, abandons, repeats, failed
evaluations) come first. Never a patient identifier or pseudonym. SQL: etl/sql/queries/kpi_contacts.sql.

A link opens a drill-down with query parameters after the page's filters (`drill_params`): `drill=<kpi>` and,
optionally, `drill_day=YYYY-MM-DD` and, with a day, `drill_hour=H` (0–23).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from etl import sqlfiles
from etl.display import display_name
from etl.kpis import KPI_BY_NAME, Filters, Scope, query_params
from etl.settings import Settings

DRILLABLE = ("contacts_offered", "contacts_handled", "short_abandons", "service_level", "abandon_rate",
             "asa_seconds", "aht_seconds", "transfer_rate", "clinical_escalation_rate", "fcr_rate",
             "qa_compliant_rate", "qa_coverage", "csat_top2_rate", "csat_mean", "survey_response_rate")
QA_ITEM_PREFIX, QA_ITEM_SUFFIX = "qa_item_", "_rate"
DRILL_PARAM, DAY_PARAM, HOUR_PARAM = "drill", "drill_day", "drill_hour"


def qa_item_of(kpi: str) -> str | None:
    """The QA item of a `qa_item_<item>_rate` KPI name, else None."""
    if kpi.startswith(QA_ITEM_PREFIX) and kpi.endswith(QA_ITEM_SUFFIX):
        return kpi[len(QA_ITEM_PREFIX):-len(QA_ITEM_SUFFIX)] or None
    return None


def qa_item_kpi(item: str) -> str:
    return f"{QA_ITEM_PREFIX}{item}{QA_ITEM_SUFFIX}"


def drillable(kpi: str, settings: Settings | None = None) -> bool:
    """Whether a drill-down lists the contacts of `kpi` (QA items: any item, or only the catalogue's)."""
    item = qa_item_of(kpi)
    if item is not None:
        return settings is None or item in settings.item_names
    return kpi in DRILLABLE


def drill_params(kpi: str, day: dt.date | None = None, hour: int | None = None) -> list[tuple[str, str]]:
    """The query parameters that open the contacts drill-down of `kpi` (on `day`, in `hour` of it) on a page link
    whose other parameters are the sidebar's filters (etl.alerts.links.query_params)."""
    if not drillable(kpi):
        raise ValueError(f"no drill-down for {kpi!r}")
    if hour is not None and (day is None or not 0 <= int(hour) <= 23):
        raise ValueError("an hour (0-23) narrows a day: give both")
    return ([(DRILL_PARAM, kpi)] + ([(DAY_PARAM, day.isoformat())] if day is not None else [])
            + ([(HOUR_PARAM, str(int(hour)))] if hour is not None else []))


def kpi_contacts(con: duckdb.DuckDBPyConnection, kpi: str, filters: Filters, settings: Settings,
                 scope: Scope | None = None, include_licensed: bool | None = None, limit: int = 500,
                 hour: int | None = None) -> pd.DataFrame:
    if not drillable(kpi, settings):
        raise ValueError(f"no drill-down for {kpi!r}; choose from {', '.join(DRILLABLE)} or a QA item's "
                         f"{qa_item_kpi('<item>')}")
    licensed = settings.include_licensed if include_licensed is None else include_licensed
    item = qa_item_of(kpi)
    params = {**query_params(filters, (), scope, licensed), "kpi": "qa_item" if item else kpi, "item": item,
              "hour": None if hour is None else int(hour),
              "limit": int(limit), "critical_items": settings.critical_items,
              "fcr_window_hours": settings.fcr_window_hours, "fcr_same_reason": settings.fcr_same_reason}
    return sqlfiles.query(con, "queries/kpi_contacts.sql", params)


def label(kpi: str, names: dict[str, str] | None = None) -> str:
    """The KPI's label; a QA item's pass rate by the item's display name ("QA: Identity verified")."""
    item = qa_item_of(kpi)
    return f"QA: {display_name(item, names)}" if item else KPI_BY_NAME[kpi].label
