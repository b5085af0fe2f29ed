"""Agent against a reference group (the rest of the team, or the hire cohort at the same weeks of tenure), and the
flag rule over a whole page. Pure: frames and arrays in, frames out; the simulation test drives these directly.

The rule: a comparison is made only when the agent and the reference each have at least `coaching_min_contacts`
in the measure's denominator. An agent is flagged on a measure when the difference's interval at
`coaching_confidence` lies wholly on the worse side AND the one-sided p-value survives Benjamini-Hochberg at
`coaching_fdr` across every comparison on the page (agents x measures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.coaching import stats
from etl.coaching.measures import Measure
from etl.settings import Settings

NOT_ENOUGH = "not enough contacts yet"
NOT_ENOUGH_REFERENCE = "reference group too small"
FLAGGED = "flagged"
NO_CLEAR_GAP = "no clear gap"


def compare_rates(num, den, ref_num, ref_den, higher_is_better: bool, confidence: float) -> dict[str, np.ndarray]:
    """Agent rate num/den against ref_num/ref_den: values, Newcombe difference (agent - reference) with its
    interval, and the one-sided mid-p value that the agent is worse."""
    num, den, ref_num, ref_den = (np.asarray(x, dtype=float) for x in (num, den, ref_num, ref_den))
    difference, low, high = stats.newcombe_interval(num, den, ref_num, ref_den, confidence)
    # worse = lower when higher is better; otherwise the reference is the lower one
    p = (stats.midp_lower(num, den, ref_num, ref_den) if higher_is_better
         else stats.midp_lower(den - num, den, ref_den - ref_num, ref_den))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / den, np.nan)
        ref_value = np.where(ref_den > 0, ref_num / ref_den, np.nan)
    return {"value": value, "n": den, "team_value": ref_value, "team_n": ref_den, "difference": difference,
            "difference_low": low, "difference_high": high, "p_value": p}


def compare_log_times(n, log_sum, log_sumsq, ref_n, ref_log_sum, ref_log_sumsq,
                      confidence: float) -> dict[str, np.ndarray]:
    """Welch's t on log times: the relative difference of typical (geometric-mean) times, agent / reference - 1,
    with its interval, and the one-sided p-value that the agent is slower. `value`/`team_value` are left to the
    caller (the KPI's arithmetic means)."""
    mean1, var1 = stats.log_moments(n, log_sum, log_sumsq)
    mean2, var2 = stats.log_moments(ref_n, ref_log_sum, ref_log_sumsq)
    diff, low, high, p = stats.welch(mean1, var1, n, mean2, var2, ref_n, confidence)
    return {"difference": np.expm1(diff), "difference_low": np.expm1(low), "difference_high": np.expm1(high),
            "p_value": p, "n": np.asarray(n, dtype=float), "team_n": np.asarray(ref_n, dtype=float)}


def decide(frame: pd.DataFrame, higher_is_better: pd.Series | np.ndarray, settings: Settings,
           family: pd.Series | None = None) -> pd.DataFrame:
    """Add status, adjusted_p and flagged to a long frame of comparisons (columns n, team_n, difference_low,
    difference_high, p_value). Benjamini-Hochberg runs over each `family` (default: the whole frame)."""
    frame = frame.copy()
    enough = frame["n"].to_numpy(float) >= settings.coaching_min_contacts
    ref_enough = frame["team_n"].to_numpy(float) >= settings.coaching_min_contacts
    tested = enough & ref_enough & frame["p_value"].notna().to_numpy()
    p = np.where(tested, frame["p_value"].to_numpy(float), np.nan)
    rejected = np.zeros(len(frame), dtype=bool)
    adjusted = np.full(len(frame), np.nan)
    groups = [np.arange(len(frame))] if family is None else [
        np.flatnonzero(family.to_numpy() == key) for key in pd.unique(family)]
    for index in groups:
        rejected[index], adjusted[index] = stats.benjamini_hochberg(p[index], settings.coaching_fdr)
    better_high = np.asarray(higher_is_better, dtype=bool)
    wholly_worse = np.where(better_high, frame["difference_high"].to_numpy(float) < 0,
                            frame["difference_low"].to_numpy(float) > 0)
    flagged = tested & rejected & wholly_worse
    frame["adjusted_p"] = adjusted
    frame["flagged"] = flagged
    frame["status"] = np.select([~enough, ~ref_enough, flagged], [NOT_ENOUGH, NOT_ENOUGH_REFERENCE, FLAGGED],
                                NO_CLEAR_GAP)
    return frame


def measure_rows(measure: Measure, base: pd.DataFrame, ref: pd.DataFrame, logs: pd.DataFrame | None,
                 ref_logs: pd.DataFrame | None, settings: Settings) -> pd.DataFrame:
    """One measure's comparisons for the agents of `base` (a kpi_table by team and agent) against `ref` (the
    reference group's numerators and denominators, aligned row for row); logs/ref_logs (n, log_sum, log_sumsq,
    aligned) for handle time."""
    k = measure.kpi
    if measure.mean:
        result = compare_log_times(logs["n"], logs["log_sum"], logs["log_sumsq"], ref_logs["n"],
                                   ref_logs["log_sum"], ref_logs["log_sumsq"], settings.coaching_confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            den, ref_den = base[f"{k}_den"].to_numpy(float), ref[f"{k}_den"].to_numpy(float)
            result["value"] = np.where(den > 0, base[f"{k}_num"].to_numpy(float) / den, np.nan)
            result["team_value"] = np.where(ref_den > 0, ref[f"{k}_num"].to_numpy(float) / ref_den, np.nan)
        result["difference_unit"] = "relative"
    else:
        result = compare_rates(base[f"{k}_num"], base[f"{k}_den"], ref[f"{k}_num"], ref[f"{k}_den"],
                               measure.higher_is_better, settings.coaching_confidence)
        result["difference_unit"] = "points"
    out = pd.DataFrame({"agent": base["agent"].to_numpy(), "team": base["team"].to_numpy(),
                        "measure": measure.label, "kpi": k, "unit": measure.unit,
                        "higher_is_better": measure.higher_is_better, **result})
    out["n"] = out["n"].fillna(0).astype(int)
    out["team_n"] = out["team_n"].fillna(0).astype(int)
    return out
