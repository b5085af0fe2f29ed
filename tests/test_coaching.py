"""Coaching statistics: Wilson and mean intervals by hand, and flags only where the difference is clear."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.coaching import coaching_flags, mean_interval, wilson_interval
from etl.settings import Settings


def test_wilson_interval_matches_the_textbook_values():
    # 8 of 10 at 95%: (0.4902, 0.9433) (Wilson 1927; e.g. Newcombe 1998, table I)
    low, high = wilson_interval([8, 0, 5], [10, 10, 0])
    assert low[0] == pytest.approx(0.4902, abs=1e-4) and high[0] == pytest.approx(0.9433, abs=1e-4)
    assert low[1] == pytest.approx(0.0) and high[1] == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_mean_interval_from_sums():
    values = np.array([300.0, 320, 340, 360, 380])  # mean 340, sample sd 31.62
    low, high = mean_interval(values.sum(), (values ** 2).sum(), len(values))
    half = 1.959964 * 31.6228 / np.sqrt(5)
    assert (low, high) == (pytest.approx(340 - half, abs=1e-3), pytest.approx(340 + half, abs=1e-3))


def frame(rows):
    return pd.DataFrame(rows)


def kpi_rows(agent, team, fcr, csat, aht, qa):
    row = {"agent": agent, "team": team, "aht_seconds_sumsq": aht[2]}
    for name, (num, den) in (("fcr_rate", fcr), ("csat_top2_rate", csat), ("aht_seconds", aht[:2]),
                             ("qa_compliant_rate", qa)):
        row[f"{name}_num"], row[f"{name}_den"] = num, den
    for item in Settings().item_names:
        row[f"qa_item_{item}_rate_num"], row[f"qa_item_{item}_rate_den"] = 0, 0
    return row


def test_flags_need_enough_contacts_and_a_clear_gap():
    settings = Settings(coaching_min_contacts=30)
    aht = (100 * 300.0, 100, 100 * 300.0 ** 2 + 99 * 900)  # mean 300 s, sd about 30 s
    agents = frame([
        kpi_rows("weak", "T", (50, 100), (80, 100), aht, (9, 10)),   # FCR 50% vs rest 80%: clear
        kpi_rows("few", "T", (1, 5), (4, 5), (5 * 300.0, 5, 5 * 300.0 ** 2), (1, 1)),  # 20% but n = 5
        kpi_rows("fine", "T", (78, 100), (80, 100), aht, (9, 10)),   # 78% vs about 73%: not worse
    ])
    team = frame([{k: sum(r[k] for r in agents.to_dict("records")) if k not in ("agent", "team") else v
                   for k, v in agents.iloc[0].items()}]).assign(team="T")
    flags = coaching_flags(agents, team, settings)
    fcr = flags[flags["kpi"] == "fcr_rate"].set_index("agent")
    assert fcr.loc["weak", "flagged"] and not fcr.loc["few", "flagged"] and not fcr.loc["fine", "flagged"]
    # rest of the team for "weak": (1 + 78) / (5 + 100)
    assert fcr.loc["weak", "team_value"] == pytest.approx(79 / 105)
    assert fcr.loc["weak", "n"] == 100 and fcr.loc["weak", "team_n"] == 105
    assert not flags[flags["kpi"] == "aht_seconds"]["flagged"].any()
