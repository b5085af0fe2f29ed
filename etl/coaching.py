"""Which agents fall clearly below the rest of their team, and on what.

An agent is flagged on a measure only when (a) both the agent and the rest of the team have at least
`coaching_min_contacts` in the denominator, and (b) the agent's confidence interval (Wilson score interval for
rates, normal interval for mean handle time) lies entirely on the wrong side of the rest of the team's value.
A raw rank on a few contacts never flags anyone. The inputs are kpi_table() outputs (by team and agent, and by
team), so every number here comes from the one KPI query; this module only compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from etl.settings import Settings


@dataclass(frozen=True)
class Measure:
    kpi: str
    label: str
    higher_is_better: bool
    mean: bool = False  # a mean (handle time) rather than a rate


def measures(settings: Settings) -> list[Measure]:
    base = [
        Measure("fcr_rate", "FCR", True),
        Measure("csat_top2_rate", "CSAT top-2", True),
        Measure("aht_seconds", "Handle time", False, mean=True),
        Measure("qa_compliant_rate", "QA compliance", True),
    ]
    items = [Measure(f"qa_item_{name}_rate", f"QA {name.replace('_', ' ')}", True) for name in settings.item_names]
    return base + items


def z_value(confidence: float) -> float:
    return NormalDist().inv_cdf((1 + confidence) / 2)


def wilson_interval(num, den, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for num/den; (nan, nan) where den is 0."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = num / den
        centre = (p + z * z / (2 * den)) / (1 + z * z / den)
        half = z * np.sqrt(p * (1 - p) / den + z * z / (4 * den * den)) / (1 + z * z / den)
    return np.where(den > 0, centre - half, np.nan), np.where(den > 0, centre + half, np.nan)


def mean_interval(total, sumsq, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Normal interval for a mean from its sum, sum of squares and count; (nan, nan) where n < 2."""
    total, sumsq, n = (np.asarray(x, dtype=float) for x in (total, sumsq, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = np.clip((sumsq - n * mean * mean) / (n - 1), 0, None)
        half = z_value(confidence) * np.sqrt(variance / n)
    return np.where(n > 1, mean - half, np.nan), np.where(n > 1, mean + half, np.nan)


def coaching_flags(agents: pd.DataFrame, teams: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Per agent (rows of `agents`, a kpi_table by team and agent) and measure: the agent's value and interval,
    the rest of the team's value, and whether the difference is clear. Long format, one row per agent x measure."""
    team = teams.set_index("team")
    rows = []
    for m in measures(settings):
        num, den = agents[f"{m.kpi}_num"].to_numpy(float), agents[f"{m.kpi}_den"].to_numpy(float)
        rest_num = team.loc[agents["team"], f"{m.kpi}_num"].to_numpy(float) - num
        rest_den = team.loc[agents["team"], f"{m.kpi}_den"].to_numpy(float) - den
        if m.mean:
            sumsq = agents["aht_seconds_sumsq"].to_numpy(float)
            low, high = mean_interval(num, sumsq, den, settings.coaching_confidence)
        else:
            low, high = wilson_interval(num, den, settings.coaching_confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num / den, np.nan)
            rest = np.where(rest_den > 0, rest_num / rest_den, np.nan)
        enough = (den >= settings.coaching_min_contacts) & (rest_den >= settings.coaching_min_contacts)
        worse = (high < rest) if m.higher_is_better else (low > rest)
        rows.append(pd.DataFrame({
            "agent": agents["agent"].to_numpy(), "team": agents["team"].to_numpy(), "measure": m.label,
            "kpi": m.kpi, "value": value, "low": low, "high": high, "n": den.astype(int),
            "team_value": rest, "team_n": rest_den.astype(int), "flagged": enough & worse,
        }))
    return pd.concat(rows, ignore_index=True)
