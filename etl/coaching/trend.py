"""An agent's measure week by week with its interval, beside the rest of the team's: the evidence behind a flag.
Pure: two kpi_table() frames by week in (the agent's, and the agent's team's), one frame out."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from etl.coaching import stats
from etl.coaching.measures import Measure


def mean_interval(total, sumsq, n, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval for a mean from its sum, sum of squares and count; nan where n < 2."""
    total, sumsq, n = (np.asarray(x, dtype=float) for x in (total, sumsq, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = np.clip((sumsq - n * mean * mean) / (n - 1), 0, None)
        half = sps.t.ppf((1 + confidence) / 2, n - 1) * np.sqrt(variance / n)
    return np.where(n > 1, mean - half, np.nan), np.where(n > 1, mean + half, np.nan)


def weekly_trend(agent_weeks: pd.DataFrame, team_weeks: pd.DataFrame, measure: Measure,
                 confidence: float) -> pd.DataFrame:
    """Per week: the agent's value, n and interval (Wilson for rates, t for mean handle time) and the rest of the
    team's value and n (team minus agent). Weeks where the agent has no contacts for the measure are left out."""
    k = measure.kpi
    agent = agent_weeks.set_index("week")
    team = team_weeks.set_index("week").reindex(agent.index)
    num, den = agent[f"{k}_num"].to_numpy(float), agent[f"{k}_den"].to_numpy(float)
    rest_num = team[f"{k}_num"].fillna(0).to_numpy(float) - num
    rest_den = team[f"{k}_den"].fillna(0).to_numpy(float) - den
    if measure.mean:
        low, high = mean_interval(num, agent["aht_seconds_sumsq"].to_numpy(float), den, confidence)
    else:
        low, high = stats.wilson_interval(num, den, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame({
            "week": agent.index, "value": np.where(den > 0, num / den, np.nan), "low": low, "high": high,
            "n": den.astype(int), "team_value": np.where(rest_den > 0, rest_num / rest_den, np.nan),
            "team_n": rest_den.astype(int),
        })
    return frame[frame["n"] > 0].reset_index(drop=True)
