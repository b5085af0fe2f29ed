"""`carekpi kpi` for people: checked filter values (a misspelled partner is an error with a suggestion) and a table
with units, targets and a total column, headers never cut."""

from __future__ import annotations

import datetime as dt
import difflib
import math

import duckdb
import pandas as pd

from etl import views
from etl.kpis import DIMENSIONS, KPI_BY_NAME, Filters, Scope, all_kpis
from etl.settings import Settings

UNITS = {"rate": "%", "seconds": "s", "score": "1–5", "count": "contacts"}
FILTER_FIELDS = {"partner": "partners", "site": "sites", "team": "teams", "channel": "channels", "queue": "queues",
                 "agent": "agents"}


def check_dates(date_from: dt.date, date_to: dt.date) -> None:
    if date_from > date_to:
        raise ValueError("--from is after --to; give the earlier day first")  # dates in messages are masked


def check_names(con: duckdb.DuckDBPyConnection, filters: Filters, scope: Scope | None = None) -> None:
    """Every filter value must exist somewhere in the warehouse (any day): a typo is an error naming the closest
    known value, not an empty result."""
    every_day = Filters(date_from=dt.date(1, 1, 1), date_to=dt.date(9999, 12, 31))
    known = views.filter_options(con, every_day, scope, include_licensed=True)
    for dim, field in FILTER_FIELDS.items():
        for value in getattr(filters, field):
            if value not in known[dim]:
                close = difflib.get_close_matches(value, known[dim], n=1, cutoff=0.5) or \
                    [k for k in known[dim] if k.lower() == value.lower()]
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"no {dim} {value!r} in the warehouse{hint}")


def format_table(table: pd.DataFrame, by: list[str], settings: Settings, total: pd.DataFrame | None = None) -> str:
    """One line per KPI with its unit and target, a column per group, and a total column when grouped."""
    if table.empty:
        return "no contacts match these filters"
    dims = [d for d in DIMENSIONS if d in by]
    headers = [" / ".join(str(row[d]) for d in dims) or "all" for _, row in table.iterrows()]
    values = {name: list(table[name]) for name in _names(table, dims, settings)}
    if dims and total is not None and len(total):
        headers.append("total")
        for name in values:
            values[name].append(total.iloc[0][name])
    label_width = max(len(_label(n)) for n in values) + 2
    rows = [[_show(n, v) for v in values[n]] for n in values]
    targets = [_target(n, settings) for n in values]
    widths = [max(len(h), *(len(r[i]) for r in rows)) + 2 for i, h in enumerate(headers)]
    target_width = max(len("target"), *(len(t) for t in targets)) + 2
    lines = [f"{'KPI (unit)':<{label_width}}{'target':>{target_width}}"
             + "".join(f"{h:>{w}}" for h, w in zip(headers, widths))]
    for name, target, row in zip(values, targets, rows):
        lines.append(f"{_label(name):<{label_width}}{target:>{target_width}}"
                     + "".join(f"{v:>{w}}" for v, w in zip(row, widths)))
    return "\n".join(lines)


def _names(table: pd.DataFrame, dims: list[str], settings: Settings) -> list[str]:
    known = {k.name for k in all_kpis(settings)}
    return [c for c in table.columns if c not in dims and c in known]


def _label(name: str) -> str:
    kpi = KPI_BY_NAME.get(name)
    if kpi is None:  # a QA item's pass rate
        return f"QA pass: {name.removeprefix('qa_item_').removesuffix('_rate').replace('_', ' ')} (%)"
    return f"{kpi.label} ({UNITS[kpi.unit]})"


def _unit(name: str) -> str:
    kpi = KPI_BY_NAME.get(name)
    return kpi.unit if kpi else "rate"


def _show(name: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    unit = _unit(name)
    if unit == "rate":
        return f"{value * 100:.1f}"
    if unit == "seconds":
        return f"{value:,.0f}"
    if unit == "score":
        return f"{value:.2f}"
    return f"{int(value):,}"


def _target(name: str, settings: Settings) -> str:
    target = settings.targets.get(name)
    if target is None:
        return ""
    sign = "≥" if target.higher_is_better else "≤"
    return f"{sign} {_show(name, target.value)}"
