"""The coaching rule simulated: teams whose agents all share one true rate (every flag is a false flag), and
teams where one agent is truly worse (the flag we want). Vectorised with numpy; each team is one page (its
agents' comparisons form one Benjamini-Hochberg family). Used by tests/test_coaching_simulation.py and
scripts/coaching_simulation.py."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.coaching.compare import compare_rates, decide
from etl.settings import Settings


@dataclass
class SimulationResult:
    teams: int
    tests: int  # comparisons made (agent and rest of team both at or above the minimum n)
    false_flags: int  # flags on agents whose true rate equals the team's
    teams_with_false_flag: int
    worse_flagged: int  # teams where the truly worse agent was flagged (0 when no agent is worse)

    @property
    def false_flag_rate(self) -> float:
        return self.false_flags / self.tests if self.tests else float("nan")

    @property
    def pages_with_false_flag(self) -> float:
        return self.teams_with_false_flag / self.teams

    @property
    def power(self) -> float:
        return self.worse_flagged / self.teams


def simulate_rates(settings: Settings, seed: int = 13, teams: int = 200, agents: int = 12, rate: float = 0.70,
                   n_range: tuple[int, int] = (20, 400), worse_by: float = 0.0, worse_n: int = 150
                   ) -> SimulationResult:
    """Draw every agent's n uniformly in n_range (inclusive) and successes binomially at `rate`; with `worse_by`,
    agent 0 of every team has n = worse_n and rate - worse_by. Compare each agent with the rest of their team
    (Newcombe) and apply the page rule per team (higher is better)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(n_range[0], n_range[1] + 1, size=(teams, agents))
    p = np.full((teams, agents), rate)
    if worse_by:
        n[:, 0] = worse_n
        p[:, 0] = rate - worse_by
    x = rng.binomial(n, p)
    rest_x = x.sum(axis=1, keepdims=True) - x
    rest_n = n.sum(axis=1, keepdims=True) - n
    result = compare_rates(x.ravel(), n.ravel(), rest_x.ravel(), rest_n.ravel(), True, settings.coaching_confidence)
    frame = pd.DataFrame({k: result[k] for k in ("n", "team_n", "difference_low", "difference_high", "p_value")})
    family = pd.Series(np.repeat(np.arange(teams), agents))
    decided = decide(frame, np.ones(len(frame), dtype=bool), settings, family=family)
    flagged = decided["flagged"].to_numpy().reshape(teams, agents)
    tested = decided["status"].isin(["flagged", "no clear gap"]).to_numpy().reshape(teams, agents)
    null = np.ones((teams, agents), dtype=bool)
    if worse_by:
        null[:, 0] = False
    false = flagged & null
    return SimulationResult(teams=teams, tests=int((tested & null).sum()), false_flags=int(false.sum()),
                            teams_with_false_flag=int(false.any(axis=1).sum()),
                            worse_flagged=int(flagged[:, 0].sum()) if worse_by else 0)


def interval_rule_rate(settings: Settings, n_agent: int, n_rest: int, rate: float = 0.70, draws: int = 200_000,
                       seed: int = 13) -> float:
    """How often the interval alone (no multiple-testing correction) puts a same-rate agent wholly on the worse
    side: the per-test one-sided error, promised (1 - confidence) / 2."""
    rng = np.random.default_rng(seed)
    x, rest = rng.binomial(n_agent, rate, draws), rng.binomial(n_rest, rate, draws)
    result = compare_rates(x, np.full(draws, n_agent), rest, np.full(draws, n_rest), True,
                           settings.coaching_confidence)
    return float(np.mean(result["difference_high"] < 0))
