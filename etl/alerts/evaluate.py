"""Evaluate alert rules over a range of days. Every value comes from kpi_table(), through a `source(filters, by)`
callable: etl.kpis.kpi_table bound to a connection, the settings and the user's scope (`kpi_source`), or the app's
cached query. The conditions are vectorised over all days of a group's regular series (no gaps in the index), so
the Overview panel evaluates a month as cheaply as a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from etl.alerts.alert import Alert
from etl.alerts.limits import chart_for, limits_for
from etl.alerts.rules import Rule, lag_days
from etl.kpis import Filters, Kpi, Scope, all_kpis, kpi_table
from etl.settings import Settings
from etl.targets import status

KpiSource = Callable[[Filters, tuple[str, ...]], pd.DataFrame]
LIST_FIELDS = ("partners", "sites", "teams", "channels", "queues", "agents")
SPLIT_FIELD = {"queue": "queues", "partner": "partners", "team": "teams", "site": "sites", "channel": "channels"}


def kpi_source(con: duckdb.DuckDBPyConnection, settings: Settings, scope: Scope | None,
               include_licensed: bool | None = None) -> KpiSource:
    """kpi_table() under a user's scope, memoised for one evaluation (rules sharing a split share a query)."""
    seen: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = {}

    def source(filters: Filters, by: tuple[str, ...]) -> pd.DataFrame:
        key = (filters.model_dump_json(), by)
        if key not in seen:
            seen[key] = kpi_table(con, filters, by, settings, scope, include_licensed)
        return seen[key]
    return source


# an hourly volume rule judges only an hour that had at least BUSY x min_volume contacts the same hour a week before:
# chance alone leaves an hour with a mean of 5 contacts empty 0.7 % of the time (e^-5), one with a mean of 1 37 %
BUSY = 5


@dataclass(frozen=True)
class Window:
    """The days a rule is judged on, and the first day its history needs."""

    first: dt.date
    last: dt.date
    fetch_from: dt.date


def window(rule: Rule, settings: Settings, first: dt.date, last: dt.date) -> Window:
    lag = dt.timedelta(days=lag_days(rule, settings))
    history = {"limits": 7 * settings.alerts.history_weeks, "change": 7 if rule.compare_to == "last_week" else 1,
               "volume": 7}  # a volume rule needs the groups active in the week before to see one fall silent
    back = dt.timedelta(days=history.get(rule.condition, 0))
    return Window(first - lag, last - lag, first - lag - back)


def combined_filters(rule: Rule, page: Filters | None, date_from: dt.date, date_to: dt.date) -> Filters | None:
    """The rule's filters within the page's (both apply); None when they exclude each other."""
    chosen: dict[str, list[str]] = {}
    for name in LIST_FIELDS:
        mine = getattr(rule.filters, name, [])
        theirs = getattr(page, name) if page is not None else []
        if mine and theirs:
            both = [v for v in mine if v in theirs]
            if not both:
                return None
            chosen[name] = both
        else:
            chosen[name] = list(mine or theirs)
    return Filters(date_from=date_from, date_to=date_to, **chosen)


def evaluate(rules: list[Rule], source: KpiSource, settings: Settings, first: dt.date, last: dt.date,
             page: Filters | None = None) -> list[Alert]:
    """Every alert the rules fire on the days first..last (shifted back by a rule's lag, e.g. FCR's window)."""
    kpis = {kpi.name: kpi for kpi in all_kpis(settings)}
    plans = []  # (rule, span, filters, query key): rules sharing filters and grouping share one query over their union
    for rule in rules:
        span = window(rule, settings, first, last)
        filters = combined_filters(rule, page, span.fetch_from, span.last)
        if filters is not None:
            by = ("day",) + (("hour",) if rule.grain == "hour" else ()) + ((rule.by,) if rule.by else ())
            key = (filters.model_copy(update={"date_from": first, "date_to": first}).model_dump_json(), by)
            plans.append((rule, span, filters, key))
    union: dict[tuple[str, tuple[str, ...]], Filters] = {}
    for _, span, filters, key in plans:
        known = union.get(key)
        union[key] = filters if known is None else known.model_copy(update={
            "date_from": min(known.date_from, filters.date_from), "date_to": max(known.date_to, filters.date_to)})
    alerts: list[Alert] = []
    tables: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = {}  # each query once, however many rules read it
    for rule, span, filters, key in plans:
        if key not in tables:
            tables[key] = source(union[key], key[1])
        alerts += evaluate_table(rule, kpis[rule.kpi], tables[key], settings, span, filters)
    return sorted(alerts, key=lambda a: (a.day, a.hour or 0, a.rule, str(sorted(a.group.items()))))


def evaluate_table(rule: Rule, kpi: Kpi, table: pd.DataFrame, settings: Settings, span: Window,
                   filters: Filters) -> list[Alert]:
    """The alerts of one rule over a kpi_table() frame grouped by day (and hour, and the rule's split). Only the
    rule's own window counts (the frame may span other rules' windows too): a group without contacts in it is
    not judged."""
    days = pd.to_datetime(table["day"]).dt.date if len(table) else pd.Series(dtype=object)
    table = table[(days >= span.fetch_from) & (days <= span.last)] if len(table) else table
    if table.empty:
        return []
    groups = table.groupby(rule.by, dropna=False, sort=True) if rule.by else [(None, table)]
    alerts = []
    for value, rows in groups:
        group = {rule.by: None if pd.isna(value) else str(value)} if rule.by else {}
        series = regular(rows, kpi, rule.grain, span)
        alerts += _fired(rule, kpi, series, settings, span, group, filters)
    return alerts


def regular(rows: pd.DataFrame, kpi: Kpi, grain: str, span: Window) -> pd.DataFrame:
    """One row per day (or hour) from span.fetch_from to span.last; a period without contacts has numerator and
    denominator 0, a NaN value, and 0 for a count."""
    if grain == "hour":
        stamps = pd.to_datetime(rows["day"]) + pd.to_timedelta(rows["hour"], unit="h")
        index = pd.date_range(pd.Timestamp(span.fetch_from), pd.Timestamp(span.last) + pd.Timedelta(hours=23),
                              freq="h")
    else:
        stamps = pd.to_datetime(rows["day"])
        index = pd.date_range(pd.Timestamp(span.fetch_from), pd.Timestamp(span.last), freq="D")
    columns = [kpi.name] + ([f"{kpi.name}_num", f"{kpi.name}_den"] if kpi.ratio else [])
    frame = rows[columns].set_index(stamps).reindex(index)
    filled = columns[1:] if kpi.ratio else columns
    frame[filled] = frame[filled].fillna(0)
    return frame


def _fired(rule: Rule, kpi: Kpi, series: pd.DataFrame, settings: Settings, span: Window,
           group: dict[str, str | None], filters: Filters) -> list[Alert]:
    step = 24 if rule.grain == "hour" else 1
    value = series[kpi.name].astype(float)
    n = series[f"{kpi.name}_den"] if kpi.ratio else None
    min_n = rule.min_n or settings.alerts.min_n
    enough = (n >= min_n) if n is not None else pd.Series(True, index=series.index)
    reference = pd.Series(np.nan, index=series.index)
    chart = None
    if rule.condition == "target":
        target = settings.targets[rule.kpi]
        states = pd.Series([status(None if np.isnan(v) else v, target) for v in value], index=series.index)
        fired = states.isin(["red"] if rule.level == "red" else ["red", "amber"])
        margin = target.amber_margin if rule.level == "red" else 0.0
        limit = pd.Series(target.value - margin if target.higher_is_better else target.value + margin,
                          index=series.index)
        below = pd.Series(bool(target.higher_is_better), index=series.index)
        reference[:] = target.value
    elif rule.condition == "limits":
        chart = chart_for(kpi.unit)
        limits = limits_for(series, kpi.name, kpi.unit, 7 * step, settings.alerts.history_weeks,
                            rule.sigma or settings.alerts.sigma, settings.alerts.min_history)
        below = value < limits["lower"]
        fired = below | (value > limits["upper"])
        limit = limits["lower"].where(below, limits["upper"])
        reference = limits["centre"]
    elif rule.condition == "change":
        previous = value.shift(7 * step if rule.compare_to == "last_week" else 1)
        if n is not None:
            enough &= n.shift(7 * step if rule.compare_to == "last_week" else 1) >= min_n
        relative = (value - previous) / previous.abs().where(previous != 0)
        threshold = rule.threshold
        if rule.direction == "worse":
            fired = relative <= -threshold if kpi.higher_is_better else relative >= threshold
            below = pd.Series(bool(kpi.higher_is_better), index=series.index)
        else:
            fired = relative.abs() >= threshold
            below = relative < 0
        limit = previous * pd.Series(np.where(below, 1 - threshold, 1 + threshold), index=series.index)
        reference = previous
    else:  # volume
        fired = value < rule.min_volume
        if rule.grain == "hour":  # an hour is silent only if the same hour a week before was not: nights never fire
            fired &= value.shift(7 * step) >= BUSY * rule.min_volume
        below = pd.Series(True, index=series.index)
        limit = pd.Series(float(rule.min_volume), index=series.index)
    inside = (series.index >= pd.Timestamp(span.first)) & (series.index < pd.Timestamp(span.last)
                                                          + pd.Timedelta(days=1))
    hits = fired.fillna(False).astype(bool) & enough.fillna(False).astype(bool) & value.notna() & inside
    alerts = []
    for stamp in series.index[hits.to_numpy()]:
        day = stamp.date()
        drill = filters.model_copy(update={"date_from": day, "date_to": day})
        if group:
            (dim, member), = group.items()
            if member is not None:
                drill = drill.model_copy(update={SPLIT_FIELD[dim]: [member]})
        alerts.append(Alert(
            rule=rule.name, kpi=kpi.name, condition=rule.condition, grain=rule.grain, day=day,
            hour=stamp.hour if rule.grain == "hour" else None, group=group, value=float(value[stamp]),
            n=int(n[stamp]) if n is not None else None, limit=float(limit[stamp]),
            direction="below" if bool(below[stamp]) else "above",
            reference=None if pd.isna(reference[stamp]) else float(reference[stamp]), chart=chart, filters=drill,
        ))
    return alerts
