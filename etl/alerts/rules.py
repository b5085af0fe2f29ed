"""Alert rules: what to watch, read from a TOML file (README "Alerts" has a complete example), or the defaults.

A rule names a KPI, a grain (day or hour), optional filters, an optional split (one series per queue, partner,
team, site or channel) and one condition:
- `target`: the value is on the wrong side of the KPI's target (etl/targets.py): `level = "red"` (default) fires
  beyond the amber margin, `level = "amber"` fires on any miss;
- `limits`: the value is outside the control limits drawn from the same weekday (and hour) of the previous weeks
  (limits.py says which chart);
- `change`: the value moved against the previous period (`compare_to = "previous"`: the day or hour before;
  `"last_week"`: the same weekday one week before) by more than `threshold` (relative: 0.2 = 20%), in the bad
  direction (`direction = "worse"`, default) or either way (`"any"`);
- `volume`: a count KPI fell below `min_volume` (a quiet queue, a feed that stopped).
A rate or mean never fires on fewer than `min_n` contacts (its denominator; settings.alerts.min_n by default).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from etl.kpis import KPI_BY_NAME, all_kpis
from etl.settings import Settings
from etl.toml_models import read_model

Condition = Literal["target", "limits", "change", "volume"]
SPLITS = ("queue", "partner", "team", "site", "channel")
LIMIT_KPIS = ("service_level", "abandon_rate", "fcr_rate", "csat_top2_rate")


class RuleFilters(BaseModel):
    """Value lists as in the app's filters; an empty list means no filter."""

    model_config = ConfigDict(extra="forbid")
    partners: list[str] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    queues: list[str] = Field(default_factory=list)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    kpi: str
    condition: Condition
    grain: Literal["day", "hour"] = "day"
    by: Literal["queue", "partner", "team", "site", "channel"] | None = None
    filters: RuleFilters = Field(default_factory=RuleFilters)
    level: Literal["red", "amber"] = "red"
    threshold: float | None = Field(None, gt=0)
    direction: Literal["worse", "any"] = "worse"
    compare_to: Literal["previous", "last_week"] = "previous"
    min_volume: int | None = Field(None, ge=1)
    min_n: int | None = Field(None, ge=1)
    sigma: float | None = Field(None, gt=0)
    lag_days: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        if self.condition == "change" and self.threshold is None:
            raise ValueError(f"rule {self.name!r}: a change rule needs a threshold (0.2 = 20%)")
        if self.condition == "volume" and self.min_volume is None:
            raise ValueError(f"rule {self.name!r}: a volume rule needs min_volume")
        return self


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: list[Rule] = Field(default_factory=list)


def lag_days(rule: Rule, settings: Settings) -> int:
    """How many days before the evaluated day the rule looks: FCR speaks about the day whose windows have closed."""
    if rule.lag_days is not None:
        return rule.lag_days
    return math.ceil(settings.fcr_window_hours / 24) if rule.kpi == "fcr_rate" else 0


def check(rules: list[Rule], settings: Settings) -> list[Rule]:
    """Refuse rules that name an unknown KPI, a target that is not set, or a volume rule on a non-count."""
    known = {kpi.name: kpi for kpi in all_kpis(settings)}
    names: set[str] = set()
    for rule in rules:
        kpi = known.get(rule.kpi)
        if kpi is None:
            raise ValueError(f"rule {rule.name!r}: unknown KPI {rule.kpi!r}")
        if rule.condition == "target" and rule.kpi not in settings.targets:
            raise ValueError(f"rule {rule.name!r}: {rule.kpi} has no target in the settings")
        if rule.condition == "volume" and kpi.unit != "count":
            raise ValueError(f"rule {rule.name!r}: volume rules watch a count KPI, not {rule.kpi}")
        if rule.condition == "change" and rule.direction == "worse" and kpi.higher_is_better is None:
            raise ValueError(f"rule {rule.name!r}: {rule.kpi} has no better direction; use direction = \"any\"")
        if rule.name in names:
            raise ValueError(f"two rules are named {rule.name!r}")
        names.add(rule.name)
    return rules


def default_rules(settings: Settings) -> list[Rule]:
    """Day one: every targeted KPI against its target, and control limits on service level, abandonment, FCR and
    CSAT, each per queue and per partner."""
    rules = []
    for name in settings.targets:
        if name in KPI_BY_NAME or name.startswith("qa_item_"):
            for split in ("queue", "partner"):
                rules.append(Rule(name=f"{name} against target, per {split}", kpi=name, condition="target",
                                  by=split))
    for name in LIMIT_KPIS:
        for split in ("queue", "partner"):
            rules.append(Rule(name=f"{name} control limits, per {split}", kpi=name, condition="limits", by=split))
    return check(rules, settings)


def load_rules(path: Path | None, settings: Settings) -> list[Rule]:
    """The rules of a TOML file ([[rule]] tables), or the defaults when no file is given."""
    if path is None:
        return default_rules(settings)
    return check(read_model(path, RulesFile, "rules").rule, settings)
