"""Overview: KPI tiles against the previous period and targets, daily trends, the intraday profile, freshness.

Like with like: a period running past the data is cut at the latest day with data and compared with as many days
before, said at the top. FCR is shown for the latest period of the same length whose windows have closed, labelled
so (etl/defaults.py).
The alerts the rules fired in the period are listed with links (dashboard/alerts_panel.py), and each daily trend
carries its control limits. A trend's point (a day) or an intraday bar or point (an hour of the day) opens the
contacts behind it in "Contacts behind a number" at the foot (dashboard/drilldown.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import alerts_panel
from dashboard.context import current
from dashboard.drilldown import Narrowing, contacts_section, on_points, pick_point
from dashboard.tiles import kpi_tile
from etl import charts
from etl.defaults import closed_label, comparison, measures_for, period_label
from etl.drilldown import DRILLABLE
from etl.kpis import KPI_BY_NAME

TILES = ("contacts_offered", "service_level", "abandon_rate", "asa_seconds", "aht_seconds",
         "fcr_rate", "csat_top2_rate", "qa_compliant_rate", "transfer_rate", "clinical_escalation_rate")
TRENDS = ("service_level", "abandon_rate", "fcr_rate", "csat_top2_rate")
PER_ROW = 5
INTRADAY = {"offered": "contacts_offered", "handled": "contacts_handled", "service level": "service_level"}

view = current()
st.title("Overview")
comp = view.comparison()
if comp.cut:
    st.warning(f"The period chosen runs to {view.filters.date_to:%d %b %Y} but the data ends on "
               f"{comp.current.date_to:%d %b %Y}: comparing {period_label(comp.current)} ({comp.days} days) with "
               f"the {comp.days} days before ({period_label(comp.previous)}).")
else:
    st.caption(f"{period_label(comp.current)}, compared with the {comp.days} days before "
               f"({period_label(comp.previous)}).")
now = view.kpis(filters=comp.current)
if now.empty:
    st.info("No contacts match these filters in this period. Widen the dates or clear a filter.")
    st.stop()
row = now.iloc[0]
before = view.kpis(filters=comp.previous)
prev = before.iloc[0] if len(before) else pd.Series(dtype=object)
fcr_period = view.fcr_filters(comp.current)
fcr_moved = fcr_period is not None and fcr_period != comp.current
if fcr_moved:
    fcr_now = view.kpis(filters=fcr_period)
    fcr_before = view.kpis(filters=comparison(fcr_period, None).previous)
    fcr_row = fcr_now.iloc[0] if len(fcr_now) else pd.Series({"fcr_rate": None, "fcr_rate_num": 0, "fcr_rate_den": 0})
    fcr_prev = fcr_before.iloc[0] if len(fcr_before) else pd.Series(dtype=object)
if view.filters.agents:
    st.caption("Service level, abandonment and contacts offered are queue measures (an unanswered contact has no "
               "agent): they are not shown for a selection of agents.")

tiles = measures_for(view.filters, TILES)
for start in range(0, len(tiles), PER_ROW):
    for column, name in zip(st.columns(PER_ROW), tiles[start:start + PER_ROW]):
        kpi, target = KPI_BY_NAME[name], view.settings.targets.get(name)
        with column:
            if name == "fcr_rate" and fcr_moved:
                kpi_tile(kpi, fcr_row, fcr_prev, target, label="FCR (closed windows)",
                         note=f"{fcr_period.date_from:%d %b} – {fcr_period.date_to:%d %b}")
            elif name == "fcr_rate" and fcr_period is None:
                kpi_tile(kpi, row, prev, target, note="no 7-day window has closed yet")
            else:
                kpi_tile(kpi, row, prev, target)

alerts_panel.render(view)

st.subheader("Daily trend")
st.caption("Dotted lines: control limits from the same weekday of the previous "
           f"{view.settings.alerts.history_weeks} weeks (p-chart with each day's own n for rates, individuals "
           "chart for means); a ringed day is outside them.")
chosen = st.multiselect("KPIs", [k for k in measures_for(view.filters, KPI_BY_NAME) if KPI_BY_NAME[k].unit != "count"],
                        default=measures_for(view.filters, TRENDS), format_func=lambda k: KPI_BY_NAME[k].label,
                        key="overview_trends")
daily = view.kpis(by=("day",))
for start in range(0, len(chosen), 2):
    for column, name in zip(st.columns(2), chosen[start:start + 2]):
        kpi = KPI_BY_NAME[name]
        frame, title = daily, kpi.label
        if name == "fcr_rate" and fcr_moved:
            frame = view.kpis(by=("day",), filters=fcr_period)
            title = closed_label(kpi.label, fcr_period)
        with column:
            if frame.empty or frame[name].isna().all():
                st.info(f"{kpi.label}: no value in this period"
                        + (" (no 7-day window has closed yet)." if name == "fcr_rate" else "."))
            else:
                fig = charts.kpi_trend_chart(frame, kpi, view.settings.targets.get(name), title=title)
                charts.with_control_limits(fig, frame, alerts_panel.trend_limits(view, name, frame),
                                           kpi, alerts_panel.chart_kind(name))
                event = st.plotly_chart(fig, key=f"trend_{name}", on_select="rerun", selection_mode="points")
                if name in DRILLABLE:
                    pick_point(event, name)

st.subheader("Intraday profile")
day = st.date_input("Day", value=comp.current.date_to, min_value=view.filters.date_from,
                    max_value=view.filters.date_to, key="overview_day", format="DD/MM/YYYY")
one_day = view.filters.model_copy(update={"date_from": day, "date_to": day})
hourly = view.kpis(by=("hour",), filters=one_day)
if hourly.empty:
    st.info(f"No contacts on {day:%a %d %b %Y} with these filters.")
else:
    intraday = charts.intraday_chart(hourly, view.settings.targets.get("service_level"),
                                     queue_measures=not view.filters.agents)
    on_points("overview", "intraday", st.plotly_chart(intraday, key="intraday", on_select="rerun",
                                                      selection_mode="points"), intraday,
              lambda name, point: Narrowing.period(f"{day:%a %d %b %Y}, {int(point['x']):02d}:00–"
                                                   f"{int(point['x']):02d}:59", day, hour=int(point["x"]),
                                                   kpi=INTRADAY.get(name)) if name in INTRADAY else None)

st.subheader("Data freshness")
fresh = view.warehouse("freshness")
c1, c2, c3 = st.columns(3)
c1.metric("Last load (UTC)", f"{pd.Timestamp(fresh['last_load_at']):%Y-%m-%d %H:%M}")
latest = fresh["latest_contact_at"]
c2.metric("Latest contact (UTC)", "—" if pd.isna(latest) else f"{pd.Timestamp(latest):%Y-%m-%d %H:%M}",
          help="The latest contact you can see. FCR windows close against the latest contact of the whole centre.")
c3.metric("FCR still pending", f"{int(row['fcr_pending']):,}",
          help="Handled contacts in this view whose 7-day window is still open; not counted in FCR yet.")

contacts_section(view, comp.current, "overview")
