"""How values read on screens and in files: display names for catalogue entries (queues, QA items, reasons,
channels), human column names, and table cells without "None", "nan" or "NaT".

Display names are configuration (settings.display_names, id -> name); an id without one reads in its readable
form: underscores as spaces, first letter capitalised ("scheduling_overflow" -> "Scheduling overflow"). Filters,
URLs and files keep the ids; only what people read changes.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

MISSING = "—"
CATALOGUE = ("queue", "channel", "item")  # columns holding catalogue ids
DEFAULT_NAMES = {"voice": "Voice", "chat": "Chat", "sms": "SMS", "app": "App", "(unassigned)": "(unassigned)",
                 "qa_evaluations": "QA evaluations"}  # a file kind (Data quality)
COLUMN_NAMES = {
    "evaluation_id": "Evaluation", "contact_id": "Contact", "agent": "Agent", "agent_id": "Agent",
    "team": "Team", "site": "Site", "partner": "Partner", "channel": "Channel", "queue": "Queue", "day": "Day",
    "week": "Week starting", "month": "Month", "hour": "Hour", "items_failed": "Items failed", "item": "QA item",
    "load_id": "Load", "last_load_id": "Last load", "started_at": "Started (UTC)", "finished_at": "Finished (UTC)",
    "file": "File", "kind": "File kind", "rows": "Rows", "rows_read": "Rows read", "loaded": "Loaded",
    "replaced": "Replaced", "quarantined": "Quarantined", "reason": "Reason", "line": "Line",
    "offered_at": "Offered (UTC)", "outcome": "Outcome", "line_no": "Line", "raw_text": "Row as delivered",
    "counts": "Counts", "handle_seconds": "Handle time (s)", "repeated_by": "Repeated by contact",
    "repeated_at": "Repeated at (UTC)", "in_numerator": "In the numerator",
    "extra_columns": "Extra columns (names only)", "contact_reason": "Contact reason",
}


def readable(value: str) -> str:
    """An id in its readable form: underscores as spaces, first letter capitalised."""
    text = str(value).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def display_name(value, names: dict[str, str] | None = None) -> str:
    """The configured display name of a catalogue id, else its readable form; missing values read as —."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    value = str(value)
    configured = {**DEFAULT_NAMES, **(names or {})}
    return configured.get(value, readable(value))


def names_in(text: str, names: dict[str, str] | None = None) -> str:
    """A sentence with every id in it (a word with underscores) replaced by its display name."""
    return re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", lambda m: display_name(m.group(0), names), str(text))


def column_name(column: str) -> str:
    return COLUMN_NAMES.get(column, readable(column))


def human_table(frame: pd.DataFrame, names: dict[str, str] | None = None,
                catalogue: tuple[str, ...] = CATALOGUE) -> pd.DataFrame:
    """A frame as people read it: catalogue columns by display name, dates as dates, timestamps to the minute,
    missing text as —, columns renamed. Numbers stay numbers (so tables sort them as numbers)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if column in catalogue:
            out[column] = series.map(lambda v: display_name(v, names))
        elif pd.api.types.is_datetime64_any_dtype(series):
            dates_only = (series.dropna().dt.normalize() == series.dropna()).all()
            out[column] = series.dt.strftime("%Y-%m-%d" if dates_only else "%Y-%m-%d %H:%M").fillna(MISSING)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(_cell)
    return out.rename(columns={c: column_name(c) for c in out.columns if isinstance(c, str)})


def _cell(value):
    if isinstance(value, np.ndarray):  # a list column as DuckDB hands it to pandas (quarantine's extra_columns)
        value = value.tolist()
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return MISSING
    if isinstance(value, pd.Timestamp | dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return value
