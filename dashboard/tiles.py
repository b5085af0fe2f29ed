"""KPI tiles: the value against the previous period, its n, and a status line inside every card of a row (so
the cards of one row line up whether or not a KPI has a target)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.formatting import fmt, fmt_delta, fmt_n, is_missing
from etl.kpis import Kpi
from etl.settings import Target
from etl.targets import status

TILE_PX = 185  # every card the same height, whether or not it shows a change or a note
BADGE = {"green": ":green-badge[on target]", "amber": ":orange-badge[near target]",
         "red": ":red-badge[off target]", "none": ":gray-badge[no data]"}


def status_line(kpi: Kpi, value, target: Target | None, with_target: bool = True) -> str:
    """The badge and target of a tile, or a neutral line for a KPI without a target."""
    if target is None:
        return ":gray-badge[no target]"
    state = status(None if is_missing(value) else float(value), target)
    return BADGE[state] + (f" target {fmt(kpi, target.value)}" if with_target else "")


def kpi_tile(kpi: Kpi, row: pd.Series, previous: pd.Series, target: Target | None, note: str = "",
             label: str | None = None) -> None:
    """One bordered card: label, value, change against `previous`, status line and an optional note."""
    value = row[kpi.name]
    help_text = f"{kpi.formula}. n = {fmt_n(kpi, row)}."
    if target is not None:
        help_text += f" Target {fmt(kpi, target.value)}."
    direction = "off" if kpi.higher_is_better is None else ("normal" if kpi.higher_is_better else "inverse")
    with st.container(border=True, height=TILE_PX):
        st.metric(label or kpi.label, fmt(kpi, value), delta=fmt_delta(kpi, value, previous.get(kpi.name)),
                  delta_color=direction, help=help_text)
        # a note replaces the target (still in the help) so the card keeps the height of its row
        st.caption(status_line(kpi, value, target, with_target=not note) + (f" {note}" if note else ""))
