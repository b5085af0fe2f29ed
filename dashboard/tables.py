"""Tables as people read them: display names, human column names, dates as dates, "—" for a missing value,
thousands separators, numbers kept as numbers so that sorting a column sorts by value."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.display import CATALOGUE, MISSING, human_table

ROW_PX = 35
# a column of KPI names wide enough for the longest ("First-contact resolution (windows closed: 08 – 14 Nov 2026)")
KPI_COLUMN = st.column_config.TextColumn("KPI", width=420)


def whole_height(rows: int) -> int:
    """A height that shows every row (and the header) without an inner scroll bar."""
    return (rows + 1) * ROW_PX + 3


def number_columns(frame: pd.DataFrame) -> dict:
    """Thousands separators for whole numbers, one decimal for the rest."""
    config = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        whole = series.dropna().eq(series.dropna().round()).all()
        config[column] = st.column_config.NumberColumn(column, format="localized" if whole else "%.1f")
    return config


def show_table(frame: pd.DataFrame, key: str, names: dict[str, str] | None = None, whole: bool = False,
               index: bool = False, catalogue: tuple[str, ...] = CATALOGUE, **config):
    """st.dataframe of `frame` made readable; `whole` shows every row (pages meant for sharing). Returns what
    st.dataframe returns (the selection event when `on_select` is given)."""
    shown = human_table(frame, names, catalogue) if not index else frame
    columns = {**number_columns(shown), **config.pop("column_config", {})}
    return st.dataframe(shown, key=key, hide_index=not index, placeholder=MISSING, column_config=columns,
                 height=whole_height(len(shown)) if whole else "auto", **config)
