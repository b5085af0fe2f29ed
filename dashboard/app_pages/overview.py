"""Overview: KPI tiles against the previous period and targets, daily trends, the intraday profile, freshness."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from etl import charts
from dashboard.context import current
from dashboard.formatting import fmt, fmt_delta, is_missing
from etl.kpis import KPI_BY_NAME
from etl.targets import status

TILES = ("contacts_offered", "service_level", "abandon_rate", "asa_seconds", "aht_seconds",
         "fcr_rate", "csat_top2_rate", "qa_compliant_rate", "transfer_rate", "clinical_escalation_rate")
TRENDS = ("service_level", "abandon_rate", "fcr_rate", "csat_top2_rate")
BADGE = {"green": ":green-badge[on target]", "amber": ":orange-badge[near target]",
         "red": ":red-badge[off target]", "none": ""}

view = current()
st.title("Overview")
st.caption(f"{view.filters.date_from:%d %b %Y} – {view.filters.date_to:%d %b %Y}, compared with the "
           f"{(view.filters.date_to - view.filters.date_from).days + 1} days before.")
now = view.kpis()
if now.empty:
    st.info("No contacts match these filters in this period. Widen the dates or clear a filter.")
    st.stop()
row = now.iloc[0]
before = view.kpis(filters=view.previous_filters())
prev = before.iloc[0] if len(before) else pd.Series(dtype=object)

for start in range(0, len(TILES), 5):
    for column, name in zip(st.columns(5), TILES[start:start + 5]):
        kpi, target = KPI_BY_NAME[name], view.settings.targets.get(name)
        value = row[name]
        state = status(None if is_missing(value) else float(value), target)
        n = f"{int(row[name + '_num']):,} / {int(row[name + '_den']):,}" if kpi.ratio else f"{int(value):,}"
        help_text = f"{kpi.formula}. n = {n}."
        if target is not None:
            help_text += f" Target {fmt(kpi, target.value)}."
        direction = "off" if kpi.higher_is_better is None else ("normal" if kpi.higher_is_better else "inverse")
        with column:
            st.metric(kpi.label, fmt(kpi, value), delta=fmt_delta(kpi, value, prev.get(name)),
                      delta_color=direction, help=help_text, border=True)
            if target is not None:
                st.caption(f"{BADGE[state]} target {fmt(kpi, target.value)}")
            if name == "fcr_rate" and int(row["fcr_rate_den"]) == 0 and int(row["fcr_pending"]) > 0:
                st.caption("No 7-day window has closed yet for these contacts; widen the period.")

st.subheader("Daily trend")
chosen = st.multiselect("KPIs", [k for k in KPI_BY_NAME if KPI_BY_NAME[k].unit != "count"], default=list(TRENDS),
                        format_func=lambda k: KPI_BY_NAME[k].label, key="overview_trends")
daily = view.kpis(by=("day",))
for start in range(0, len(chosen), 2):
    for column, name in zip(st.columns(2), chosen[start:start + 2]):
        with column:
            st.plotly_chart(charts.kpi_trend_chart(daily, KPI_BY_NAME[name], view.settings.targets.get(name)),
                            key=f"trend_{name}")

st.subheader("Intraday profile")
day = st.date_input("Day", value=view.filters.date_to, min_value=view.filters.date_from,
                    max_value=view.filters.date_to, key="overview_day")
one_day = view.filters.model_copy(update={"date_from": day, "date_to": day})
hourly = view.kpis(by=("hour",), filters=one_day)
if hourly.empty:
    st.info(f"No contacts on {day:%a %d %b %Y} with these filters.")
else:
    st.plotly_chart(charts.intraday_chart(hourly, view.settings.targets.get("service_level")), key="intraday")

st.subheader("Data freshness")
fresh = view.warehouse("freshness")
c1, c2, c3 = st.columns(3)
c1.metric("Last load (UTC)", f"{pd.Timestamp(fresh['last_load_at']):%Y-%m-%d %H:%M}")
latest = fresh["latest_contact_at"]
c2.metric("Latest contact (UTC)", "—" if pd.isna(latest) else f"{pd.Timestamp(latest):%Y-%m-%d %H:%M}",
          help="The latest contact you can see. FCR windows close against the latest contact of the whole centre.")
c3.metric("FCR still pending", f"{int(row['fcr_pending']):,}",
          help="Handled contacts in this view whose 7-day window is still open; not counted in FCR yet.")
if isinstance(view.anchor, dt.date) and view.anchor < view.filters.date_to:
    st.caption("The selected period runs past the latest day with data.")
