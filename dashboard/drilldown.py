"""The contacts behind a number, on every page: pick a KPI (a tile), select a chart point (its day, week or group)
or a table row or cell (its group and KPI), and see the contacts of that number's numerator and denominator, the
misses first, with a CSV of the same rows. Served by etl.drilldown.kpi_contacts under the user's scope (the View);
never a patient identifier.

A page draws its tables and charts with selections on, hands each event to `on_rows` / `on_cells` / `on_points`
with a function that turns the selection into a `Narrowing` (the group, the dates and the KPI it stands for), and
ends with `contacts_section`. The latest selection wins; clearing it (or the section's button) widens back to the
page's filters. A link opens the section with `?drill=<kpi>&drill_day=YYYY-MM-DD` (etl.drilldown.drill_params).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from dashboard.context import View
from dashboard.downloads import table_button
from dashboard.tables import show_table
from etl.defaults import measures_for, period_label
from etl.display import CATALOGUE, display_name
from etl.drilldown import DAY_PARAM, DRILL_PARAM, DRILLABLE, HOUR_PARAM, drillable, label
from etl.kpis import Filters
from etl.plain_text import markdown

KPI_KEY, DAY_KEY = "drill_kpi", "drill_day"
NARROW_KEY, SEEN_KEY, URL_KEY = "drill_narrow", "drill_seen", "drill_url_seen"
WHOLE = "whole period"
LIMIT = 500  # rows kpi_contacts lists (its default)
# kpi_table's count of the contacts a list holds (tests/test_drilldown.py), where it is not the KPI's _den column;
# PER_RESPONSE / per evaluation KPIs count something else than contacts
TOTALS = {"contacts_offered": "contacts_offered", "short_abandons": "contacts_offered",
          "contacts_handled": "contacts_handled"}
PER_RESPONSE = ("csat_top2_rate", "csat_mean", "qa_compliant_rate")
COLUMNS = ["contact_id", "offered_at", "channel", "queue", "agent", "team", "partner", "outcome", "scores", "counts",
           "handle_seconds", "repeated_by", "repeated_at", "items_failed"]
GROUPS = ("partners", "sites", "teams", "channels", "queues", "agents")


@dataclass
class Narrowing:
    """What a selected row, cell or point stands for: `label` is said above the contacts ("Chat, week of
    16 Nov"), `kpi` is the table's or chart's KPI (None keeps the picker's), `groups` narrow the filters' lists
    (e.g. {"queues": ["billing"]}), `date_from`/`date_to` the dates (kept inside the page's period), `hour` one hour
    of each day (0–23, reporting time zone: an intraday bar)."""
    label: str
    kpi: str | None = None
    groups: dict[str, list[str]] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    hour: int | None = None
    source: str = ""

    @classmethod
    def period(cls, label: str, start, days: int = 1, **kwargs) -> Narrowing:
        """A day (or a week: days=7) starting at `start` (a date, a timestamp or an ISO string)."""
        first = dt.date.fromisoformat(str(start)[:10])
        return cls(label, date_from=first, date_to=first + dt.timedelta(days=days - 1), **kwargs)

    def apply(self, filters: Filters) -> Filters:
        """The page's filters narrowed; dates are cut to the page's period where they overlap it (a week
        straddling its start), and kept as they are where a chart shows more (the coaching trend's weeks)."""
        update = {name: values for name, values in self.groups.items() if name in GROUPS}
        start, end = self.date_from or filters.date_from, self.date_to or filters.date_to
        if start <= filters.date_to and end >= filters.date_from:
            start, end = max(start, filters.date_from), min(end, filters.date_to)
        return filters.model_copy(update={**update, "date_from": start, "date_to": end})


def _selection(event) -> dict:
    try:
        return dict(event["selection"]) if event is not None else {}
    except (KeyError, TypeError):
        return {}


def follow(page: str, key: str, picked: tuple, make: Callable[[], Narrowing | None]) -> None:
    """`picked` is what the table or chart `key` has selected now (empty: nothing). When it changed since the
    last run, `make()` becomes the page's drill-down; when it was cleared, the page's drill-down widens again."""
    seen = st.session_state.setdefault(SEEN_KEY, {})
    if seen.get((page, key)) == picked:
        return
    seen[(page, key)] = picked
    narrowings = st.session_state.setdefault(NARROW_KEY, {})
    chosen = make() if picked else None
    if chosen is not None:
        chosen.source = key
        narrowings[page] = chosen
        if chosen.kpi:
            st.session_state[KPI_KEY] = chosen.kpi
        st.session_state[DAY_KEY] = WHOLE
    elif not picked and getattr(narrowings.get(page), "source", None) == key:
        narrowings.pop(page)


def on_rows(page: str, key: str, event, make: Callable[[int], Narrowing | None]) -> None:
    """A table selected by row (st.dataframe(..., on_select="rerun", selection_mode="single-row"))."""
    rows = tuple(_selection(event).get("rows") or ())
    follow(page, key, rows, lambda: make(rows[0]))


def on_cells(page: str, key: str, event, make: Callable[[int, str | None], Narrowing | None]) -> None:
    """A table of KPIs (rows) by group (columns), selected by cell or by row: make(row, column or None)."""
    selection = _selection(event)
    cells = tuple(tuple(cell) for cell in selection.get("cells") or ())
    rows = tuple(selection.get("rows") or ())
    picked = cells or rows
    follow(page, key, picked, lambda: make(*cells[0]) if cells else make(rows[0], None))


def on_points(page: str, key: str, event, figure, make: Callable[[str | None, dict], Narrowing | None]) -> None:
    """A chart's clicked point: make(trace name as shown, point) with the point's x, y, curve_number."""
    points = list(_selection(event).get("points") or ())
    picked = tuple((p.get("curve_number"), str(p.get("x")), str(p.get("y"))) for p in points)

    def made():
        point = dict(points[0])
        traces = figure.data if figure is not None else ()
        curve = point.get("curve_number")
        name = traces[curve].name if isinstance(curve, int) and 0 <= curve < len(traces) else None
        return make(name, point)

    follow(page, key, picked, made)


def plotted(shown: dict[str, str]) -> dict[str, str]:
    """{id: name as shown} -> {name as a chart's point carries it: id} (charts HTML-escape names, plain_figure)."""
    return {html.escape(str(name), quote=False): value for value, name in shown.items()}


def pick_point(event, kpi: str, page: str = "overview") -> None:
    """A daily trend's clicked point: drill into that KPI on that day."""
    on_points(page, f"trend_{kpi}", event, None,
              lambda _name, point: Narrowing.period(_day_label(point["x"]), point["x"], kpi=kpi))


def _day_label(value) -> str:
    return f"{dt.date.fromisoformat(str(value)[:10]):%a %d %b %Y}"


def _from_url(page: str) -> None:
    """A link's `drill`, `drill_day` and `drill_hour` open the section once (per link); the user's later choices
    win. A value that is not one (an unknown KPI, a day that is no date) is ignored."""
    kpi, day, hour = (st.query_params.get(p) for p in (DRILL_PARAM, DAY_PARAM, HOUR_PARAM))
    if not kpi or st.session_state.get(URL_KEY) == (page, kpi, day, hour):
        return
    st.session_state[URL_KEY] = (page, kpi, day, hour)
    narrowings = st.session_state.setdefault(NARROW_KEY, {})
    narrowings.pop(page, None)
    if not drillable(kpi):
        return
    st.session_state[KPI_KEY] = kpi
    st.session_state[DAY_KEY] = day or WHOLE
    if day and hour and hour.isdigit() and 0 <= int(hour) <= 23:
        try:
            link = Narrowing.period(f"{_day_label(day)}, {int(hour):02d}:00–{int(hour):02d}:59", day, hour=int(hour))
        except ValueError:
            return
        narrowings[page] = link
        link.source = "link"


def _whole_label(narrowing: Narrowing | None, base: Filters, filters: Filters) -> str:
    """The Day picker's "whole period" when a selected point narrowed the dates: the selection's day or week (and
    hour), so that the picker says what the list holds ("your selection: Thu 19 Nov 2026"), not the page's period."""
    same = (base.date_from, base.date_to) == (filters.date_from, filters.date_to)
    if narrowing is None or (same and narrowing.hour is None):
        return WHOLE
    when = f"{base.date_from:%a %d %b %Y}" if base.date_from == base.date_to else period_label(base)
    hour = f", {narrowing.hour:02d}:00–{narrowing.hour:02d}:59" if narrowing.hour is not None else ""
    return f"your selection: {when}{hour}"


def contacts_section(view: View, filters: Filters, page: str, kpis: tuple[str, ...] = DRILLABLE) -> None:
    """The page's drill-down: `filters` are the page's (the number's period and groups), `kpis` its picker."""
    st.subheader("Contacts behind a number")
    _from_url(page)
    narrowing = st.session_state.get(NARROW_KEY, {}).get(page)
    base = narrowing.apply(filters) if narrowing else filters
    if narrowing:
        st.caption(f"From your selection: **{markdown(narrowing.label)}**. Clear the selection, or:")
        st.button("Show the whole page's contacts", key="drill_widen", on_click=_widen, args=(page,))
    else:
        st.caption("Choose a KPI, or select a table row or a chart point on this page, to list the contacts it "
                   "counts, the ones that count against it first. Contact ids only: never a patient.")
    options = [k for k in dict.fromkeys([*measures_for(base, kpis), st.session_state.get(KPI_KEY)])
               if k and drillable(k, view.settings) and k in measures_for(base, [k])]
    if st.session_state.get(KPI_KEY) not in options:
        st.session_state[KPI_KEY] = options[0]
    left, right = st.columns(2)
    kpi = left.selectbox("KPI", options, format_func=label, key=KPI_KEY)
    whole = _whole_label(narrowing, base, filters)
    span = (base.date_to - base.date_from).days + 1
    days = [WHOLE] + ([] if span == 1 and whole != WHOLE else  # a selected day: the day, not it twice
                      [str(base.date_from + dt.timedelta(days=i)) for i in range(span)])
    if st.session_state.get(DAY_KEY) not in days:
        if st.session_state.get(DAY_KEY) not in (None, WHOLE):
            st.caption(f"The day asked for ({markdown(st.session_state[DAY_KEY])}) is outside this period: showing "
                       "the whole period.")
        st.session_state[DAY_KEY] = WHOLE
    day = right.selectbox("Day", days, key=DAY_KEY, format_func=lambda d: whole if d == WHOLE else d)
    chosen = base if day == WHOLE else base.model_copy(
        update={"date_from": dt.date.fromisoformat(day), "date_to": dt.date.fromisoformat(day)})
    if kpi == "fcr_rate" and day == WHOLE:  # FCR counts closed windows only, as its tiles and tables do
        closed = view.fcr_filters(chosen)
        if closed is not None and closed != chosen:
            st.caption(f"FCR over the latest period of this length whose repeat windows have closed: "
                       f"{period_label(closed)}.")
            chosen = closed
    rows = view.kpi_contacts(kpi, chosen, hour=narrowing.hour if narrowing else None)
    if rows.empty:
        st.info("No contacts behind this number with these filters.")
        return
    names = view.settings.display_names
    shown = rows.assign(counts=rows["in_numerator"].map({True: "yes", False: "no"}),
                        agent=rows["agent"].map(lambda a: view.agent_label(a) if isinstance(a, str) else None),
                        items_failed=rows["items_failed"].map(
                            lambda found: ", ".join(display_name(i, names) for i in found.split(", "))
                            if isinstance(found, str) else None))
    shown = shown[[c for c in COLUMNS if c in shown and shown[c].notna().any()]]
    counts = st.column_config.TextColumn(f"In the numerator of {label(kpi, names).lower()}")
    show_table(shown, key="drill_contacts", names=names, column_config={"Counts": counts})
    st.caption(_shown_count(view, kpi, chosen, len(rows), narrowing.hour if narrowing else None))
    # the CSV holds the rows shown, queues and channels by the names on screen, a missing value empty
    named = {c: shown[c].map(lambda v: display_name(v, names) if isinstance(v, str) else v)
             for c in CATALOGUE if c in shown}
    table_button(view, shown.assign(**named), f"contacts-{kpi}", key="drill_csv")


def _shown_count(view: View, kpi: str, filters: Filters, shown: int, hour: int | None) -> str:
    """How many contacts are listed; at the limit, of how many (the misses come first, so none is cut before a
    contact that counts for the KPI)."""
    if shown < LIMIT:
        return f"{shown:,} contact(s)."
    total, column = None, TOTALS.get(kpi, f"{kpi}_den")
    if hour is None and kpi in DRILLABLE and kpi not in PER_RESPONSE:  # one listed row per counted contact
        row = view.kpis(filters=filters)
        total = int(row.iloc[0][column]) if len(row) and column in row else None
    of = f" of {total:,}" if total else ""
    return (f"The first {shown:,} contacts{of}, the ones that count against the KPI first: pick a row, a point or "
            f"a day to narrow the list.")


def _widen(page: str) -> None:
    st.session_state.setdefault(NARROW_KEY, {}).pop(page, None)
