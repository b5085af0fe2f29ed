"""What a view shows when the selection alone would mislead: the FCR period whose windows have closed, the
like-for-like comparison period, and the measures that mean something for the selection.

Pure functions over dates and filters, shared by the app's pages and the reports (no Streamlit, no SQL).
- FCR counts a handled contact only once its repeat window (settings.fcr_window_hours) has closed against the
  latest contact loaded (the horizon). A period ending within a window of the horizon has few or no closed windows,
  so FCR is shown for the latest period of the same length whose days have all closed, and labelled with it.
- A period that runs past the latest day with data is cut at that day, and compared with the period of the same
  length just before it: days with data against days with data.
- Service level, abandonment and offered contacts are queue measures (an unanswered contact has no agent), so they
  are not shown for a selection of agents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from etl.kpis import Filters

QUEUE_MEASURES = frozenset({"contacts_offered", "short_abandons", "service_level", "abandon_rate", "channel_share"})


def fcr_closed_through(horizon_at, window_hours: int, reporting_timezone: str = "UTC") -> dt.date | None:
    """The latest day (reporting time zone) whose every contact's FCR window has closed at `horizon_at` (UTC)."""
    if horizon_at is None or pd.isna(horizon_at):
        return None
    horizon = pd.Timestamp(horizon_at)
    horizon = horizon.tz_localize("UTC") if horizon.tzinfo is None else horizon.tz_convert("UTC")
    latest_closed_start = (horizon - pd.Timedelta(hours=window_hours)).tz_convert(ZoneInfo(reporting_timezone))
    # a day is closed when its end (the next midnight) is no later than horizon - window
    return latest_closed_start.date() - dt.timedelta(days=1)


def fcr_filters(filters: Filters, closed_through: dt.date | None) -> Filters | None:
    """`filters` when every day in it has closed; otherwise the same filters over the latest period of the same
    length ending on `closed_through`; None when no day has closed yet."""
    if closed_through is None:
        return None
    if filters.date_to <= closed_through:
        return filters
    length = filters.date_to - filters.date_from
    return filters.model_copy(update={"date_from": closed_through - length, "date_to": closed_through})


def period_label(filters: Filters) -> str:
    """'09 – 15 Nov 2026', '28 Oct – 03 Nov 2026' or '20 Nov 2026': a period as people write it."""
    start, end = filters.date_from, filters.date_to
    if start == end:
        return f"{end:%d %b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%d} – {end:%d %b %Y}"
    if start.year == end.year:
        return f"{start:%d %b} – {end:%d %b %Y}"
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


def closed_label(label: str, period: Filters) -> str:
    """A KPI's label when it is read over the closed-window period: 'First-contact resolution (windows closed:
    08 – 14 Nov 2026)'."""
    return f"{label} (windows closed: {period_label(period)})"


@dataclass(frozen=True)
class Comparison:
    """The period shown (cut at the last day with data) and the period of the same length just before it."""

    current: Filters
    previous: Filters
    cut: bool  # the chosen period ran past the data and was cut

    @property
    def days(self) -> int:
        return (self.current.date_to - self.current.date_from).days + 1


def comparison(filters: Filters, last_day: dt.date | None) -> Comparison:
    """Like with like: cut the period at `last_day` when it runs past it; compare with as many days before."""
    current, cut = filters, False
    if last_day is not None and filters.date_from <= last_day < filters.date_to:
        current, cut = filters.model_copy(update={"date_to": last_day}), True
    length = (current.date_to - current.date_from).days + 1
    previous = current.model_copy(update={"date_from": current.date_from - dt.timedelta(days=length),
                                          "date_to": current.date_from - dt.timedelta(days=1)})
    return Comparison(current, previous, cut)


def measures_for(filters: Filters, names) -> list[str]:
    """`names` without the queue measures when agents are selected (they mean nothing for an agent)."""
    return [n for n in names if not (filters.agents and n in QUEUE_MEASURES)]


DAILY_UP_TO = 45  # charts over time are daily up to this many days, weekly beyond (one week by week is one dot)


def trend_period(filters: Filters) -> str:
    """The period of a chart over time: "day" for a period of up to DAILY_UP_TO days, "week" beyond. Every chart by
    week (Channels' mix, Quality's pass rate by item, the report's trends) uses it, so a one-week period draws days."""
    return "day" if (filters.date_to - filters.date_from).days < DAILY_UP_TO else "week"
