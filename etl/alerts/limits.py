"""Control limits from the same weekday's history: pure functions over a regular series (no gaps in the index).

Contact-centre days differ by weekday, so a day is compared with the same weekday (and, hourly, the same hour) of
the previous `weeks` weeks only; the day itself is never in its own history.

- Rates (service level, abandonment, FCR, CSAT top-2, QA rates): a **p-chart** with the day's own n. The centre
  p̄ is the pooled rate of the history (Σ numerators ÷ Σ denominators, never an average of rates); the limits are
  p̄ ± z·√(p̄(1 − p̄) / n) with n the day's own denominator, clipped to [0, 1]. A small day gets wide limits.
- Means and counts (speed of answer, handle time, CSAT mean, volumes): an **individuals (XmR) chart**. The centre
  is the mean of the history's daily values, σ̂ = mean moving range between consecutive history points ÷ 1.128
  (d₂ for n = 2), limits = centre ± z·σ̂.

With z = 3 a stable process goes outside its limits on about 0.27 % of days when the centre is known. Estimated
from 8 same-weekday points the centre itself wanders, which the p-chart's limits do not include: the variance of
(p − p̄) is p(1 − p)/n · (1 + 1/8), so the expected false-alarm rate is 2·Φ(−3/√1.125) ≈ 0.5 % of evaluated days
per series. tests/test_alert_limits.py checks a simulated stable series stays within that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

D2 = 1.128  # expected range of two normal observations, in standard deviations


def _lagged(series: pd.Series, step: int, weeks: int) -> np.ndarray:
    """A (rows × weeks) array: column k holds the value (k + 1) weeks before each row (NaN before the start)."""
    return np.column_stack([series.shift(step * (k + 1)).to_numpy(dtype=float) for k in range(weeks)])


def p_chart(num: pd.Series, den: pd.Series, step: int, weeks: int, sigma: float,
            min_history: int) -> pd.DataFrame:
    """Centre and limits per row for a rate; NaN where the history has fewer than `min_history` points with data
    or the row has no denominator. `step` is the number of rows in a week (7 daily, 168 hourly)."""
    nums, dens = _lagged(num, step, weeks), _lagged(den, step, weeks)
    has = np.nan_to_num(dens) > 0
    history = has.sum(axis=1)
    pooled_den = np.where(has, dens, 0).sum(axis=1)
    centre = np.where(pooled_den > 0, np.where(has, nums, 0).sum(axis=1) / np.where(pooled_den > 0, pooled_den, 1),
                      np.nan)
    n = den.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = sigma * np.sqrt(centre * (1 - centre) / n)
    valid = (history >= min_history) & (n > 0)
    return pd.DataFrame({
        "centre": np.where(valid, centre, np.nan),
        "lower": np.where(valid, np.clip(centre - half, 0, 1), np.nan),
        "upper": np.where(valid, np.clip(centre + half, 0, 1), np.nan),
        "history": history,
    }, index=num.index)


def individuals_chart(values: pd.Series, step: int, weeks: int, sigma: float, min_history: int) -> pd.DataFrame:
    """Centre and limits per row for a mean or a count (XmR chart over the same-weekday history)."""
    lagged = _lagged(values, step, weeks)  # column 0 is one week back, column 1 two weeks back, ...
    present = ~np.isnan(lagged)
    history = present.sum(axis=1)
    centre = _mean(lagged, present)
    ranges = np.abs(np.diff(lagged, axis=1))  # consecutive weeks; NaN where either is missing
    mean_range = _mean(ranges, ~np.isnan(ranges))
    half = sigma * mean_range / D2
    valid = (history >= min_history) & ~np.isnan(half)
    return pd.DataFrame({
        "centre": np.where(valid, centre, np.nan),
        "lower": np.where(valid, centre - half, np.nan),
        "upper": np.where(valid, centre + half, np.nan),
        "history": history,
    }, index=values.index)


def _mean(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Row means over the present cells; NaN for a row with none."""
    count = present.sum(axis=1)
    total = np.where(present, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def chart_for(unit: str) -> str:
    """Which control chart a KPI of this unit gets: 'p' for rates, 'individuals' otherwise."""
    return "p" if unit == "rate" else "individuals"


def limits_for(series: pd.DataFrame, name: str, unit: str, step: int, weeks: int, sigma: float,
               min_history: int) -> pd.DataFrame:
    """Limits for KPI `name` over a regular frame holding `name`, and `name_num` / `name_den` for rates."""
    if chart_for(unit) == "p":
        return p_chart(series[f"{name}_num"], series[f"{name}_den"], step, weeks, sigma, min_history)
    return individuals_chart(series[name], step, weeks, sigma, min_history)


def daily_limits(daily: pd.DataFrame, name: str, unit: str, weeks: int, sigma: float,
                 min_history: int) -> pd.DataFrame:
    """Limits for each day of a kpi_table(by=('day',)) frame (days as YYYY-MM-DD text; gaps allowed): columns
    day, centre, lower, upper. The frame should start `weeks` weeks before the first day to be drawn."""
    if daily.empty:
        return pd.DataFrame(columns=["day", "centre", "lower", "upper"])
    regular = regular_days(daily, name)
    limits = limits_for(regular, name, unit, 7, weeks, sigma, min_history)
    limits.insert(0, "day", regular.index.strftime("%Y-%m-%d"))
    return limits.drop(columns="history").reset_index(drop=True)


def regular_days(daily: pd.DataFrame, name: str) -> pd.DataFrame:
    """The frame re-indexed on every calendar day from its first to its last: missing days have no contacts
    (numerator and denominator 0, value NaN; a count is 0)."""
    frame = daily.set_index(pd.to_datetime(daily["day"]))
    calendar = pd.date_range(frame.index.min(), frame.index.max(), freq="D")
    columns = [c for c in (name, f"{name}_num", f"{name}_den") if c in frame]
    regular = frame[columns].reindex(calendar)
    for column in columns[1:]:
        regular[column] = regular[column].fillna(0)
    return regular
