"""Targets and red/amber/green status: green on the right side of the target, amber within the configured margin
on the wrong side, red beyond it. Pure functions; the dashboard and reports share them."""

from __future__ import annotations

import math
from typing import Literal

from etl.settings import Target

Status = Literal["green", "amber", "red", "none"]
# the words people read for a status, the same on every screen and in every file
STATUS_WORDS = {"green": "on target", "amber": "near target", "red": "off target", "none": ""}


def status(value: float | None, target: Target | None) -> Status:
    if target is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    shortfall = (target.value - value) if target.higher_is_better else (value - target.value)
    if shortfall <= 1e-12:
        return "green"
    return "amber" if shortfall <= target.amber_margin + 1e-12 else "red"
