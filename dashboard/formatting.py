"""How numbers are shown to people: rates as percentages, seconds rounded, counts with separators, missing as —."""

from __future__ import annotations

import pandas as pd

from etl.kpis import Kpi

MISSING = "—"


def is_missing(value) -> bool:
    """None, NaN, NaT or pandas' NA: a KPI whose denominator was 0."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt(kpi: Kpi, value) -> str:
    if is_missing(value):
        return MISSING
    if kpi.unit == "rate":
        return f"{value * 100:.1f}%"
    if kpi.unit == "seconds":
        return f"{value:,.0f} s"
    if kpi.unit == "score":
        return f"{value:.2f}"
    return f"{int(value):,}"


def fmt_delta(kpi: Kpi, value, previous) -> str | None:
    """The change against the previous period, in the KPI's unit (percentage points for rates)."""
    if is_missing(value) or is_missing(previous):
        return None
    change = value - previous
    if kpi.unit == "rate":
        return f"{change * 100:+.1f} pp"
    if kpi.unit == "seconds":
        return f"{change:+,.0f} s"
    if kpi.unit == "score":
        return f"{change:+.2f}"
    return f"{int(change):+,}"
