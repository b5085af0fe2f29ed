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
    """The change against the previous period, in the KPI's unit (percentage points for rates); None when there
    is nothing to compare or the change rounds to nothing (no coloured arrow for "+0 s")."""
    if is_missing(value) or is_missing(previous):
        return None
    change = value - previous
    if kpi.unit == "rate":
        change, shown = round(change * 100, 1), f"{change * 100:+.1f} pp"
    elif kpi.unit == "seconds":
        change, shown = round(change), f"{change:+,.0f} s"
    elif kpi.unit == "score":
        change, shown = round(change, 2), f"{change:+.2f}"
    else:
        shown = f"{int(change):+,}"
    return None if change == 0 else shown


def fmt_n(kpi: Kpi, row) -> str:
    """The n behind a KPI value: numerator / denominator for rates, contacts for time measures and scores (their
    numerator is a sum of seconds or scores, not a count), the count itself for counts."""
    if not kpi.ratio:
        return "0" if is_missing(row[kpi.name]) else f"{int(row[kpi.name]):,}"
    den = int(row[f"{kpi.name}_den"])
    if kpi.unit == "seconds":
        return f"{den:,} contacts"
    if kpi.unit == "score":
        return f"{den:,} responses"
    return f"{int(row[f'{kpi.name}_num']):,} / {den:,}"
