"""The sidebar filters shared by every page, bound to the URL so a link reproduces the view exactly.

Date presets count back from the anchor day: yesterday in the reporting time zone, or the latest day with data when
the data ends earlier (so a late feed shows the last complete picture rather than an empty page). Each list is
narrowed by the other selections, and always keeps what is already selected.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import streamlit as st

from etl.display import display_name
from etl.kpis import Filters

PRESETS = ("Yesterday", "Last 7 days", "Last 4 weeks", "Month to date", "Custom")
DEFAULT_PRESET = "Last 7 days"
LISTS = (  # widget key, Filters field, label
    ("partner", "partners", "Partner"),
    ("site", "sites", "Site"),
    ("team", "teams", "Team"),
    ("channel", "channels", "Channel"),
    ("queue", "queues", "Queue"),
    ("agent", "agents", "Agent"),
)


def anchor_day(last_day: dt.date | None, reporting_timezone: str, today: dt.date | None = None) -> dt.date:
    today = today or dt.datetime.now(ZoneInfo(reporting_timezone)).date()
    yesterday = today - dt.timedelta(days=1)
    return min(yesterday, last_day) if last_day else yesterday


def preset_range(preset: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "Yesterday":
        return anchor, anchor
    if preset == "Last 7 days":
        return anchor - dt.timedelta(days=6), anchor
    if preset == "Last 4 weeks":
        return anchor - dt.timedelta(days=27), anchor
    if preset == "Month to date":
        return anchor.replace(day=1), anchor
    raise ValueError(f"no fixed range for preset {preset!r}")


def sidebar_filters(anchor: dt.date, first_day: dt.date | None, options_for) -> tuple[Filters, bool]:
    """Draw the filters; return the Filters and whether licensed staff are included.
    `options_for(filters)` returns the narrowed choices for each list."""
    st.sidebar.header("Filters")
    preset = st.sidebar.selectbox("Period", PRESETS, index=PRESETS.index(DEFAULT_PRESET), key="period",
                                  bind="query-params")
    if preset == "Custom":
        default = preset_range(DEFAULT_PRESET, anchor)
        chosen = st.sidebar.date_input("Dates", value=default, key="dates", bind="query-params",
                                       help=f"Data from {first_day:%d %b %Y}." if first_day else None)
        start, end = _range(chosen, default)
        if start > end:  # e.g. a link whose dates are the wrong way round
            st.sidebar.warning("The dates asked for end before they start: showing the last 7 days instead.")
            start, end = default
    else:
        start, end = preset_range(preset, anchor)
    st.sidebar.caption(f"{start:%a %d %b %Y} – {end:%a %d %b %Y}")
    selected = {field: [v for v in st.session_state.get(key) or [] if isinstance(v, str)] for key, field, _ in LISTS}
    filters = Filters(date_from=start, date_to=end, **selected)
    options = options_for(filters)
    values = {}
    for key, field, label in LISTS:
        choices = sorted(set(options.get(key, [])) | set(selected[field]))
        values[field] = st.sidebar.multiselect(label, choices, key=key, bind="query-params",
                                               placeholder="All", format_func=_labeller(key))
    include_licensed = st.sidebar.checkbox("Include licensed staff", key="licensed", bind="query-params",
                                           help="Contacts handled by licensed clinical staff are left out of "
                                                "every KPI unless this is ticked.")
    return Filters(date_from=start, date_to=end, **values), include_licensed


def _range(chosen, default: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    if isinstance(chosen, (tuple, list)):
        if len(chosen) == 2:
            return chosen[0], chosen[1]
        if len(chosen) == 1:
            return chosen[0], chosen[0]
        return default
    return (chosen, chosen) if chosen else default


def _labeller(key: str):
    if key in ("queue", "channel"):
        names = st.session_state.get("carekpi_display_names", {})
        return lambda value: display_name(value, names)
    if key != "agent":
        return str
    labels = st.session_state.get("carekpi_agent_labels", {})
    return lambda agent: labels.get(agent, agent)
