"""Channels: the channel mix over time, KPIs side by side per channel, and queues by channel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import charts
from dashboard.context import current
from dashboard.downloads import table_button
from dashboard.formatting import fmt
from dashboard.tables import whole_height
from etl.display import display_name
from etl.kpis import KPI_BY_NAME

COMPARED = ("contacts_offered", "contacts_handled", "service_level", "abandon_rate", "asa_seconds", "aht_seconds",
            "fcr_rate", "csat_top2_rate", "transfer_rate", "clinical_escalation_rate", "qa_compliant_rate")

view = current()
st.title("Channels")
by_channel = view.kpis(by=("channel",))
if by_channel.empty:
    st.info("No contacts match these filters in this period.")
    st.stop()

days = (view.filters.date_to - view.filters.date_from).days + 1
period = "day" if days <= 45 else "week"
mix = view.kpis(by=(period, "channel"))
mix["channel"] = mix["channel"].map(lambda c: display_name(c, view.settings.display_names))
st.plotly_chart(charts.channel_mix_chart(mix, x=period), key="channel_mix")

st.subheader("KPIs by channel")
names = view.settings.display_names
side_by_side = pd.DataFrame(
    {display_name(channel, names): [fmt(KPI_BY_NAME[k], row[k]) for k in COMPARED] for channel, row in
     by_channel.set_index("channel").iterrows()},
    index=pd.Index([KPI_BY_NAME[k].label for k in COMPARED], name="KPI"))
st.dataframe(side_by_side, key="channel_table", height=whole_height(len(side_by_side)))
table_button(view, side_by_side.reset_index(names="KPI"), "kpis-by-channel", key="channels_csv")
chosen = st.selectbox("KPI to compare", [k for k in COMPARED if KPI_BY_NAME[k].unit != "count"],
                      format_func=lambda k: KPI_BY_NAME[k].label, key="channels_kpi")
kpi = KPI_BY_NAME[chosen]
left, right = st.columns(2)
with left:
    named = by_channel.assign(channel=by_channel["channel"].map(lambda c: display_name(c, names)))
    st.plotly_chart(charts.kpi_by_channel_chart(named, kpi, view.settings.targets.get(chosen)),
                    key="kpi_by_channel")
with right:
    grid = view.kpis(by=("queue", "channel"))
    grid = grid.assign(queue=grid["queue"].map(lambda q: display_name(q, names)),
                       channel=grid["channel"].map(lambda c: display_name(c, names)))
    st.plotly_chart(charts.queue_channel_heatmap(grid, kpi), key="queue_heatmap")
