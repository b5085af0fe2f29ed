"""The contacts behind an alert: etl.drilldown.kpi_contacts called with the alert's own drill-down arguments
(Alert.contacts(): the KPI, the day, the rule's filters and the group that fired), under the same scope the alert
was judged in; for an hourly alert, only the contacts offered in its hour of the reporting time zone (the hour
kpi_table groups by). Their count is the alert's n and those in the numerator its numerator
(tests/test_alert_contacts.py)."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.alerts.alert import Alert
from etl.drilldown import kpi_contacts
from etl.kpis import Filters, Scope
from etl.settings import Settings


def alert_contacts(con: duckdb.DuckDBPyConnection, alert: Alert, settings: Settings, scope: Scope | None = None,
                   limit: int = 100_000) -> pd.DataFrame:
    args = alert.contacts()
    if args is None:
        raise ValueError(f"no drill-down for {alert.kpi!r}")
    return kpi_contacts(con, args["kpi"], Filters(**args["filters"]), settings, scope, limit=limit,
                        hour=args.get("hour"))
